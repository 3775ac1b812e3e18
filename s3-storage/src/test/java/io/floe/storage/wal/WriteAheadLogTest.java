package io.floe.storage.wal;

import static io.floe.storage.testing.Batches.await;
import static io.floe.storage.testing.Batches.batch;
import static io.floe.storage.testing.Batches.content;
import static io.floe.storage.testing.Batches.eventually;
import static io.floe.storage.testing.Batches.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.storage.metadata.JdbcMetadataStore;
import io.floe.storage.metadata.MetadataStoreException;
import io.floe.storage.metadata.StreamMetadata;
import io.floe.storage.metadata.StreamRange;
import io.floe.storage.objectstore.LocalFileObjectStorage;
import io.floe.storage.stream.StreamFencedException;
import io.floe.storage.testing.ControllableIndexStore;
import io.floe.storage.testing.ControllableObjectStorage;
import io.netty.buffer.ByteBuf;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import io.floe.storage.testing.LeakCheck;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriteAheadLogTest {
  @TempDir Path dir;
  private JdbcMetadataStore metadata;
  private ControllableIndexStore index;
  private ControllableObjectStorage storage;
  private WriteAheadLog wal;
  private final List<String> events = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() {
    metadata = JdbcMetadataStore.open("jdbc:sqlite:" + dir.resolve("meta.db"));
    index = new ControllableIndexStore(metadata);
    storage = new ControllableObjectStorage(new LocalFileObjectStorage(dir.resolve("objects")));
  }

  @AfterEach
  void tearDown() {
    index.openGate();
    storage.release();
    if (wal != null) {
      wal.close();
    }
    storage.close();
    metadata.close();
  }

  private WriteAheadLog wal(WalConfig config) {
    wal = new WriteAheadLog(storage, index, config);
    return wal;
  }

  private static WalConfig config() {
    return WalConfig.localDefaults().withAppendTimeoutMs(2_000).withCloseTimeoutMs(5_000);
  }

  @AfterAll
  static void reportLeaks() {
    LeakCheck.provoke();
  }

  @Test
  void appendsOfManyStreamsWhileAnUploadIsInFlightShareOneObject() {
    // Given a WAL whose first upload is held, with a long seal interval
    wal(config().withUploadIntervalMs(60_000));
    storage.holdAllWrites();
    TestStream first = stream(1);
    CompletableFuture<Void> firstAppend = append(first, 1);
    eventually(() -> storage.heldWrites() == 1, "the first object to be sealed at once");

    // When 100 streams append 10 batches each meanwhile
    List<TestStream> streams = new ArrayList<>();
    List<CompletableFuture<Void>> futures = new ArrayList<>();
    for (int s = 0; s < 100; s++) {
      streams.add(stream(100 + s));
    }
    for (int i = 0; i < 10; i++) {
      for (TestStream s : streams) {
        futures.add(append(s, 1));
      }
    }
    assertEquals(1, storage.heldWrites());
    storage.release();
    await(wal.flush());

    // Then everything is committed in two objects, one index range per stream per object
    await(firstAppend);
    futures.forEach(f -> assertTrue(f.isDone() && !f.isCompletedExceptionally()));
    assertEquals(2, wal.stats().objectsCommitted());
    for (TestStream s : streams) {
      assertEquals(1, s.ranges.size());
      assertEquals(new StreamRangeBounds(0, 10), StreamRangeBounds.of(s.ranges.get(0)));
      assertEquals(10, s.confirmed);
      assertEquals(10, metadata.stream(s.streamId()).endOffset());
    }
  }

  @Test
  void withoutSealingWhenIdleAnObjectCollectsTheWholeIntervalAndIsUploadedOnce() {
    // Given a WAL as on S3: no sealing when idle, a 300 ms interval
    wal(config().withSealWhenIdle(false).withUploadIntervalMs(300));
    TestStream a = stream(1);
    TestStream b = stream(2);

    // When two streams append a few batches spread over less than the interval
    long start = System.nanoTime();
    List<CompletableFuture<Void>> futures = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      futures.add(append(a, 1));
      futures.add(append(b, 1));
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
    futures.forEach(f -> await(f));
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;

    // Then nothing was uploaded before the interval passed, and everything went in one object
    assertEquals(1, wal.stats().objectsCommitted());
    assertEquals(1, storage.completedWrites.get());
    assertTrue(elapsedMs >= 300, "acknowledged after " + elapsedMs + " ms");
    assertEquals(5, a.confirmed);
    assertEquals(5, b.confirmed);
    // and the stats say why and how long: one seal on the interval, ten appends each waiting at most the run
    WriteAheadLog.Stats stats = wal.stats();
    assertEquals(1, stats.seals().get(WriteAheadLog.SealReason.INTERVAL));
    assertEquals(0, stats.seals().get(WriteAheadLog.SealReason.IDLE));
    assertEquals(10, stats.timings().append().count());
    assertTrue(stats.timings().append().sumNanos() <= 10 * (elapsedMs + 1) * 1_000_000L);
    assertTrue(stats.timings().sealAge().sumNanos() >= 300_000_000L, "the buffer was open for the interval");
    assertEquals(1, stats.timings().upload().count());
    assertEquals(1, stats.timings().commit().count());
  }

  @Test
  void whenIdleTheLocalStoreSealsAtOnce() {
    // Given the local store's WAL with a long interval
    wal(config().withUploadIntervalMs(60_000));
    TestStream a = stream(1);
    // Then a lone append is acknowledged without waiting for the interval
    long start = System.nanoTime();
    await(append(a, 1));
    assertTrue((System.nanoTime() - start) / 1_000_000 < 30_000);
    assertEquals(1, wal.stats().objectsCommitted());
    assertEquals(1, wal.stats().seals().get(WriteAheadLog.SealReason.IDLE));
  }

  @Test
  void aFutureCompletesOnlyAfterTheIndexCommitAndAfterTheStreamSawTheRange() {
    // Given index commits are blocked
    wal(config());
    index.closeGate();
    TestStream s = stream(1);

    // When a batch is appended and its object uploaded
    CompletableFuture<Void> f = append(s, 3);
    f.whenComplete((v, e) -> events.add("future"));
    eventually(() -> storage.completedWrites.get() == 1, "the upload");
    await(index.firstCommitEntered);

    // Then it is not acknowledged and not confirmed
    assertFalse(f.isDone());
    assertEquals(0, s.confirmed);

    // When the commit goes through
    index.openGate();
    await(f);

    // Then the stream took the range (and advanced confirmed) before the future completed
    assertEquals(List.of("committed 3", "future"), events);
    assertEquals(3, s.confirmed);
  }

  @Test
  void objectsUploadedOutOfOrderCommitInOrderAndTogether() {
    // Given the first object's upload is held while later ones finish
    wal(config().withUploadIntervalMs(0));
    String firstKey = WalObjectFormat.objectKey(wal.firstObjectId());
    storage.holdWrites(firstKey::equals);
    TestStream s = stream(1);
    List<CompletableFuture<Void>> futures = new ArrayList<>();
    futures.add(append(s, 1));
    eventually(() -> storage.heldWrites() == 1, "the first upload");

    // When more appends are sealed into further objects that upload at once
    for (int i = 0; i < 3; i++) {
      futures.add(append(s, 1));
      int expected = i + 1;
      eventually(() -> storage.completedWrites.get() == expected, "upload " + expected);
    }

    // Then none of them is acknowledged before the first object commits
    Thread.yield();
    futures.forEach(f -> assertFalse(f.isDone()));
    assertEquals(0, s.confirmed);

    // When the first upload finishes
    storage.release();
    futures.forEach(f -> await(f));

    // Then all four objects were committed in one index transaction, in order
    assertEquals(List.of(4), index.commitSizes);
    assertEquals(List.of(0L, 1L, 2L, 3L), s.ranges.stream().map(StreamRange::startOffset).toList());
    assertEquals(List.of("committed 1", "committed 2", "committed 3", "committed 4"), events);
  }

  @Test
  void appendsWaitForBufferSpaceAndFailAfterTheBound() throws Exception {
    // Given a small buffer and uploads that do not finish
    int batchBytes = 1000;
    long max = 16 * (batchBytes + WalObjectFormat.ENTRY_HEADER_BYTES);
    wal(config().withUploadBytes(max / 2).withBufferMaxBytes(max).withAppendTimeoutMs(200));
    storage.holdAllWrites();
    TestStream s = stream(1);
    List<CompletableFuture<Void>> accepted = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      accepted.add(append(s, 1, batchBytes));
    }
    assertEquals(max, wal.stats().bufferedBytes());

    // When one more batch is appended
    long start = System.nanoTime();
    CompletableFuture<Void> rejected = append(s, 1, batchBytes);
    long callMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    // Then the call returns at once (the caller's thread serves other connections), the append waits for the
    // bound, fails, and fences the stream; memory stays within the bound
    assertTrue(callMs < 100, "the append call took " + callMs + " ms");
    assertFalse(rejected.isDone());
    ExecutionException e = assertThrows(ExecutionException.class, () -> rejected.get(5, TimeUnit.SECONDS));
    long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(waitedMs >= 150, "waited " + waitedMs + " ms");
    assertInstanceOf(WalBufferFullException.class, e.getCause());
    assertTrue(s.isFenced());
    assertEquals(max, wal.stats().bufferedBytes());

    // When an append of another stream waits, and the uploads then finish
    TestStream other = stream(2);
    CompletableFuture<Void> waiting = append(other, 1, batchBytes);
    Thread.sleep(50);
    assertFalse(waiting.isDone());
    storage.release();

    // Then it gets in and commits; the fenced stream's accepted batches fail instead of committing
    await(waiting);
    for (CompletableFuture<Void> f : accepted) {
      assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
    }
    assertEquals(1, other.confirmed);
    assertEquals(0, metadata.stream(1).endOffset());
  }

  @Test
  void aFailedUploadFailsItsAppendsAndFencesOnlyItsStreams() {
    // Given the next upload fails for good
    wal(config());
    storage.failNextWrites(1, false);
    TestStream failed = stream(1);

    // When a batch is appended
    CompletableFuture<Void> f = append(failed, 1);

    // Then it fails, the stream is fenced, and nothing is in the index
    ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
    assertInstanceOf(StreamFencedException.class, e.getCause());
    assertTrue(failed.isFenced());
    assertEquals(0, metadata.stream(1).endOffset());

    // And another stream's later append commits normally
    TestStream healthy = stream(2);
    await(append(healthy, 5));
    assertEquals(5, metadata.stream(2).endOffset());
    assertEquals(1, wal.stats().batchesFailed());
  }

  @Test
  void aRetriableUploadFailureIsRetried() {
    wal(config());
    storage.failNextWrites(1, true);
    TestStream s = stream(1);

    await(append(s, 1));

    assertEquals(1, wal.stats().uploadRetries());
    assertEquals(1, s.confirmed);
  }

  @Test
  void aFailedCommitFailsTheAppendsOfTheObject() {
    wal(config());
    index.failNextCommit(new MetadataStoreException("injected", null));
    TestStream s = stream(1);

    CompletableFuture<Void> f = append(s, 1);

    assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
    assertTrue(s.isFenced());
    assertEquals(0, metadata.stream(1).endOffset());
  }

  @Test
  void aStreamWithAStaleEpochIsFencedAndTheRestOfTheObjectCommits() {
    // Given stream 1 was taken over by a newer owner, and its old owner appends alongside stream 2
    wal(config().withUploadIntervalMs(60_000));
    TestStream stale = stream(1);
    TestStream healthy = stream(2);
    metadata.openStream(1);
    storage.holdAllWrites();
    CompletableFuture<Void> warmUp = append(stream(3), 1);
    eventually(() -> storage.heldWrites() == 1, "first upload");
    CompletableFuture<Void> staleAppend = append(stale, 1);
    CompletableFuture<Void> healthyAppend = append(healthy, 1);

    // When the object holding both is committed
    storage.release();
    await(warmUp);

    // Then only the stale stream fails
    await(healthyAppend);
    assertThrows(ExecutionException.class, () -> staleAppend.get(5, TimeUnit.SECONDS));
    assertTrue(stale.isFenced());
    assertFalse(healthy.isFenced());
    assertEquals(0, metadata.stream(1).endOffset());
    assertEquals(1, metadata.stream(2).endOffset());
  }

  @Test
  void theObjectHoldsEachStreamsBatchesContiguouslyWithTheFraming() {
    // Given interleaved appends of two streams sealed into one object
    wal(config().withUploadIntervalMs(60_000));
    storage.holdAllWrites();
    TestStream a = stream(1);
    TestStream b = stream(2);
    CompletableFuture<Void> warmUp = append(stream(3), 1);
    eventually(() -> storage.heldWrites() == 1, "first upload");
    List<CompletableFuture<Void>> futures = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      futures.add(append(a, 2, 50 + i));
      futures.add(append(b, 1, 70 + i));
    }
    storage.release();
    await(warmUp);
    futures.forEach(f -> await(f));

    // When each stream's range is read from the object
    for (TestStream s : List.of(a, b)) {
      StreamRange r = s.ranges.get(0);
      ByteBuf bytes = await(storage.rangeRead(r.objectKey(), r.position(), r.position() + r.length()));
      try {
        // Then it decodes into exactly that stream's batches in order
        List<WalObjectFormat.Entry> entries = WalObjectFormat.parse(bytes, s.streamId());
        assertEquals(3, entries.size());
        long offset = 0;
        for (WalObjectFormat.Entry e : entries) {
          assertEquals(offset, e.baseOffset());
          assertEquals(content(s.streamId(), offset, e.batch().readableBytes()), text(e.batch()));
          offset = e.endOffset();
        }
        assertEquals(r.endOffset(), offset);
      } finally {
        bytes.release();
      }
    }
  }

  @Test
  void closeCommitsPendingAppendsAndRejectsNewOnes() {
    wal(config().withUploadIntervalMs(60_000));
    storage.holdAllWrites();
    TestStream s = stream(1);
    List<CompletableFuture<Void>> futures = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      futures.add(append(s, 1));
    }
    CompletableFuture.runAsync(
        () -> {
          eventually(() -> storage.heldWrites() >= 1, "first upload");
          storage.release();
        });

    wal.close();

    futures.forEach(f -> assertTrue(f.isDone() && !f.isCompletedExceptionally()));
    assertEquals(5, metadata.stream(1).endOffset());
    assertThrows(ExecutionException.class, () -> append(stream(2), 1).get(1, TimeUnit.SECONDS));
  }

  // ---------------------------------------------------------------- helpers

  private TestStream stream(long id) {
    StreamMetadata m = metadata.openStream(id);
    return new TestStream(id, m.epoch(), m.endOffset());
  }

  private CompletableFuture<Void> append(TestStream s, int count) {
    return append(s, count, 100);
  }

  private CompletableFuture<Void> append(TestStream s, int count, int bytes) {
    long base = s.next;
    s.next += count;
    return wal.append(s, base, count, 1000 + base, batch(s.streamId(), base, bytes));
  }

  private record StreamRangeBounds(long start, long end) {
    static StreamRangeBounds of(StreamRange r) {
      return new StreamRangeBounds(r.startOffset(), r.endOffset());
    }
  }

  /** A WalStream that records what the WAL tells it and releases the batches it is handed. */
  private final class TestStream implements WalStream {
    final long id;
    final long epoch;
    long next;
    volatile long confirmed;
    volatile Throwable fenced;
    final List<StreamRange> ranges = new CopyOnWriteArrayList<>();

    TestStream(long id, long epoch, long next) {
      this.id = id;
      this.epoch = epoch;
      this.next = next;
      this.confirmed = next;
    }

    @Override
    public long streamId() {
      return id;
    }

    @Override
    public long epoch() {
      return epoch;
    }

    @Override
    public boolean isFenced() {
      return fenced != null;
    }

    @Override
    public void fence(Throwable cause) {
      if (fenced == null) {
        fenced = cause;
      }
    }

    @Override
    public void onCommitted(StreamRange range, List<CommittedBatch> batches) {
      assertEquals(confirmed, range.startOffset());
      assertEquals(range.startOffset(), batches.get(0).baseOffset());
      assertEquals(range.endOffset(), batches.get(batches.size() - 1).endOffset());
      ranges.add(range);
      confirmed = range.endOffset();
      batches.forEach(b -> b.batch().release());
      events.add("committed " + confirmed);
    }

    @Override
    public void onJournaled(List<CommittedBatch> batches) {
      batches.forEach(b -> b.batch().release());
      confirmed = batches.get(batches.size() - 1).endOffset();
      events.add("journaled " + confirmed);
    }

    @Override
    public void onIndexed(StreamRange range) {
      ranges.add(range);
      events.add("indexed " + range.endOffset());
    }
  }
}
