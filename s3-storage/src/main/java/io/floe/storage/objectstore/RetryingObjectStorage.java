package io.floe.storage.objectstore;

import static io.floe.storage.internal.Preconditions.checkNotNull;

import io.floe.storage.retry.Retrier;
import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Retries the retriable failures of another {@link ObjectStorage} with one {@link Retrier}: throttling, server
 * errors, timeouts and lost connections are tried again with exponential backoff, up to the retrier's attempts
 * and time; a missing key or a refused request fails at once. Every operation of the SPI may be repeated safely
 * (a write puts the same bytes under the same key), so all four are retried.
 *
 * <p>This is where object-store faults are retried: {@link io.floe.storage.FloeStorage} wraps its store in it,
 * and the stores themselves make one attempt per call. Its {@link #retrier()} stats are the retry metrics.
 */
public final class RetryingObjectStorage implements ObjectStorage {
  private final ObjectStorage delegate;
  private final Retrier retrier;

  public RetryingObjectStorage(ObjectStorage delegate, Retrier retrier) {
    this.delegate = checkNotNull(delegate, "delegate");
    this.retrier = checkNotNull(retrier, "retrier");
  }

  /**
   * The policy for object-store calls: retriable {@link ObjectStorageException}s only, {@code maxAttempts}
   * attempts within {@code maxElapsedMs}, backoff from 50 ms doubling up to 2 s, 20% jitter.
   */
  public static Retrier defaultRetrier(int maxAttempts, long maxElapsedMs) {
    return Retrier.builder("object-storage")
        .maxAttempts(maxAttempts)
        .maxElapsedMs(maxElapsedMs)
        .backoffMs(50, 2_000)
        .retryOn(ObjectStorageException.class, ObjectStorageException::retriable)
        .build();
  }

  public ObjectStorage delegate() {
    return delegate;
  }

  public Retrier retrier() {
    return retrier;
  }

  @Override
  public CompletableFuture<Void> write(String key, ByteBuf data) {
    return retrier.run("write " + key, () -> delegate.write(key, data));
  }

  @Override
  public CompletableFuture<ByteBuf> rangeRead(String key, long start, long end) {
    return retrier.run("read " + key + " [" + start + ", " + end + ")", () -> delegate.rangeRead(key, start, end));
  }

  @Override
  public CompletableFuture<Void> delete(List<String> keys) {
    return retrier.run("delete " + keys.size() + " objects", () -> delegate.delete(keys));
  }

  @Override
  public CompletableFuture<List<ObjectInfo>> list(String prefix) {
    return retrier.run("list " + prefix, () -> delegate.list(prefix));
  }

  @Override
  public void close() {
    delegate.close();
  }

  @Override
  public String toString() {
    return "Retrying[" + delegate + ", " + retrier + "]";
  }
}
