package io.floe.storage.stream;

import java.util.concurrent.CompletableFuture;

/** Opens and deletes streams. One instance per broker; it owns the WAL, the caches and the object store. */
public interface StreamStore extends AutoCloseable {

  /**
   * Opens the stream (creating it empty if it was never written), taking ownership with a new epoch.
   * Returns the same instance for the same id while it is open.
   */
  CompletableFuture<Stream> open(long streamId);

  /** Deletes the stream's data and metadata. Appends in flight fail; the id is never reused. */
  CompletableFuture<Void> delete(long streamId);

  /** Flushes and acknowledges (or fails) every pending append, then releases resources. */
  @Override
  void close();
}
