package io.floe.tabletopic.worker;

import io.floe.storage.FloeStorage;
import io.floe.storage.StorageConfig;
import io.floe.storage.stream.Stream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;

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

  /**
   * Appends one batch of records keyed {@code {"id":<ids[i]>}} (a Debezium record key) with {@code values[i]}
   * (null: a tombstone).
   */
  static void appendKeyed(Stream s, int[] ids, byte[]... values) {
    long base = s.nextOffset();
    SimpleRecord[] records = new SimpleRecord[values.length];
    for (int i = 0; i < values.length; i++) {
      records[i] = new SimpleRecord(1L, ("{\"id\":" + ids[i] + "}").getBytes(StandardCharsets.UTF_8), values[i]);
    }
    ByteBuffer b = MemoryRecords.withRecords(base, Compression.NONE, records).buffer();
    ByteBuf buf = Unpooled.directBuffer(b.remaining());
    buf.writeBytes(b);
    s.append(base, values.length, 1L, buf).join();
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
