package io.floe.storage.stream;

import static io.floe.storage.testing.Batches.await;
import static io.floe.storage.testing.Batches.batch;
import static io.floe.storage.testing.Batches.content;
import static io.floe.storage.testing.Batches.eventually;
import static io.floe.storage.testing.Batches.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.storage.metadata.JdbcMetadataStore;
import io.floe.storage.objectstore.LocalFileObjectStorage;
import io.floe.storage.testing.ControllableIndexStore;
import io.floe.storage.testing.ControllableObjectStorage;
import io.floe.storage.wal.WalConfig;
import io.floe.storage.wal.WalObjectFormat;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import io.floe.storage.testing.LeakCheck;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DefaultStreamStoreTest {
  private static final int BATCH = 100;

  @TempDir Path dir;
  private final List<AutoCloseable> toClose = new ArrayList<>();
  JdbcMetadataStore metadata;
  ControllableObjectStorage storage;
  ControllableIndexStore index;
  DefaultStreamStore store;

  @BeforeEach
  void setUp() {
    start(StreamStoreConfig.localDefaults());
  }

  @AfterEach
  void tearDown() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  /** Starts a store (with its own metadata connection and object storage) over the test directory. */
  DefaultStreamStore start(StreamStoreConfig config) {
    metadata = JdbcMetadataStore.open(metadataUrl());
    index = new ControllableIndexStore(metadata);
    storage = new ControllableObjectStorage(new LocalFileObjectStorage(dir.resolve("objects")));
    store = newStore(storage, index, config);
    toClose.add(metadata);
    toClose.add(storage);
    toClose.add(store);
    return store;
  }

  /**
   * The metadata database of this test, the same for each restart within it: SQLite here, PostgreSQL in {@link
   * PostgresDefaultStreamStoreTest}.
   */
  String metadataUrl() {
    return "jdbc:sqlite:" + dir.resolve("meta.db");
  }

  /** Whether {@link #newStore} acknowledges appends before they are in objects (with a WAL file). */
  boolean acknowledgesBeforeObjects() {
    return false;
  }

  /** The store under test over the given parts: acknowledging after the index commit here. */
  DefaultStreamStore newStore(
      ControllableObjectStorage storage, ControllableIndexStore index, StreamStoreConfig config) {
    return new DefaultStreamStore(storage, index, config);
  }

  private DefaultStreamStore restart(StreamStoreConfig config) {
    store.close();
    return start(config);
  }

  @AfterAll
  static void reportLeaks() {
    LeakCheck.provoke();
  }

  @Test
  void appendedBatchesReadBackFromTheCacheWithoutObjectReads() {
    // Given ten acknowledged batches of two records each
    Stream s = await(store.open(1));
    appendAndAwait(s, 10, 2);

    // When reading from the start, from inside a batch, and with a small maxBytes
    ReadResult all = await(s.read(0, Integer.MAX_VALUE));
    ReadResult fromMiddle = await(s.read(5, Integer.MAX_VALUE));
    ReadResult small = await(s.read(0, BATCH * 3 + 10));
    ReadResult tiny = await(s.read(0, 1));

    // Then whole batches come back from the one containing the offset, within maxBytes but at least one
    try {
      assertEquals(expected(1, 0, 10, 2), texts(all.batches()));
      assertEquals(expected(1, 4, 8, 2), texts(fromMiddle.batches()));
      assertEquals(3, small.batches().size());
      assertEquals(1, tiny.batches().size());
      assertEquals(20, all.confirmedOffset());
      assertEquals(0, all.startOffset());
      assertEquals(0, storage.reads.get());
    } finally {
      all.release();
      fromMiddle.release();
      small.release();
      tiny.release();
    }
  }

  @Test
  void readsOutsideTheLogFailAndAReadAtTheEndIsEmpty() {
    Stream s = await(store.open(1));
    appendAndAwait(s, 3, 1);

    ReadResult atEnd = await(s.read(3, 1000));

    assertTrue(atEnd.batches().isEmpty());
    assertEquals(3, atEnd.confirmedOffset());
    assertInstanceOf(OffsetOutOfRangeException.class, failure(s.read(4, 1000)));
    assertInstanceOf(OffsetOutOfRangeException.class, failure(s.read(-1, 1000)));
  }

  @Test
  void afterARestartBatchesAreReadFromTheObjectsWithTheSameOffsets() {
    // Given batches acknowledged in several objects, on several streams
    Stream a = await(store.open(1));
    Stream b = await(store.open(2));
    for (int round = 0; round < 4; round++) {
      appendAndAwait(a, 5, 1);
      appendAndAwait(b, 3, 2);
    }

    // When the store restarts (so the cache is empty) and the streams are reopened
    restart(StreamStoreConfig.localDefaults());
    Stream a2 = await(store.open(1));
    Stream b2 = await(store.open(2));

    // Then offsets are restored, and reads across ranges come from the objects
    assertEquals(20, a2.nextOffset());
    assertEquals(20, a2.confirmedOffset());
    assertEquals(24, b2.confirmedOffset());
    ReadResult ra = await(a2.read(0, Integer.MAX_VALUE));
    ReadResult rb = await(b2.read(7, BATCH * 4));
    try {
      assertEquals(expected(1, 0, 20, 1), texts(ra.batches()));
      assertEquals(expected(2, 6, 4, 2), texts(rb.batches()));
      assertTrue(storage.reads.get() > 0);
    } finally {
      ra.release();
      rb.release();
    }

    // And appends continue where the log ended
    appendAndAwait(a2, 1, 1);
    ReadResult tail = await(a2.read(20, Integer.MAX_VALUE));
    assertEquals(expected(1, 20, 1, 1), texts(tail.batches()));
    tail.release();
  }

  @Test
  void sequentialReadsFromALargeRangeReadEachByteAboutOnce() {
    // Given one object holding a 1.1 MiB range: 16 KiB batches around one batch larger than a read chunk
    restart(StreamStoreConfig.localDefaults().withWal(WalConfig.localDefaults().withUploadIntervalMs(60_000)));
    Stream s = await(store.open(1));
    List<Integer> sizes = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      sizes.add(i == 20 ? 400 * 1024 : 16 * 1024);
    }
    appendInOneObject(s, sizes);
    long rangeBytes = s.sizeBytes();

    // When a consumer reads it from the objects 64 KiB at a time
    restart(StreamStoreConfig.localDefaults());
    Stream s2 = await(store.open(1));
    List<String> read = new ArrayList<>();
    long offset = 0;
    while (offset < s2.confirmedOffset()) {
      ReadResult r = await(s2.read(offset, 64 * 1024));
      read.addAll(texts(r.batches()));
      offset += r.batches().size();
      r.release();
    }

    // Then every batch arrives in order, and the object was read about once, not once per fetch
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      expected.add(content(1, i, sizes.get(i)));
    }
    assertEquals(expected, read);
    assertTrue(storage.bytesRead.get() < 2 * rangeBytes, storage.bytesRead.get() + " bytes read for " + rangeBytes);
  }

  @Test
  void everyAcknowledgedBatchSurvivesAnAbandonedOwnerAndNothingUnacknowledgedIsClaimed() {
    // Given acknowledged batches, then a batch whose index commit never happens (the process "dies")
    Stream s = await(store.open(1));
    appendAndAwait(s, 10, 3);
    index.closeGate();
    CompletableFuture<Void> unacknowledged = s.append(30, 3, 30, batch(1, 30, BATCH));
    eventually(() -> index.waitingAtGate.get() == 1, "the last object's commit to start");
    ControllableIndexStore abandonedIndex = index;

    // When another store opens over the same data without the first one closing
    DefaultStreamStore survivor = start(StreamStoreConfig.localDefaults().withDeleteOrphansOnStart(false));
    Stream reopened = await(survivor.open(1));

    // Then every acknowledged batch reads back at its offset, and the unacknowledged ones are not there
    assertEquals(30, reopened.confirmedOffset());
    ReadResult r = await(reopened.read(0, Integer.MAX_VALUE));
    try {
      assertEquals(expected(1, 0, 10, 3), texts(r.batches()));
    } finally {
      r.release();
    }

    // And the written-but-uncommitted object is an orphan the new owner deletes
    assertEquals(1, await(survivor.deleteOrphanedObjects()));

    // And when the old owner's commit finally runs, its stale epoch is rejected
    abandonedIndex.openGate();
    assertInstanceOf(StreamFencedException.class, failure(unacknowledged));
    assertEquals(30, metadata.stream(1).endOffset());
  }

  @Test
  void trimRaisesTheStartDurablyAndUnreferencedObjectsAreDeletedAfterTheGrace() {
    // Given a stream in four objects of one 10-record batch each, with deletion grace disabled
    restart(StreamStoreConfig.localDefaults().withObjectDeleteGraceMs(0));
    Stream s = await(store.open(1));
    for (int i = 0; i < 4; i++) {
      appendAndAwait(s, 1, 10);
    }
    assertEquals(4, walObjects());

    // When trimmed to offset 25 (inside the third object)
    await(s.trim(25));

    // Then reads below fail, the batch holding 25 is still readable, and the first two objects go away
    assertEquals(25, s.startOffset());
    assertInstanceOf(OffsetOutOfRangeException.class, failure(s.read(23, 100)));
    ReadResult r = await(s.read(25, 1));
    assertEquals(expected(1, 20, 1, 10), texts(r.batches()));
    r.release();
    assertEquals(2, await(store.deleteUnreferencedObjects()));
    assertEquals(2, walObjects());

    // And after a restart the start offset is still 25 and the rest reads from the objects
    restart(StreamStoreConfig.localDefaults());
    Stream s2 = await(store.open(1));
    assertEquals(25, s2.startOffset());
    ReadResult after = await(s2.read(25, Integer.MAX_VALUE));
    assertEquals(expected(1, 20, 2, 10), texts(after.batches()));
    after.release();
  }

  @Test
  void unreferencedObjectsStayDuringTheGracePeriod() {
    Stream s = await(store.open(1));
    appendAndAwait(s, 1, 2);
    appendAndAwait(s, 1, 2);

    await(s.trim(2));

    assertEquals(0, await(store.deleteUnreferencedObjects()));
    assertEquals(2, walObjects());
  }

  @Test
  void retentionByBytesKeepsTheNewestBatchesThatFit() {
    // Given 12 batches of 100 bytes (132 stored with framing) in three objects of four
    restart(StreamStoreConfig.localDefaults().withWal(WalConfig.localDefaults().withUploadIntervalMs(60_000)));
    Stream s = await(store.open(1));
    for (int i = 0; i < 3; i++) {
      appendInOneObject(s, 4);
    }
    long stored = BATCH + WalObjectFormat.ENTRY_HEADER_BYTES;
    assertEquals(12 * stored, s.sizeBytes());

    // Then the offset keeping the last N bytes is the first of the newest batches that fit
    assertEquals(7, await(s.offsetKeepingLastBytes(5 * stored)));
    assertEquals(7, await(s.offsetKeepingLastBytes(5 * stored + 50)));
    assertEquals(8, await(s.offsetKeepingLastBytes(4 * stored)));
    assertEquals(0, await(s.offsetKeepingLastBytes(100 * stored)));
    assertEquals(12, await(s.offsetKeepingLastBytes(10)));

    // And the same from the objects after a restart
    restart(StreamStoreConfig.localDefaults());
    Stream s2 = await(store.open(1));
    assertEquals(7, await(s2.offsetKeepingLastBytes(5 * stored)));

    // When retention trims to it, the size shrinks to the objects still referenced
    await(s2.trim(await(s2.offsetKeepingLastBytes(5 * stored))));
    assertEquals(7, s2.startOffset());
    assertEquals(8 * stored, s2.sizeBytes());
    assertEquals(7, await(s2.offsetKeepingLastBytes(5 * stored)));
  }

  @Test
  void offsetForTimestampFindsTheFirstBatchAtOrAfterIt() {
    // Given batches with max timestamps 1000, 1010, ..., in two objects
    Stream s = await(store.open(1));
    for (int i = 0; i < 10; i++) {
      long base = s.nextOffset();
      CompletableFuture<Void> f = s.append(base, 2, 1000 + i * 10, batch(1, base, BATCH));
      if (i == 4 || i == 9) {
        await(f);
      }
    }

    // Then lookups find the first batch whose max timestamp is >= the target
    assertEquals(0, await(s.offsetForTimestamp(0)));
    assertEquals(0, await(s.offsetForTimestamp(1000)));
    assertEquals(2, await(s.offsetForTimestamp(1001)));
    assertEquals(10, await(s.offsetForTimestamp(1045)));
    assertEquals(18, await(s.offsetForTimestamp(1090)));
    assertEquals(-1, await(s.offsetForTimestamp(1091)));

    // And the same from the objects after a restart, respecting the start offset
    restart(StreamStoreConfig.localDefaults());
    Stream s2 = await(store.open(1));
    assertEquals(10, await(s2.offsetForTimestamp(1045)));
    await(s2.trim(13));
    assertEquals(13, await(s2.offsetForTimestamp(1000)));
  }

  @Test
  void confirmListenersRunAsConfirmedAdvances() {
    Stream s = await(store.open(1));
    AtomicInteger calls = new AtomicInteger();
    Runnable listener = calls::incrementAndGet;
    s.addConfirmListener(listener);

    appendAndAwait(s, 1, 1);
    assertEquals(1, calls.get());

    s.removeConfirmListener(listener);
    appendAndAwait(s, 1, 1);
    assertEquals(1, calls.get());
  }

  @Test
  void appendsMustContinueAtTheNextOffset() {
    Stream s = await(store.open(1));

    CompletableFuture<Void> gap = s.append(5, 1, 0, batch(1, 5, BATCH));

    assertInstanceOf(IllegalArgumentException.class, failure(gap));
    assertEquals(0, s.nextOffset());
    assertFalse(((DefaultStream) s).isFenced());
  }

  @Test
  void openReturnsTheSameStreamUntilItIsFencedThenANewEpoch() {
    Stream first = await(store.open(1));
    assertSame(first, await(store.open(1)));

    ((DefaultStream) first).fence(new RuntimeException("test"));
    Stream second = await(store.open(1));

    assertNotSame(first, second);
    assertTrue(((DefaultStream) second).epoch() > ((DefaultStream) first).epoch());
    assertInstanceOf(StreamFencedException.class, failure(first.append(0, 1, 0, batch(1, 0, BATCH))));
    appendAndAwait(second, 1, 1);
  }

  @Test
  void deleteRemovesTheStreamsDataAndMetadata() {
    restart(StreamStoreConfig.localDefaults().withObjectDeleteGraceMs(0));
    Stream s = await(store.open(1));
    appendAndAwait(s, 1, 3);

    await(store.delete(1));

    assertInstanceOf(StreamFencedException.class, failure(s.append(3, 1, 0, batch(1, 3, BATCH))));
    assertEquals(1, await(store.deleteUnreferencedObjects()));
    assertEquals(0, walObjects());
    assertEquals(0, metadata.stream(1).endOffset());
  }

  @Test
  void concurrentAppendersOnManyStreamsAllReadBack() throws Exception {
    // Given 4 threads appending 300 batches each to their own 4 streams
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<List<CompletableFuture<Void>>>> work = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        work.add(
            pool.submit(
                () -> {
                  List<CompletableFuture<Void>> futures = new ArrayList<>();
                  List<Stream> mine = new ArrayList<>();
                  for (int i = 0; i < 4; i++) {
                    mine.add(await(store.open(100 + thread * 4 + i)));
                  }
                  for (int n = 0; n < 300; n++) {
                    Stream s = mine.get(n % 4);
                    long base = s.nextOffset();
                    futures.add(s.append(base, 1, base, batch(s.streamId(), base, BATCH)));
                  }
                  return futures;
                }));
      }
      for (Future<List<CompletableFuture<Void>>> w : work) {
        w.get().forEach(f -> await(f));
      }
    } finally {
      pool.shutdownNow();
    }

    // Then every stream holds its 75 batches in order, from the cache and from the objects after a restart
    for (int round = 0; round < 2; round++) {
      for (long id = 100; id < 116; id++) {
        Stream s = await(store.open(id));
        ReadResult r = await(s.read(0, Integer.MAX_VALUE));
        assertEquals(expected(id, 0, 75, 1), texts(r.batches()));
        r.release();
      }
      restart(StreamStoreConfig.localDefaults());
    }
  }

  @Test
  void theCacheStaysWithinItsBoundAndOlderReadsFallBackToObjects() {
    restart(StreamStoreConfig.localDefaults().withCacheBytes(10 * BATCH));
    Stream s = await(store.open(1));
    appendAndAwait(s, 30, 1);

    ReadResult r = await(s.read(0, Integer.MAX_VALUE));

    assertEquals(expected(1, 0, 30, 1), texts(r.batches()));
    r.release();
    assertTrue(store.cachedBytes() <= 10 * BATCH);
    assertTrue(storage.reads.get() > 0);
  }

  @Test
  void readsFromObjectsReturnExactlyTheAppendedBatchesWhateverTheCacheAndParallelism() {
    // Given three streams over many objects, with batches from 40 bytes to 1.5 MiB (larger than a block), and one
    // range of 1.25 MiB of small batches (more than one block)
    restart(StreamStoreConfig.localDefaults().withWal(WalConfig.localDefaults().withUploadIntervalMs(60_000)));
    java.util.Random random = new java.util.Random(42);
    java.util.Map<Long, List<String>> expected = new java.util.HashMap<>();
    for (long id = 1; id <= 3; id++) {
      expected.put(id, new ArrayList<>());
    }
    Stream big = await(store.open(1));
    List<Integer> smallBatches = java.util.Collections.nCopies(80, 16 * 1024);
    appendInOneObject(big, smallBatches);
    smallBatches.forEach(size -> expected.get(1L).add(content(1, expected.get(1L).size(), size)));
    for (int round = 0; round < 12; round++) {
      for (long id = 1; id <= 3; id++) {
        Stream s = await(store.open(id));
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
          int size = round == 5 && id == 2 && i == 0 ? 1536 * 1024 : 40 + random.nextInt(3000);
          long base = s.nextOffset();
          expected.get(id).add(content(id, base, size));
          acks.add(s.append(base, 1, base, batch(id, base, size)));
        }
        acks.forEach(f -> await(f));
      }
    }

    // When read back from the objects after a restart, with the default block cache and read-ahead, without a
    // block cache, one object read at a time, and with a block cache smaller than one read
    List<StreamStoreConfig> configs =
        List.of(
            StreamStoreConfig.localDefaults(),
            StreamStoreConfig.localDefaults().withBlockCacheBytes(0),
            StreamStoreConfig.localDefaults().withReadParallelism(1),
            StreamStoreConfig.localDefaults().withBlockCacheBytes(8 * 1024).withReadAheadBytes(4 * 1024));
    for (StreamStoreConfig config : configs) {
      restart(config);
      for (long id = 1; id <= 3; id++) {
        Stream s = await(store.open(id));
        List<String> all = expected.get(id);
        // Then sequential reads of any size return every batch once, in order
        for (int maxBytes : new int[] {1, 5000, 64 * 1024, 1 << 20, Integer.MAX_VALUE}) {
          assertEquals(all, readSequentially(s, 0, maxBytes), config + ", maxBytes " + maxBytes);
        }
        // And reads from any offset start at the batch holding it
        for (int i = 0; i < 20; i++) {
          int from = random.nextInt(all.size());
          ReadResult r = await(s.read(from, 10_000));
          try {
            assertEquals(all.get(from), texts(r.batches()).get(0));
            assertEquals(all.subList(from, from + r.batches().size()), texts(r.batches()));
          } finally {
            r.release();
          }
        }
      }
      assertTrue(store.readStats().bytes() <= config.blockCacheBytes());
    }
  }

  @Test
  void aSequentialReaderFindsItsNextReadInMemoryReadAhead() {
    // Given a stream of 200 batches of 1000 bytes in many small objects
    Stream s = await(store.open(1));
    for (int i = 0; i < 20; i++) {
      appendAndAwait(s, 10, 1, 1000);
    }

    // When a consumer reads it from the start, after a restart, 8 KB at a time
    restart(StreamStoreConfig.localDefaults());
    Stream s2 = await(store.open(1));
    long offset = readOnce(s2, 0, 8000);
    offset = readOnce(s2, offset, 8000); // a read continuing where one ended: sequential
    eventually(() -> store.readStats().prefetchInflightBytes() == 0 && store.readStats().prefetches() > 0,
        "the read-ahead to finish");
    int objectReads = storage.reads.get();

    // Then the next reads are served from memory, without reading objects
    for (int i = 0; i < 5; i++) {
      offset = readOnce(s2, offset, 8000);
    }
    assertEquals(objectReads, storage.reads.get());
    assertTrue(store.readStats().prefetchHits() > 0);
    assertEquals(0, store.readStats().evictedUnread());
  }

  @Test
  void theBlockCacheStaysWithinItsBoundWhileReadingAhead() {
    Stream s = await(store.open(1));
    for (int i = 0; i < 20; i++) {
      appendAndAwait(s, 10, 1, 1000);
    }
    long bound = 16 * 1024;
    restart(StreamStoreConfig.localDefaults().withBlockCacheBytes(bound).withReadAheadBytes(1 << 20));
    Stream s2 = await(store.open(1));

    long offset = 0;
    while (offset < s2.confirmedOffset()) {
      offset = readOnce(s2, offset, 4000);
      assertTrue(store.readStats().bytes() <= bound, store.readStats().toString());
      assertTrue(store.readStats().prefetchInflightBytes() <= bound / 2, store.readStats().toString());
    }

    assertEquals(200, offset);
    assertTrue(store.readStats().evictions() > 0);
  }

  @Test
  void blocksOfTrimmedRangesAndDeletedObjectsAreNeverServed() {
    // Given a stream in four objects whose blocks were all cached by a read from the objects
    restart(StreamStoreConfig.localDefaults().withObjectDeleteGraceMs(0));
    Stream s = await(store.open(1));
    for (int i = 0; i < 4; i++) {
      appendAndAwait(s, 1, 10);
    }
    restart(StreamStoreConfig.localDefaults().withObjectDeleteGraceMs(0));
    Stream s2 = await(store.open(1));
    List<io.floe.storage.metadata.StreamRange> before = metadata.stream(1).ranges();
    assertEquals(4, before.size());
    readSequentially(s2, 0, Integer.MAX_VALUE, 10);
    for (var r : before) {
      assertTrue(store.blocks().contains(r.objectId(), r.position()), "block of " + r + " cached");
    }

    // When it is trimmed into its third object and the first two objects are deleted
    await(s2.trim(25));
    assertEquals(2, await(store.deleteUnreferencedObjects()));

    // Then their blocks are gone, their offsets are out of range, and their objects are not found
    for (var r : before.subList(0, 2)) {
      assertFalse(store.blocks().contains(r.objectId(), r.position()), "block of " + r + " dropped");
      assertInstanceOf(io.floe.storage.objectstore.ObjectNotFoundException.class,
          failure(storage.rangeRead(r.objectKey(), r.position(), r.position() + r.length())));
    }
    assertInstanceOf(OffsetOutOfRangeException.class, failure(s2.read(0, Integer.MAX_VALUE)));
    assertEquals(expected(1, 20, 2, 10), readSequentially(s2, 25, Integer.MAX_VALUE, 10));

    // And once the stream is deleted, none of its blocks stay
    await(store.delete(1));
    for (var r : before) {
      assertFalse(store.blocks().contains(r.objectId(), r.position()));
    }
    assertEquals(0, store.readStats().bytes());
  }

  // ---------------------------------------------------------------- helpers

  /**
   * Appends {@code batches} batches of {@code perBatch} records, waits for all of them, and then for them to be in
   * objects (with a WAL file they are acknowledged before), so that each call leaves its batches in objects of their
   * own.
   */
  void appendAndAwait(Stream s, int batches, int perBatch) {
    appendAndAwait(s, batches, perBatch, BATCH);
  }

  private void appendAndAwait(Stream s, int batches, int perBatch, int size) {
    List<CompletableFuture<Void>> futures = new ArrayList<>();
    for (int i = 0; i < batches; i++) {
      long base = s.nextOffset();
      futures.add(s.append(base, perBatch, base, batch(s.streamId(), base, size)));
    }
    futures.forEach(f -> await(f));
    await(store.flush());
  }

  /** Reads from {@code offset} to the end, {@code maxBytes} at a time; returns the batches' contents. */
  private static List<String> readSequentially(Stream s, long offset, int maxBytes, int recordsPerBatch) {
    List<String> out = new ArrayList<>();
    while (offset < s.confirmedOffset()) {
      ReadResult r = await(s.read(offset, maxBytes));
      try {
        out.addAll(texts(r.batches()));
        offset = offsetAfter(r, recordsPerBatch);
      } finally {
        r.release();
      }
    }
    return out;
  }

  private static List<String> readSequentially(Stream s, long offset, int maxBytes) {
    return readSequentially(s, offset, maxBytes, 1);
  }

  /** Reads single-record batches once and returns the offset after the last one read. */
  private static long readOnce(Stream s, long offset, int maxBytes) {
    ReadResult r = await(s.read(offset, maxBytes));
    try {
      return offsetAfter(r, 1);
    } finally {
      r.release();
    }
  }

  /** The offset after a read's last batch, from its content label "s<stream>@<base>;...". */
  private static long offsetAfter(ReadResult r, int recordsPerBatch) {
    assertFalse(r.batches().isEmpty(), "a read returned no batch");
    String last = texts(r.batches()).get(r.batches().size() - 1);
    return Long.parseLong(last.substring(last.indexOf('@') + 1, last.indexOf(';'))) + recordsPerBatch;
  }

  /**
   * Appends single-record batches that land in one object: a warm-up append to another stream is held in
   * upload while they accumulate (the store's seal interval must be long).
   */
  private void appendInOneObject(Stream s, int batches) {
    appendInOneObject(s, java.util.Collections.nCopies(batches, BATCH));
  }

  private void appendInOneObject(Stream s, List<Integer> batchSizes) {
    if (acknowledgesBeforeObjects()) {
      // Acknowledged batches go into objects together when a flush asks for them.
      List<CompletableFuture<Void>> futures = new ArrayList<>();
      for (int size : batchSizes) {
        long base = s.nextOffset();
        futures.add(s.append(base, 1, base, batch(s.streamId(), base, size)));
      }
      futures.forEach(f -> await(f));
      await(store.flush());
      return;
    }
    Stream warmUp = await(store.open(999));
    storage.holdAllWrites();
    CompletableFuture<Void> held = warmUp.append(warmUp.nextOffset(), 1, 0, batch(999, warmUp.nextOffset(), BATCH));
    eventually(() -> storage.heldWrites() == 1, "the warm-up upload");
    List<CompletableFuture<Void>> futures = new ArrayList<>();
    for (int size : batchSizes) {
      long base = s.nextOffset();
      futures.add(s.append(base, 1, base, batch(s.streamId(), base, size)));
    }
    storage.release();
    await(held);
    futures.forEach(f -> await(f));
  }

  static List<String> expected(long streamId, long firstBase, int batches, int perBatch) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < batches; i++) {
      out.add(content(streamId, firstBase + (long) i * perBatch, BATCH));
    }
    return out;
  }

  int walObjects() {
    return await(storage.list("wal/")).size();
  }

  static Throwable failure(CompletableFuture<?> f) {
    try {
      f.get(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("expected a failure");
  }
}
