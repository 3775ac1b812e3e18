package io.floe.storage.metadata;

import io.floe.storage.testing.PostgresServer;
import java.nio.file.Path;

/**
 * Two metadata stores over one database, as two brokers see it, for the tests that run against SQLite and a
 * real PostgreSQL alike. SQLite is one broker's embedded file, so both are one store there; on PostgreSQL they
 * are two stores on a new database of a server started on first use. One instance per test class.
 */
final class TwoStores {
  private PostgresServer postgres;
  private JdbcMetadataStore first;
  private JdbcMetadataStore second;

  /** Opens the two stores on a new database of {@code database} ("sqlite" or "postgresql"). */
  JdbcMetadataStore[] open(String database, Path dir) {
    String url;
    if (database.equals("sqlite")) {
      url = "jdbc:sqlite:" + dir.resolve("meta-" + System.nanoTime() + ".db");
    } else {
      if (postgres == null) {
        postgres = PostgresServer.start();
      }
      url = postgres.newDatabase();
    }
    first = JdbcMetadataStore.open(url);
    second = database.equals("sqlite") ? first : JdbcMetadataStore.open(url);
    return new JdbcMetadataStore[] {first, second};
  }

  /** Closes the stores of the last {@link #open}. */
  void closeStores() {
    if (first != null) {
      first.close();
      second.close();
    }
    first = null;
  }

  /** Closes the stores and stops the PostgreSQL server, if one was started. */
  void stop() {
    closeStores();
    if (postgres != null) {
      postgres.close();
      postgres = null;
    }
  }
}
