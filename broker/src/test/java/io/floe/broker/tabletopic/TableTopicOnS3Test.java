package io.floe.broker.tabletopic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.broker.testing.EmbeddedFloe;
import io.floe.storage.testing.S3ProxyServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A broker configured with {@code s3.bucket} keeps both its log and its table topics' warehouse in that bucket:
 * kafka-clients produce and consume, and the Iceberg table's metadata and Parquet data files are {@code s3://}
 * objects in the bucket, read back through the catalog. The bucket is a real S3-compatible server (S3Proxy).
 */
class TableTopicOnS3Test {
  private static final String BUCKET = "floe-lake";
  private static final String PREFIX = "cluster-1/";

  private static S3ProxyServer s3;
  private static EmbeddedFloe floe;
  private static Admin admin;

  @BeforeAll
  static void start() {
    s3 = S3ProxyServer.start();
    s3.createBucket(BUCKET);
    floe = EmbeddedFloe.start(Map.of(
        "s3.bucket", BUCKET,
        "s3.prefix", PREFIX,
        "s3.endpoint", s3.endpoint().toString(),
        "s3.region", "us-east-1",
        "s3.path.style.access", "true",
        "s3.access.key", S3ProxyServer.ACCESS_KEY,
        "s3.secret.key", S3ProxyServer.SECRET_KEY));
    admin = floe.admin();
  }

  @AfterAll
  static void stop() {
    if (admin != null) {
      admin.close();
    }
    if (floe != null) {
      floe.close();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  @Test
  void producedRecordsAreConsumedBackFromTheLogInTheBucket() throws Exception {
    // Given a plain topic on the S3-backed broker
    admin.createTopics(List.of(new NewTopic("s3-plain", 2, (short) 1))).all().get(30, TimeUnit.SECONDS);

    // When kafka-clients produce 200 records with acks=all
    Set<String> produced = new TreeSet<>();
    try (KafkaProducer<byte[], byte[]> p = floe.producer(Map.of())) {
      for (int i = 0; i < 200; i++) {
        String v = "value-" + i;
        produced.add(v);
        p.send(new ProducerRecord<>("s3-plain", i % 2, ("k" + i).getBytes(StandardCharsets.UTF_8),
            v.getBytes(StandardCharsets.UTF_8)));
      }
      p.flush();
    }

    // Then a consumer reads each record back exactly once
    List<String> consumed = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = floe.consumer(null, Map.of())) {
      c.assign(List.of(new TopicPartition("s3-plain", 0), new TopicPartition("s3-plain", 1)));
      c.seekToBeginning(c.assignment());
      long deadline = System.currentTimeMillis() + 30_000;
      while (consumed.size() < produced.size() && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          consumed.add(new String(r.value(), StandardCharsets.UTF_8));
        }
      }
    }
    assertEquals(produced.size(), consumed.size());
    assertEquals(produced, new TreeSet<>(consumed));

    // and the log's objects are in the bucket under the prefix, not in a local object directory
    assertFalse(list(PREFIX + "wal/").isEmpty(), "WAL objects in s3://" + BUCKET + "/" + PREFIX + "wal/");
    assertFalse(Files.exists(floe.dataDir().resolve("objects").resolve("wal")), "no local WAL objects");
  }

  @Test
  void aTableTopicWritesItsIcebergTableIntoTheBucket() throws Exception {
    // Given a table topic of schemaless JSON values, flattened into columns, committed every second
    admin.createTopics(List.of(new NewTopic("s3-orders", 2, (short) 1).configs(Map.of(
        "automq.table.topic.enable", "true",
        "automq.table.topic.commit.interval.ms", "1000",
        "automq.table.topic.convert.value.type", "json",
        "automq.table.topic.transform.value.type", "flatten")))).all().get(30, TimeUnit.SECONDS);

    // When kafka-clients produce 60 JSON records
    Map<Long, String> expected = new TreeMap<>();
    try (KafkaProducer<byte[], byte[]> p = floe.producer(Map.of())) {
      for (int i = 0; i < 60; i++) {
        String json = "{\"id\": " + i + ", \"name\": \"n" + i + "\", \"price\": " + (i + 0.25)
            + ", \"address\": {\"city\": \"c" + i + "\"}}";
        expected.put((long) i, "n" + i + "|" + (i + 0.25) + "|c" + i);
        p.send(new ProducerRecord<>("s3-orders", ("k" + i).getBytes(StandardCharsets.UTF_8),
            json.getBytes(StandardCharsets.UTF_8)));
      }
      p.flush();
    }

    // Then the table, read through the catalog, holds exactly the records produced
    TableIdentifier id = TableIdentifier.of(Namespace.of("default"), "s3-orders");
    awaitRows(id, expected.size());
    Thread.sleep(2_500); // two more commit intervals: nothing is added twice
    List<Record> rows = read(id);
    Map<Long, String> actual = new TreeMap<>();
    for (Record r : rows) {
      Record address = (Record) r.getField("address");
      actual.put((Long) r.getField("id"), r.getField("name") + "|" + r.getField("price") + "|"
          + address.getField("city"));
      assertEquals("k" + r.getField("id"), r.getField("_kafka_key"));
    }
    assertEquals(expected.size(), rows.size());
    assertEquals(expected, actual);

    // and its metadata and data files are s3:// objects under the prefix's warehouse, none of them local
    Table table = catalog().loadTable(id);
    String warehouse = "s3://" + BUCKET + "/" + PREFIX + "warehouse/";
    assertTrue(table.location().startsWith(warehouse), table.location());
    assertTrue(table.currentSnapshot().manifestListLocation().startsWith(warehouse),
        table.currentSnapshot().manifestListLocation());
    Set<String> dataFiles = new HashSet<>();
    try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
      tasks.forEach(t -> dataFiles.add(t.file().location()));
    }
    assertFalse(dataFiles.isEmpty());
    String tableKey = table.location().substring(("s3://" + BUCKET + "/").length());
    Set<String> listed = new HashSet<>();
    for (S3Object o : list(tableKey + "/data/")) {
      listed.add("s3://" + BUCKET + "/" + o.key());
    }
    assertTrue(listed.containsAll(dataFiles), "data files " + dataFiles + " listed in the bucket: " + listed);
    assertTrue(dataFiles.stream().allMatch(f -> f.endsWith(".parquet")), dataFiles.toString());
    assertFalse(list(tableKey + "/metadata/").isEmpty());
    assertFalse(Files.exists(floe.dataDir().resolve("warehouse")), "no local warehouse directory");
  }

  private static Catalog catalog() {
    return floe.server().tableTopics().manager().catalog();
  }

  private static void awaitRows(TableIdentifier id, int expected) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    int seen = 0;
    while (System.currentTimeMillis() < deadline) {
      if (catalog().tableExists(id)) {
        seen = read(id).size();
        if (seen >= expected) {
          return;
        }
      }
      Thread.sleep(250);
    }
    throw new AssertionError("Expected " + expected + " rows in " + id + " within 60 s, saw " + seen);
  }

  private static List<Record> read(TableIdentifier id) throws Exception {
    List<Record> rows = new ArrayList<>();
    try (CloseableIterable<Record> it = IcebergGenerics.read(catalog().loadTable(id)).build()) {
      it.forEach(rows::add);
    }
    return rows;
  }

  /** Every object under {@code keyPrefix} in the bucket, listed behind the broker's back. */
  private static List<S3Object> list(String keyPrefix) throws Exception {
    List<S3Object> objects = new ArrayList<>();
    String token = null;
    do {
      String page = token;
      var response = s3.client().listObjectsV2(b -> b.bucket(BUCKET).prefix(keyPrefix).continuationToken(page))
          .get(30, TimeUnit.SECONDS);
      objects.addAll(response.contents());
      token = Boolean.TRUE.equals(response.isTruncated()) ? response.nextContinuationToken() : null;
    } while (token != null);
    return objects;
  }
}
