package io.floe.e2e.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.broker.testing.FloeProcess;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * kafka-clients produce JSON to a table topic; Apache Spark (local mode, Iceberg's Spark runtime) reads the
 * table through Floe's built-in Iceberg REST catalog and sees exactly the records produced, typed, with the
 * metadata columns; new fields show up as new columns; a partitioned table has the expected partitions.
 */
class SparkReadsTableTopicsTest {

  static FloeProcess floe;
  static SparkSession spark;

  @BeforeAll
  static void start() throws Exception {
    floe = new FloeProcess(System.getProperty("floe.broker.classpath"), Map.of()).start();
    spark = SparkSession.builder()
        .master("local[2]")
        .appName("floe-e2e")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.extensions", "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions")
        .config("spark.sql.catalog.floe", "org.apache.iceberg.spark.SparkCatalog")
        .config("spark.sql.catalog.floe.type", "rest")
        .config("spark.sql.catalog.floe.uri", floe.restCatalogUri())
        .getOrCreate();
  }

  @AfterAll
  static void stop() throws Exception {
    if (spark != null) {
      spark.stop();
    }
    if (floe != null) {
      floe.close();
    }
  }

  private static Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, floe.bootstrap()));
  }

  private static void produce(String topic, List<String> jsonValues) throws Exception {
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, floe.bootstrap(),
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
      int i = 0;
      for (String v : jsonValues) {
        p.send(new ProducerRecord<>(topic, ("key-" + i++).getBytes(StandardCharsets.UTF_8),
            v.getBytes(StandardCharsets.UTF_8))).get();
      }
    }
  }

  /** Polls Spark until the table has {@code expected} rows (new snapshots need a fresh load). */
  private static Dataset<Row> awaitRows(String table, long expected) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    long count = -1;
    while (System.currentTimeMillis() < deadline) {
      try {
        spark.sql("REFRESH TABLE " + table);
        count = spark.table(table).count();
        if (count >= expected) {
          return spark.table(table);
        }
      } catch (Exception e) {
        // the table is created with the first commit
      }
      Thread.sleep(500);
    }
    throw new AssertionError(table + " has " + count + " rows, expected " + expected);
  }

  @Test
  void sparkSeesExactlyTheProducedJsonRecordsTypedWithMetadataAndNewFieldsAsNewColumns() throws Exception {
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic("orders", 3, (short) 1).configs(Map.of(
          "automq.table.topic.enable", "true",
          "automq.table.topic.commit.interval.ms", "1000",
          "automq.table.topic.convert.value.type", "json",
          "automq.table.topic.transform.value.type", "flatten")))).all().get();
    }
    List<String> batch1 = new java.util.ArrayList<>();
    for (int i = 0; i < 60; i++) {
      batch1.add("{\"id\": " + i + ", \"name\": \"item-" + i + "\", \"price\": " + (i * 1.5)
          + ", \"tags\": [\"t" + (i % 3) + "\"], \"address\": {\"city\": \"city-" + (i % 5) + "\"}}");
    }
    produce("orders", batch1);

    Dataset<Row> rows = awaitRows("floe.default.orders", 60);
    StructType schema = rows.schema();
    assertEquals(DataTypes.LongType, schema.apply("id").dataType());
    assertEquals(DataTypes.StringType, schema.apply("name").dataType());
    assertEquals(DataTypes.DoubleType, schema.apply("price").dataType());
    assertTrue(schema.apply("address").dataType() instanceof StructType);
    StructType meta = (StructType) schema.apply("_kafka_metadata").dataType();
    assertEquals(DataTypes.IntegerType, meta.apply("partition").dataType());
    assertEquals(DataTypes.LongType, meta.apply("offset").dataType());
    assertEquals(DataTypes.TimestampType, meta.apply("timestamp").dataType());

    // Exactly the records produced: every id once, every (partition, offset) once
    assertEquals(60, rows.count());
    assertEquals(60, rows.select("id").distinct().count());
    assertEquals(60, rows.select("_kafka_metadata.partition", "_kafka_metadata.offset").distinct().count());
    Row r = spark.sql("SELECT name, price, address.city, _kafka_key FROM floe.default.orders WHERE id = 7").first();
    assertEquals("item-7", r.getString(0));
    assertEquals(10.5, r.getDouble(1));
    assertEquals("city-2", r.getString(2));
    assertTrue(r.getString(3).startsWith("key-"));

    // A second batch with new fields: new columns, null for older rows
    produce("orders", List.of("{\"id\": 1000, \"name\": \"late\", \"discount\": 0.25, \"address\": {\"city\": \"x\", \"zip\": \"75001\"}}"));
    Dataset<Row> after = awaitRows("floe.default.orders", 61);
    assertEquals(DataTypes.DoubleType, after.schema().apply("discount").dataType());
    Row late = spark.sql("SELECT discount, address.zip FROM floe.default.orders WHERE id = 1000").first();
    assertEquals(0.25, late.getDouble(0));
    assertEquals("75001", late.getString(1));
    assertEquals(60, spark.sql("SELECT * FROM floe.default.orders WHERE discount IS NULL").count());
  }

  @Test
  void sparkSeesThePartitionValuesOfAPartitionedTable() throws Exception {
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic("events", 1, (short) 1).configs(Map.of(
          "automq.table.topic.enable", "true",
          "automq.table.topic.commit.interval.ms", "1000",
          "automq.table.topic.convert.value.type", "json",
          "automq.table.topic.transform.value.type", "flatten",
          "automq.table.topic.partition.by", "[region, bucket(user, 4)]")))).all().get();
    }
    List<String> values = new java.util.ArrayList<>();
    for (int i = 0; i < 40; i++) {
      values.add("{\"user\": " + i + ", \"region\": \"" + (i % 2 == 0 ? "eu" : "us") + "\", \"n\": " + i + "}");
    }
    produce("events", values);
    awaitRows("floe.default.events", 40);

    Set<String> regions = new HashSet<>();
    for (Row p : spark.sql("SELECT partition.region, partition.user_bucket FROM floe.default.events.partitions").collectAsList()) {
      regions.add(p.getString(0));
      assertTrue(p.getInt(1) >= 0 && p.getInt(1) < 4);
    }
    assertEquals(Set.of("eu", "us"), regions);
    assertEquals(20, spark.sql("SELECT * FROM floe.default.events WHERE region = 'eu'").count());
  }
}
