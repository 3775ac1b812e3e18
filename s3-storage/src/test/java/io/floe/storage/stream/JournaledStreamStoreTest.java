package io.floe.storage.stream;

import static io.floe.storage.testing.Batches.await;
import static io.floe.storage.testing.Batches.batch;
import static io.floe.storage.testing.Batches.eventually;
import static io.floe.storage.testing.Batches.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.storage.testing.ControllableIndexStore;
import io.floe.storage.testing.ControllableObjectStorage;
import io.floe.storage.wal.FailingSegmentChannels;
import io.floe.storage.wal.WalConfig;
import io.floe.storage.wal.WalJournal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every stream store test of {@link DefaultStreamStoreTest}, with a WAL file: appends are acknowledged once written
 * to it and go into objects later (at least every 250 ms here, or when a flush asks); and what only a WAL file
 * gives: reads before the objects exist, and recovery of acknowledged batches from the file after a crash.
 */
class JournaledStreamStoreTest extends DefaultStreamStoreTest {
  private static final int BATCH = 100;
  /** The WAL file's disk: tests fill it up. */
  private final FailingSegmentChannels disk = new FailingSegmentChannels();

  @Override
  DefaultStreamStore newStore(
      ControllableObjectStorage storage, ControllableIndexStore index, StreamStoreConfig config) {
    WalConfig wal = config.wal();
    if (wal.uploadIntervalMs() < WalConfig.DEFAULT_UPLOAD_INTERVAL_MS_S3) {
      wal = wal.withUploadIntervalMs(WalConfig.DEFAULT_UPLOAD_INTERVAL_MS_S3);
    }
    return DefaultStreamStore.withJournal(storage, index, config.withWal(wal),
        new WalJournal(walDir(), WalJournal.DEFAULT_SEGMENT_BYTES, false, disk));
  }

  @Override
  boolean acknowledgesBeforeObjects() {
    return true;
  }

  private Path walDir() {
    return dir.resolve("wal");
  }

  @Test
  void acknowledgedBatchesAreReadBeforeTheyAreInObjectsWhateverTheCache() {
    // Given a store whose tail cache holds nothing and whose objects wait a minute
    start(StreamStoreConfig.localDefaults().withCacheBytes(0)
        .withWal(WalConfig.localDefaults().withUploadIntervalMs(60_000)));
    io.floe.storage.stream.Stream s = await(store.open(1));

    // When ten batches are acknowledged
    appendWithoutFlush(s, 10);

    // Then they are in the WAL file only, and read back from memory
    assertEquals(0, walObjects());
    assertEquals(0, metadata.stream(1).endOffset());
    assertEquals(10, s.confirmedOffset());
    assertEquals(expected(1, 0, 10, 1), readAll(s));
    assertEquals(0, storage.reads.get());

    // And once a flush asks, they are in one object and the index, and still read back the same
    await(store.flush());
    assertEquals(1, walObjects());
    assertEquals(10, metadata.stream(1).endOffset());
    assertEquals(expected(1, 0, 10, 1), readAll(s));
  }

  @Test
  void journaledBatchesGoIntoObjectsOnTheirOwnWithinTheInterval() {
    // Given acknowledged batches of two streams
    io.floe.storage.stream.Stream a = await(store.open(1));
    io.floe.storage.stream.Stream b = await(store.open(2));
    appendWithoutFlush(a, 5);
    appendWithoutFlush(b, 3);

    // Then within the 250 ms interval (and without a flush) both are indexed, in one object
    eventually(() -> metadata.stream(1).endOffset() == 5 && metadata.stream(2).endOffset() == 3,
        "the journaled batches to be indexed");
    assertEquals(1, walObjects());
    // (the WAL counts the bytes as indexed just after the index commit)
    eventually(() -> store.walStats().journal().unindexedBytes() == 0, "the indexed bytes to be counted");
    assertTrue(store.walStats().journal().records() >= 1);
    // and the file writes and the object upload are timed apart
    assertEquals(store.walStats().journal().records(), store.walStats().timings().fileWrite().count());
    assertEquals(1, store.walStats().timings().upload().count());
  }

  @Override
  @Test
  void everyAcknowledgedBatchSurvivesAnAbandonedOwnerAndNothingUnacknowledgedIsClaimed() {
    // Given acknowledged batches that never reach the index (the process "dies" before), and a torn record after
    // them, as a write cut short by the crash leaves it
    io.floe.storage.stream.Stream s = await(store.open(1));
    appendAndAwait(s, 4, 3);
    index.closeGate();
    appendWithoutFlush(s, 6, 3);
    assertEquals(12, metadata.stream(1).endOffset());
    appendTornRecord();
    ControllableIndexStore abandonedIndex = index;
    DefaultStreamStore abandoned = store;

    // When another store opens over the same data without the first one closing
    DefaultStreamStore survivor = start(StreamStoreConfig.localDefaults().withDeleteOrphansOnStart(false));
    io.floe.storage.stream.Stream reopened = await(survivor.open(1));

    // Then every acknowledged batch reads back at its offset, from the objects the new store wrote from the file
    assertEquals(30, reopened.confirmedOffset());
    assertEquals(30, metadata.stream(1).endOffset());
    assertEquals(expected(1, 0, 10, 3), readAll(reopened));

    // And the old store's late index commit is rejected without changing anything
    abandonedIndex.openGate();
    await(abandoned.flush());
    assertEquals(30, metadata.stream(1).endOffset());
    assertEquals(expected(1, 0, 10, 3), readAll(reopened));
  }

  @Test
  void aFailingObjectUploadDelaysIndexingButFailsNoAcknowledgedAppend() {
    // Given uploads that fail (not retriable) for a while
    io.floe.storage.stream.Stream s = await(store.open(1));
    storage.failNextWrites(2, false);

    // When batches are appended
    List<CompletableFuture<Void>> acks = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      long base = s.nextOffset();
      acks.add(s.append(base, 1, base, batch(1, base, BATCH)));
    }

    // Then they are acknowledged, and go into the index once uploads work again
    acks.forEach(f -> await(f));
    eventually(() -> metadata.stream(1).endOffset() == 5, "the retried upload and commit");
    assertTrue(store.walStats().journal().indexFailures() >= 2);
    assertEquals(expected(1, 0, 5, 1), readAll(s));
    await(s.append(5, 1, 5, batch(1, 5, BATCH)));
  }

  @Test
  void aFullDiskFailsOnlyTheAppendsWrittenMeanwhile() {
    // Given a stream with three acknowledged batches
    io.floe.storage.stream.Stream s = await(store.open(1));
    appendWithoutFlush(s, 3);

    // When the WAL file's disk fills up, the next append fails and fences its stream
    disk.full = true;
    Throwable failed = s.append(3, 1, 3, batch(1, 3, BATCH)).handle((v, t) -> t).join();
    assertNotNull(failed, "an append the WAL file could not take");
    assertNotNull(s.append(4, 1, 4, batch(1, 4, BATCH)).handle((v, t) -> t).join(), "the stream is fenced");

    // And once space is free again, the stream opened anew goes on where the acknowledged batches end
    disk.full = false;
    io.floe.storage.stream.Stream reopened = await(store.open(1));
    assertEquals(3, reopened.nextOffset());
    index.closeGate();
    appendWithoutFlush(reopened, 2);
    ControllableIndexStore abandonedIndex = index;

    // Then a store started over the same data after a crash (the last two never indexed) finds all five
    DefaultStreamStore survivor = start(StreamStoreConfig.localDefaults().withDeleteOrphansOnStart(false));
    io.floe.storage.stream.Stream recovered = await(survivor.open(1));
    assertEquals(5, recovered.confirmedOffset());
    assertEquals(expected(1, 0, 5, 1), readAll(recovered));
    abandonedIndex.openGate(); // the first store's late commit is rejected when it closes
  }

  // ---------------------------------------------------------------- helpers

  private void appendWithoutFlush(io.floe.storage.stream.Stream s, int batches) {
    appendWithoutFlush(s, batches, 1);
  }

  private void appendWithoutFlush(io.floe.storage.stream.Stream s, int batches, int perBatch) {
    List<CompletableFuture<Void>> futures = new ArrayList<>();
    for (int i = 0; i < batches; i++) {
      long base = s.nextOffset();
      futures.add(s.append(base, perBatch, base, batch(s.streamId(), base, BATCH)));
    }
    futures.forEach(f -> await(f));
  }

  private static List<String> readAll(io.floe.storage.stream.Stream s) {
    ReadResult r = await(s.read(s.startOffset(), Integer.MAX_VALUE));
    try {
      return texts(r.batches());
    } finally {
      r.release();
    }
  }

  /** Appends the start of a record header and a few bytes to the last WAL file. */
  private void appendTornRecord() {
    try (Stream<Path> files = Files.list(walDir())) {
      Path last = files.sorted().reduce((x, y) -> y).orElseThrow();
      Files.write(last, new byte[] {0x46, 0x4c, 0x57, 0x4a, 0, 0, 1, 0, 7, 7, 7}, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
