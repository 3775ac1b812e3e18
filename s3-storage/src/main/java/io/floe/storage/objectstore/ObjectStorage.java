package io.floe.storage.objectstore;

import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A flat key/value object store with S3 semantics: whole-object writes, ranged reads, batch deletes and
 * prefix listing. Keys are '/'-separated paths exactly as they would appear in an S3 bucket.
 *
 * <p>All methods are asynchronous. Failures complete the future exceptionally with an {@link
 * ObjectStorageException}; nothing is thrown from the calling thread.
 */
public interface ObjectStorage extends AutoCloseable {

  /**
   * Writes {@code data} as the whole object {@code key}, replacing any previous object. The future
   * completes once the object is durable and visible to {@link #rangeRead}. The caller keeps ownership of
   * {@code data} and must not release it before the future completes; the storage never releases it.
   */
  CompletableFuture<Void> write(String key, ByteBuf data);

  /**
   * Reads bytes {@code [start, end)} of object {@code key}. The returned buffer belongs to the caller, who
   * must release it. Completes exceptionally with {@link ObjectNotFoundException} if there is no such key.
   */
  CompletableFuture<ByteBuf> rangeRead(String key, long start, long end);

  /** Deletes the given keys; keys that do not exist are ignored. */
  CompletableFuture<Void> delete(List<String> keys);

  /** Lists the objects whose key starts with {@code prefix}, in key order. */
  CompletableFuture<List<ObjectInfo>> list(String prefix);

  @Override
  void close();

  /** One listed object. */
  record ObjectInfo(String key, long size, long lastModifiedMs) {}
}
