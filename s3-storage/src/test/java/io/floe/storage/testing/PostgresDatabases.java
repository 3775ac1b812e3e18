package io.floe.storage.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real PostgreSQL server for a test class, and a fresh database for each test: register it as a static
 * {@code @RegisterExtension} field and call {@link #url()} for the current test's database.
 */
public final class PostgresDatabases implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback {
  private PostgresServer server;
  private String url;

  @Override
  public void beforeAll(ExtensionContext context) {
    server = PostgresServer.start();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    url = null;
  }

  /** The JDBC URL of this test's database, created on first use. */
  public String url() {
    if (url == null) {
      url = server.newDatabase();
    }
    return url;
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (server != null) {
      server.close();
    }
  }
}
