package io.floe.tabletopic.index;

import java.io.Closeable;
import java.io.IOException;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericDeleteFilter;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetReaders;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.parquet.Parquet;

/**
 * The live rows of one data file: its Parquet rows with the task's delete files applied, read by the key index
 * (key columns and row positions) and by maintenance rewrites (every column).
 *
 * @param schema the rows' schema: the projection's columns first, then any the deletes need to be applied
 * @param rows the rows; closing this closes them
 */
public record LiveRows(Schema schema, CloseableIterable<Record> rows) implements Closeable {

  /** Opens the live rows of {@code task}'s data file in {@code projection} (of {@code table}'s schema). */
  public static LiveRows open(Table table, FileScanTask task, Schema projection) {
    GenericDeleteFilter deletes = new GenericDeleteFilter(table.io(), task, table.schema(), projection);
    Schema required = deletes.requiredSchema();
    return new LiveRows(required, deletes.filter(Parquet.read(table.io().newInputFile(task.file().location()))
        .project(required)
        .createReaderFunc(fileSchema -> GenericParquetReaders.buildReader(required, fileSchema))
        .build()));
  }

  @Override
  public void close() throws IOException {
    rows.close();
  }
}
