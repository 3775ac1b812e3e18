package io.floe.tabletopic.worker;

import io.floe.storage.FloeStorage;
import io.floe.storage.StorageConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.jdbc.JdbcCatalog;

/**
 * What a pipeline test runs against: the real stream store and a real Iceberg JDBC catalog on SQLite in a
 * temp dir, and the pipeline's thread pools. {@link #close()} stops them and deletes the dir.
 */
final class PipelineFixture implements AutoCloseable {

  final Path dir;
  final FloeStorage storage;
  final JdbcCatalog catalog;
  final ExecutorService workers = Executors.newFixedThreadPool(2);
  final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

  PipelineFixture(String prefix) throws Exception {
    dir = Files.createTempDirectory(prefix);
    storage = FloeStorage.open(StorageConfig.builder(dir.resolve("data")).build());
    catalog = new JdbcCatalog();
    catalog.initialize("floe", Map.of(
        CatalogProperties.URI, "jdbc:sqlite:" + dir.resolve("catalog.db"),
        CatalogProperties.WAREHOUSE_LOCATION, dir.resolve("warehouse").toUri().toString(),
        "jdbc.schema-version", "V1"));
  }

  @Override
  public void close() throws Exception {
    catalog.close();
    storage.close();
    workers.shutdownNow();
    scheduler.shutdownNow();
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
