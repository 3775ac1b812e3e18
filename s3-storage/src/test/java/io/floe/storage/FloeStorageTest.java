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
import io.floe.storage.stream.ReadResult;
import io.floe.storage.stream.Stream;
import io.floe.storage.stream.StreamStoreConfig;
import io.floe.storage.wal.WalConfig;
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
}
