package io.floe.catalog.rest;

import io.floe.catalog.testing.TempDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.catalog.CatalogTests;
import org.apache.iceberg.rest.RESTCatalog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The tests of Iceberg's {@link CatalogTests} that the REST compatibility kit (1.11.0) skips, run
 * against Floe's REST server: the kit fixes nested namespaces and names with slashes to
 * "unsupported", and table names with dots with them, while the server (over the JDBC catalog)
 * supports them. The {@code iceberg-rck}
 * execution runs the kit for everything else. Each test gets its own server, as the suite expects an
 * empty catalog.
 */
class FloeRestCatalogTests {
  private Path dir;
  private RestCatalogServer server;
  private KitSkippedCases suite;

  @BeforeEach
  void startServer() throws IOException {
    dir = Files.createTempDirectory("floe-catalog-tests");
    server = RestCatalogServer.builder().bind("127.0.0.1", 0)
        .embeddedCatalog(dir.resolve("catalog.db"), dir.resolve("warehouse")).build().start();
    suite = new KitSkippedCases(server);
  }

  @AfterEach
  void stopServer() throws IOException {
    suite.catalog().close();
    server.close();
    TempDirs.deleteQuietly(dir);
  }

  @Test
  void listNestedNamespaces() {
    suite.testListNestedNamespaces();
  }

  @Test
  void dropNamespaceWithNestedNamespace() {
    suite.testDropNamespaceWithNestedNamespace();
  }

  @Test
  void namespaceWithSlash() {
    suite.testNamespaceWithSlash();
  }

  @Test
  void tableNameWithSlash() {
    suite.testTableNameWithSlash();
  }

  @Test
  void tableNameWithDot() {
    // the kit ties table and namespace names with dots to one flag; only namespace levels with a dot
    // are refused (400), since the JDBC catalog joins levels with '.'
    suite.testTableNameWithDot();
  }

  /** Iceberg's suite with the capabilities the kit leaves off turned on. */
  static final class KitSkippedCases extends CatalogTests<RESTCatalog> {
    private final RestCatalogServer server;
    private final RESTCatalog catalog;

    KitSkippedCases(RestCatalogServer server) {
      this.server = server;
      this.catalog = initCatalog("floe", Map.of());
    }

    @Override
    protected RESTCatalog catalog() {
      return catalog;
    }

    @Override
    protected RESTCatalog initCatalog(String catalogName, Map<String, String> additionalProperties) {
      Map<String, String> props = new HashMap<>(additionalProperties);
      props.put("uri", server.uri().toString());
      RESTCatalog c = new RESTCatalog();
      c.setConf(new Configuration());
      c.initialize(catalogName, props);
      return c;
    }

    @Override
    protected boolean requiresNamespaceCreate() {
      return true;
    }

    @Override
    protected boolean supportsNestedNamespaces() {
      return true;
    }

    @Override
    protected boolean supportsNamesWithSlashes() {
      return true;
    }

    @Override
    protected boolean supportsNamesWithDot() {
      return true;
    }
  }
}
