package io.floe.storage.stream;

import io.floe.storage.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Every stream store test of {@link DefaultStreamStoreTest}, with its index in a real PostgreSQL server. */
class PostgresDefaultStreamStoreTest extends DefaultStreamStoreTest {
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
