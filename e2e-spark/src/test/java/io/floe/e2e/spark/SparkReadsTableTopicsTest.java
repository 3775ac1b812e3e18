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
    spark = FloeSpark.session(floe.restCatalogUri());
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

  private static void produceBytes(String topic, List<byte[]> values) throws Exception {
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, floe.bootstrap(),
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
      for (byte[] v : values) {
        p.send(new ProducerRecord<>(topic, v)).get();
      }
    }
  }

  /** Registers a schema with Floe's built-in registry over its Confluent API; returns the schema id. */
  private static int register(String subject, String type, String schema, List<Map<String, Object>> refs)
      throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    Map<String, Object> body = new java.util.HashMap<>(Map.of("schema", schema, "schemaType", type, "references", refs));
    java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(floe.schemaRegistryUri() + "/subjects/"
                + java.net.URLEncoder.encode(subject, StandardCharsets.UTF_8) + "/versions"))
            .header("Content-Type", "application/vnd.schemaregistry.v1+json")
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body))).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return json.readTree(r.body()).get("id").asInt();
  }

  /** Confluent's framing: magic byte 0, the schema id, then {@code parts}. */
  private static byte[] framed(int id, byte[]... parts) throws Exception {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.write(0);
    out.write(java.nio.ByteBuffer.allocate(4).putInt(id).array());
    for (byte[] p : parts) {
      out.write(p);
    }
    return out.toByteArray();
  }

  private static void createTableTopic(String topic, String... extra) throws Exception {
    Map<String, String> configs = new java.util.HashMap<>(Map.of(
        "automq.table.topic.enable", "true",
        "automq.table.topic.commit.interval.ms", "1000",
        "automq.table.topic.transform.value.type", "flatten"));
    for (int i = 0; i < extra.length; i += 2) {
      configs.put(extra[i], extra[i + 1]);
    }
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(configs))).all().get();
    }
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

  /** Runs a sample's main class in a child JVM from the samples' jar and libraries; fails on a non-zero exit. */
  private static void runSample(String mainClass, String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of(
        java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-cp", System.getProperty("floe.samples.classpath"), mainClass));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS), mainClass + " did not finish: " + output);
    assertEquals(0, p.exitValue(), mainClass + " failed: " + output);
  }

  @Test
  void theJsonAndAvroSamplesMakeTablesSparkReads() throws Exception {
    runSample("io.floe.samples.produce.JsonOrders", floe.bootstrap(), "100");
    runSample("io.floe.samples.produce.AvroOrders", floe.bootstrap(), floe.schemaRegistryUri(), "100");

    Dataset<Row> json = awaitRows("floe.default.orders_json", 100);
    assertEquals(100, json.select("id").distinct().count());
    Row line = spark.sql("SELECT lines[0].sku, lines[0].qty, total FROM floe.default.orders_json WHERE id = 5")
        .first();
    assertEquals("s2", line.getString(0));
    assertEquals(2L, line.getLong(1));
    assertEquals(12.5, line.getDouble(2));

    Dataset<Row> avro = awaitRows("floe.default.orders_avro", 100);
    assertEquals(DataTypes.createDecimalType(10, 2), avro.schema().apply("total").dataType());
    Row order = spark.sql("SELECT total, placed, customer FROM floe.default.orders_avro WHERE id = 7").first();
    assertEquals(new java.math.BigDecimal("17.50"), order.getDecimal(0));
    assertEquals(java.time.Instant.ofEpochMilli(1_765_000_007_000L), order.get(1));
    assertEquals("c7", order.getString(2));
  }

  @Test
  void theProtobufSampleMakesATableFromItsProtoFileAlone() throws Exception {
    java.nio.file.Path protos = java.nio.file.Files.createTempDirectory("floe-e2e-protos-");
    try {
      runSample("io.floe.samples.produce.ProtobufOrders", protos.toString(), floe.bootstrap(), "50");
      awaitRows("floe.default.orders_proto", 50);
      Row order = spark.sql("SELECT customer, lines[0].sku, lines[0].qty, placed FROM floe.default.orders_proto"
          + " WHERE id = 6").first();
      assertEquals("c6", order.getString(0));
      assertEquals("s0", order.getString(1));
      assertEquals(3, ((Number) order.get(2)).intValue());
      assertEquals(java.time.Instant.ofEpochSecond(1_765_000_006L), order.get(3));
    } finally {
      try (var files = java.nio.file.Files.walk(protos)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  @Test
  void theKafkaStreamsSampleWritesItsOutputAsATable() throws Exception {
    runSample("io.floe.samples.produce.JsonOrders", floe.bootstrap(), "100");
    Process streams = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java")
        .toString(), "-Xmx256m", "-cp", System.getProperty("floe.samples.classpath"),
        "io.floe.samples.streams.BigOrders", floe.bootstrap()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      long expected = awaitRows("floe.default.orders_json", 100).where("total >= 100").count();
      assertTrue(expected >= 60, "orders of 100 or more: " + expected);
      Dataset<Row> big = awaitRows("floe.default.big_orders", expected);
      assertEquals(expected, big.count());
      assertEquals(0, big.where("total < 100").count());
    } finally {
      streams.destroy();
      streams.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  @Test
  void trinoReadsATableTopicsRowsMetadataSnapshotsAndFilesAsSparkDoes() throws Exception {
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic("shipments", 2, (short) 1).configs(Map.of(
          "automq.table.topic.enable", "true",
          "automq.table.topic.commit.interval.ms", "1000",
          "automq.table.topic.convert.value.type", "json",
          "automq.table.topic.transform.value.type", "flatten")))).all().get();
    }
    for (int batch = 0; batch < 3; batch++) {
      List<String> values = new java.util.ArrayList<>();
      for (int i = batch * 20; i < batch * 20 + 20; i++) {
        values.add("{\"id\": " + i + ", \"carrier\": \"c" + (i % 4) + "\", \"weight\": " + (i * 0.25)
            + ", \"dest\": {\"city\": \"city-" + (i % 5) + "\"}}");
      }
      produce("shipments", values);
      awaitRows("floe.default.shipments", (batch + 1) * 20L);
    }
    String columns = "id, carrier, weight, dest.city, _kafka_key, _kafka_metadata.partition, _kafka_metadata.offset";
    List<String> sparkRows = new java.util.ArrayList<>();
    for (Row r : spark.sql("SELECT " + columns + " FROM floe.default.shipments ORDER BY id").collectAsList()) {
      sparkRows.add(r.getLong(0) + "|" + r.getString(1) + "|" + r.getDouble(2) + "|" + r.getString(3) + "|"
          + r.getString(4) + "|" + r.getInt(5) + "|" + r.getLong(6));
    }
    long sparkSnapshots = spark.sql("SELECT * FROM floe.default.shipments.snapshots").count();
    Row sparkFiles = spark.sql("SELECT count(*), sum(record_count) FROM floe.default.shipments.files").first();

    try (io.floe.broker.testing.TrinoServer trino = io.floe.broker.testing.TrinoServer.start(floe.restCatalogUri())) {
      List<String> trinoRows = new java.util.ArrayList<>();
      for (List<com.fasterxml.jackson.databind.JsonNode> r : trino.query("SELECT " + columns
          + " FROM floe.\"default\".shipments ORDER BY id")) {
        trinoRows.add(r.get(0).asLong() + "|" + r.get(1).asText() + "|" + r.get(2).asDouble() + "|"
            + r.get(3).asText() + "|" + r.get(4).asText() + "|" + r.get(5).asInt() + "|" + r.get(6).asLong());
      }
      assertEquals(60, trinoRows.size());
      assertEquals(sparkRows, trinoRows);
      assertEquals(sparkSnapshots, trino.query("SELECT count(*) FROM floe.\"default\".\"shipments$snapshots\"")
          .get(0).get(0).asLong());
      List<com.fasterxml.jackson.databind.JsonNode> files = trino.query(
          "SELECT count(*), sum(record_count) FROM floe.\"default\".\"shipments$files\"").get(0);
      assertEquals(sparkFiles.getLong(0), files.get(0).asLong());
      assertEquals(60, files.get(1).asLong());
    }
  }

  static final String AVRO_EVENT = """
      {"type": "record", "name": "Event", "namespace": "e2e", "fields": [
        {"name": "id", "type": "long"},
        {"name": "small", "type": "int"},
        {"name": "ratio", "type": "float"},
        {"name": "score", "type": "double"},
        {"name": "ok", "type": "boolean"},
        {"name": "name", "type": "string"},
        {"name": "raw", "type": "bytes"},
        {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 3}},
        {"name": "day", "type": {"type": "int", "logicalType": "date"}},
        {"name": "at", "type": {"type": "long", "logicalType": "timestamp-micros"}},
        {"name": "local", "type": {"type": "long", "logicalType": "local-timestamp-millis"}},
        {"name": "ref", "type": {"type": "string", "logicalType": "uuid"}},
        {"name": "color", "type": {"type": "enum", "name": "Color", "symbols": ["RED", "GREEN"]}},
        {"name": "code", "type": {"type": "fixed", "name": "Code", "size": 3}},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "attrs", "type": {"type": "map", "values": "long"}},
        {"name": "owner", "type": ["null", {"type": "record", "name": "Owner", "fields": [
          {"name": "first", "type": "string"}, {"name": "age", "type": ["null", "int"], "default": null}]}],
         "default": null}]}""";

  @Test
  void sparkReadsEveryAvroValueTypedFromRecordsInConfluentsWireFormat() throws Exception {
    int id = register("avro-events-value", "AVRO", AVRO_EVENT, List.of());
    createTableTopic("avro-events", "automq.table.topic.convert.value.type", "by_schema_id");
    org.apache.avro.Schema schema = new org.apache.avro.Schema.Parser().parse(AVRO_EVENT);
    java.util.UUID ref = java.util.UUID.fromString("0b6e5c1a-3f0e-4a8e-9d62-0c7f1a2b3c4d");
    List<byte[]> values = new java.util.ArrayList<>();
    for (long i = 0; i < 3; i++) {
      org.apache.avro.generic.GenericData.Record r = new org.apache.avro.generic.GenericData.Record(schema);
      r.put("id", i);
      r.put("small", (int) i * 10);
      r.put("ratio", 0.5f);
      r.put("score", 1.25 * i);
      r.put("ok", i % 2 == 0);
      r.put("name", "event-" + i);
      r.put("raw", java.nio.ByteBuffer.wrap(new byte[] {1, 2, (byte) i}));
      r.put("price", java.nio.ByteBuffer.wrap(new java.math.BigDecimal("1234.567").unscaledValue().toByteArray()));
      r.put("day", 20_000 + (int) i);
      r.put("at", 1_700_000_000_000_000L + i);
      r.put("local", 1_700_000_000_123L);
      r.put("ref", ref.toString());
      r.put("color", new org.apache.avro.generic.GenericData.EnumSymbol(schema.getField("color").schema(), "GREEN"));
      r.put("code", new org.apache.avro.generic.GenericData.Fixed(schema.getField("code").schema(), new byte[] {7, 8, 9}));
      r.put("tags", List.of("a", "b"));
      r.put("attrs", Map.of("clicks", i));
      if (i > 0) {
        org.apache.avro.generic.GenericData.Record owner = new org.apache.avro.generic.GenericData.Record(
            schema.getField("owner").schema().getTypes().get(1));
        owner.put("first", "Ada");
        owner.put("age", i == 1 ? null : 36);
        r.put("owner", owner);
      }
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      org.apache.avro.io.BinaryEncoder enc = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
      new org.apache.avro.generic.GenericDatumWriter<org.apache.avro.generic.GenericData.Record>(schema).write(r, enc);
      enc.flush();
      values.add(framed(id, out.toByteArray()));
    }
    produceBytes("avro-events", values);

    awaitRows("floe.default.`avro-events`", 3);
    Row r = spark.sql("SELECT * FROM floe.default.`avro-events` WHERE id = 2").first();
    assertEquals(20, (int) r.getAs("small"));
    assertEquals(0.5f, (float) r.getAs("ratio"));
    assertEquals(2.5, (double) r.getAs("score"));
    assertEquals(true, r.getAs("ok"));
    assertEquals("event-2", r.getAs("name"));
    assertEquals(List.of((byte) 1, (byte) 2, (byte) 2), toList((byte[]) r.getAs("raw")));
    assertEquals(new java.math.BigDecimal("1234.567"), r.getAs("price"));
    assertEquals(java.time.LocalDate.ofEpochDay(20_002), r.getAs("day"));
    assertEquals(java.time.Instant.parse("2023-11-14T22:13:20.000002Z"), r.getAs("at"));
    assertEquals(java.time.LocalDateTime.parse("2023-11-14T22:13:20.123"), r.getAs("local"));
    assertEquals(ref.toString(), r.getAs("ref"));
    assertEquals("GREEN", r.getAs("color"));
    assertEquals(List.of((byte) 7, (byte) 8, (byte) 9), toList((byte[]) r.getAs("code")));
    assertEquals(List.of("a", "b"), r.getList(r.fieldIndex("tags")));
    assertEquals(Map.of("clicks", 2L), r.getJavaMap(r.fieldIndex("attrs")));
    Row owner = r.getStruct(r.fieldIndex("owner"));
    assertEquals("Ada", owner.getAs("first"));
    assertEquals(36, (int) owner.getAs("age"));
    assertTrue(spark.sql("SELECT owner FROM floe.default.`avro-events` WHERE id = 0").first().isNullAt(0));
    assertTrue(spark.sql("SELECT owner.age FROM floe.default.`avro-events` WHERE id = 1").first().isNullAt(0));
  }

  @Test
  void sparkReadsProtobufFromARegisteredSchemaAndFromProtoFilesAlike() throws Exception {
    // Registered: the imported file under its import path, the order file with a reference to it
    register(io.floe.broker.testing.ShopProtos.COMMON_PATH, "PROTOBUF", io.floe.broker.testing.ShopProtos.COMMON,
        List.of());
    int id = register("proto-orders-value", "PROTOBUF", io.floe.broker.testing.ShopProtos.ORDER, List.of(Map.of(
        "name", io.floe.broker.testing.ShopProtos.COMMON_PATH,
        "subject", io.floe.broker.testing.ShopProtos.COMMON_PATH, "version", 1)));
    createTableTopic("proto-orders", "automq.table.topic.convert.value.type", "by_schema_id");
    // Files only: the same .proto files in a directory the broker reads, and bare protobuf-java bytes
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("floe-e2e-protos-");
    java.nio.file.Files.createDirectories(dir.resolve("shop/common"));
    java.nio.file.Files.createDirectories(dir.resolve("shop/v1"));
    java.nio.file.Files.writeString(dir.resolve(io.floe.broker.testing.ShopProtos.COMMON_PATH),
        io.floe.broker.testing.ShopProtos.COMMON);
    java.nio.file.Files.writeString(dir.resolve(io.floe.broker.testing.ShopProtos.ORDER_PATH),
        io.floe.broker.testing.ShopProtos.ORDER);
    createTableTopic("proto-files", "automq.table.topic.convert.value.type", "protobuf",
        "automq.table.topic.convert.value.protobuf.path", dir.toString(),
        "automq.table.topic.convert.value.protobuf.message.full.name", "shop.v1.Order");

    List<byte[]> framed = new java.util.ArrayList<>();
    List<byte[]> bare = new java.util.ArrayList<>();
    for (long i = 1; i <= 4; i++) {
      framed.add(framed(id, new byte[] {0}, io.floe.broker.testing.ShopProtos.order(i)));
      bare.add(io.floe.broker.testing.ShopProtos.order(i));
    }
    produceBytes("proto-orders", framed);
    produceBytes("proto-files", bare);

    for (String table : List.of("floe.default.`proto-orders`", "floe.default.`proto-files`")) {
      awaitRows(table, 4);
      Row r = spark.sql("SELECT * FROM " + table + " WHERE id = 3").first();
      assertEquals("item-3", r.getAs("item"));
      Row price = r.getStruct(r.fieldIndex("price"));
      assertEquals("EUR", price.getAs("currency"));
      assertEquals(300L, (long) price.getAs("units"));
      assertEquals(java.time.Instant.parse("2023-11-14T22:13:23.000005Z"), r.getAs("placed"));
      assertEquals(List.of("a", "b3"), r.getList(r.fieldIndex("tags")));
      assertEquals(new java.math.BigDecimal("18446744073709551615"), r.getAs("big"));
      assertEquals("PAID", r.getAs("status"));
      assertEquals("UNKNOWN", spark.sql("SELECT status FROM " + table + " WHERE id = 2").first().getString(0));
    }
    io.floe.broker.testing.EmbeddedFloe.deleteRecursively(dir);
  }

  @Test
  void sparkReadsJsonSchemaValuesTypedFromTheSchema() throws Exception {
    String schema = """
        {"type": "object", "properties": {
          "id": {"type": "integer"},
          "day": {"type": "string", "format": "date"},
          "at": {"type": "string", "format": "date-time"},
          "ref": {"type": "string", "format": "uuid"},
          "score": {"type": ["null", "number"]},
          "owner": {"$ref": "#/$defs/Owner"},
          "labels": {"type": "object", "additionalProperties": {"type": "integer"}}},
         "$defs": {"Owner": {"type": "object", "properties": {"first": {"type": "string"}}}}}""";
    int id = register("json-events-value", "JSON", schema, List.of());
    createTableTopic("json-events", "automq.table.topic.convert.value.type", "by_schema_id");
    String value = "{\"id\": 4, \"day\": \"2025-01-02\", \"at\": \"2025-01-02T03:04:05.123456Z\","
        + " \"ref\": \"0b6e5c1a-3f0e-4a8e-9d62-0c7f1a2b3c4d\", \"score\": 0.75, \"owner\": {\"first\": \"Ada\"},"
        + " \"labels\": {\"a\": 1}}";
    produceBytes("json-events", List.of(framed(id, value.getBytes(StandardCharsets.UTF_8))));

    awaitRows("floe.default.`json-events`", 1);
    Row r = spark.sql("SELECT * FROM floe.default.`json-events`").first();
    assertEquals(4L, (long) r.getAs("id"));
    assertEquals(java.time.LocalDate.parse("2025-01-02"), r.getAs("day"));
    assertEquals(java.time.Instant.parse("2025-01-02T03:04:05.123456Z"), r.getAs("at"));
    assertEquals("0b6e5c1a-3f0e-4a8e-9d62-0c7f1a2b3c4d", r.getAs("ref"));
    assertEquals(0.75, (double) r.getAs("score"));
    assertEquals("Ada", r.getStruct(r.fieldIndex("owner")).getAs("first"));
    assertEquals(Map.of("a", 1L), r.getJavaMap(r.fieldIndex("labels")));
  }

  private static List<Byte> toList(byte[] bytes) {
    List<Byte> out = new java.util.ArrayList<>();
    for (byte b : bytes) {
      out.add(b);
    }
    return out;
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
