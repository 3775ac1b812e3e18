package io.floe.storage.stream;

import io.floe.storage.testing.PostgresDatabases;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every compaction test of {@link StreamObjectCompactionTest}, with the index in a real PostgreSQL server. */
class PostgresStreamObjectCompactionTest extends StreamObjectCompactionTest {
  @RegisterExtension static final PostgresDatabases postgres = new PostgresDatabases();

  @Override
  String metadataUrl() {
    return postgres.url();
  }
}
