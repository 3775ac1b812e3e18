package io.floe.storage.objectstore;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledUnsafeDirectByteBuf;
import io.netty.util.internal.PlatformDependent;
import java.nio.MappedByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A whole local object mapped into memory, unmapped as soon as nothing uses it: not when the garbage collector
 * happens to find the mapping unreachable, which could keep a deleted object's disk space for hours. One reference
 * is the read cache's; each slice handed to a reader holds another until it is released (Netty reference
 * counting). Unmapping while a slice is still readable would crash the JVM, so a slice must never be used after
 * its release: the contract every pooled buffer has anyway.
 *
 * <p>The mapping is {@link java.nio.channels.FileChannel.MapMode#PRIVATE} (copy on write): it shares the page cache
 * like a read-only one, as nothing is ever written to it, and Netty wraps it with a buffer class that can be told
 * what to do on release, which it refuses for read-only buffers.
 */
final class ObjectMapping {

  private final MappedByteBuffer buffer;
  private final AtomicInteger refs = new AtomicInteger(1);

  ObjectMapping(MappedByteBuffer buffer) {
    this.buffer = buffer;
  }

  /**
   * Bytes {@code [start, start + length)} of the object as a buffer of their own, its pages loaded; release it
   * when done. Call while holding a reference (the caller's read keeps the cache's).
   */
  ByteBuf slice(int start, int length) {
    int r;
    do {
      r = refs.get();
      if (r == 0) {
        throw new IllegalStateException("Cannot read a mapping that was already unmapped");
      }
    } while (!refs.compareAndSet(r, r + 1));
    MappedByteBuffer slice = buffer.slice(start, length);
    slice.load();
    return new Slice(slice, this);
  }

  /** Drops one reference; the last unmaps. */
  void release() {
    if (refs.decrementAndGet() == 0) {
      PlatformDependent.freeDirectBuffer(buffer);
    }
  }

  /** A slice that gives its reference back when Netty deallocates it. */
  private static final class Slice extends UnpooledUnsafeDirectByteBuf {
    private final ObjectMapping mapping;

    Slice(MappedByteBuffer bytes, ObjectMapping mapping) {
      super(UnpooledByteBufAllocator.DEFAULT, bytes, bytes.remaining());
      this.mapping = mapping;
    }

    @Override
    protected void deallocate() {
      super.deallocate(); // frees nothing: the buffer was not allocated by Netty
      mapping.release();
    }
  }
}
