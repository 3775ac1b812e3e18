package io.floe.storage.stream;

import io.floe.storage.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Every compaction test of {@link StreamObjectCompactionTest}, with the index in a real PostgreSQL server. */
class PostgresStreamObjectCompactionTest extends StreamObjectCompactionTest {
  private static PostgresServer postgres;
  private String url;

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

  @Override
  String metadataUrl() {
    if (url == null) {
      url = postgres.newDatabase();
    }
    return url;
  }
}
