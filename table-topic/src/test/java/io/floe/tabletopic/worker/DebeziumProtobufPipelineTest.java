package io.floe.tabletopic.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.CodedOutputStream;
import io.floe.schema.SchemaSources;
import io.floe.schema.registry.InMemorySchemaRegistryStore;
import io.floe.schema.registry.RegisteredSchema;
import io.floe.schema.registry.SchemaFormats;
import io.floe.schema.registry.SchemaRegistry;
import io.floe.schema.registry.SchemaType;
import io.floe.storage.stream.Stream;
import io.floe.tabletopic.config.TableTopicConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Debezium change events written by Confluent's Protobuf converter (the Confluent wire format with message
 * indexes, the envelope's .proto in the registry) become the source table's rows.
 */
class DebeziumProtobufPipelineTest {

  static final String ENVELOPE = """
      syntax = "proto3";
      package shop.customers;

      message Envelope {
        Value before = 1;
        Value after = 2;
        Source source = 3;
        string op = 4;
        int64 ts_ms = 5;

        message Value {
          int32 id = 1;
          string name = 2;
          string email = 3;
        }
        message Source {
          string version = 1;
          string connector = 2;
          string name = 3;
          int64 ts_ms = 4;
          string db = 5;
          string schema = 6;
          string table = 7;
          int64 txId = 8;
          int64 lsn = 9;
        }
      }
      """;

  PipelineFixture fixture;
  SchemaRegistry registry = new SchemaRegistry(new InMemorySchemaRegistryStore(), SchemaFormats.all());
  RegisteredSchema registered;

  @BeforeEach
  void setUp() throws Exception {
    fixture = new PipelineFixture("floe-tt-cdc-proto-");
    registered = registry.register("customers-value",
        new SchemaRegistry.SchemaText(SchemaType.PROTOBUF, ENVELOPE, List.of()));
  }

  @AfterEach
  void tearDown() throws Exception {
    fixture.close();
  }

  private static byte[] row(int id, String name, String email) throws IOException {
    return message(out -> {
      out.writeInt32(1, id);
      out.writeString(2, name);
      out.writeString(3, email);
    });
  }

  /** What Confluent's KafkaProtobufSerializer writes: magic byte, schema id, message indexes [0], the message. */
  private byte[] change(String op, byte[] before, byte[] after, long lsn) throws IOException {
    byte[] source = message(out -> {
      out.writeString(1, "3.6.1.Final");
      out.writeString(2, "postgresql");
      out.writeString(3, "shop");
      out.writeInt64(4, 1_795_583_653_607L);
      out.writeString(5, "shop");
      out.writeString(6, "public");
      out.writeString(7, "customers");
      out.writeInt64(8, 700 + lsn);
      out.writeInt64(9, lsn);
    });
    byte[] envelope = message(out -> {
      if (before != null) {
        out.writeByteArray(1, before);
      }
      if (after != null) {
        out.writeByteArray(2, after);
      }
      out.writeByteArray(3, source);
      out.writeString(4, op);
      out.writeInt64(5, 1_795_583_653_954L);
    });
    ByteArrayOutputStream framed = new ByteArrayOutputStream();
    framed.write(0);
    framed.write(ByteBuffer.allocate(4).putInt(registered.id()).array());
    framed.write(0); // message indexes: the first message of the file
    framed.write(envelope);
    return framed.toByteArray();
  }

  interface Fields {
    void write(CodedOutputStream out) throws IOException;
  }

  private static byte[] message(Fields fields) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    fields.write(out);
    out.flush();
    return bytes.toByteArray();
  }

  @Test
  void protobufChangeEventsUpsertAndDeleteTheSourceTablesRows() throws Exception {
    Stream s = fixture.storage.streamStore().open(700).join();
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

      Map<Integer, Record> rows = new TreeMap<>();
      try (CloseableIterable<Record> it = IcebergGenerics.read(
          fixture.catalog.loadTable(TableIdentifier.of(Namespace.of("default"), "customers"))).build()) {
        it.forEach(r -> rows.put((Integer) r.getField("id"), r.copy()));
      }
      assertEquals(List.of(1), List.copyOf(rows.keySet()));
      assertEquals("a@y", rows.get(1).getField("email"));
      Record cdc = (Record) rows.get(1).getField("_cdc");
      assertEquals("u", cdc.getField("op"));
      assertEquals(12L, cdc.getField("lsn"));
      assertEquals(0, p.metrics().recordsSkipped.get());
    }
  }
}
