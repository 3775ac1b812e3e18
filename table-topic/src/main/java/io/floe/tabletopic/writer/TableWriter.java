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
