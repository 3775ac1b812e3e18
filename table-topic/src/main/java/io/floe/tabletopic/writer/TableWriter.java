package io.floe.tabletopic.writer;

import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.WriteResult;

/**
 * Writes one table's rows into files for the next commit. A writer belongs to one schema and one
 * partition spec: when either changes, the pipeline completes it and opens a new one. Used by one thread.
 *
 * <p>Files are written as rows come; nothing is visible in the table until the commit coordinator commits
 * what {@link #complete()} returns.
 */
public interface TableWriter {

  /** Writes {@code row}, a record of the schema this writer was opened with. */
  void write(Record row);

  /** Writes {@code row} in place of the row with its identifier values; only writers of identified rows. */
  default void upsert(Record row) {
    throw new IllegalStateException("Cannot upsert with " + getClass().getSimpleName() + ": it only appends");
  }

  /** Deletes the row with the identifier values of {@code row}; only writers of identified rows. */
  default void delete(Record row) {
    throw new IllegalStateException("Cannot delete with " + getClass().getSimpleName() + ": it only appends");
  }

  /** Whether the writer holds as much as it may: the caller completes it and opens another. */
  default boolean full() {
    return false;
  }

  /** How many rows were written since the writer was opened. */
  long rows();

  /**
   * Closes the open files and returns them, to be committed. The writer cannot be used afterwards; if
   * closing fails, the files are left as they are for the caller to delete through {@link #abort()}.
   *
   * @throws java.io.UncheckedIOException if a file cannot be closed
   */
  WriteResult complete();

  /** Deletes the files written so far (best effort, logged); the writer cannot be used afterwards. */
  void abort();
}
