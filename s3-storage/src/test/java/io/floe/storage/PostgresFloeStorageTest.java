package io.floe.storage;

import static io.floe.storage.testing.Batches.await;
import static io.floe.storage.testing.Batches.batch;
import static io.floe.storage.testing.Batches.content;
import static io.floe.storage.testing.Batches.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.floe.storage.metadata.TopicRecord;
import io.floe.storage.stream.ReadResult;
import io.floe.storage.stream.Stream;
import io.floe.storage.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A broker's storage with its metadata in PostgreSQL, as set by {@code metadata.store.url=jdbc:postgresql://...}. */
class PostgresFloeStorageTest {
  private static PostgresServer postgres;
  @TempDir Path dir;

  @BeforeAll
  static void startPostgres() {
    postgres = PostgresServer.start();
  }

  @AfterAll
  static void stopPostgres() {
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  void appendsCommittedThroughPostgresAreReadBackAfterARestart() {
    // Given storage whose metadata store is a PostgreSQL database
    StorageConfig config = StorageConfig.builder(dir).metadataJdbcUrl(postgres.newDatabase()).build();
    long streamId;
    try (FloeStorage storage = FloeStorage.open(config)) {
      TopicRecord topic = storage.metadataStore().createTopic("orders", 2, Map.of("retention.ms", "60000"));
      streamId = topic.streamId(1);
      Stream s = await(storage.streamStore().open(streamId));
      for (int i = 0; i < 20; i++) {
        await(s.append(i, 1, i, batch(streamId, i, 64)));
      }
    }

    // When the broker restarts over the same database and objects
    try (FloeStorage storage = FloeStorage.open(config)) {
      // Then the topic and every acknowledged append are there, and nothing went to a local SQLite file
      assertEquals(
          Map.of("retention.ms", "60000"), storage.metadataStore().topic("orders").orElseThrow().configs());
      Stream s = await(storage.streamStore().open(streamId));
      ReadResult r = await(s.read(0, Integer.MAX_VALUE));
      try {
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          expected.add(content(streamId, i, 64));
        }
        assertEquals(expected, texts(r.batches()));
      } finally {
        r.release();
      }
    }
    assertFalse(Files.exists(dir.resolve("meta.db")));
  }
}
