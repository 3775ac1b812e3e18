package io.floe.storage.stream;

import java.util.concurrent.CompletableFuture;

/** Opens and deletes streams. One instance per broker; it owns the WAL, the caches and the object store. */
public interface StreamStore extends AutoCloseable {

  /**
   * Opens the stream (creating it empty if it was never written), taking ownership with a new epoch.
   * Returns the same instance for the same id while it is open.
   */
  CompletableFuture<Stream> open(long streamId);

  /**
   * Stops serving the stream on this broker (another broker owns it now): later appends fail, its cached data
   * is dropped, and appends already in the WAL commit only if no other owner opened the stream since. The data
   * stays. Completes at once for a stream that is not open.
   */
  CompletableFuture<Void> close(long streamId);

  /** Deletes the stream's data and metadata. Appends in flight fail; the id is never reused. */
  CompletableFuture<Void> delete(long streamId);

  /** Flushes and acknowledges (or fails) every pending append, then releases resources. */
  @Override
  void close();
}
