package io.floe.storage.stream;

import io.floe.storage.testing.PostgresDatabases;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every stream store test of {@link DefaultStreamStoreTest}, with its index in a real PostgreSQL server. */
class PostgresDefaultStreamStoreTest extends DefaultStreamStoreTest {
  @RegisterExtension static final PostgresDatabases postgres = new PostgresDatabases();

  @Override
  String metadataUrl() {
    return postgres.url();
  }
}
