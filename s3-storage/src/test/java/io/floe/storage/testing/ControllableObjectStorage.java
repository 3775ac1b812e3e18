package io.floe.storage.testing;

import io.floe.storage.objectstore.ObjectStorage;
import io.floe.storage.objectstore.ObjectStorageException;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Wraps a real {@link ObjectStorage}, letting a test hold writes until released, fail writes, and count calls.
 */
public final class ControllableObjectStorage implements ObjectStorage {
  private final ObjectStorage delegate;
  private final List<Held> held = new ArrayList<>();
  private Predicate<String> holdIf = key -> false;
  private int failNext;
  private boolean failRetriable;
  public final AtomicInteger writes = new AtomicInteger();
  public final AtomicInteger completedWrites = new AtomicInteger();
  public final AtomicInteger reads = new AtomicInteger();
  public final java.util.concurrent.atomic.AtomicLong bytesRead = new java.util.concurrent.atomic.AtomicLong();
  public final List<String> writtenKeys = new java.util.concurrent.CopyOnWriteArrayList<>();

  private record Held(String key, ByteBuf data, CompletableFuture<Void> result) {}

  public ControllableObjectStorage(ObjectStorage delegate) {
    this.delegate = delegate;
  }

  /** Writes of keys matching the predicate wait until {@link #release()}. */
  public synchronized void holdWrites(Predicate<String> which) {
    this.holdIf = which;
  }

  public void holdAllWrites() {
    holdWrites(key -> true);
  }

  /** Stops holding and performs the held writes in the order they arrived. */
  public void release() {
    List<Held> toRun;
    synchronized (this) {
      holdIf = key -> false;
      toRun = new ArrayList<>(held);
      held.clear();
    }
    for (Held h : toRun) {
      doWrite(h.key, h.data).whenComplete((v, e) -> {
        if (e != null) {
          h.result.completeExceptionally(e);
        } else {
          h.result.complete(null);
        }
      });
    }
  }

  public synchronized int heldWrites() {
    return held.size();
  }

  /** The next {@code n} writes fail (without writing). */
  public synchronized void failNextWrites(int n, boolean retriable) {
    this.failNext = n;
    this.failRetriable = retriable;
  }

  @Override
  public CompletableFuture<Void> write(String key, ByteBuf data) {
    writes.incrementAndGet();
    synchronized (this) {
      if (failNext > 0) {
        failNext--;
        return CompletableFuture.failedFuture(new ObjectStorageException("injected failure writing " + key, null, failRetriable));
      }
      if (holdIf.test(key)) {
        Held h = new Held(key, data, new CompletableFuture<>());
        held.add(h);
        return h.result;
      }
    }
    return doWrite(key, data);
  }

  private CompletableFuture<Void> doWrite(String key, ByteBuf data) {
    return delegate.write(key, data).thenRun(() -> {
      writtenKeys.add(key);
      completedWrites.incrementAndGet();
    });
  }

  @Override
  public CompletableFuture<ByteBuf> rangeRead(String key, long start, long end) {
    reads.incrementAndGet();
    return delegate.rangeRead(key, start, end).thenApply(buf -> {
      bytesRead.addAndGet(buf.readableBytes());
      return buf;
    });
  }

  @Override
  public CompletableFuture<Void> delete(List<String> keys) {
    return delegate.delete(keys);
  }

  @Override
  public CompletableFuture<List<ObjectInfo>> list(String prefix) {
    return delegate.list(prefix);
  }

  @Override
  public void close() {
    delegate.close();
  }
}
