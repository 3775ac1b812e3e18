package io.floe.tabletopic.writer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.data.GenericFileWriterFactory;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.io.PartitionedFanoutWriter;
import org.apache.iceberg.io.TaskWriter;
import org.apache.iceberg.io.UnpartitionedWriter;
import org.apache.iceberg.io.WriteResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends rows to Parquet data files of a table's current schema and spec, one open file per partition
 * value, rolled at the table's target file size.
 */
public final class AppendingTableWriter implements TableWriter {

  private static final Logger LOG = LoggerFactory.getLogger(AppendingTableWriter.class);

  private final TaskWriter<Record> writer;
  private long rows;

  /**
   * @param table the table whose schema, spec, location and file IO the files use (a transaction's table
   *     when the schema change is not committed yet)
   * @param rowGroupBytes Parquet buffers a row group in memory: this bounds that buffer per open file
   */
  public AppendingTableWriter(Table table, long rowGroupBytes) {
    GenericFileWriterFactory factory = new GenericFileWriterFactory.Builder(table)
        .dataFileFormat(FileFormat.PARQUET)
        .dataSchema(table.schema())
        .writerProperties(Map.of(TableProperties.PARQUET_ROW_GROUP_SIZE_BYTES, String.valueOf(rowGroupBytes)))
        .build();
    OutputFileFactory files = OutputFileFactory.builderFor(table, 0, System.nanoTime()).format(FileFormat.PARQUET).build();
    long targetSize = TableProperties.WRITE_TARGET_FILE_SIZE_BYTES_DEFAULT;
    PartitionSpec spec = table.spec();
    if (spec.isUnpartitioned()) {
      writer = new UnpartitionedWriter<>(spec, FileFormat.PARQUET, factory, files, table.io(), targetSize);
    } else {
      Schema schema = table.schema();
      writer = new PartitionedFanoutWriter<>(spec, FileFormat.PARQUET, factory, files, table.io(), targetSize) {
        private final PartitionKey key = new PartitionKey(spec, schema);
        private final InternalRecordWrapper wrapper = new InternalRecordWrapper(schema.asStruct());

        @Override
        protected PartitionKey partition(Record row) {
          key.partition(wrapper.wrap(row));
          return key;
        }
      };
    }
  }

  @Override
  public void write(Record row) {
    try {
      writer.write(row);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    rows++;
  }

  @Override
  public long rows() {
    return rows;
  }

  @Override
  public WriteResult complete() {
    try {
      return writer.complete();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void abort() {
    try {
      writer.abort();
    } catch (IOException e) {
      LOG.warn("Could not delete the files being written", e);
    }
  }
}
