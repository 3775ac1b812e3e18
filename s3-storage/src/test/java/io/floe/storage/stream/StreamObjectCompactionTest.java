package io.floe.storage.stream;

import static io.floe.storage.testing.Batches.await;
import static io.floe.storage.testing.Batches.batch;
import static io.floe.storage.testing.Batches.content;
import static io.floe.storage.testing.Batches.eventually;
import static io.floe.storage.testing.Batches.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.storage.metadata.JdbcMetadataStore;
import io.floe.storage.metadata.MetadataCommitStateUnknownException;
import io.floe.storage.metadata.StreamRange;
import io.floe.storage.objectstore.LocalFileObjectStorage;
import io.floe.storage.objectstore.ObjectStorage.ObjectInfo;
import io.floe.storage.testing.ControllableIndexStore;
import io.floe.storage.testing.ControllableObjectStorage;
import io.floe.storage.testing.LeakCheck;
import io.floe.storage.wal.WalObjectFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compaction of small WAL objects into per-stream objects, through a real {@link DefaultStreamStore} on the local
 * object store: the bucket shrinks, reads are unchanged, and what retention releases leaves the bucket. Every read
 * here comes from the objects (no tail cache), so the compacted objects are what is read.
 */
class StreamObjectCompactionTest {
  private static final long[] STREAMS = {11, 12, 13, 14};

  @TempDir Path dir;
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private JdbcMetadataStore metadata;
  private ControllableObjectStorage storage;
  private ControllableIndexStore index;
  private DefaultStreamStore store;
  /** Each stream's batch contents by offset (every batch is one record), as appended. */
  private final Map<Long, List<String>> appended = new LinkedHashMap<>();

  @BeforeEach
  void setUp() {
    start(config());
  }

  @AfterEach
  void tearDown() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  @AfterAll
  static void reportLeaks() {
    LeakCheck.provoke();
  }

  /**
   * Cycles run only when a test asks (or after an hour); no minimum age; no deletion grace, so the cleanup deletes
   * what compaction released at once; no tail cache, so reads come from the objects.
   */
  static StreamStoreConfig config() {
    return StreamStoreConfig.localDefaults()
        .withObjectDeleteGraceMs(0)
        .withCacheBytes(0)
        .withCompaction(CompactionConfig.defaults().withIntervalMs(3_600_000).withMinAgeMs(0));
  }

  /** The metadata database of this test: SQLite here, PostgreSQL in {@link PostgresStreamObjectCompactionTest}. */
  String metadataUrl() {
    return "jdbc:sqlite:" + dir.resolve("meta.db");
  }

  private DefaultStreamStore start(StreamStoreConfig config) {
    metadata = JdbcMetadataStore.open(metadataUrl());
    index = new ControllableIndexStore(metadata);
    storage = new ControllableObjectStorage(new LocalFileObjectStorage(dir.resolve("objects")));
    store = new DefaultStreamStore(storage, index, config);
    toClose.add(metadata);
    toClose.add(storage);
    toClose.add(store);
    return store;
  }

  private DefaultStreamStore restart(StreamStoreConfig config) {
    store.close();
    return start(config);
  }

  @Test
  void manySmallWalObjectsBecomeOneObjectPerStreamAndReadsAreUnchanged() {
    // Given four streams written together in many small WAL objects
    writeInterleaved(30, 7);
    int walObjects = count("wal/");
    assertTrue(walObjects >= 30, walObjects + " WAL objects");
    Map<Long, List<StreamRange>> before = indexRanges();
    Map<Long, List<String>> readBefore = readAll();
    assertEquals(appended, readBefore);

    // When a compaction cycle runs, and then the cleanup
    int written = await(store.compactStreamObjects());
    int deleted = await(store.deleteUnreferencedObjects());

    // Then each stream is one stream object and every WAL object is gone from the bucket
    assertEquals(STREAMS.length, written);
    assertEquals(walObjects, deleted);
    assertEquals(0, count("wal/"));
    assertEquals(STREAMS.length, count("streams/"));
    for (long id : STREAMS) {
      List<StreamRange> ranges = metadata.stream(id).ranges();
      assertEquals(1, ranges.size());
      assertEquals(StreamObjectFormat.objectKey(id, ranges.get(0).objectId()), ranges.get(0).objectKey());
      assertEquals(await(storage.list("streams/" + id + "/")).get(0).size(), ranges.get(0).length());
    }
    CompactionStats stats = store.compactionStats();
    assertEquals(STREAMS.length, stats.objectsWritten());
    assertEquals(before.values().stream().mapToInt(List::size).sum(), stats.rangesCompacted());
    assertEquals(
        before.values().stream().flatMap(List::stream).mapToLong(StreamRange::length).sum(), stats.bytesRewritten());
    assertEquals(walObjects, stats.objectsDeleted());
    assertEquals(0, stats.conflicts() + stats.failures());

    // And every offset reads back byte-identical, sequentially and from any offset, before and after a restart
    assertReadsUnchanged();
    restart(config());
    assertReadsUnchanged();

    // And a second cycle has nothing left to do
    assertEquals(0, await(store.compactStreamObjects()));
  }

  @Test
  void retentionAndDeleteRecordsAfterCompactionDeleteTheExpiredObjectsFromTheBucket() {
    // Given three streams compacted into several stream objects each (objects of at most 4 KiB)
    StreamStoreConfig small =
        config().withCompaction(config().compaction().withMaxObjectBytes(4096).withSmallObjectBytes(1024));
    restart(small);
    writeInterleaved(40, 3);
    Map<Long, Long> keepBytes = new LinkedHashMap<>();
    Stream byTime = await(store.open(STREAMS[0]));
    Stream bySize = await(store.open(STREAMS[1]));
    Stream deleteAll = await(store.open(STREAMS[2]));
    keepBytes.put(STREAMS[1], await(bySize.offsetKeepingLastBytes(5000)));
    long timestampOffset = await(byTime.offsetForTimestamp(70));
    compactFully();
    int streamObjects = count("streams/");
    assertEquals(0, count("wal/"));
    assertTrue(streamObjects > STREAMS.length, streamObjects + " stream objects");

    // When retention.ms, retention.bytes and DeleteRecords trim them as the broker would, and the cleanup runs
    assertEquals(timestampOffset, await(byTime.offsetForTimestamp(70)), "timestamps survive compaction");
    assertEquals(keepBytes.get(STREAMS[1]), await(bySize.offsetKeepingLastBytes(5000)), "sizes survive compaction");
    await(byTime.trim(timestampOffset));
    await(bySize.trim(await(bySize.offsetKeepingLastBytes(5000))));
    await(deleteAll.trim(deleteAll.confirmedOffset()));
    assertTrue(await(store.deleteUnreferencedObjects()) > 0);

    // Then the bucket holds exactly the objects the index still references: none of the emptied stream, and
    // none whose offsets are all below a stream's new start
    assertEquals(0, count("streams/" + STREAMS[2] + "/"));
    Set<String> referenced = new HashSet<>();
    for (long id : STREAMS) {
      io.floe.storage.metadata.StreamMetadata m = metadata.stream(id);
      for (StreamRange r : m.ranges()) {
        assertTrue(r.endOffset() > m.startOffset(), r + " is wholly below the start " + m.startOffset());
        referenced.add(r.objectKey());
      }
    }
    assertEquals(referenced, keys(""));
    assertTrue(count("streams/") < streamObjects);

    // And what is left reads back as appended, while reads below the start fail
    for (Stream s : List.of(byTime, bySize)) {
      List<String> all = appended.get(s.streamId());
      assertEquals(all.subList((int) s.startOffset(), all.size()), readSequentially(s, s.startOffset(), 3000));
      if (s.startOffset() > 0) {
        assertInstanceOf(OffsetOutOfRangeException.class, failure(s.read(s.startOffset() - 1, 100)));
      }
    }
  }

  @Test
  void aCompactionRacingATrimConflictsAndLeavesTheIndexConsistent() {
    // Given one stream in many small WAL objects, and a trim (as retention does) that commits just before the
    // compaction does, removing its first range
    Stream s = await(store.open(STREAMS[0]));
    for (int i = 0; i < 10; i++) {
      append(s, 200);
    }
    long trimTo = metadata.stream(s.streamId()).ranges().get(1).startOffset() + 1;
    index.beforeNextReplace(() -> await(s.trim(trimTo)));

    // When a cycle runs
    int written = await(store.compactStreamObjects());

    // Then it wrote nothing that stays: the conflict is counted and its object deleted
    assertEquals(0, written);
    assertEquals(1, store.compactionStats().conflicts());
    assertEquals(0, count("streams/"));
    assertEquals(trimTo, s.startOffset());
    assertReadsFrom(s, trimTo);

    // And the next cycle compacts what the trim left, which reads back the same, also after a restart
    assertEquals(1, await(store.compactStreamObjects()));
    await(store.deleteUnreferencedObjects());
    assertEquals(0, count("wal/"));
    assertEquals(1, count("streams/"));
    assertReadsFrom(s, trimTo);
    restart(config());
    Stream reopened = await(store.open(STREAMS[0]));
    assertEquals(trimTo, reopened.startOffset());
    assertReadsFrom(reopened, trimTo);
  }

  @Test
  void readsStayCorrectWhileCompactionsTrimsAndAppendsRunTogether() throws Exception {
    // Given streams that keep being appended to, with small objects so that cycles merge data again and again, and
    // a deletion grace that readers in flight rely on
    StreamStoreConfig small =
        config()
            .withObjectDeleteGraceMs(1_000)
            .withCompaction(config().compaction().withMaxObjectBytes(8192).withSmallObjectBytes(4096));
    restart(small);
    writeInterleaved(10, 3);
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      // When appends, reads from random offsets, compaction cycles and trims run at the same time
      Future<?> writer =
          pool.submit(
              () -> {
                while (!stop.get()) {
                  writeInterleaved(1, 2);
                }
              });
      Future<Integer> reader =
          pool.submit(
              () -> {
                Random random = new Random(7);
                int reads = 0;
                while (!stop.get()) {
                  for (long id : STREAMS) {
                    Stream s = await(store.open(id));
                    if (s.confirmedOffset() <= s.startOffset()) {
                      continue;
                    }
                    long from = s.startOffset() + random.nextInt((int) (s.confirmedOffset() - s.startOffset()));
                    CompletableFuture<ReadResult> f = s.read(from, 1 + random.nextInt(8000));
                    ReadResult r;
                    try {
                      r = f.get(10, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.ExecutionException e) {
                      // Then a read fails only because a trim passed its offset meanwhile
                      assertInstanceOf(OffsetOutOfRangeException.class, e.getCause());
                      continue;
                    }
                    // Then every batch read is the one appended at its offset, without gaps
                    try {
                      List<String> texts = texts(r.batches());
                      List<String> all = appended.get(id);
                      assertFalse(texts.isEmpty());
                      long first = offsetOf(texts.get(0));
                      assertEquals(from, first);
                      synchronized (appended) {
                        assertEquals(all.subList((int) first, (int) first + texts.size()), texts);
                      }
                    } finally {
                      r.release();
                    }
                    reads++;
                  }
                }
                return reads;
              });
      int written = 0;
      for (int cycle = 0; cycle < 12; cycle++) {
        written += await(store.compactStreamObjects());
        Stream trimmed = await(store.open(STREAMS[cycle % STREAMS.length]));
        await(trimmed.trim(trimmed.startOffset() + (trimmed.confirmedOffset() - trimmed.startOffset()) / 4));
        await(store.deleteUnreferencedObjects());
      }
      stop.set(true);
      writer.get(30, TimeUnit.SECONDS);
      assertTrue(reader.get(30, TimeUnit.SECONDS) > 0);
      assertTrue(written > STREAMS.length, written + " objects written");
    } finally {
      stop.set(true);
      pool.shutdownNow();
    }

    // Then after a restart the index holds each stream's offsets once, from its start to its end, and they read back
    restart(config());
    for (long id : STREAMS) {
      Stream s = await(store.open(id));
      List<StreamRange> ranges = metadata.stream(id).ranges();
      assertTrue(ranges.get(0).startOffset() <= s.startOffset());
      for (int i = 1; i < ranges.size(); i++) {
        assertEquals(ranges.get(i - 1).endOffset(), ranges.get(i).startOffset());
      }
      assertEquals(s.confirmedOffset(), ranges.get(ranges.size() - 1).endOffset());
      assertReadsFrom(s, s.startOffset());
    }
  }

  @Test
  void aLostCommitConfirmationIsResolvedByReadingTheStreamBack() {
    // Given a stream in small WAL objects, and an index that applies the next replacement but loses its confirmation
    Stream s = await(store.open(STREAMS[0]));
    for (int i = 0; i < 5; i++) {
      append(s, 300);
    }
    index.failNextReplaceAfterApplying(new MetadataCommitStateUnknownException("connection lost at commit", null));

    // When a cycle runs
    int written = await(store.compactStreamObjects());

    // Then the compactor learns from the index that it was committed: the object stays and reads use it
    assertEquals(1, written);
    assertFalse(((DefaultStream) s).isFenced());
    await(store.deleteUnreferencedObjects());
    assertEquals(0, count("wal/"));
    assertEquals(1, count("streams/"));
    assertReadsFrom(s, 0);
  }

  @Test
  void aStreamOpenedByANewOwnerIsNotCompactedByTheOldOne() {
    // Given a stream in small WAL objects, taken over by another broker sharing the index and the bucket
    Stream s = await(store.open(STREAMS[0]));
    for (int i = 0; i < 5; i++) {
      append(s, 300);
    }
    List<StreamRange> before = metadata.stream(s.streamId()).ranges();
    metadata.openStream(s.streamId());

    // When the old owner runs a cycle
    int written = await(store.compactStreamObjects());

    // Then it commits nothing, deletes what it wrote, and its stream is fenced
    assertEquals(0, written);
    assertEquals(before, metadata.stream(s.streamId()).ranges());
    assertEquals(0, count("streams/"));
    assertTrue(((DefaultStream) s).isFenced());
    assertEquals(1, store.compactionStats().conflicts());

    // And a fenced stream is skipped by later cycles
    assertEquals(0, await(store.compactStreamObjects()));
    assertEquals(1, store.compactionStats().conflicts());
  }

  @Test
  void aStreamObjectWrittenButNeverCommittedIsDeletedAtTheNextStart() {
    // Given a stream object a compaction wrote before the process died, before its commit
    Stream s = await(store.open(STREAMS[0]));
    append(s, 100);
    String orphan = StreamObjectFormat.objectKey(s.streamId(), metadata.allocateObjectIds(1));
    ByteBuf bytes = PooledByteBufAllocator.DEFAULT.buffer(16).writeLong(1).writeLong(2);
    try {
      await(storage.write(orphan, bytes));
    } finally {
      bytes.release();
    }

    // When the store starts again, Then the orphan is deleted and the committed data is not
    restart(config().withDeleteOrphansOnStart(false));
    assertEquals(1, await(store.deleteOrphanedObjects()));
    assertEquals(0, count("streams/"));
    assertEquals(1, count("wal/"));
    assertReadsFrom(await(store.open(STREAMS[0])), 0);
  }

  @Test
  void cyclesRunOnTheirIntervalAndLeaveDataYoungerThanTheMinimumAge() {
    // Given a store whose data is younger than the minimum age
    restart(config().withCompaction(config().compaction().withIntervalMs(20).withMinAgeMs(3_600_000)));
    writeInterleaved(5, 3);

    // Then cycles run and compact nothing
    eventually(() -> store.compactionStats().cycles() >= 2, "two compaction cycles");
    assertEquals(0, store.compactionStats().objectsWritten());

    // When the minimum age is short, Then the periodic cycles compact every stream without being asked
    restart(config().withCompaction(config().compaction().withIntervalMs(20).withMinAgeMs(1)));
    for (long id : STREAMS) {
      await(store.open(id));
    }
    eventually(() -> store.compactionStats().objectsWritten() == STREAMS.length, "every stream compacted");
  }

  // ---------------------------------------------------------------- helpers

  /** Appends {@code rounds} rounds of a few batches to every stream, awaiting each round: many small WAL objects. */
  private void writeInterleaved(int rounds, int batchesPerStream) {
    Random random = new Random(rounds * 31L + batchesPerStream);
    for (int round = 0; round < rounds; round++) {
      List<CompletableFuture<Void>> acks = new ArrayList<>();
      for (long id : STREAMS) {
        Stream s = await(store.open(id));
        for (int i = 0; i < batchesPerStream; i++) {
          acks.add(appendAsync(s, 40 + random.nextInt(400)));
        }
      }
      acks.forEach(f -> await(f));
    }
  }

  private void append(Stream s, int size) {
    await(appendAsync(s, size));
  }

  /** Appends one single-record batch whose max timestamp is its offset. */
  private CompletableFuture<Void> appendAsync(Stream s, int size) {
    long base = s.nextOffset();
    synchronized (appended) {
      appended.computeIfAbsent(s.streamId(), k -> new ArrayList<>()).add(content(s.streamId(), base, size));
    }
    return s.append(base, 1, base, batch(s.streamId(), base, size));
  }

  /** Compacts until a cycle has nothing to do, then deletes what was released. */
  private void compactFully() {
    for (int cycle = 0; cycle < 20 && await(store.compactStreamObjects()) > 0; cycle++) {
      // again
    }
    await(store.deleteUnreferencedObjects());
  }

  private Map<Long, List<StreamRange>> indexRanges() {
    Map<Long, List<StreamRange>> ranges = new LinkedHashMap<>();
    for (long id : STREAMS) {
      ranges.put(id, metadata.stream(id).ranges());
    }
    return ranges;
  }

  private Map<Long, List<String>> readAll() {
    Map<Long, List<String>> read = new LinkedHashMap<>();
    for (long id : STREAMS) {
      read.put(id, readSequentially(await(store.open(id)), 0, 4096));
    }
    return read;
  }

  /** Reads every stream with several read sizes from the start, and from random offsets. */
  private void assertReadsUnchanged() {
    Random random = new Random(3);
    for (long id : STREAMS) {
      Stream s = await(store.open(id));
      List<String> all = appended.get(id);
      for (int maxBytes : new int[] {700, 64 * 1024, Integer.MAX_VALUE}) {
        assertEquals(all, readSequentially(s, 0, maxBytes), "stream " + id + ", maxBytes " + maxBytes);
      }
      for (int i = 0; i < 20; i++) {
        int from = random.nextInt(all.size());
        ReadResult r = await(s.read(from, 2000));
        try {
          assertEquals(all.subList(from, from + r.batches().size()), texts(r.batches()), "from " + from);
        } finally {
          r.release();
        }
      }
    }
  }

  private void assertReadsFrom(Stream s, long from) {
    List<String> all = appended.get(s.streamId());
    assertEquals(all.subList((int) from, (int) s.confirmedOffset()), readSequentially(s, from, 1000));
  }

  /** Reads single-record batches from {@code offset} to the end, {@code maxBytes} at a time. */
  private static List<String> readSequentially(Stream s, long offset, int maxBytes) {
    List<String> out = new ArrayList<>();
    long end = s.confirmedOffset();
    while (offset < end) {
      ReadResult r = await(s.read(offset, maxBytes));
      try {
        out.addAll(texts(r.batches()));
        offset += r.batches().size();
      } finally {
        r.release();
      }
    }
    return out;
  }

  /** The offset in a batch's content label "s<stream>@<base>;...". */
  private static long offsetOf(String text) {
    return Long.parseLong(text.substring(text.indexOf('@') + 1, text.indexOf(';')));
  }

  private int count(String prefix) {
    return await(storage.list(prefix)).size();
  }

  private Set<String> keys(String prefix) {
    Set<String> keys = new HashSet<>();
    for (ObjectInfo o : await(storage.list(prefix))) {
      keys.add(o.key());
    }
    return keys;
  }

  private static Throwable failure(CompletableFuture<?> f) {
    try {
      f.get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("expected a failure");
  }
}
