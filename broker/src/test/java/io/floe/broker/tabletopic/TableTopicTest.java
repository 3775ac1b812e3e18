package io.floe.broker.tabletopic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.broker.testing.FloeExtension;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.iceberg.PartitionField;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A topic flag turns a topic into an Iceberg table, through the broker with kafka-clients. */
class TableTopicTest {

  @RegisterExtension
  static final FloeExtension broker = new FloeExtension();

  static Map<String, String> tableConfigs(String... extra) {
    Map<String, String> m = new java.util.HashMap<>(Map.of(
        "automq.table.topic.enable", "true",
        "automq.table.topic.commit.interval.ms", "1000",
        "automq.table.topic.convert.value.type", "string"));
    for (int i = 0; i < extra.length; i += 2) {
      m.put(extra[i], extra[i + 1]);
    }
    return m;
  }

  static Catalog catalog() {
    return broker.floe().server().tableTopics().manager().catalog();
  }

  static List<Record> awaitRows(String topic, int expected) throws Exception {
    return awaitRows(catalog(), topic, expected);
  }

  /** The rows of {@code topic}'s table once it has {@code expected} (or what it has after 30 s). */
  static List<Record> awaitRows(Catalog catalog, String topic, int expected) throws Exception {
    TableIdentifier id = TableIdentifier.of(Namespace.of("default"), topic);
    long deadline = System.currentTimeMillis() + 30_000;
    List<Record> rows = new ArrayList<>();
    while (System.currentTimeMillis() < deadline) {
      rows.clear();
      if (catalog.tableExists(id)) {
        Table t = catalog.loadTable(id);
        try (CloseableIterable<Record> it = IcebergGenerics.read(t).build()) {
          it.forEach(rows::add);
        }
        if (rows.size() >= expected) {
          return rows;
        }
      }
      Thread.sleep(200);
    }
    return rows;
  }

  static void produce(String topic, int from, int to) throws Exception {
    try (KafkaProducer<byte[], byte[]> p = broker.floe().producer(Map.of())) {
      for (int i = from; i < to; i++) {
        p.send(new ProducerRecord<>(topic, ("k" + i).getBytes(StandardCharsets.UTF_8),
            ("v" + i).getBytes(StandardCharsets.UTF_8))).get();
      }
    }
  }

  static Set<String> values(List<Record> rows) {
    Set<String> out = new HashSet<>();
    rows.forEach(r -> out.add((String) r.getField("value")));
    return out;
  }

  @Test
  void producedRecordsAppearInTheTableWithinTheCommitInterval() throws Exception {
    // Given a table topic created with the flag
    broker.admin().createTopics(List.of(new NewTopic("tt-orders", 3, (short) 1).configs(tableConfigs()))).all().get();

    // When kafka-clients produce 90 records
    produce("tt-orders", 0, 90);

    // Then the table holds each exactly once, with key and partition metadata
    List<Record> rows = awaitRows("tt-orders", 90);
    assertEquals(90, rows.size());
    assertEquals(90, values(rows).size());
    Record r = rows.get(0);
    assertTrue(((String) r.getField("_kafka_key")).startsWith("k"));
    Record meta = (Record) r.getField("_kafka_metadata");
    assertTrue((Integer) meta.getField("partition") < 3);
  }

  @Test
  void enablingTheFlagOnAnExistingTopicTakesItsDataAndDisablingKeepsTheTable() throws Exception {
    // Given a plain topic with data
    broker.admin().createTopics(List.of(new NewTopic("tt-late", 1, (short) 1))).all().get();
    produce("tt-late", 0, 20);
    ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, "tt-late");

    // When the flag is turned on later
    List<AlterConfigOp> ops = new ArrayList<>();
    tableConfigs().forEach((k, v) -> ops.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET)));
    broker.admin().incrementalAlterConfigs(Map.of(res, ops)).all().get();
    produce("tt-late", 20, 30);

    // Then the table has the old and the new records
    assertEquals(30, values(awaitRows("tt-late", 30)).size());

    // When it is turned off and more is produced, the table stays as it was
    broker.admin().incrementalAlterConfigs(Map.of(res, List.of(new AlterConfigOp(
        new ConfigEntry("automq.table.topic.enable", "false"), AlterConfigOp.OpType.SET)))).all().get();
    produce("tt-late", 30, 40);
    Thread.sleep(2500);
    assertEquals(30, awaitRows("tt-late", 30).size());

    // And deleting the topic keeps the table (documented)
    broker.admin().deleteTopics(List.of("tt-late")).all().get();
    assertTrue(catalog().tableExists(TableIdentifier.of(Namespace.of("default"), "tt-late")));
  }

  @Test
  void partitionedTableHasTheExpectedPartitionValues() throws Exception {
    broker.admin().createTopics(List.of(new NewTopic("tt-parts", 2, (short) 1).configs(tableConfigs(
        "automq.table.topic.partition.by", "[_kafka_metadata.partition, day(_kafka_metadata.timestamp)]"))))
        .all().get();
    produce("tt-parts", 0, 40);
    assertEquals(40, awaitRows("tt-parts", 40).size());
    Table t = catalog().loadTable(TableIdentifier.of(Namespace.of("default"), "tt-parts"));
    List<String> transforms = new ArrayList<>();
    for (PartitionField f : t.spec().fields()) {
      transforms.add(f.transform().toString());
    }
    assertEquals(List.of("identity", "day"), transforms);
    Set<Object> partitions = new HashSet<>();
    t.newScan().planFiles().forEach(task -> partitions.add(task.file().partition().get(0, Integer.class)));
    assertEquals(Set.of(0, 1), partitions);
  }

  @Test
  void schemalessJsonIsFlattenedIntoTypedColumnsThatGrowWithNewFields() throws Exception {
    // Given a table topic for JSON values without any schema
    broker.admin().createTopics(List.of(new NewTopic("tt-json", 1, (short) 1).configs(tableConfigs(
        "automq.table.topic.convert.value.type", "json", "automq.table.topic.transform.value.type", "flatten"))))
        .all().get();

    // When records with nested objects, arrays and numbers are produced, then records with new fields
    try (KafkaProducer<byte[], byte[]> p = broker.floe().producer(Map.of())) {
      for (int i = 0; i < 10; i++) {
        String json = "{\"id\": " + i + ", \"name\": \"n" + i + "\", \"price\": " + (i + 0.5)
            + ", \"tags\": [\"a\", \"b\"], \"address\": {\"city\": \"c" + i + "\"}, \"ts\": \"2026-11-25T10:00:00Z\"}";
        p.send(new ProducerRecord<>("tt-json", json.getBytes(StandardCharsets.UTF_8))).get();
      }
    }
    List<Record> rows = awaitRows("tt-json", 10);
    Table t = catalog().loadTable(TableIdentifier.of(Namespace.of("default"), "tt-json"));

    // Then the fields are typed columns: long, string, double, list, struct
    assertEquals("long", t.schema().findType("id").toString());
    assertEquals("string", t.schema().findType("name").toString());
    assertEquals("double", t.schema().findType("price").toString());
    assertTrue(t.schema().findType("tags").isListType());
    assertEquals("string", t.schema().findType("address.city").toString());
    assertEquals(10, rows.size());
    Record r0 = rows.stream().filter(r -> Long.valueOf(3).equals(r.getField("id"))).findFirst().orElseThrow();
    assertEquals("n3", r0.getField("name"));
    assertEquals("c3", ((Record) r0.getField("address")).getField("city"));

    // When later records bring new fields, they appear as new optional columns; old rows read null
    try (KafkaProducer<byte[], byte[]> p = broker.floe().producer(Map.of())) {
      p.send(new ProducerRecord<>("tt-json", "{\"id\": 100, \"name\": \"late\", \"discount\": 0.1, \"address\": {\"city\": \"x\", \"zip\": \"123\"}}"
          .getBytes(StandardCharsets.UTF_8))).get();
    }
    rows = awaitRows("tt-json", 11);
    t.refresh();
    assertEquals("double", t.schema().findType("discount").toString());
    assertEquals("string", t.schema().findType("address.zip").toString());
    assertEquals(11, rows.size());
    Record late = rows.stream().filter(r -> Long.valueOf(100).equals(r.getField("id"))).findFirst().orElseThrow();
    assertEquals(0.1, late.getField("discount"));
    assertEquals(null, r0.getField("discount") == null ? null : "old rows have no discount");
  }

  @Test
  void badTableTopicConfigsAreRejectedWithInvalidConfig() {
    ExecutionException e = assertThrows(ExecutionException.class, () -> broker.admin().createTopics(List.of(
        new NewTopic("tt-bad", 1, (short) 1).configs(tableConfigs("automq.table.topic.commit.interval.ms", "10"))))
        .all().get());
    assertInstanceOf(InvalidConfigurationException.class, e.getCause());
    assertTrue(e.getCause().getMessage().contains("commit.interval.ms"), e.getCause().getMessage());
    ExecutionException flatten = assertThrows(ExecutionException.class, () -> broker.admin().createTopics(List.of(
        new NewTopic("tt-bad2", 1, (short) 1).configs(tableConfigs("automq.table.topic.transform.value.type", "flatten"))))
        .all().get());
    assertInstanceOf(InvalidConfigurationException.class, flatten.getCause());
    ExecutionException partition = assertThrows(ExecutionException.class, () -> broker.admin().createTopics(List.of(
        new NewTopic("tt-bad3", 1, (short) 1).configs(tableConfigs("automq.table.topic.partition.by", "[bucket(id)]"))))
        .all().get());
    assertTrue(partition.getCause().getMessage().contains("bucket"), partition.getCause().getMessage());
  }
}
