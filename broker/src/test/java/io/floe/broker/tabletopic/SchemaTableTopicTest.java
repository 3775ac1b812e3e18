package io.floe.broker.tabletopic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.floe.broker.testing.FloeExtension;
import io.floe.broker.testing.ShopProtos;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Avro and Protobuf table topics through the broker: schemas registered with the built-in registry's
 * Confluent API over HTTP, records in the exact bytes Confluent's serializers write produced with
 * kafka-clients, and bare Protobuf read with .proto files the broker reads, no registry at all.
 */
class SchemaTableTopicTest {

  @RegisterExtension
  static final FloeExtension broker = new FloeExtension();

  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newHttpClient();

  static final String ORDER_V1 = """
      {"type": "record", "name": "Order", "namespace": "shop", "fields": [
        {"name": "id", "type": "long"},
        {"name": "item", "type": "string"},
        {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
        {"name": "day", "type": {"type": "int", "logicalType": "date"}},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "address", "type": ["null", {"type": "record", "name": "Address", "fields": [
          {"name": "city", "type": "string"}]}], "default": null}]}""";
  static final String ORDER_V2 = """
      {"type": "record", "name": "Order", "namespace": "shop", "fields": [
        {"name": "id", "type": "long"},
        {"name": "item", "type": "string"},
        {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
        {"name": "day", "type": {"type": "int", "logicalType": "date"}},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "address", "type": ["null", {"type": "record", "name": "Address", "fields": [
          {"name": "city", "type": "string"}]}], "default": null},
        {"name": "coupon", "type": ["null", "string"], "default": null}]}""";

  static final String SIMPLE = """
      {"type": "record", "name": "Simple", "fields": [{"name": "id", "type": "long"}]}""";

  /** Registers {@code schema} under {@code subject} over the registry's HTTP API; returns the answer. */
  static HttpResponse<String> register(String subject, String type, String schema, List<Map<String, Object>> refs)
      throws Exception {
    ObjectNode body = JSON.createObjectNode().put("schema", schema);
    if (!type.equals("AVRO")) {
      body.put("schemaType", type);
    }
    body.set("references", JSON.valueToTree(refs));
    URI uri = broker.floe().server().schemaRegistry().uri().orElseThrow()
        .resolve("/subjects/" + java.net.URLEncoder.encode(subject, java.nio.charset.StandardCharsets.UTF_8)
            + "/versions");
    return HTTP.send(HttpRequest.newBuilder(uri)
        .header("Content-Type", "application/vnd.schemaregistry.v1+json")
        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static int registeredId(HttpResponse<String> response) throws Exception {
    assertEquals(200, response.statusCode(), response.body());
    return JSON.readTree(response.body()).get("id").asInt();
  }

  /** Confluent's framing: magic byte 0, the schema id (4 bytes, big-endian), then {@code rest}. */
  static byte[] framed(int id, byte[]... rest) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.write(ByteBuffer.allocate(4).putInt(id).array());
    for (byte[] r : rest) {
      out.write(r);
    }
    return out.toByteArray();
  }

  static byte[] avro(GenericData.Record record) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericData.Record>(record.getSchema()).write(record, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  static void produce(String topic, List<byte[]> values) throws Exception {
    try (KafkaProducer<byte[], byte[]> p = broker.floe().producer(Map.of())) {
      for (byte[] v : values) {
        p.send(new ProducerRecord<>(topic, v)).get();
      }
    }
  }

  static void createTableTopic(String topic, String... extra) throws Exception {
    Map<String, String> configs = new HashMap<>(Map.of(
        "automq.table.topic.enable", "true",
        "automq.table.topic.commit.interval.ms", "1000",
        "automq.table.topic.transform.value.type", "flatten"));
    for (int i = 0; i < extra.length; i += 2) {
      configs.put(extra[i], extra[i + 1]);
    }
    broker.admin().createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(configs))).all().get();
  }

  static org.apache.iceberg.catalog.Catalog catalog() {
    return broker.floe().server().tableTopics().manager().catalog();
  }

  static Map<Long, Record> byId(List<Record> rows) {
    Map<Long, Record> out = new HashMap<>();
    rows.forEach(r -> out.put((Long) r.getField("id"), r));
    return out;
  }

  @Test
  void avroRecordsWithRegisteredSchemasBecomeTypedRowsAndANewVersionAddsAColumn() throws Exception {
    // Given two versions of a schema registered over the API, and an incompatible third refused
    int v1 = registeredId(register("avro-orders-value", "AVRO", ORDER_V1, List.of()));
    int v2 = registeredId(register("avro-orders-value", "AVRO", ORDER_V2, List.of()));
    HttpResponse<String> refused = register("avro-orders-value", "AVRO",
        ORDER_V2.replace("{\"name\": \"coupon\", \"type\": [\"null\", \"string\"], \"default\": null}",
            "{\"name\": \"coupon\", \"type\": \"string\"}"), List.of());
    assertEquals(409, refused.statusCode(), refused.body());
    assertEquals(409, JSON.readTree(refused.body()).get("error_code").asInt());
    createTableTopic("avro-orders", "automq.table.topic.convert.value.type", "by_schema_id");

    // When kafka-clients produce records of both versions in Confluent's wire format
    org.apache.avro.Schema s1 = new org.apache.avro.Schema.Parser().parse(ORDER_V1);
    org.apache.avro.Schema s2 = new org.apache.avro.Schema.Parser().parse(ORDER_V2);
    GenericData.Record a = new GenericData.Record(s1);
    a.put("id", 1L);
    a.put("item", "tea");
    a.put("price", ByteBuffer.wrap(new BigDecimal("3.50").unscaledValue().toByteArray()));
    a.put("day", 19_000);
    a.put("tags", List.of("hot", "green"));
    GenericData.Record address = new GenericData.Record(s1.getField("address").schema().getTypes().get(1));
    address.put("city", "Lyon");
    a.put("address", address);
    GenericData.Record b = new GenericData.Record(s2);
    b.put("id", 2L);
    b.put("item", "cake");
    b.put("price", ByteBuffer.wrap(new BigDecimal("12.00").unscaledValue().toByteArray()));
    b.put("day", 19_001);
    b.put("tags", List.of());
    b.put("coupon", "SAVE10");
    produce("avro-orders", List.of(framed(v1, avro(a)), framed(v2, avro(b))));

    // Then each is one row with every value typed, and the v1 row has no coupon
    List<Record> rows = TableTopicTest.awaitRows(catalog(), "avro-orders", 2);
    assertEquals(2, rows.size());
    Map<Long, Record> byId = byId(rows);
    Record r1 = byId.get(1L);
    assertEquals("tea", r1.getField("item"));
    assertEquals(new BigDecimal("3.50"), r1.getField("price"));
    assertEquals(java.time.LocalDate.ofEpochDay(19_000), r1.getField("day"));
    assertEquals(List.of("hot", "green"), r1.getField("tags"));
    assertEquals("Lyon", ((Record) r1.getField("address")).getField("city"));
    assertNull(r1.getField("coupon"));
    assertEquals("SAVE10", byId.get(2L).getField("coupon"));
    assertNull(byId.get(2L).getField("address"));
    Table t = catalog().loadTable(TableIdentifier.of(Namespace.of("default"), "avro-orders"));
    assertEquals(Types.DecimalType.of(10, 2), t.schema().findType("price"));
  }

  @Test
  void protobufRecordsWithARegisteredSchemaAndItsReferenceBecomeTypedRows() throws Exception {
    // Given the imported file and the order file registered with a reference to it, as Confluent's
    // serializer registers them (the well-known Timestamp needs no reference)
    int common = registeredId(register(ShopProtos.COMMON_PATH, "PROTOBUF", ShopProtos.COMMON, List.of()));
    assertTrue(common > 0);
    int order = registeredId(register("proto-orders-value", "PROTOBUF", ShopProtos.ORDER, List.of(Map.of(
        "name", ShopProtos.COMMON_PATH, "subject", ShopProtos.COMMON_PATH, "version", 1))));
    createTableTopic("proto-orders", "automq.table.topic.convert.value.type", "by_schema_id");

    // When records framed with the schema id and message index [0] (written as the single byte 0) arrive
    produce("proto-orders", List.of(framed(order, new byte[] {0}, ShopProtos.order(1)),
        framed(order, new byte[] {0}, ShopProtos.order(2))));

    // Then every field is a typed column
    Map<Long, Record> rows = byId(TableTopicTest.awaitRows(catalog(), "proto-orders", 2));
    assertEquals(2, rows.size());
    assertOrder(rows.get(1L), 1);
    assertOrder(rows.get(2L), 2);
  }

  static final String CUSTOMER_JSON_SCHEMA = """
      {"$schema": "http://json-schema.org/draft-07/schema#", "title": "Customer", "type": "object",
       "properties": {
         "id": {"type": "integer"},
         "name": {"type": "string"},
         "since": {"type": "string", "format": "date"},
         "seen": {"type": "string", "format": "date-time"},
         "ref": {"type": "string", "format": "uuid"},
         "score": {"oneOf": [{"type": "null"}, {"type": "number"}]},
         "address": {"$ref": "#/definitions/Address"},
         "tags": {"type": "array", "items": {"type": "string"}}},
       "definitions": {"Address": {"type": "object", "properties": {"city": {"type": "string"}}}}}""";

  @Test
  void jsonSchemaRecordsFromConfluentsSerializerBecomeTypedRows() throws Exception {
    // Given a JSON Schema registered over the API and records framed as KafkaJsonSchemaSerializer frames them
    int id = registeredId(register("json-customers-value", "JSON", CUSTOMER_JSON_SCHEMA, List.of()));
    createTableTopic("json-customers", "automq.table.topic.convert.value.type", "by_schema_id");
    String one = "{\"id\": 1, \"name\": \"Ada\", \"since\": \"2024-02-29\", \"seen\": \"2024-03-01T10:15:30.5+02:00\","
        + " \"ref\": \"0b6e5c1a-3f0e-4a8e-9d62-0c7f1a2b3c4d\", \"score\": 9.5, \"address\": {\"city\": \"Lyon\"},"
        + " \"tags\": [\"vip\"], \"extra\": true}";
    String two = "{\"id\": 2, \"name\": \"Bob\", \"score\": null}";
    produce("json-customers", List.of(framed(id, one.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
        framed(id, two.getBytes(java.nio.charset.StandardCharsets.UTF_8))));

    // Then the columns are typed from the schema, not inferred, and a property the schema lacks is ignored
    Map<Long, Record> rows = byId(TableTopicTest.awaitRows(catalog(), "json-customers", 2));
    assertEquals(2, rows.size());
    Record r = rows.get(1L);
    assertEquals(java.time.LocalDate.parse("2024-02-29"), r.getField("since"));
    assertEquals(OffsetDateTime.parse("2024-03-01T08:15:30.5Z"), r.getField("seen"));
    assertEquals(java.util.UUID.fromString("0b6e5c1a-3f0e-4a8e-9d62-0c7f1a2b3c4d"), r.getField("ref"));
    assertEquals(9.5, r.getField("score"));
    assertEquals("Lyon", ((Record) r.getField("address")).getField("city"));
    assertEquals(List.of("vip"), r.getField("tags"));
    assertNull(rows.get(2L).getField("score"));
    Table t = catalog().loadTable(TableIdentifier.of(Namespace.of("default"), "json-customers"));
    assertNull(t.schema().findField("extra"));
    assertEquals(Types.UUIDType.get(), t.schema().findType("ref"));
  }

  @Test
  void bareProtobufIsReadWithTheLatestSchemaOfASubjectAndItsMessageName() throws Exception {
    // Given .proto files handed to the registry API (the import under its path), and producers that send
    // protobuf-java's bytes as they are, with no serializer
    register("latest/" + ShopProtos.COMMON_PATH, "PROTOBUF", ShopProtos.COMMON, List.of());
    registeredId(register("latest-orders-value", "PROTOBUF", ShopProtos.ORDER, List.of(Map.of(
        "name", ShopProtos.COMMON_PATH, "subject", "latest/" + ShopProtos.COMMON_PATH, "version", 1))));
    createTableTopic("latest-orders", "automq.table.topic.convert.value.type", "by_latest_schema",
        "automq.table.topic.convert.value.by_latest_schema.message.full.name", "shop.v1.Order");

    // When records arrive
    produce("latest-orders", List.of(ShopProtos.order(5), ShopProtos.order(6)));

    // Then they are read with the subject's latest schema (<topic>-value by default)
    Map<Long, Record> rows = byId(TableTopicTest.awaitRows(catalog(), "latest-orders", 2));
    assertEquals(2, rows.size());
    assertOrder(rows.get(5L), 5);
  }

  @Test
  void theRegistryKeepsItsSchemasAcrossARestart() throws Exception {
    try (io.floe.broker.testing.EmbeddedFloe floe = io.floe.broker.testing.EmbeddedFloe.start()) {
      int id = floe.server().schemaRegistry().registry().register("kept-value",
          new io.floe.schema.registry.SchemaRegistry.SchemaText(io.floe.schema.registry.SchemaType.AVRO, SIMPLE,
              List.of())).id();
      floe.restart();
      URI uri = floe.server().schemaRegistry().uri().orElseThrow().resolve("/schemas/ids/" + id);
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      assertTrue(JSON.readTree(r.body()).get("schema").asText().contains("Simple"), r.body());
    }
  }

  @Test
  void bareProtobufIsReadWithProtoFilesTheBrokerReadsAndNoRegistry() throws Exception {
    // Given the .proto files in a directory the broker reads
    Path dir = Files.createTempDirectory("floe-protos-");
    try {
      Files.createDirectories(dir.resolve("shop/common"));
      Files.createDirectories(dir.resolve("shop/v1"));
      Files.writeString(dir.resolve(ShopProtos.COMMON_PATH), ShopProtos.COMMON);
      Files.writeString(dir.resolve(ShopProtos.ORDER_PATH), ShopProtos.ORDER);
      createTableTopic("proto-files", "automq.table.topic.convert.value.type", "protobuf",
          "automq.table.topic.convert.value.protobuf.path", dir.toString(),
          "automq.table.topic.convert.value.protobuf.message.full.name", "shop.v1.Order");

      // When producers send protobuf-java's bytes as they are
      produce("proto-files", List.of(ShopProtos.order(1), ShopProtos.order(2), ShopProtos.order(3)));

      // Then the table is typed from the files alone
      Map<Long, Record> rows = byId(TableTopicTest.awaitRows(catalog(), "proto-files", 3));
      assertEquals(3, rows.size());
      assertOrder(rows.get(3L), 3);
    } finally {
      io.floe.broker.testing.EmbeddedFloe.deleteRecursively(dir);
    }
  }

  /** Reads {@code count} records of {@code topic} from the beginning (or what arrives within 30 s). */
  static List<ConsumerRecord<byte[], byte[]>> consume(io.floe.broker.testing.EmbeddedFloe floe, String topic,
      int count) {
    List<ConsumerRecord<byte[], byte[]>> out = new java.util.ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = floe.consumer("dlq-reader-" + topic,
        Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))) {
      c.subscribe(List.of(topic));
      long deadline = System.currentTimeMillis() + 30_000;
      while (out.size() < count && System.currentTimeMillis() < deadline) {
        c.poll(java.time.Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }

  static String header(ConsumerRecord<byte[], byte[]> r, String key) {
    org.apache.kafka.common.header.Header h = r.headers().lastHeader(key);
    return h == null ? null : new String(h.value(), java.nio.charset.StandardCharsets.UTF_8);
  }

  @Test
  void badRecordsGoToTheDeadLetterTopicWithTheirErrorAndEveryGoodRecordIsInTheTableOnce() throws Exception {
    // Given a table topic with a dead-letter topic, and a registered schema
    int v1 = registeredId(register("dlq-orders-value", "AVRO", SIMPLE, List.of()));
    createTableTopic("dlq-orders", "automq.table.topic.convert.value.type", "by_schema_id",
        "automq.table.topic.errors.deadletterqueue.topic.name", "dlq-orders-dead");
    org.apache.avro.Schema schema = new org.apache.avro.Schema.Parser().parse(SIMPLE);
    GenericData.Record one = new GenericData.Record(schema);
    one.put("id", 1L);
    GenericData.Record two = new GenericData.Record(schema);
    two.put("id", 2L);
    byte[] good = framed(v1, avro(one));
    byte[] unknownId = framed(v1 + 1000, avro(one));
    byte[] notFramed = "{\"id\": 3}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] corrupt = framed(v1, new byte[] {(byte) 0x80}); // a varint cut after its first byte

    // When good and bad records are produced, one bad one with a header of its own
    try (KafkaProducer<byte[], byte[]> p = broker.floe().producer(Map.of())) {
      p.send(new ProducerRecord<>("dlq-orders", good)).get();
      p.send(new ProducerRecord<>("dlq-orders", unknownId)).get();
      ProducerRecord<byte[], byte[]> withHeader = new ProducerRecord<>("dlq-orders", "k".getBytes(), notFramed);
      withHeader.headers().add("trace", "t-1".getBytes());
      p.send(withHeader).get();
      p.send(new ProducerRecord<>("dlq-orders", corrupt)).get();
      p.send(new ProducerRecord<>("dlq-orders", framed(v1, avro(two)))).get();
    }

    // Then the good records are in the table once each...
    Map<Long, Record> rows = byId(TableTopicTest.awaitRows(catalog(), "dlq-orders", 2));
    assertEquals(java.util.Set.of(1L, 2L), rows.keySet());
    // ...and the bad ones are in the dead-letter topic, as produced, with where they came from and why
    List<ConsumerRecord<byte[], byte[]>> dead = consume(broker.floe(), "dlq-orders-dead", 3);
    assertEquals(3, dead.size());
    Map<String, ConsumerRecord<byte[], byte[]>> byOffset = new HashMap<>();
    dead.forEach(r -> byOffset.put(header(r, "__floe.errors.offset"), r));
    assertEquals(java.util.Set.of("1", "2", "3"), byOffset.keySet());
    for (ConsumerRecord<byte[], byte[]> r : dead) {
      assertEquals("dlq-orders", header(r, "__floe.errors.topic"));
      assertEquals("0", header(r, "__floe.errors.partition"));
      assertEquals("INVALID_DATA", header(r, "__floe.errors.reason"));
    }
    assertTrue(header(byOffset.get("1"), "__floe.errors.message").contains("schema id " + (v1 + 1000)));
    assertEquals(java.util.Arrays.toString(unknownId), java.util.Arrays.toString(byOffset.get("1").value()));
    assertEquals("t-1", header(byOffset.get("2"), "trace"));
    assertEquals("k", new String(byOffset.get("2").key()));
    assertTrue(header(byOffset.get("2"), "__floe.errors.message").contains("magic byte"));
    assertEquals(3, broker.floe().server().tableTopics().manager().metrics().get("dlq-orders")
        .recordsDeadLettered.get());
  }

  @Test
  void withToleranceAllRecordsWhoseRegistryIsDownGoToTheDeadLetterTopicAsUnavailable() throws Exception {
    // Given a broker whose table topics read schemas from a registry that is down
    int closedPort = io.floe.broker.testing.FloeProcess.freePort();
    try (io.floe.broker.testing.EmbeddedFloe floe = io.floe.broker.testing.EmbeddedFloe.start(Map.of(
        "automq.table.topic.schema.registry.url", "http://127.0.0.1:" + closedPort))) {
      floe.admin().createTopics(List.of(new NewTopic("down", 1, (short) 1).configs(Map.of(
          "automq.table.topic.enable", "true", "automq.table.topic.commit.interval.ms", "1000",
          "automq.table.topic.convert.value.type", "by_schema_id",
          "automq.table.topic.errors.tolerance", "all",
          "automq.table.topic.errors.deadletterqueue.topic.name", "down-dead")))).all().get();

      // When a record arrives
      try (KafkaProducer<byte[], byte[]> p = floe.producer(Map.of())) {
        p.send(new ProducerRecord<>("down", framed(1, new byte[] {2}))).get();
      }

      // Then errors.tolerance=all leaves it out of the table and keeps it in the dead-letter topic
      List<ConsumerRecord<byte[], byte[]>> dead = consume(floe, "down-dead", 1);
      assertEquals(1, dead.size());
      assertEquals("UNAVAILABLE", header(dead.get(0), "__floe.errors.reason"));
      assertTrue(header(dead.get(0), "__floe.errors.message").contains("registry"),
          header(dead.get(0), "__floe.errors.message"));
    }
  }

  static void assertOrder(Record row, long id) {
    assertEquals("item-" + id, row.getField("item"));
    Record price = (Record) row.getField("price");
    assertEquals("EUR", price.getField("currency"));
    assertEquals(id * 100, price.getField("units"));
    assertEquals(OffsetDateTime.parse("2023-11-14T22:13:20.000005Z").plusSeconds(id), row.getField("placed"));
    assertEquals(List.of("a", "b" + id), row.getField("tags"));
    assertEquals(new BigDecimal("18446744073709551615"), row.getField("big"));
    assertEquals(id % 2 == 0 ? "UNKNOWN" : "PAID", row.getField("status"));
  }
}
