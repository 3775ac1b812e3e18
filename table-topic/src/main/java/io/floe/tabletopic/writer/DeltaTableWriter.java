package io.floe.tabletopic.writer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.data.GenericFileWriterFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.BaseTaskWriter;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.io.WriteResult;
import org.apache.iceberg.relocated.com.google.common.base.Preconditions;
import org.apache.iceberg.types.Types;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes upserts and deletes of an unpartitioned table whose rows are identified by some columns, with
 * Iceberg's equality delta writer: a key written earlier by this writer is deleted by position; a key of an
 * earlier writer or commit by an equality delete, which applies to every data file with a lower sequence
 * number. The commit coordinator commits each writer's files as a snapshot of its own, in order, so a later
 * writer's equality deletes apply to an earlier writer's rows of the same commit.
 */
public final class DeltaTableWriter implements TableWriter {

  private static final Logger LOG = LoggerFactory.getLogger(DeltaTableWriter.class);

  private final Schema keySchema;
  private final Writer writer;
  private long rows;

  /**
   * @param table the table (or a transaction's table) whose schema, location and file IO the files use
   * @param identifierColumns the top-level columns that identify a row
   * @param rowGroupBytes Parquet buffers a row group in memory: this bounds that buffer per open file
   */
  public DeltaTableWriter(Table table, List<String> identifierColumns, long rowGroupBytes) {
    Schema schema = table.schema();
    PartitionSpec spec = table.spec();
    Preconditions.checkArgument(spec.isUnpartitioned(),
        "Cannot write upserts to table %s: partitioned upsert tables are not supported, its spec is %s",
        table.name(), spec);
    Preconditions.checkArgument(!identifierColumns.isEmpty(), "Cannot write upserts: no identifier columns");
    int[] ids = new int[identifierColumns.size()];
    for (int i = 0; i < ids.length; i++) {
      Types.NestedField f = schema.caseInsensitiveFindField(identifierColumns.get(i));
      Preconditions.checkArgument(f != null, "Cannot write upserts to table %s: it has no identifier column %s",
          table.name(), identifierColumns.get(i));
      ids[i] = f.fieldId();
    }
    this.keySchema = org.apache.iceberg.types.TypeUtil.select(schema, java.util.Arrays.stream(ids).boxed()
        .collect(java.util.stream.Collectors.toSet()));
    GenericFileWriterFactory factory = new GenericFileWriterFactory.Builder(table)
        .dataFileFormat(FileFormat.PARQUET)
        .dataSchema(schema)
        .deleteFileFormat(FileFormat.PARQUET)
        .equalityFieldIds(ids)
        .equalityDeleteRowSchema(keySchema)
        .writerProperties(Map.of(TableProperties.PARQUET_ROW_GROUP_SIZE_BYTES, String.valueOf(rowGroupBytes)))
        .build();
    OutputFileFactory files = OutputFileFactory.builderFor(table, 0, System.nanoTime()).format(FileFormat.PARQUET).build();
    this.writer = new Writer(spec, factory, files, table, schema, keySchema);
  }

  @Override
  public void write(Record row) {
    try {
      writer.delta.write(row);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    rows++;
  }

  @Override
  public void upsert(Record row) {
    delete(row);
    write(row);
  }

  @Override
  public void delete(Record row) {
    GenericRecord key = GenericRecord.create(keySchema);
    for (Types.NestedField f : keySchema.columns()) {
      key.setField(f.name(), row.getField(f.name()));
    }
    try {
      writer.delta.deleteKey(key);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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

  /** Iceberg's task writer with one equality delta writer (unpartitioned). */
  private static final class Writer extends BaseTaskWriter<Record> {
    private final RowDelta delta;

    Writer(PartitionSpec spec, GenericFileWriterFactory factory, OutputFileFactory files, Table table, Schema schema,
        Schema keySchema) {
      super(spec, FileFormat.PARQUET, factory, files, table.io(), TableProperties.WRITE_TARGET_FILE_SIZE_BYTES_DEFAULT);
      this.delta = new RowDelta(schema, keySchema);
    }

    @Override
    public void write(Record row) throws IOException {
      delta.write(row);
    }

    @Override
    public void close() throws IOException {
      delta.close();
    }

    private final class RowDelta extends BaseEqualityDeltaWriter {
      private final InternalRecordWrapper rowWrapper;
      private final InternalRecordWrapper keyWrapper;

      RowDelta(Schema schema, Schema keySchema) {
        super(null, schema, keySchema);
        this.rowWrapper = new InternalRecordWrapper(schema.asStruct());
        this.keyWrapper = new InternalRecordWrapper(keySchema.asStruct());
      }

      @Override
      protected StructLike asStructLike(Record row) {
        return rowWrapper.wrap(row);
      }

      @Override
      protected StructLike asStructLikeKey(Record key) {
        return keyWrapper.wrap(key);
      }
    }
  }
}
