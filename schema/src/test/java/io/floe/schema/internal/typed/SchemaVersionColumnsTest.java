package io.floe.schema.internal.typed;

import static com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label.LABEL_OPTIONAL;
import static com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label.LABEL_REPEATED;
import static com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type.TYPE_INT32;
import static com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type.TYPE_INT64;
import static com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type.TYPE_MESSAGE;
import static com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type.TYPE_STRING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import io.floe.schema.ConversionResult;
import io.floe.schema.Placement;
import io.floe.schema.RecordBuilder;
import io.floe.schema.SchemaEvolution;
import io.floe.schema.ValueConverter;
import io.floe.schema.registry.CompatibilityLevel;
import io.floe.schema.registry.InMemorySchemaRegistryStore;
import io.floe.schema.registry.RegisteredSchema;
import io.floe.schema.registry.SchemaFormats;
import io.floe.schema.registry.SchemaRegistry;
import io.floe.schema.registry.SchemaType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.inmemory.InMemoryCatalog;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Records of successive schema versions written into one table through the {@code by_schema_id}
 * converter, evolving the table as the table topic's worker does.
 */
class SchemaVersionColumnsTest {

  private static final String ORDER_V1 =
      """
      syntax = "proto3";
      package shop.v1;

      message Order {
        int64 id = 1;
        string name = 2;
      }
      """;
  private static final String ORDER_V2 =
      """
      syntax = "proto3";
      package shop.v1;

      message Order {
        int64 id = 1;
        string title = 2;
        int32 qty = 3;
      }
      """;

  private static final Descriptor ORDER_V1_TYPE =
      message("Order", field("id", 1, TYPE_INT64), field("name", 2, TYPE_STRING));
  private static final Descriptor ORDER_V2_TYPE =
      message(
          "Order",
          field("id", 1, TYPE_INT64),
          field("title", 2, TYPE_STRING),
          field("qty", 3, TYPE_INT32));

  private final SchemaRegistry registry =
      new SchemaRegistry(new InMemorySchemaRegistryStore(), SchemaFormats.all());
  private final InMemoryCatalog catalog = new InMemoryCatalog();

  SchemaVersionColumnsTest() {
    catalog.initialize("test", Map.of());
    catalog.createNamespace(Namespace.of("floe"));
  }

  @AfterEach
  void closeCatalog() throws IOException {
    catalog.close();
  }

  @Test
  void byLatestSchemaWithoutAMessageNameReadsTheFilesFirstMessage() {
    // Given a subject's latest Protobuf schema and bare protobuf-java bytes, no message name configured
    registerProtobuf("bare-value", ORDER_V1);
    io.floe.schema.ValueConverter converter = TypedConverters.byLatestSchema(
        io.floe.schema.Placement.flattened(), registry, "bare-value", "", System::currentTimeMillis);

    // When a record is converted
    io.floe.schema.ConversionResult r = converter.convert(order(ORDER_V1_TYPE, Map.of("id", 7L, "name", "tea")));

    // Then it is read as the file's first message
    assertTrue(r.isConverted(), () -> r.toString());
    io.floe.schema.ConvertedStruct value = (io.floe.schema.ConvertedStruct) r.value();
    assertEquals(7L, value.get("id"));
    assertEquals("tea", value.get("name"));
  }

  @Test
  void aProtobufFieldRenamedUnderItsNumberKeepsItsColumn() {
    // Given two versions of an order, the second renaming field 2 and adding field 3 (compatible
    // under the subject's default BACKWARD rule), and a topic whose table holds version 1 records
    RegisteredSchema v1 = registerProtobuf("orders-value", ORDER_V1);
    RegisteredSchema v2 = registerProtobuf("orders-value", ORDER_V2);
    TopicWriter topic = new TopicWriter(catalog.createTable(id("orders"), new Schema()));
    Record first =
        topic.write(confluent(v1, order(ORDER_V1_TYPE, Map.of("id", 1L, "name", "first"))));

    // When records of version 2, then of version 1 again, are written
    Record second =
        topic.write(
            confluent(v2, order(ORDER_V2_TYPE, Map.of("id", 2L, "title", "second", "qty", 3))));
    Record third =
        topic.write(confluent(v1, order(ORDER_V1_TYPE, Map.of("id", 3L, "name", "third"))));

    // Then field 2 of every version lands in the column made for it, which keeps its first name
    // and says which field it holds, and only the new field became a new column
    Schema schema = topic.table.schema();
    assertEquals(List.of("id", "name", "qty"), columnNames(schema.asStruct()));
    assertEquals("protobuf field 2", schema.findField("name").doc());
    assertEquals("protobuf field 3", schema.findField("qty").doc());
    assertEquals("first", first.getField("name"));
    assertEquals("second", second.getField("name"));
    assertEquals(3, second.getField("qty"));
    assertEquals("third", third.getField("name"));
    assertNull(third.getField("qty"));
  }

  @Test
  void theColumnOfAFieldIsNamedByTheFirstVersionThatReachesTheTable() {
    // Given both versions registered, and the newer one's records written first
    RegisteredSchema v1 = registerProtobuf("orders-value", ORDER_V1);
    RegisteredSchema v2 = registerProtobuf("orders-value", ORDER_V2);
    TopicWriter topic = new TopicWriter(catalog.createTable(id("orders"), new Schema()));
    topic.write(confluent(v2, order(ORDER_V2_TYPE, Map.of("id", 1L, "title", "newer"))));

    // When a record of the older version follows
    Record older =
        topic.write(confluent(v1, order(ORDER_V1_TYPE, Map.of("id", 2L, "name", "older"))));

    // Then its field 2 is written into the column the newer version made
    assertEquals(List.of("id", "title", "qty"), columnNames(topic.table.schema().asStruct()));
    assertEquals("older", older.getField("title"));
  }

  @Test
  void aBatchOfBothVersionsMakesOneColumnPerFieldNumber() {
    // Given both versions registered and a topic with a new table
    RegisteredSchema v1 = registerProtobuf("orders-value", ORDER_V1);
    RegisteredSchema v2 = registerProtobuf("orders-value", ORDER_V2);
    TopicWriter topic = new TopicWriter(catalog.createTable(id("orders"), new Schema()));

    // When one batch holds records of both versions, converted together before the table evolves
    List<Record> rows =
        topic.writeBatch(
            List.of(
                confluent(v1, order(ORDER_V1_TYPE, Map.of("id", 1L, "name", "older"))),
                confluent(v2, order(ORDER_V2_TYPE, Map.of("id", 2L, "title", "newer", "qty", 5)))));

    // Then the table evolves one version at a time, and field 2 of both lands in one column
    assertEquals(List.of("id", "name", "qty"), columnNames(topic.table.schema().asStruct()));
    assertEquals("older", rows.get(0).getField("name"));
    assertEquals("newer", rows.get(1).getField("name"));
  }

  @Test
  void aValueInOneColumnKeepsItsRenamedNestedColumn() {
    // Given a topic whose values go whole into the struct column `value`, holding version 1 records
    RegisteredSchema v1 = registerProtobuf("orders-value", ORDER_V1);
    RegisteredSchema v2 = registerProtobuf("orders-value", ORDER_V2);
    TopicWriter topic =
        new TopicWriter(catalog.createTable(id("orders"), new Schema()), Placement.column("value"));
    topic.write(confluent(v1, order(ORDER_V1_TYPE, Map.of("id", 1L, "name", "first"))));

    // When a version 2 record is written
    Record row =
        topic.write(
            confluent(v2, order(ORDER_V2_TYPE, Map.of("id", 2L, "title", "second", "qty", 3))));

    // Then its renamed field lands in the nested column of its number
    Types.StructType value = topic.table.schema().findField("value").type().asStructType();
    assertEquals(List.of("id", "name", "qty"), columnNames(value));
    assertEquals("second", ((Record) row.getField("value")).getField("name"));
  }

  @Test
  void aRenamedFieldOfMessagesInAListKeepsItsNestedColumn() {
    // Given an order with a list of lines whose field 1 is renamed in version 2, which also adds
    // a field to the line
    Descriptor linesV1 = message("Line", field("sku", 1, TYPE_STRING));
    Descriptor linesV2 =
        message("Line", field("code", 1, TYPE_STRING), field("count", 2, TYPE_INT32));
    RegisteredSchema v1 =
        registerProtobuf(
            "lines-value",
            """
            syntax = "proto3";
            package shop.v1;
            message Order {
              int64 id = 1;
              repeated Line lines = 2;
            }
            message Line {
              string sku = 1;
            }
            """);
    RegisteredSchema v2 =
        registerProtobuf(
            "lines-value",
            """
            syntax = "proto3";
            package shop.v1;
            message Order {
              int64 id = 1;
              repeated Line lines = 2;
            }
            message Line {
              string code = 1;
              int32 count = 2;
            }
            """);
    TopicWriter topic = new TopicWriter(catalog.createTable(id("lines"), new Schema()));
    topic.write(confluent(v1, orderWithLines(linesV1, Map.of("sku", "a"))));

    // When a version 2 record is written
    Record row =
        topic.write(confluent(v2, orderWithLines(linesV2, Map.of("code", "b", "count", 4))));

    // Then the renamed field lands in the line's column of its number, nested docs included, and
    // the added field is a new nested column
    Schema schema = topic.table.schema();
    Types.StructType line =
        schema.findField("lines").type().asListType().elementType().asStructType();
    assertEquals(List.of("sku", "count"), columnNames(line));
    assertEquals("protobuf field 1", line.field("sku").doc());
    assertEquals("protobuf field 2", line.field("count").doc());
    Record written = (Record) ((List<?>) row.getField("lines")).get(0);
    assertEquals("b", written.getField("sku"));
    assertEquals(4, written.getField("count"));
  }

  @Test
  void avroAndJsonSchemaFieldsAreStillMatchedByName() {
    // Given Avro and JSON Schema subjects whose second versions use another name for a field
    registry.setSubjectCompatibility("avro-value", CompatibilityLevel.NONE);
    registry.setSubjectCompatibility("json-value", CompatibilityLevel.NONE);
    String avroV1 =
        "{\"type\": \"record\", \"name\": \"Order\", \"fields\": [{\"name\": \"id\", \"type\":"
            + " \"long\"}, {\"name\": \"name\", \"type\": \"string\"}]}";
    String avroV2 =
        avroV1.replace("\"name\", \"type\": \"string\"", "\"title\", \"type\": \"string\"");
    RegisteredSchema avro1 = register("avro-value", SchemaType.AVRO, avroV1);
    RegisteredSchema avro2 = register("avro-value", SchemaType.AVRO, avroV2);
    String jsonV1 =
        "{\"type\": \"object\", \"properties\": {\"id\": {\"type\": \"integer\"},"
            + " \"name\": {\"type\": \"string\"}}}";
    String jsonV2 = jsonV1.replace("\"name\"", "\"title\"");
    RegisteredSchema json1 = register("json-value", SchemaType.JSON, jsonV1);
    RegisteredSchema json2 = register("json-value", SchemaType.JSON, jsonV2);
    TopicWriter avroTopic = new TopicWriter(catalog.createTable(id("avro"), new Schema()));
    TopicWriter jsonTopic = new TopicWriter(catalog.createTable(id("json"), new Schema()));

    // When records of both versions are written
    avroTopic.write(confluent(avro1, avro(avroV1, Map.of("id", 1L, "name", "first"))));
    Record avroRow =
        avroTopic.write(confluent(avro2, avro(avroV2, Map.of("id", 2L, "title", "second"))));
    jsonTopic.write(confluent(json1, json("{\"id\": 1, \"name\": \"first\"}")));
    Record jsonRow = jsonTopic.write(confluent(json2, json("{\"id\": 2, \"title\": \"second\"}")));

    // Then the other name is another column, and the columns carry no field numbers
    for (TopicWriter topic : List.of(avroTopic, jsonTopic)) {
      Types.StructType columns = topic.table.schema().asStruct();
      assertEquals(List.of("id", "name", "title"), columnNames(columns));
      assertTrue(columns.fields().stream().allMatch(f -> f.doc() == null), columns::toString);
    }
    assertEquals("second", avroRow.getField("title"));
    assertNull(avroRow.getField("name"));
    assertEquals("second", jsonRow.getField("title"));
    assertNull(jsonRow.getField("name"));
  }

  /** Converts records and evolves the table as the table topic's worker does. */
  private final class TopicWriter {
    private final Table table;
    private final ValueConverter converter;
    private Schema bound;

    TopicWriter(Table table) {
      this(table, Placement.flattened());
    }

    TopicWriter(Table table, Placement placement) {
      this.table = table;
      this.converter = TypedConverters.bySchemaId(placement, registry, System::currentTimeMillis);
    }

    /** The row of {@code record}, after evolving the table if the record needs it. */
    Record write(byte[] record) {
      bind();
      ConversionResult result = converter.convert(record);
      if (converter.needsSchemaChange()) {
        SchemaEvolution.Result evolved = SchemaEvolution.evolve(table, converter.columns());
        assertEquals(List.of(), evolved.conflicts());
        bind();
        result = converter.convert(record);
        assertFalse(converter.needsSchemaChange(), "the evolved table holds the record");
      }
      ConversionResult converted = result;
      assertTrue(converted.isConverted(), () -> String.valueOf(converted.error()));
      RecordBuilder rows = RecordBuilder.forSchema(bound);
      GenericRecord row = rows.newRow();
      assertEquals(Optional.empty(), rows.put(row, converter.placement(), converted.value()));
      return row;
    }

    /**
     * The rows of {@code records}, converted together: while they need a schema change, the table
     * evolves with what the converter asks for and they are converted again.
     */
    List<Record> writeBatch(List<byte[]> records) {
      List<ConversionResult> converted = convertAll(records);
      for (int evolved = 0; converter.needsSchemaChange(); evolved++) {
        assertTrue(evolved < records.size(), "each schema version evolves the table once");
        assertEquals(List.of(), SchemaEvolution.evolve(table, converter.columns()).conflicts());
        converted = convertAll(records);
      }
      RecordBuilder rows = RecordBuilder.forSchema(bound);
      List<Record> out = new ArrayList<>();
      for (ConversionResult result : converted) {
        assertTrue(result.isConverted(), () -> String.valueOf(result.error()));
        GenericRecord row = rows.newRow();
        assertEquals(Optional.empty(), rows.put(row, converter.placement(), result.value()));
        out.add(row);
      }
      return out;
    }

    private List<ConversionResult> convertAll(List<byte[]> records) {
      bind();
      return records.stream().map(converter::convert).collect(Collectors.toList());
    }

    private void bind() {
      if (bound != table.schema()) {
        bound = table.schema();
        converter.useSchema(bound);
      }
    }
  }

  private RegisteredSchema registerProtobuf(String subject, String proto) {
    return register(subject, SchemaType.PROTOBUF, proto);
  }

  private RegisteredSchema register(String subject, SchemaType type, String schema) {
    return registry.register(subject, new SchemaRegistry.SchemaText(type, schema, List.of()));
  }

  private static TableIdentifier id(String name) {
    return TableIdentifier.of(Namespace.of("floe"), name);
  }

  private static List<String> columnNames(Types.StructType struct) {
    return struct.fields().stream().map(Types.NestedField::name).collect(Collectors.toList());
  }

  /** Confluent's wire format: magic byte 0, the schema id, then (Protobuf) message index 0. */
  private static byte[] confluent(RegisteredSchema schema, byte[] payload) {
    boolean protobuf = schema.type() == SchemaType.PROTOBUF;
    ByteBuffer framed = ByteBuffer.allocate(5 + (protobuf ? 1 : 0) + payload.length);
    framed.put((byte) 0).putInt(schema.id());
    if (protobuf) {
      framed.put((byte) 0);
    }
    return framed.put(payload).array();
  }

  private static byte[] order(Descriptor type, Map<String, Object> fields) {
    DynamicMessage.Builder order = DynamicMessage.newBuilder(type);
    fields.forEach((name, value) -> order.setField(type.findFieldByName(name), value));
    return order.build().toByteArray();
  }

  private static byte[] orderWithLines(Descriptor line, Map<String, Object> lineFields) {
    Descriptor order =
        message(
            "Order",
            List.of(line),
            field("id", 1, TYPE_INT64),
            field("lines", 2, TYPE_MESSAGE).setLabel(LABEL_REPEATED).setTypeName(".shop.v1.Line"));
    Descriptor resolvedLine = order.getFile().findMessageTypeByName("Line");
    DynamicMessage.Builder lineValue = DynamicMessage.newBuilder(resolvedLine);
    lineFields.forEach(
        (name, value) -> lineValue.setField(resolvedLine.findFieldByName(name), value));
    Message value =
        DynamicMessage.newBuilder(order)
            .setField(order.findFieldByName("id"), 1L)
            .addRepeatedField(order.findFieldByName("lines"), lineValue.build())
            .build();
    return value.toByteArray();
  }

  private static byte[] avro(String schema, Map<String, Object> fields) {
    org.apache.avro.Schema parsed = new org.apache.avro.Schema.Parser().parse(schema);
    GenericData.Record record = new GenericData.Record(parsed);
    fields.forEach(record::put);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    try {
      new GenericDatumWriter<GenericData.Record>(parsed).write(record, encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static byte[] json(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static Descriptor message(String name, FieldDescriptorProto.Builder... fields) {
    return message(name, List.of(), fields);
  }

  /** A message of package {@code shop.v1}, in a file with the {@code others} beside it. */
  private static Descriptor message(
      String name, List<Descriptor> others, FieldDescriptorProto.Builder... fields) {
    DescriptorProto.Builder message = DescriptorProto.newBuilder().setName(name);
    for (FieldDescriptorProto.Builder field : fields) {
      message.addField(field);
    }
    FileDescriptorProto.Builder file =
        FileDescriptorProto.newBuilder()
            .setName("shop.proto")
            .setPackage("shop.v1")
            .setSyntax("proto3")
            .addMessageType(message);
    others.forEach(other -> file.addMessageType(other.toProto()));
    try {
      return FileDescriptor.buildFrom(file.build(), new FileDescriptor[0])
          .findMessageTypeByName(name);
    } catch (DescriptorValidationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static FieldDescriptorProto.Builder field(
      String name, int number, FieldDescriptorProto.Type type) {
    return FieldDescriptorProto.newBuilder()
        .setName(name)
        .setNumber(number)
        .setType(type)
        .setLabel(LABEL_OPTIONAL);
  }
}
