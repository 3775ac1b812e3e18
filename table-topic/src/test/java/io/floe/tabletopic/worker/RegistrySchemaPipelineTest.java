package io.floe.tabletopic.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.floe.schema.SchemaSources;
import io.floe.schema.registry.AvroFormat;
import io.floe.schema.registry.InMemorySchemaRegistryStore;
import io.floe.schema.registry.RegisteredSchema;
import io.floe.schema.registry.SchemaRegistry;
import io.floe.schema.registry.SchemaType;
import io.floe.storage.FloeStorage;
import io.floe.storage.stream.Stream;
import io.floe.tabletopic.config.TableTopicConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.iceberg.types.Types;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Avro records in the Confluent wire format, schemas from the registry by id, through the real stream store
 * into a real Iceberg JDBC catalog.
 */
class RegistrySchemaPipelineTest {

  static final String V1 = """
      {"type": "record", "name": "Order", "namespace": "shop", "fields": [
        {"name": "id", "type": "int"},
        {"name": "item", "type": "string"}]}""";
  static final String V2 = """
      {"type": "record", "name": "Order", "namespace": "shop", "fields": [
        {"name": "id", "type": "long"},
        {"name": "item", "type": "string"},
        {"name": "price", "type": ["null", {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}],
         "default": null}]}""";
  static final String V3 = """
      {"type": "record", "name": "Order", "namespace": "shop", "fields": [
        {"name": "id", "type": "long"},
        {"name": "price", "type": ["null", {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}],
         "default": null},
        {"name": "placed", "type": ["null", {"type": "long", "logicalType": "timestamp-micros"}], "default": null}]}""";

  PipelineFixture fixture;
  FloeStorage storage;
  JdbcCatalog catalog;
  ExecutorService workers;
  ScheduledExecutorService scheduler;
  SchemaRegistry registry = new SchemaRegistry(new InMemorySchemaRegistryStore(), Map.of(SchemaType.AVRO, new AvroFormat()));

  @BeforeEach
  void setUp() throws Exception {
    fixture = new PipelineFixture("floe-tt-avro-");
    storage = fixture.storage;
    catalog = fixture.catalog;
    workers = fixture.workers;
    scheduler = fixture.scheduler;
  }

  @AfterEach
  void tearDown() throws Exception {
    fixture.close();
  }

  private RegisteredSchema register(String text) {
    return registry.register("orders-value", new SchemaRegistry.SchemaText(SchemaType.AVRO, text, List.of()));
  }

  /** What Confluent's KafkaAvroSerializer writes: magic byte 0, the schema id big-endian, the Avro binary. */
  private static byte[] confluent(RegisteredSchema schema, GenericData.Record value) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.write(ByteBuffer.allocate(4).putInt(schema.id()).array());
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericData.Record>(value.getSchema()).write(value, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  private static GenericData.Record record(String schema, Map<String, Object> fields) {
    GenericData.Record r = new GenericData.Record(new org.apache.avro.Schema.Parser().parse(schema));
    fields.forEach(r::put);
    return r;
  }

  private static void append(Stream s, byte[]... values) {
    long base = s.nextOffset();
    SimpleRecord[] records = new SimpleRecord[values.length];
    for (int i = 0; i < values.length; i++) {
      records[i] = new SimpleRecord(System.currentTimeMillis(), null, values[i]);
    }
    ByteBuffer b = MemoryRecords.withRecords(base, Compression.NONE, records).buffer();
    ByteBuf buf = Unpooled.directBuffer(b.remaining());
    buf.writeBytes(b);
    s.append(base, values.length, System.currentTimeMillis(), buf).join();
  }

  private TableTopicPipeline pipeline(Stream s, Map<String, String> extra) {
    Map<String, String> configs = new HashMap<>(Map.of(
        TableTopicConfig.ENABLE, "true", TableTopicConfig.CONVERT_VALUE_TYPE, "by_schema_id",
        TableTopicConfig.TRANSFORM_VALUE_TYPE, "flatten", TableTopicConfig.COMMIT_INTERVAL_MS, "60000"));
    configs.putAll(extra);
    TableTopicConfig config = TableTopicConfig.parse(configs);
    RecordProcessor processor = ConvertingRecordProcessor.forConfig(config, SchemaSources.of("orders", registry));
    return new TableTopicPipeline("orders", config, catalog, processor, List.of(s), workers, scheduler);
  }

  private Table table() {
    return catalog.loadTable(TableIdentifier.of(Namespace.of("default"), "orders"));
  }

  private Map<Long, Record> rowsByOffset() throws IOException {
    Map<Long, Record> out = new HashMap<>();
    try (CloseableIterable<Record> it = IcebergGenerics.read(table()).build()) {
      for (Record r : it) {
        out.put((Long) ((Record) r.getField("_kafka_metadata")).getField("offset"), r);
      }
    }
    return out;
  }

  @Test
  void threeSchemaVersionsInOneTopicAreOneEvolvingTable() throws Exception {
    // Given records of three schema versions in one topic: v2 widens id and adds a decimal, v3 drops item and
    // adds a timestamp
    RegisteredSchema v1 = register(V1);
    RegisteredSchema v2 = register(V2);
    RegisteredSchema v3 = register(V3);
    Stream s = storage.streamStore().open(100).join();
    append(s, confluent(v1, record(V1, Map.of("id", 1, "item", "tea"))));
    append(s,
        confluent(v2, record(V2, Map.of("id", 2L, "item", "cake", "price", ByteBuffer.wrap(new byte[] {0x01, 0x5e})))),
        confluent(v1, record(V1, Map.of("id", 3, "item", "late v1"))));
    append(s, confluent(v3, record(V3, Map.of("id", 4L, "placed", 1_700_000_000_123_456L))));

    // When the table topic writes them
    try (TableTopicPipeline p = pipeline(s, Map.of())) {
      p.start().join();
      p.commitNow().join();
      assertEquals(4, p.committedOffset(0));
      assertEquals(0, p.metrics().recordsSkipped.get());
    }

    // Then the table has the union of the versions' columns, typed, with ids kept across versions
    Table t = table();
    assertEquals(Types.LongType.get(), t.schema().findType("id"));
    assertEquals(Types.StringType.get(), t.schema().findType("item"));
    assertEquals(Types.DecimalType.of(9, 2), t.schema().findType("price"));
    assertEquals(Types.TimestampType.withZone(), t.schema().findType("placed"));
    Map<Long, Record> rows = rowsByOffset();
    assertEquals(4, rows.size());
    assertEquals(1L, rows.get(0L).getField("id"));
    assertEquals("tea", rows.get(0L).getField("item"));
    assertNull(rows.get(0L).getField("price"));
    assertEquals(new java.math.BigDecimal("3.50"), rows.get(1L).getField("price"));
    assertEquals("late v1", rows.get(2L).getField("item"));
    assertNull(rows.get(3L).getField("item"));
    assertEquals(java.time.OffsetDateTime.parse("2023-11-14T22:13:20.123456Z"), rows.get(3L).getField("placed"));
    assertNotNull(((Record) rows.get(3L).getField("_kafka_metadata")).getField("timestamp"));
  }

  @Test
  void keysInTheWireFormatBecomeATypedKeyColumn() throws Exception {
    // Given records whose keys and values are Avro in Confluent's wire format
    String keySchema = "{\"type\": \"record\", \"name\": \"OrderKey\", \"fields\": ["
        + "{\"name\": \"region\", \"type\": \"string\"}, {\"name\": \"id\", \"type\": \"long\"}]}";
    RegisteredSchema k = registry.register("orders-key",
        new SchemaRegistry.SchemaText(SchemaType.AVRO, keySchema, List.of()));
    RegisteredSchema v1 = register(V1);
    Stream s = storage.streamStore().open(103).join();
    long base = s.nextOffset();
    ByteBuffer b = MemoryRecords.withRecords(base, Compression.NONE, new SimpleRecord(1L,
        confluent(k, record(keySchema, Map.of("region", "eu", "id", 7L))),
        confluent(v1, record(V1, Map.of("id", 7, "item", "tea"))))).buffer();
    ByteBuf buf = Unpooled.directBuffer(b.remaining());
    buf.writeBytes(b);
    s.append(base, 1, 1L, buf).join();

    // When the table topic converts keys by schema id too
    try (TableTopicPipeline p = pipeline(s, Map.of(TableTopicConfig.CONVERT_KEY_TYPE, "by_schema_id"))) {
      p.start().join();
      p.commitNow().join();
      assertEquals(1, p.committedOffset(0));
    }

    // Then _kafka_key is a struct of the key's fields
    assertEquals(Types.StringType.get(), table().schema().findType("_kafka_key.region"));
    Record key = (Record) rowsByOffset().get(0L).getField("_kafka_key");
    assertEquals("eu", key.getField("region"));
    assertEquals(7L, key.getField("id"));
    assertEquals("tea", rowsByOffset().get(0L).getField("item"));
  }

  @Test
  void unknownSchemaIdsAndCorruptPayloadsFollowErrorsTolerance() throws Exception {
    // Given a good record, one with an id the registry does not have, one not in the wire format, and one
    // whose Avro payload is cut short
    RegisteredSchema v1 = register(V1);
    Stream s = storage.streamStore().open(101).join();
    byte[] good = confluent(v1, record(V1, Map.of("id", 1, "item", "tea")));
    byte[] unknownId = good.clone();
    unknownId[4] = 99;
    byte[] truncated = java.util.Arrays.copyOf(good, good.length - 2);
    append(s, good, unknownId, "{\"id\": 1}".getBytes(java.nio.charset.StandardCharsets.UTF_8), truncated, good);

    // When the table topic skips invalid data (AutoMQ's default)
    try (TableTopicPipeline p = pipeline(s, Map.of())) {
      p.start().join();
      p.commitNow().join();
      // Then the three bad records are skipped and counted, the good ones written
      assertEquals(5, p.committedOffset(0));
      assertEquals(3, p.metrics().recordsSkipped.get());
    }
    assertEquals(java.util.Set.of(0L, 4L), rowsByOffset().keySet());
  }

  @Test
  void aRegistryThatCannotBeReachedHoldsThePartitionUntilItAnswers() throws Exception {
    // Given a registry that is down
    RegisteredSchema v1 = register(V1);
    java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean(true);
    io.floe.schema.registry.SchemaRegistryClient flaky = new io.floe.schema.registry.SchemaRegistryClient() {
      @Override
      public RegisteredSchema byId(int id) {
        if (down.get()) {
          throw new io.floe.schema.registry.RegistryUnavailableException("connection refused");
        }
        return registry.byId(id);
      }

      @Override
      public RegisteredSchema latest(String subject) {
        return registry.latest(subject);
      }

      @Override
      public RegisteredSchema version(String subject, int version) {
        return registry.version(subject, version);
      }
    };
    Stream s = storage.streamStore().open(102).join();
    append(s, confluent(v1, record(V1, Map.of("id", 1, "item", "tea"))),
        confluent(v1, record(V1, Map.of("id", 2, "item", "cake"))));
    Map<String, String> configs = Map.of(TableTopicConfig.ENABLE, "true",
        TableTopicConfig.CONVERT_VALUE_TYPE, "by_schema_id", TableTopicConfig.TRANSFORM_VALUE_TYPE, "flatten");
    TableTopicConfig config = TableTopicConfig.parse(configs);
    try (TableTopicPipeline p = new TableTopicPipeline("orders", config, catalog,
        ConvertingRecordProcessor.forConfig(config, SchemaSources.of("orders", flaky)), List.of(s), workers,
        scheduler)) {
      p.start().join();
      p.commitNow().join();
      // Then nothing is skipped while it is down...
      assertEquals(0, p.metrics().recordsSkipped.get());
      assertEquals(1, p.metrics().failureRetries.get());

      // ...and everything is written once it is back
      down.set(false);
      long deadline = System.currentTimeMillis() + 30_000;
      while (p.committedOffset(0) < 2 && System.currentTimeMillis() < deadline) {
        Thread.sleep(200);
        p.commitNow().join();
      }
      assertEquals(2, p.committedOffset(0));
    }
    assertEquals(2, rowsByOffset().size());
  }
}
