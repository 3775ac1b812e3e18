package io.floe.storage.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.storage.stream.ObjectBlockCache.BlockRef;
import io.floe.storage.testing.LeakCheck;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The block cache on its own, with a loader the test completes: bounds, sharing, eviction and who releases what. */
class ObjectBlockCacheTest {
  private static final int BLOCK = 100;

  /** Loads by ref, in call order; each load's buffer, once the test completes it. */
  private final Map<BlockRef, CompletableFuture<ByteBuf>> loads = new LinkedHashMap<>();
  private final List<ByteBuf> loaded = new ArrayList<>();
  private boolean completeAtOnce = true;
  private ObjectBlockCache cache;

  @AfterEach
  void tearDown() {
    if (cache != null) {
      cache.close();
    }
    // Whatever a test did, nothing the loader handed out outlives the cache and the test's own references.
    for (ByteBuf b : loaded) {
      assertEquals(0, b.refCnt(), "a loaded block was not released");
    }
  }

  @AfterAll
  static void reportLeaks() {
    LeakCheck.provoke();
  }

  private ObjectBlockCache cache(long maxBytes, long maxPrefetchInflightBytes) {
    cache = new ObjectBlockCache(maxBytes, maxPrefetchInflightBytes, this::load);
    return cache;
  }

  private synchronized CompletableFuture<ByteBuf> load(BlockRef ref) {
    CompletableFuture<ByteBuf> f = new CompletableFuture<>();
    loads.put(ref, f);
    if (completeAtOnce) {
      complete(ref);
    }
    return f;
  }

  private void complete(BlockRef ref) {
    // Unpooled, so a released buffer is not recycled into a later load and its reference count stays telling.
    ByteBuf buf = UnpooledByteBufAllocator.DEFAULT.directBuffer(ref.length());
    for (int i = 0; i < ref.length(); i++) {
      buf.writeByte((int) (ref.objectId() + ref.position() + i));
    }
    loaded.add(buf);
    loads.get(ref).complete(buf);
  }

  private static BlockRef ref(long objectId, long position) {
    return new BlockRef(objectId, "wal/" + objectId, position, BLOCK);
  }

  private static ByteBuf join(CompletableFuture<ByteBuf> f) {
    return f.join();
  }

  @Test
  void concurrentReadersOfAMissingBlockShareOneLoadAndLaterReadsHit() {
    // Given a block whose load has not completed
    completeAtOnce = false;
    cache(10 * BLOCK, 10 * BLOCK);
    CompletableFuture<ByteBuf> first = cache.get(ref(1, 0));
    CompletableFuture<ByteBuf> second = cache.get(ref(1, 0));
    assertEquals(1, loads.size());

    // When the load completes
    complete(ref(1, 0));

    // Then both readers get its bytes, and the next read is a hit served at once
    ByteBuf a = join(first);
    ByteBuf b = join(second);
    CompletableFuture<ByteBuf> third = cache.get(ref(1, 0));
    assertTrue(third.isDone());
    ByteBuf c = join(third);
    assertEquals(a.getByte(7), c.getByte(7));
    assertEquals(1, loads.size());
    assertEquals(1, cache.stats().hits());
    a.release();
    b.release();
    c.release();
    assertEquals(1, loaded.get(0).refCnt(), "only the cache's reference is left");
  }

  @Test
  void theLeastRecentlyUsedBlocksAreEvictedToStayWithinTheBoundAndTheirBuffersReleased() {
    // Given a cache of three blocks holding blocks 0, 1, 2, with 0 read again since
    cache(3 * BLOCK, 0);
    for (int i = 0; i < 3; i++) {
      join(cache.get(ref(1, i * BLOCK))).release();
    }
    join(cache.get(ref(1, 0))).release();

    // When a fourth block is read
    join(cache.get(ref(1, 3 * BLOCK))).release();

    // Then block 1, the least recently used, was evicted and released; the bound holds
    assertFalse(cache.contains(1, BLOCK));
    assertEquals(0, loaded.get(1).refCnt());
    assertTrue(cache.contains(1, 0));
    assertTrue(cache.contains(1, 3 * BLOCK));
    assertEquals(3 * BLOCK, cache.totalBytes());
    assertEquals(1, cache.stats().evictions());
  }

  @Test
  void aBlockHeldByAReaderOutlivesItsEvictionUntilTheReaderReleasesIt() {
    cache(BLOCK, 0);
    ByteBuf held = join(cache.get(ref(1, 0)));
    byte expected = held.getByte(42);

    join(cache.get(ref(2, 0))).release(); // evicts block (1, 0)

    assertFalse(cache.contains(1, 0));
    assertEquals(1, held.refCnt());
    assertEquals(expected, held.getByte(42));
    held.release();
    assertEquals(0, loaded.get(0).refCnt());
  }

  @Test
  void aBlockLargerThanTheWholeCacheIsHandedOverButNotKept() {
    cache(BLOCK / 2, 0);

    ByteBuf b = join(cache.get(ref(1, 0)));

    assertEquals(BLOCK, b.readableBytes());
    assertEquals(0, cache.totalBytes());
    b.release();
  }

  @Test
  void readAheadLoadsMissingBlocksOnceAndTheReadThatFollowsIsAHit() {
    cache(10 * BLOCK, 10 * BLOCK);
    join(cache.get(ref(1, 0))).release();

    int started = cache.prefetch(List.of(ref(1, 0), ref(1, BLOCK), ref(1, 2 * BLOCK)));
    int again = cache.prefetch(List.of(ref(1, BLOCK), ref(1, 2 * BLOCK)));

    assertEquals(2, started);
    assertEquals(0, again);
    join(cache.get(ref(1, BLOCK))).release();
    BlockCacheStats stats = cache.stats();
    assertEquals(2, stats.prefetches());
    assertEquals(1, stats.prefetchHits());
    assertEquals(1, stats.misses());
    assertEquals(3, loads.size());
  }

  @Test
  void readAheadInFlightStaysWithinItsBound() {
    completeAtOnce = false;
    cache(100 * BLOCK, 2 * BLOCK + BLOCK / 2);

    int started = cache.prefetch(List.of(ref(1, 0), ref(2, 0), ref(3, 0), ref(4, 0)));

    assertEquals(2, started);
    assertEquals(2 * BLOCK, cache.stats().prefetchInflightBytes());
    new ArrayList<>(loads.keySet()).forEach(this::complete);
    assertEquals(0, cache.stats().prefetchInflightBytes());
    assertEquals(1, cache.prefetch(List.of(ref(3, 0))));
  }

  @Test
  void blocksOfInvalidatedObjectsAreDroppedAndLoadsInFlightForThemAreNotCached() {
    // Given a cached block of object 1, and a read of object 2 still loading
    cache(10 * BLOCK, 0);
    join(cache.get(ref(1, 0))).release();
    completeAtOnce = false;
    CompletableFuture<ByteBuf> loading = cache.get(ref(2, 0));

    // When both objects are invalidated (deleted), and then the load completes
    cache.invalidateObjects(List.of(1L, 2L));
    complete(ref(2, 0));

    // Then the cached block is gone and released, and the late load reaches its reader but not the cache
    assertFalse(cache.contains(1, 0));
    assertEquals(0, loaded.get(0).refCnt());
    ByteBuf late = join(loading);
    assertFalse(cache.contains(2, 0));
    assertEquals(0, cache.totalBytes());
    late.release();
  }

  @Test
  void invalidatingARangeDropsOnlyTheBlocksInIt() {
    cache(10 * BLOCK, 0);
    for (int i = 0; i < 4; i++) {
      join(cache.get(ref(1, i * BLOCK))).release();
    }

    cache.invalidate(1, BLOCK, 3 * BLOCK);

    assertTrue(cache.contains(1, 0));
    assertFalse(cache.contains(1, BLOCK));
    assertFalse(cache.contains(1, 2 * BLOCK));
    assertTrue(cache.contains(1, 3 * BLOCK));
  }

  @Test
  void blocksASequentialReaderPassedAreEvictedFirstAndKeptWithinAnEighthOfTheCache() {
    // Given a cache of 16 blocks holding 4, of which a sequential reader passed the first 3
    cache(16 * BLOCK, 0);
    for (int i = 0; i < 4; i++) {
      join(cache.get(ref(1, i * BLOCK))).release();
    }

    cache.passed(List.of(ref(1, 0), ref(1, BLOCK), ref(1, 2 * BLOCK)));

    // Then only the last two passed blocks stay (an eighth of the cache), and the unpassed one too
    assertFalse(cache.contains(1, 0));
    assertTrue(cache.contains(1, BLOCK));
    assertTrue(cache.contains(1, 2 * BLOCK));
    assertTrue(cache.contains(1, 3 * BLOCK));

    // And when the cache fills up, passed blocks go before older unpassed ones
    for (int i = 4; i < 18; i++) {
      join(cache.get(ref(1, i * BLOCK))).release();
    }
    assertFalse(cache.contains(1, BLOCK));
    assertTrue(cache.contains(1, 3 * BLOCK));
  }

  @Test
  void closeReleasesEveryBlockAndLoadsCompletingLaterAreNotKept() {
    cache(10 * BLOCK, 10 * BLOCK);
    join(cache.get(ref(1, 0))).release();
    completeAtOnce = false;
    cache.prefetch(List.of(ref(2, 0)));

    cache.close();
    complete(ref(2, 0));

    assertEquals(0, cache.totalBytes());
    assertTrue(cache.get(ref(1, 0)).isCompletedExceptionally());
  }
}
