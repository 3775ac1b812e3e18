package io.floe.storage;

import static io.floe.storage.testing.Batches.await;
import static io.floe.storage.testing.Batches.batch;
import static io.floe.storage.testing.Batches.content;
import static io.floe.storage.testing.Batches.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.storage.metadata.TopicRecord;
import io.floe.storage.stream.CompactionConfig;
import io.floe.storage.stream.ReadResult;
import io.floe.storage.stream.Stream;
import io.floe.storage.stream.StreamStoreConfig;
import io.floe.storage.wal.WalConfig;
import io.floe.storage.wal.WalJournal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FloeStorageTest {
  @TempDir Path dir;

  @Test
  void defaultsPutMetadataAndObjectsUnderTheDataDir() {
    StorageConfig config = StorageConfig.builder(dir).build();

    assertEquals("jdbc:sqlite:" + dir.toAbsolutePath().normalize().resolve("meta.db"), config.metadataJdbcUrl());
    assertEquals(dir.toAbsolutePath().normalize().resolve("objects"), config.objectsDir());
    assertEquals(8L << 20, config.walUploadBytes());
    assertEquals(WalConfig.DEFAULT_UPLOAD_INTERVAL_MS_LOCAL, config.walUploadIntervalMs());
    assertEquals(4, config.walMaxInflightUploads());
    assertEquals(64L << 20, config.walBufferMaxBytes());
    assertEquals(StreamStoreConfig.DEFAULT_CACHE_BYTES, config.cacheBytes());
    assertFalse(config.fsync());
    assertEquals(60_000, config.objectDeleteGraceMs());
    assertEquals(0, config.orphanMinAgeMs());
    assertEquals(
        StorageConfig.DEFAULT_SHARED_INDEX_ORPHAN_MIN_AGE_MS,
        StorageConfig.builder(dir).metadataJdbcUrl("jdbc:postgresql://db/floe").build().orphanMinAgeMs());
    assertEquals(new CompactionConfig(true, 300_000, 8L << 20, 16L << 20, 60_000, 32), config.compaction());
    assertEquals(config.compaction(), config.streamStoreConfig().compaction());
  }

  @Test
  void compactionSettingsAreTakenAndTheSmallObjectSizeFollowsASmallerMax() {
    StorageConfig config =
        StorageConfig.builder(dir)
            .compactionEnabled(false)
            .compactionIntervalMs(5)
            .compactionMaxObjectBytes(4L << 20)
            .compactionMinAgeMs(0)
            .compactionMaxRunsPerCycle(3)
            .build();

    assertEquals(new CompactionConfig(false, 5, 2L << 20, 4L << 20, 0, 3), config.compaction());
    assertEquals(1000, StorageConfig.builder(dir).compactionSmallObjectBytes(1000).build().compaction().smallObjectBytes());
    assertThrows(IllegalArgumentException.class,
        () -> StorageConfig.builder(dir).compactionMaxObjectBytes(1000).compactionSmallObjectBytes(2000).build());
    assertThrows(IllegalArgumentException.class, () -> StorageConfig.builder(dir).compactionIntervalMs(0).build());
    assertThrows(IllegalArgumentException.class, () -> StorageConfig.builder(dir).compactionMaxRunsPerCycle(0).build());
  }

  @Test
  void invalidSettingsAreRejectedWhenBuilt() {
    assertThrows(IllegalArgumentException.class, () -> StorageConfig.builder(dir).walUploadBytes(0).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> StorageConfig.builder(dir).walUploadBytes(100).walBufferMaxBytes(10).build());
    assertThrows(IllegalArgumentException.class, () -> StorageConfig.builder(dir).metadataJdbcUrl("meta.db").build());
  }

  @Test
  void closeCommitsPendingAppendsAndAReopenReadsThemBack() {
    // Given a topic whose partition stream gets appends that nobody waits for
    Path data = dir.resolve("nested").resolve("floe-data");
    List<CompletableFuture<Void>> pending = new ArrayList<>();
    long streamId;
    try (FloeStorage storage = FloeStorage.open(StorageConfig.builder(data).fsync(true).build())) {
      TopicRecord topic = storage.metadataStore().createTopic("orders", 2, Map.of("cleanup.policy", "delete"));
      streamId = topic.streamId(1);
      Stream s = await(storage.streamStore().open(streamId));
      for (int i = 0; i < 50; i++) {
        pending.add(s.append(i, 1, i, batch(streamId, i, 64)));
      }
      // When the storage is closed right away
    }

    // Then every append was acknowledged, and everything is there after reopening
    pending.forEach(f -> assertTrue(f.isDone() && !f.isCompletedExceptionally()));
    assertTrue(Files.isRegularFile(data.resolve("meta.db")));
    assertTrue(Files.isDirectory(data.resolve("objects").resolve("wal")));
    try (FloeStorage storage = FloeStorage.open(StorageConfig.builder(data).build())) {
      assertEquals(streamId, storage.metadataStore().topic("orders").orElseThrow().streamId(1));
      Stream s = await(storage.streamStore().open(streamId));
      ReadResult r = await(s.read(0, Integer.MAX_VALUE));
      try {
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
          expected.add(content(streamId, i, 64));
        }
        assertEquals(expected, texts(r.batches()));
      } finally {
        r.release();
      }
    }
  }

  @Test
  void aWalFileIsEmptiedByACleanCloseAndOneLeftByACrashMustBeRecoveredFirst() throws Exception {
    // Given appends acknowledged through a WAL file, then a clean close
    Path data = dir.resolve("floe-data");
    Path walDir = data.resolve("wal");
    long streamId;
    try (FloeStorage storage = FloeStorage.open(StorageConfig.builder(data).walPath(walDir).build())) {
      streamId = storage.metadataStore().createTopic("orders", 1, Map.of()).streamId(0);
      Stream s = await(storage.streamStore().open(streamId));
      List<CompletableFuture<Void>> acks = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        acks.add(s.append(i, 1, i, batch(streamId, i, 64)));
      }
      acks.forEach(f -> await(f));
      assertTrue(WalJournal.holdsRecords(walDir));
    }

    // Then the WAL file's batches are in objects, the file is gone, and a start without it reads everything
    assertFalse(WalJournal.holdsRecords(walDir));
    try (FloeStorage storage = FloeStorage.open(StorageConfig.builder(data).build())) {
      Stream s = await(storage.streamStore().open(streamId));
      ReadResult r = await(s.read(0, Integer.MAX_VALUE));
      try {
        assertEquals(20, r.batches().size());
      } finally {
        r.release();
      }
    }

    // And when a WAL file is left behind (a crash), a start without s3.wal.path is refused with the way out
    Files.write(walDir.resolve("00000000000000000000.wal"), new byte[] {1, 2, 3});
    IllegalStateException refused =
        assertThrows(IllegalStateException.class, () -> FloeStorage.open(StorageConfig.builder(data).build()));
    assertTrue(refused.getMessage().contains("s3.wal.path=" + walDir), refused.getMessage());
  }

  @Test
  void aWalFileLeftInAnotherDirectoryIsFoundWhereTheLastRunNotedIt() throws Exception {
    // Given a run with its WAL file outside the data directory, which left a file behind (a crash)
    Path data = dir.resolve("floe-data");
    Path walDir = dir.resolve("fast-disk").resolve("journal");
    try (FloeStorage storage = FloeStorage.open(StorageConfig.builder(data).walPath(walDir).build())) {
      assertTrue(WalJournal.holdsRecords(walDir));
    }
    Files.write(walDir.resolve("00000000000000000000.wal"), new byte[] {1, 2, 3});

    // When the broker starts without it, or with another directory
    IllegalStateException without =
        assertThrows(IllegalStateException.class, () -> FloeStorage.open(StorageConfig.builder(data).build()));
    IllegalStateException moved = assertThrows(IllegalStateException.class,
        () -> FloeStorage.open(StorageConfig.builder(data).walPath(dir.resolve("other")).build()));

    // Then both are refused, naming the directory to start with
    assertTrue(without.getMessage().contains("s3.wal.path=" + walDir), without.getMessage());
    assertTrue(moved.getMessage().contains("s3.wal.path=" + walDir), moved.getMessage());

    // And a start with it reads the file (here a torn record, skipped) and a clean stop empties it
    FloeStorage.open(StorageConfig.builder(data).walPath(walDir).build()).close();
    assertFalse(WalJournal.holdsRecords(walDir));
    FloeStorage.open(StorageConfig.builder(data).build()).close();
  }
}
