package io.floe.tabletopic.index;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.MetadataColumns;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.relocated.com.google.common.base.Preconditions;
import org.apache.iceberg.types.TypeUtil;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.util.ContentFileUtil;

/**
 * Where each live row of an identified table is: its identifier values mapped to a data file and a row
 * position, so an upsert or delete becomes a position delete (cheap for every reader) instead of an
 * equality delete. Built from the table's live rows (deletes applied) and kept up to date by the writer as
 * it writes; the pipeline rebuilds it whenever what it wrote is dropped, so it always agrees with the table
 * plus the files written since the last commit.
 *
 * <p>Bounded: it holds at most {@code maxBytes} of estimated memory. Past that it stops taking new keys and
 * becomes incomplete: a key it does not hold may then still be in the table, and its writer falls back to an
 * equality delete. Used by one thread.
 */
public final class KeyIndex {

  /** Positions take the low 40 bits of an entry, file ids the rest. */
  private static final int POSITION_BITS = 40;
  private static final long MAX_POSITION = (1L << POSITION_BITS) - 1;
  private static final int MAX_FILES = 1 << (63 - POSITION_BITS);

  private final List<String> columns;
  private final long maxBytes;
  private final KeyTable keys = new KeyTable();
  private final List<DataFileRef> files = new ArrayList<>();
  private final Map<String, Integer> fileIds = new HashMap<>();
  /** The deletion vector of each data file that has one (format v3 tables), by data file location. */
  private final Map<String, DeleteFile> deletionVectors = new HashMap<>();
  private Schema positionsOf;
  private int[] positions;
  private boolean complete = true;
  private long keyBytes;

  /** A data file rows are indexed in: its location and the partition its delete files must carry. */
  public record DataFileRef(String location, PartitionSpec spec, StructLike partition) {}

  /** A live row: the data file holding it and its position there. */
  public record RowLocation(DataFileRef file, long position) {}

  /**
   * @param columns the top-level identifier columns, in key order
   * @param maxBytes the memory the index may take (estimated)
   */
  public KeyIndex(List<String> columns, long maxBytes) {
    Preconditions.checkArgument(!columns.isEmpty(), "A key index needs identifier columns");
    this.columns = List.copyOf(columns);
    this.maxBytes = maxBytes;
  }

  public List<String> columns() {
    return columns;
  }

  /** Whether every live key of the table is in the index: a key it does not hold is not in the table. */
  public boolean complete() {
    return complete;
  }

  public int size() {
    return keys.size();
  }

  /** The memory the index takes, estimated. */
  public long estimatedBytes() {
    return keys.tableBytes() + keyBytes + files.size() * 200L;
  }

  /** The key of {@code row}: its identifier values, in a form whose equals and hashCode compare values. */
  public Object keyOf(StructLike row, Schema schema) {
    if (positionsOf != schema) {
      positions = new int[columns.size()];
      for (int i = 0; i < positions.length; i++) {
        Types.NestedField field = schema.caseInsensitiveFindField(columns.get(i));
        Preconditions.checkArgument(field != null, "The table has no identifier column %s", columns.get(i));
        positions[i] = schema.columns().indexOf(field);
      }
      positionsOf = schema;
    }
    if (positions.length == 1) {
      return normalize(row.get(positions[0], Object.class));
    }
    Object[] values = new Object[positions.length];
    for (int i = 0; i < values.length; i++) {
      values[i] = normalize(row.get(positions[i], Object.class));
    }
    return Arrays.asList(values);
  }

  /** Removes {@code key}; returns where its row was, or null if the index did not hold it. */
  public RowLocation remove(Object key) {
    long entry = keys.remove(key);
    if (entry < 0) {
      return null;
    }
    keyBytes -= keyBytes(key);
    return location(entry);
  }

  /**
   * Records that the live row of {@code key} is at {@code position} of {@code file}; false if the index is full
   * (it is then incomplete, and the caller keeps track of the key itself).
   */
  public boolean put(Object key, DataFileRef file, long position) {
    Preconditions.checkArgument(position >= 0 && position <= MAX_POSITION, "Row position out of range: %s", position);
    long entry = ((long) fileId(file) << POSITION_BITS) | position;
    long previous = keys.get(key);
    if (previous < 0 && estimatedBytes() + keyBytes(key) + KeyTable.BYTES_PER_SLOT > maxBytes) {
      complete = false;
      return false;
    }
    keys.put(key, entry);
    if (previous < 0) {
      keyBytes += keyBytes(key);
    }
    return true;
  }

  /**
   * The deletion vector of the data file at {@code location}, committed or written for the next commit;
   * null if it has none. A new deletion vector of that file must hold its deletes too.
   */
  public DeleteFile deletionVector(String location) {
    return deletionVectors.get(location);
  }

  /** Records deletion vectors written for the next commit: each replaces its data file's previous one. */
  public void putDeletionVectors(Iterable<DeleteFile> dvs) {
    for (DeleteFile dv : dvs) {
      if (ContentFileUtil.isDV(dv)) {
        deletionVectors.put(dv.referencedDataFile(), dv);
      }
    }
  }

  /** Forgets every key: the table is empty (after a truncate). */
  public void clear() {
    keys.clear();
    files.clear();
    fileIds.clear();
    deletionVectors.clear();
    keyBytes = 0;
    complete = true;
  }

  /**
   * Replaces what the index holds by the table's live rows at its current snapshot: data files are read for
   * their identifier columns and row positions, with the table's delete files applied.
   *
   * @throws UncheckedIOException if a file cannot be read
   */
  public void rebuild(Table table) {
    clear();
    if (table.currentSnapshot() == null) {
      return;
    }
    Schema schema = table.schema();
    Set<Integer> ids = columns.stream().map(c -> {
      Types.NestedField f = schema.caseInsensitiveFindField(c);
      Preconditions.checkArgument(f != null, "Table %s has no identifier column %s", table.name(), c);
      return f.fieldId();
    }).collect(Collectors.toSet());
    Schema keys = TypeUtil.select(schema, ids);
    Schema projection = TypeUtil.join(keys, new Schema(MetadataColumns.ROW_POSITION));
    try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
      for (FileScanTask task : tasks) {
        putDeletionVectors(task.deletes());
        index(table, task, projection);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the keys of table " + table.name(), e);
    }
  }

  private void index(Table table, FileScanTask task, Schema projection) throws IOException {
    DataFileRef file = new DataFileRef(task.file().location(), task.spec(), task.file().partition());
    try (LiveRows live = LiveRows.open(table, task, projection)) {
      for (Record row : live.rows()) {
        Object key = keyOf(row, live.schema());
        long position = (Long) row.getField(MetadataColumns.ROW_POSITION.name());
        if (!put(key, file, position)) {
          return;
        }
      }
    }
  }

  private int fileId(DataFileRef file) {
    Integer id = fileIds.get(file.location());
    if (id != null) {
      return id;
    }
    Preconditions.checkState(files.size() < MAX_FILES, "The key index holds too many data files: %s", files.size());
    files.add(file);
    fileIds.put(file.location(), files.size() - 1);
    return files.size() - 1;
  }

  private RowLocation location(long entry) {
    return new RowLocation(files.get((int) (entry >>> POSITION_BITS)), entry & MAX_POSITION);
  }

  /** Values whose equals compare contents: strings for any char sequence, buffers for byte arrays. */
  private static Object normalize(Object value) {
    if (value instanceof CharSequence s && !(value instanceof String)) {
      return s.toString();
    }
    if (value instanceof byte[] bytes) {
      return ByteBuffer.wrap(bytes);
    }
    return value;
  }

  /** The memory one key takes beyond its slot, estimated. */
  private static long keyBytes(Object key) {
    if (key instanceof List<?> values) {
      long sum = 40 + 8L * values.size();
      for (Object v : values) {
        sum += keyBytes(v);
      }
      return sum;
    }
    if (key instanceof String s) {
      return 56 + s.length();
    }
    if (key instanceof ByteBuffer b) {
      return 64 + b.remaining();
    }
    return 24;
  }
}
