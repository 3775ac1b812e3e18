package io.floe.tabletopic.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.floe.schema.SchemaSources;
import io.floe.schema.registry.AvroFormat;
import io.floe.schema.registry.InMemorySchemaRegistryStore;
import io.floe.schema.registry.RegisteredSchema;
import io.floe.schema.registry.SchemaRegistry;
import io.floe.schema.registry.SchemaType;
import io.floe.storage.stream.Stream;
import io.floe.tabletopic.config.TableTopicConfig;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Debezium change events written by Confluent's Avro converter (the Confluent wire format, the envelope's
 * schema in the registry) become the source table's rows, as JSON envelopes do.
 */
class DebeziumAvroPipelineTest {

  static final String ENVELOPE = """
      {"type": "record", "name": "Envelope", "namespace": "shop.public.customers", "fields": [
        {"name": "before", "type": ["null", {"type": "record", "name": "Value", "fields": [
          {"name": "id", "type": "int"},
          {"name": "name", "type": ["null", "string"], "default": null},
          {"name": "email", "type": ["null", "string"], "default": null}]}], "default": null},
        {"name": "after", "type": ["null", "Value"], "default": null},
        {"name": "source", "type": {"type": "record", "name": "Source", "namespace": "io.debezium.connector.postgresql",
          "fields": [
            {"name": "version", "type": "string"},
            {"name": "connector", "type": "string"},
            {"name": "name", "type": "string"},
            {"name": "ts_ms", "type": "long"},
            {"name": "db", "type": "string"},
            {"name": "schema", "type": "string"},
            {"name": "table", "type": "string"},
            {"name": "txId", "type": ["null", "long"], "default": null},
            {"name": "lsn", "type": ["null", "long"], "default": null}]}},
        {"name": "op", "type": "string"},
        {"name": "ts_ms", "type": ["null", "long"], "default": null}]}""";

  PipelineFixture fixture;
  SchemaRegistry registry = new SchemaRegistry(new InMemorySchemaRegistryStore(), Map.of(SchemaType.AVRO, new AvroFormat()));
  Schema envelope = new Schema.Parser().parse(ENVELOPE);
  RegisteredSchema registered;

  @BeforeEach
  void setUp() throws Exception {
    fixture = new PipelineFixture("floe-tt-cdc-avro-");
    registered = registry.register("customers-value", new SchemaRegistry.SchemaText(SchemaType.AVRO, ENVELOPE, List.of()));
  }

  @AfterEach
  void tearDown() throws Exception {
    fixture.close();
  }

  private GenericData.Record row(int id, String name, String email) {
    GenericData.Record r = new GenericData.Record(envelope.getField("after").schema().getTypes().get(1));
    r.put("id", id);
    r.put("name", name);
    r.put("email", email);
    return r;
  }

  /** What Confluent's KafkaAvroSerializer writes for a Debezium change event. */
  private byte[] change(String op, GenericData.Record before, GenericData.Record after, long lsn) throws Exception {
    GenericData.Record source = new GenericData.Record(envelope.getField("source").schema());
    source.put("version", "3.6.1.Final");
    source.put("connector", "postgresql");
    source.put("name", "shop");
    source.put("ts_ms", 1_795_583_653_607L);
    source.put("db", "shop");
    source.put("schema", "public");
    source.put("table", "customers");
    source.put("txId", 700L + lsn);
    source.put("lsn", lsn);
    GenericData.Record e = new GenericData.Record(envelope);
    e.put("before", before);
    e.put("after", after);
    e.put("source", source);
    e.put("op", op);
    e.put("ts_ms", 1_795_583_653_954L);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.write(ByteBuffer.allocate(4).putInt(registered.id()).array());
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericData.Record>(envelope).write(e, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  @Test
  void avroChangeEventsUpsertAndDeleteTheSourceTablesRows() throws Exception {
    Stream s = fixture.storage.streamStore().open(600).join();
    TableTopicConfig config = TableTopicConfig.parse(Map.of(TableTopicConfig.ENABLE, "true",
        TableTopicConfig.CONVERT_VALUE_TYPE, "by_schema_id", TableTopicConfig.TRANSFORM_VALUE_TYPE, "flatten_debezium"));
    try (TableTopicPipeline p = new TableTopicPipeline("customers", config, fixture.catalog,
        RecordProcessors.forConfig(config, SchemaSources.of("customers", registry)), List.of(s), fixture.workers,
        fixture.scheduler)) {
      p.start().join();
      PipelineFixture.appendKeyed(s, new int[] {1, 2, 1, 2, 2},
          change("r", null, row(1, "Ada", "a@x"), 10),
          change("c", null, row(2, "Bob", "b@x"), 11),
          change("u", row(1, "Ada", "a@x"), row(1, "Ada", "a@y"), 12),
          change("d", row(2, "Bob", "b@x"), null, 13),
          null);
      p.commitNow().join();
      PipelineFixture.appendKeyed(s, new int[] {3}, change("c", null, row(3, "Cy", null), 14));
      p.commitNow().join();

      Map<Integer, Record> rows = new TreeMap<>();
      try (CloseableIterable<Record> it = IcebergGenerics.read(
          fixture.catalog.loadTable(TableIdentifier.of(Namespace.of("default"), "customers"))).build()) {
        it.forEach(r -> rows.put((Integer) r.getField("id"), r.copy()));
      }
      assertEquals(List.of(1, 3), List.copyOf(rows.keySet()));
      assertEquals("a@y", rows.get(1).getField("email"));
      Record cdc = (Record) rows.get(3).getField("_cdc");
      assertEquals("c", cdc.getField("op"));
      assertEquals(14L, cdc.getField("lsn"));
      assertEquals(0, p.metrics().recordsSkipped.get());
      assertEquals(0, p.metrics().equalityDeletes.get());
    }
  }
}
