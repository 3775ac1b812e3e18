package io.floe.storage.stream;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Blocks of object bytes for reads of older data, bounded in total bytes, evicting the least recently used
 * block first. A block is bytes {@code [position, position + length)} of one object, identified by object id and
 * position: objects are immutable and their ids never reused, so a cached block can never be stale. Blocks of
 * objects that are deleted, or of ranges a stream trimmed, are dropped by {@link #invalidateObjects} and {@link
 * #invalidate} so their memory does not wait for eviction.
 *
 * <p>A block missing from the cache is loaded once however many readers ask for it at the same time; it joins
 * the cache when the load completes (unless it alone exceeds the bound, or its object was invalidated meanwhile).
 * {@link #prefetch} loads blocks nobody waits for yet: that is read-ahead. Bytes of loads in flight are not
 * counted in the bound; read-ahead bounds its own in-flight bytes with {@code maxPrefetchInflightBytes}.
 *
 * <p>Ownership: {@link #get} hands the caller one reference to the block's buffer (a duplicate with its own
 * indexes, sharing the block's memory and reference count), which the caller releases;
 * the cache releases its own reference on eviction, invalidation or {@link #close()}. References are taken
 * under the cache's lock, so a buffer is never retained after the cache released its last reference (pooled
 * buffers are recycled). Every operation under the lock is a few map steps.
 */
final class ObjectBlockCache implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ObjectBlockCache.class);

  /** Bytes {@code [position, position + length)} of object {@code objectKey} (whose id is {@code objectId}). */
  record BlockRef(long objectId, String objectKey, long position, int length) {
    BlockKey key() {
      return new BlockKey(objectId, position);
    }

    long end() {
      return position + length;
    }
  }

  /** Loads a block from the object storage; the returned buffer holds exactly the block's bytes. */
  @FunctionalInterface
  interface Loader {
    CompletableFuture<ByteBuf> load(BlockRef ref);
  }

  record BlockKey(long objectId, long position) implements Comparable<BlockKey> {
    @Override
    public int compareTo(BlockKey o) {
      int c = Long.compare(objectId, o.objectId);
      return c != 0 ? c : Long.compare(position, o.position);
    }
  }

  private static final class Block {
    final BlockKey key;
    final ByteBuf data;
    final int bytes;
    /** Loaded by read-ahead and not yet read: counted as wasted if evicted so. */
    boolean unreadPrefetch;
    /** The list holding the block: {@code active}, or {@code passed} once a sequential reader went past it. */
    Lru list;
    Block newer;
    Block older;

    Block(BlockKey key, ByteBuf data, boolean prefetched) {
      this.key = key;
      this.data = data;
      this.bytes = data.readableBytes();
      this.unreadPrefetch = prefetched;
    }
  }

  private static final class Loading {
    final BlockRef ref;
    final boolean prefetch;
    final List<CompletableFuture<ByteBuf>> waiters = new ArrayList<>(1);
    /** The block's object was invalidated while loading: hand the bytes to the waiters, do not cache them. */
    boolean discard;

    Loading(BlockRef ref, boolean prefetch) {
      this.ref = ref;
      this.prefetch = prefetch;
    }
  }

  private final long maxBytes;
  private final long maxPrefetchInflightBytes;
  private final Loader loader;
  private final ReentrantLock lock = new ReentrantLock();
  // Guarded by lock.
  private final NavigableMap<BlockKey, Block> blocks = new TreeMap<>();
  private final Map<BlockKey, Loading> loading = new HashMap<>();
  /**
   * Blocks a sequential reader went past are unlikely to be read again soon: they wait in {@code passed}, bounded
   * by {@code maxPassedBytes}, and are evicted before any block of {@code active}. This keeps the cache's memory
   * to what readers are about to read instead of cycling all of it through data already consumed.
   */
  private final Lru active = new Lru();
  private final Lru passed = new Lru();
  private final long maxPassedBytes;
  private long totalBytes;
  private long prefetchInflightBytes;
  private boolean closed;

  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder prefetches = new LongAdder();
  private final LongAdder prefetchHits = new LongAdder();
  private final LongAdder prefetchesSkipped = new LongAdder();
  private final LongAdder evictions = new LongAdder();
  private final LongAdder evictedUnread = new LongAdder();
  private final LongAdder loadFailures = new LongAdder();

  ObjectBlockCache(long maxBytes, long maxPrefetchInflightBytes, Loader loader) {
    this.maxBytes = maxBytes;
    this.maxPrefetchInflightBytes = maxPrefetchInflightBytes;
    this.maxPassedBytes = maxBytes / 8;
    this.loader = loader;
  }

  long maxBytes() {
    return maxBytes;
  }

  /**
   * The block's bytes, from the cache or loaded (sharing a load already in flight). Completes on the calling
   * thread if the block is cached, else on the thread that completes the load. The caller releases the buffer.
   */
  CompletableFuture<ByteBuf> get(BlockRef ref) {
    BlockKey key = ref.key();
    CompletableFuture<ByteBuf> waiter;
    boolean startLoad = false;
    lock.lock();
    try {
      if (closed) {
        return CompletableFuture.failedFuture(new IllegalStateException("Cannot read a block: the stream store is closed"));
      }
      Block b = blocks.get(key);
      if (b != null) {
        hits.increment();
        if (b.unreadPrefetch) {
          b.unreadPrefetch = false;
          prefetchHits.increment();
        }
        active.moveToNewest(b);
        return CompletableFuture.completedFuture(b.data.retainedDuplicate());
      }
      Loading l = loading.get(key);
      if (l == null) {
        misses.increment();
        l = new Loading(ref, false);
        loading.put(key, l);
        startLoad = true;
      } else if (l.prefetch && l.waiters.isEmpty()) {
        prefetchHits.increment(); // read-ahead was late, but still saves part of the wait
      }
      waiter = new CompletableFuture<>();
      l.waiters.add(waiter);
    } finally {
      lock.unlock();
    }
    if (startLoad) {
      load(ref);
    }
    return waiter;
  }

  /**
   * Loads, in the background, the blocks not cached or loading (in order, while the in-flight read-ahead bytes
   * stay within their bound), and marks the cached ones as recently used since they are about to be read.
   * Returns how many loads it started.
   */
  int prefetch(List<BlockRef> refs) {
    List<BlockRef> toLoad = new ArrayList<>();
    lock.lock();
    try {
      if (closed) {
        return 0;
      }
      for (BlockRef ref : refs) {
        BlockKey key = ref.key();
        Block b = blocks.get(key);
        if (b != null) {
          active.moveToNewest(b);
          continue;
        }
        if (loading.containsKey(key)) {
          continue;
        }
        if (prefetchInflightBytes + ref.length() > maxPrefetchInflightBytes) {
          prefetchesSkipped.increment();
          break;
        }
        prefetchInflightBytes += ref.length();
        loading.put(key, new Loading(ref, true));
        toLoad.add(ref);
      }
    } finally {
      lock.unlock();
    }
    prefetches.add(toLoad.size());
    for (BlockRef ref : toLoad) {
      load(ref);
    }
    return toLoad.size();
  }

  private void load(BlockRef ref) {
    CompletableFuture<ByteBuf> f;
    try {
      f = loader.load(ref);
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    f.whenComplete((buf, err) -> onLoaded(ref, buf, err));
  }

  private void onLoaded(BlockRef ref, ByteBuf buf, Throwable err) {
    if (err == null && buf.readableBytes() != ref.length()) {
      err = new IllegalStateException(
          "Object " + ref.objectKey() + " holds " + buf.readableBytes() + " bytes at " + ref.position()
              + " where its index promises " + ref.length());
      buf.release();
      buf = null;
    }
    List<CompletableFuture<ByteBuf>> waiters;
    lock.lock();
    try {
      Loading l = loading.remove(ref.key());
      if (l.prefetch) {
        prefetchInflightBytes -= ref.length();
      }
      waiters = l.waiters;
      if (err != null) {
        loadFailures.increment();
      } else {
        int refs = waiters.size();
        if (!l.discard && !closed && buf.readableBytes() <= maxBytes) {
          Block b = new Block(l.ref.key(), buf, l.prefetch && waiters.isEmpty());
          blocks.put(b.key, b);
          active.moveToNewest(b);
          totalBytes += b.bytes;
          evictBeyondBound();
          if (refs > 0) {
            buf.retain(refs);
          }
        } else if (refs == 0) {
          buf.release();
        } else if (refs > 1) {
          buf.retain(refs - 1);
        }
      }
    } finally {
      lock.unlock();
    }
    if (err != null) {
      if (waiters.isEmpty()) {
        LOG.debug("Read-ahead of {} at {} failed", ref.objectKey(), ref.position(), err);
      }
      for (CompletableFuture<ByteBuf> w : waiters) {
        w.completeExceptionally(err);
      }
    } else {
      for (CompletableFuture<ByteBuf> w : waiters) {
        w.complete(buf.duplicate());
      }
    }
  }

  /** Whether the block is cached (not merely loading). */
  boolean contains(long objectId, long position) {
    lock.lock();
    try {
      return blocks.containsKey(new BlockKey(objectId, position));
    } finally {
      lock.unlock();
    }
  }

  /** Drops the cached blocks of the objects, and keeps blocks of them still loading out of the cache. */
  void invalidateObjects(Collection<Long> objectIds) {
    lock.lock();
    try {
      for (long id : objectIds) {
        removeRange(id, Long.MIN_VALUE, Long.MAX_VALUE);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Drops the cached blocks starting within bytes {@code [from, to)} of the object, and those loading there. */
  void invalidate(long objectId, long from, long to) {
    lock.lock();
    try {
      removeRange(objectId, from, to);
    } finally {
      lock.unlock();
    }
  }

  private void removeRange(long objectId, long from, long to) {
    NavigableMap<BlockKey, Block> dead =
        blocks.subMap(new BlockKey(objectId, from), true, new BlockKey(objectId, to), false);
    for (Block b : dead.values()) {
      b.list.remove(b);
      totalBytes -= b.bytes;
      b.data.release();
    }
    dead.clear();
    for (Loading l : loading.values()) {
      if (l.ref.objectId() == objectId && l.ref.position() >= from && l.ref.position() < to) {
        l.discard = true;
      }
    }
  }

  long totalBytes() {
    lock.lock();
    try {
      return totalBytes;
    } finally {
      lock.unlock();
    }
  }

  BlockCacheStats stats() {
    long bytes;
    int count;
    long inflight;
    lock.lock();
    try {
      bytes = totalBytes;
      count = blocks.size();
      inflight = prefetchInflightBytes;
    } finally {
      lock.unlock();
    }
    return new BlockCacheStats(
        bytes, count, hits.sum(), misses.sum(), prefetches.sum(), prefetchHits.sum(), prefetchesSkipped.sum(),
        inflight, evictions.sum(), evictedUnread.sum(), loadFailures.sum());
  }

  /** Releases every block; loads completing later are handed to their waiters or released, never cached. */
  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      for (Block b : blocks.values()) {
        b.data.release();
      }
      blocks.clear();
      active.clear();
      passed.clear();
      totalBytes = 0;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Marks the blocks as gone past by a sequential reader: they are evicted first, and at most {@code maxBytes /
   * 8} of them stay. A later read of one makes it active again.
   */
  void passed(List<BlockRef> refs) {
    lock.lock();
    try {
      for (BlockRef ref : refs) {
        Block b = blocks.get(ref.key());
        if (b != null) {
          passed.moveToNewest(b);
        }
      }
      while (passed.bytes > maxPassedBytes) {
        evict(passed.oldest);
      }
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------- eviction, guarded by lock

  private void evictBeyondBound() {
    while (totalBytes > maxBytes) {
      evict(passed.oldest != null ? passed.oldest : active.oldest);
    }
  }

  private void evict(Block b) {
    b.list.remove(b);
    blocks.remove(b.key);
    totalBytes -= b.bytes;
    evictions.increment();
    if (b.unreadPrefetch) {
      evictedUnread.increment();
    }
    b.data.release();
  }

  /** A doubly linked list of blocks from the most to the least recently used, with their bytes. */
  private static final class Lru {
    Block newest;
    Block oldest;
    long bytes;

    /** Makes the block this list's newest, taking it from the list holding it, if any. */
    void moveToNewest(Block b) {
      if (b.list == this && b == newest) {
        return;
      }
      if (b.list != null) {
        b.list.remove(b);
      }
      b.list = this;
      bytes += b.bytes;
      b.older = newest;
      b.newer = null;
      if (newest != null) {
        newest.newer = b;
      }
      newest = b;
      if (oldest == null) {
        oldest = b;
      }
    }

    void remove(Block b) {
      if (b.newer != null) {
        b.newer.older = b.older;
      } else {
        newest = b.older;
      }
      if (b.older != null) {
        b.older.newer = b.newer;
      } else {
        oldest = b.newer;
      }
      b.newer = null;
      b.older = null;
      b.list = null;
      bytes -= b.bytes;
    }

    void clear() {
      newest = null;
      oldest = null;
      bytes = 0;
    }
  }
}
