package io.floe.tabletopic.writer;

import io.floe.tabletopic.index.KeyIndex;
import io.floe.tabletopic.index.KeyIndex.DataFileRef;
import io.floe.tabletopic.index.KeyIndex.RowLocation;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionField;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.TableUtil;
import org.apache.iceberg.data.BaseDeleteLoader;
import org.apache.iceberg.data.GenericFileWriterFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.deletes.BaseDVFileWriter;
import org.apache.iceberg.deletes.DeleteGranularity;
import org.apache.iceberg.deletes.PositionDelete;
import org.apache.iceberg.deletes.SortingPositionOnlyDeleteWriter;
import org.apache.iceberg.io.DataWriteResult;
import org.apache.iceberg.io.DeleteWriteResult;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.io.RollingDataWriter;
import org.apache.iceberg.io.RollingEqualityDeleteWriter;
import org.apache.iceberg.io.WriteResult;
import org.apache.iceberg.relocated.com.google.common.base.Preconditions;
import org.apache.iceberg.types.TypeUtil;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.util.StructLikeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes inserts, upserts and deletes of a table whose rows are identified by some columns. The {@link
 * KeyIndex} says where each key's live row is, so replacing or removing it is a position delete, which every
 * reader applies cheaply; the index learns the position of every row written here. Only where the index is
 * incomplete (it reached its memory bound) and does not hold a key is the old row removed by an equality
 * delete, counted in {@code equalityDeletes}; keys written here that the full index could not take are
 * remembered by this writer, up to {@link #MAX_UNINDEXED_KEYS} (then {@link #full()} asks to be completed).
 *
 * <p>Position deletes are written per partition, sorted, one file per partition (Iceberg's partition
 * granularity), referencing data files of earlier commits and of this writer alike: they apply to data files
 * of their own commit too. Equality deletes apply only to earlier snapshots, which is why the commit
 * coordinator commits each writer's files as a snapshot of its own.
 *
 * <p>In format v3 tables deletes are deletion vectors instead: one per data file, holding the file's earlier
 * deletes too (read through the index), and replacing its previous one in the commit.
 *
 * <p>Partitioned tables must be partitioned by identifier columns only, so that a key's row never moves to
 * another partition and an equality delete knows its partition.
 */
public final class DeltaTableWriter implements TableWriter {

  private static final Logger LOG = LoggerFactory.getLogger(DeltaTableWriter.class);
  /** Keys this writer wrote while the index was full, remembered here: past this, the writer asks to complete. */
  public static final int MAX_UNINDEXED_KEYS = 100_000;

  private final Schema schema;
  private final Schema keySchema;
  private final PartitionSpec spec;
  private final KeyIndex index;
  private final AtomicLong equalityDeletes;
  private final GenericFileWriterFactory factory;
  private final OutputFileFactory files;
  private final Table table;
  private final long targetFileSize;
  private final PartitionKey partitionKey;
  private final InternalRecordWrapper wrapper;
  private final StructLikeMap<RollingDataWriter<Record>> dataWriters;
  private final Map<Integer, StructLikeMap<SortingPositionOnlyDeleteWriter<Record>>> positionDeletes = new HashMap<>();
  private final StructLikeMap<RollingEqualityDeleteWriter<Record>> equalityWriters;
  private final Map<Object, RowLocation> unindexed = new HashMap<>();
  /** Format v3: deletes go into one deletion vector per data file, merged with the file's previous one. */
  private final BaseDVFileWriter deletionVectors;
  private final PositionDelete<Record> positionDelete = PositionDelete.create();
  private DataFileRef lastFile;
  private long rows;

  /**
   * @param table the table (or a transaction's table) whose schema, spec, location and file IO the files use
   * @param index where the table's live rows are; updated as this writer writes
   * @param equalityDeletes counts the deletes the index could not turn into position deletes
   * @param rowGroupBytes Parquet buffers a row group in memory: this bounds that buffer per open file
   */
  public DeltaTableWriter(Table table, KeyIndex index, AtomicLong equalityDeletes, long rowGroupBytes) {
    this.table = table;
    this.schema = table.schema();
    this.spec = table.spec();
    this.index = index;
    this.equalityDeletes = equalityDeletes;
    Set<Integer> ids = index.columns().stream().map(c -> {
      Types.NestedField f = schema.caseInsensitiveFindField(c);
      Preconditions.checkArgument(f != null, "Cannot write upserts to table %s: it has no identifier column %s",
          table.name(), c);
      return f.fieldId();
    }).collect(Collectors.toSet());
    for (PartitionField field : spec.fields()) {
      Preconditions.checkArgument(ids.contains(field.sourceId()),
          "Cannot write upserts to table %s: it is partitioned by %s, which is not an identifier column (%s); "
              + "partition upsert tables by identifier columns only", table.name(),
          schema.findColumnName(field.sourceId()), index.columns());
    }
    this.keySchema = TypeUtil.select(schema, ids);
    this.factory = new GenericFileWriterFactory.Builder(table)
        .dataFileFormat(FileFormat.PARQUET)
        .dataSchema(schema)
        .deleteFileFormat(FileFormat.PARQUET)
        .equalityFieldIds(ids.stream().mapToInt(Integer::intValue).toArray())
        .equalityDeleteRowSchema(keySchema)
        .writerProperties(Map.of(TableProperties.PARQUET_ROW_GROUP_SIZE_BYTES, String.valueOf(rowGroupBytes)))
        .build();
    this.files = OutputFileFactory.builderFor(table, 0, System.nanoTime()).format(FileFormat.PARQUET).build();
    this.targetFileSize = TableProperties.WRITE_TARGET_FILE_SIZE_BYTES_DEFAULT;
    this.partitionKey = new PartitionKey(spec, schema);
    this.wrapper = new InternalRecordWrapper(schema.asStruct());
    this.dataWriters = StructLikeMap.create(spec.partitionType());
    this.equalityWriters = StructLikeMap.create(spec.partitionType());
    if (TableUtil.formatVersion(table) >= 3) {
      BaseDeleteLoader loader = new BaseDeleteLoader(f -> table.io().newInputFile(f));
      this.deletionVectors = new BaseDVFileWriter(files, location -> {
        DeleteFile previous = index.deletionVector(location);
        return previous == null ? null : loader.loadPositionDeletes(List.of(previous), location);
      });
    } else {
      this.deletionVectors = null;
    }
  }

  @Override
  public void write(Record row) {
    upsert(row);
  }

  @Override
  public void upsert(Record row) {
    Object key = index.keyOf(row, schema);
    removeOldRow(key, row);
    RollingDataWriter<Record> writer = dataWriter(row);
    DataFileRef file = currentFile(writer);
    long position = writer.currentFileRows();
    writer.write(row);
    rows++;
    if (!index.put(key, file, position)) {
      unindexed.put(key, new RowLocation(file, position));
    }
  }

  @Override
  public void delete(Record row) {
    removeOldRow(index.keyOf(row, schema), row);
  }

  /** Whether this writer remembers as many unindexed keys as it may: complete it and open another. */
  @Override
  public boolean full() {
    return unindexed.size() >= MAX_UNINDEXED_KEYS;
  }

  private void removeOldRow(Object key, Record row) {
    RowLocation old = index.remove(key);
    if (old == null) {
      old = unindexed.remove(key);
    }
    if (old != null && deletionVectors != null) {
      DataFileRef file = old.file();
      deletionVectors.delete(file.location(), old.position(), file.spec(), file.partition());
    } else if (old != null) {
      DataFileRef file = old.file();
      positionDelete.set(file.location(), old.position());
      positionDeleteWriter(file).write(positionDelete);
    } else if (!index.complete()) {
      equalityDeleteWriter(row).write(keyOf(row));
      equalityDeletes.incrementAndGet();
    }
  }

  private RollingDataWriter<Record> dataWriter(Record row) {
    return writerOf(dataWriters, row,
        partition -> new RollingDataWriter<>(factory, files, table.io(), targetFileSize, spec, partition));
  }

  private RollingEqualityDeleteWriter<Record> equalityDeleteWriter(Record row) {
    return writerOf(equalityWriters, row,
        partition -> new RollingEqualityDeleteWriter<>(factory, files, table.io(), targetFileSize, spec, partition));
  }

  /** The writer of {@code row}'s partition in {@code writers}, opened by {@code open} (null: unpartitioned). */
  private <W> W writerOf(StructLikeMap<W> writers, Record row, java.util.function.Function<StructLike, W> open) {
    StructLike partition = partitionOf(row);
    W writer = writers.get(partition);
    if (writer == null) {
      writer = open.apply(spec.isUnpartitioned() ? null : partitionKey.copy());
      writers.put(partitionKey.copy(), writer);
    }
    return writer;
  }

  private SortingPositionOnlyDeleteWriter<Record> positionDeleteWriter(DataFileRef file) {
    PartitionSpec fileSpec = file.spec();
    StructLikeMap<SortingPositionOnlyDeleteWriter<Record>> writers =
        positionDeletes.computeIfAbsent(fileSpec.specId(), id -> StructLikeMap.create(fileSpec.partitionType()));
    StructLike partition = fileSpec.isUnpartitioned() ? partitionKey : file.partition();
    SortingPositionOnlyDeleteWriter<Record> writer = writers.get(partition);
    if (writer == null) {
      StructLike filePartition = fileSpec.isUnpartitioned() ? null : file.partition();
      writer = new SortingPositionOnlyDeleteWriter<>(
          () -> factory.newPositionDeleteWriter(files.newOutputFile(fileSpec, filePartition), fileSpec, filePartition),
          DeleteGranularity.PARTITION);
      writers.put(partition, writer);
    }
    return writer;
  }

  private StructLike partitionOf(Record row) {
    partitionKey.partition(wrapper.wrap(row));
    return partitionKey;
  }

  private DataFileRef currentFile(RollingDataWriter<Record> writer) {
    String location = writer.currentFilePath().toString();
    if (lastFile == null || !lastFile.location().equals(location)) {
      lastFile = new DataFileRef(location, spec, spec.isUnpartitioned() ? null : partitionKey.copy());
    }
    return lastFile;
  }

  private Record keyOf(Record row) {
    GenericRecord key = GenericRecord.create(keySchema);
    for (Types.NestedField f : keySchema.columns()) {
      key.setField(f.name(), row.getField(f.name()));
    }
    return key;
  }

  @Override
  public long rows() {
    return rows;
  }

  @Override
  public WriteResult complete() {
    WriteResult.Builder result = WriteResult.builder();
    try {
      for (RollingDataWriter<Record> w : dataWriters.values()) {
        w.close();
        DataWriteResult r = w.result();
        result.addDataFiles(r.dataFiles());
      }
      for (StructLikeMap<SortingPositionOnlyDeleteWriter<Record>> writers : positionDeletes.values()) {
        for (SortingPositionOnlyDeleteWriter<Record> w : writers.values()) {
          w.close();
          DeleteWriteResult r = w.result();
          result.addDeleteFiles(r.deleteFiles());
          result.addReferencedDataFiles(r.referencedDataFiles());
        }
      }
      for (RollingEqualityDeleteWriter<Record> w : equalityWriters.values()) {
        w.close();
        result.addDeleteFiles(w.result().deleteFiles());
      }
      if (deletionVectors != null) {
        deletionVectors.close();
        DeleteWriteResult r = deletionVectors.result();
        result.addDeleteFiles(r.deleteFiles());
        result.addReferencedDataFiles(r.referencedDataFiles());
        result.addRewrittenDeleteFiles(r.rewrittenDeleteFiles());
        index.putDeletionVectors(r.deleteFiles());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return result.build();
  }

  @Override
  public void abort() {
    List<Closeable> open = new ArrayList<>(dataWriters.values());
    positionDeletes.values().forEach(m -> open.addAll(m.values()));
    open.addAll(equalityWriters.values());
    if (deletionVectors != null) {
      open.add(deletionVectors);
    }
    WriteResult.Builder written = WriteResult.builder();
    for (Closeable c : open) {
      try {
        c.close();
      } catch (IOException | RuntimeException e) {
        LOG.warn("Could not close a file being written", e);
      }
    }
    try {
      for (RollingDataWriter<Record> w : dataWriters.values()) {
        written.addDataFiles(w.result().dataFiles());
      }
      positionDeletes.values().forEach(m -> m.values().forEach(w -> written.addDeleteFiles(w.result().deleteFiles())));
      equalityWriters.values().forEach(w -> written.addDeleteFiles(w.result().deleteFiles()));
      if (deletionVectors != null) {
        written.addDeleteFiles(deletionVectors.result().deleteFiles());
      }
    } catch (RuntimeException e) {
      LOG.warn("Could not list the files being written", e);
    }
    WriteResult r = written.build();
    for (var f : r.dataFiles()) {
      deleteQuietly(f.location());
    }
    for (var f : r.deleteFiles()) {
      deleteQuietly(f.location());
    }
  }

  private void deleteQuietly(String location) {
    try {
      table.io().deleteFile(location);
    } catch (RuntimeException e) {
      LOG.warn("Could not delete file {}", location, e);
    }
  }
}
