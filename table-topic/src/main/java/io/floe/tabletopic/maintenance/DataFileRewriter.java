package io.floe.tabletopic.maintenance;

import io.floe.tabletopic.index.LiveRows;
import io.floe.tabletopic.writer.AppendingTableWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.WriteResult;

/**
 * Writes the live rows of some data files again, their deletes applied, into new data files of the table's
 * current schema and spec. Nothing is committed here; a failure deletes what was written.
 */
public final class DataFileRewriter {

  private final long rowGroupBytes;

  /** @param rowGroupBytes Parquet buffers a row group in memory: this bounds that buffer per open file */
  public DataFileRewriter(long rowGroupBytes) {
    this.rowGroupBytes = rowGroupBytes;
  }

  /** Writes the live rows of {@code tasks}; returns the new data files and how many rows they hold. */
  public Result rewrite(Table table, List<FileScanTask> tasks) {
    Schema schema = table.schema();
    AppendingTableWriter writer = new AppendingTableWriter(table, rowGroupBytes);
    try {
      for (FileScanTask task : tasks) {
        copyLiveRows(table, task, schema, writer);
      }
      return new Result(writer.complete(), writer.rows());
    } catch (RuntimeException e) {
      writer.abort();
      throw e;
    }
  }

  /** The new files and their row count. */
  public record Result(WriteResult files, long rows) {}

  private static void copyLiveRows(Table table, FileScanTask task, Schema schema, AppendingTableWriter writer) {
    int columns = schema.columns().size();
    try (LiveRows live = LiveRows.open(table, task, schema)) {
      boolean extra = live.schema().columns().size() != columns;
      for (Record row : live.rows()) {
        if (!extra) {
          writer.write(row);
        } else {
          // the deletes needed columns (row positions) after the table's
          GenericRecord out = GenericRecord.create(schema);
          for (int i = 0; i < columns; i++) {
            out.set(i, row.get(i));
          }
          writer.write(out);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read data file " + task.file().location(), e);
    }
  }
}
