package io.floe.schema.internal.jsonschema;

import static io.floe.schema.internal.jsonschema.JsonSchemaDecoderTest.render;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.schema.ConversionError;
import io.floe.schema.ConversionResult;
import io.floe.schema.ConvertedStruct;
import io.floe.schema.Placement;
import io.floe.schema.RecordBuilder;
import io.floe.schema.ValueConverter;
import io.floe.schema.internal.typed.TypedConverters;
import io.floe.schema.registry.InMemorySchemaRegistryStore;
import io.floe.schema.registry.RegisteredSchema;
import io.floe.schema.registry.SchemaFormats;
import io.floe.schema.registry.SchemaReference;
import io.floe.schema.registry.SchemaRegistry;
import io.floe.schema.registry.SchemaType;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.TypeUtil;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;

/**
 * JSON Schema values through the {@code by_schema_id} converter, with schemas from Floe's registry.
 */
class JsonSchemaRegistryTest {

  private static final String CUSTOMER =
      """
      {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
       "properties": {"name": {"type": "string"}, "email": {"type": ["null", "string"]}}}
      """;
  private static final String ORDER =
      """
      {"$schema": "http://json-schema.org/draft-07/schema#", "title": "Order", "type": "object",
       "properties": {
         "id": {"type": "integer"},
         "placed": {"type": "string", "format": "date-time"},
         "customer": {"$ref": "customer.json"},
         "tags": {"type": "array", "items": {"type": "string"}}
       }}
      """;

  private final SchemaRegistry registry =
      new SchemaRegistry(new InMemorySchemaRegistryStore(), SchemaFormats.all());

  @Test
  void recordsFramedByConfluentsSerializerDecodeWithTheirRegisteredSchema() {
    // Given an order schema registered with a reference to a customer schema
    registry.register(
        "customer-value", new SchemaRegistry.SchemaText(SchemaType.JSON, CUSTOMER, List.of()));
    RegisteredSchema order =
        registry.register(
            "orders-value",
            new SchemaRegistry.SchemaText(
                SchemaType.JSON,
                ORDER,
                List.of(new SchemaReference("customer.json", "customer-value", 1))));
    ValueConverter converter =
        TypedConverters.bySchemaId(Placement.flattened(), registry, () -> 0L);
    converter.useSchema(new Schema());

    // When a record framed as KafkaJsonSchemaSerializer frames it is converted
    ConversionResult result =
        converter.convert(
            confluent(
                order.id(),
                "{\"id\": 42, \"placed\": \"2024-05-01T12:00:00Z\", \"customer\": {\"name\":"
                    + " \"Ada\"}, \"tags\": [\"new\"]}"));

    // Then it decodes with the schema and its reference, and the converter asks for its columns
    assertTrue(result.isConverted(), () -> result.error().toString());
    ConvertedStruct value = (ConvertedStruct) result.value();
    assertEquals(42L, value.get("id"));
    assertEquals(OffsetDateTime.of(2024, 5, 1, 12, 0, 0, 0, ZoneOffset.UTC), value.get("placed"));
    assertEquals("Ada", ((ConvertedStruct) value.get("customer")).get("name"));
    assertTrue(converter.needsSchemaChange());
    Types.StructType columns = Types.StructType.of(converter.columns());
    assertEquals(
        "struct<id: long, placed: timestamptz, customer: struct<name: string, email: string>,"
            + " tags: list<string>>",
        render(columns));

    // And the value lands in a row of a table with those columns
    Schema table = TypeUtil.assignIncreasingFreshIds(new Schema(converter.columns()));
    RecordBuilder rows = RecordBuilder.forSchema(table);
    GenericRecord row = rows.newRow();
    Optional<ConversionError> error = rows.put(row, converter.placement(), result.value());
    assertEquals(Optional.empty(), error);
    assertEquals(42L, row.getField("id"));
    assertEquals("Ada", ((Record) row.getField("customer")).getField("name"));
    assertEquals(List.of("new"), row.getField("tags"));
  }

  @Test
  void bareJsonDecodesWithTheSubjectsLatestSchema() {
    // Given two versions of a subject's schema, the second adding a property (to a closed model,
    // as BACKWARD compatibility allows)
    registry.register(
        "events-value",
        new SchemaRegistry.SchemaText(
            SchemaType.JSON,
            "{\"type\": \"object\", \"additionalProperties\": false,"
                + " \"properties\": {\"id\": {\"type\": \"integer\"}}}",
            List.of()));
    registry.register(
        "events-value",
        new SchemaRegistry.SchemaText(
            SchemaType.JSON,
            "{\"type\": \"object\", \"additionalProperties\": false,"
                + " \"properties\": {\"id\": {\"type\": \"integer\"},"
                + " \"at\": {\"type\": \"string\", \"format\": \"date\"}}}",
            List.of()));
    ValueConverter converter =
        TypedConverters.byLatestSchema(
            Placement.flattened(), registry, "events-value", "", () -> 0L);

    // When bare JSON, without Confluent's header, is converted
    ConversionResult result =
        converter.convert("{\"id\": 1, \"at\": \"2024-05-01\"}".getBytes(StandardCharsets.UTF_8));

    // Then the latest version reads it
    assertTrue(result.isConverted(), () -> result.error().toString());
    assertEquals(LocalDate.of(2024, 5, 1), ((ConvertedStruct) result.value()).get("at"));
  }

  @Test
  void aRecordThatDoesNotFitItsSchemaFailsAsInvalidInput() {
    // Given a registered schema
    RegisteredSchema schema =
        registry.register(
            "items-value",
            new SchemaRegistry.SchemaText(
                SchemaType.JSON,
                "{\"type\": \"object\", \"properties\": {\"count\": {\"type\": \"integer\"}}}",
                List.of()));
    ValueConverter converter =
        TypedConverters.bySchemaId(Placement.flattened(), registry, () -> 0L);

    // When a record of it has a string for the integer
    ConversionResult result = converter.convert(confluent(schema.id(), "{\"count\": \"three\"}"));

    // Then the record fails naming the field
    assertFalse(result.isConverted());
    assertEquals(ConversionError.Reason.INVALID_INPUT, result.error().reason());
    assertEquals("count", result.error().field());
  }

  @Test
  void aRecursiveSchemaFailsItsRecordsAsUnsupported() {
    // Given a registered schema Iceberg cannot hold: a tree of nodes
    RegisteredSchema tree =
        registry.register(
            "tree-value",
            new SchemaRegistry.SchemaText(
                SchemaType.JSON,
                """
                {"type": "object", "properties": {
                  "children": {"type": "array", "items": {"$ref": "#"}}}}
                """,
                List.of()));
    ValueConverter converter =
        TypedConverters.bySchemaId(Placement.flattened(), registry, () -> 0L);

    // When a record of it is converted
    ConversionResult result = converter.convert(confluent(tree.id(), "{\"children\": []}"));

    // Then it fails saying why the schema cannot be used
    assertFalse(result.isConverted());
    assertEquals(ConversionError.Reason.UNSUPPORTED, result.error().reason());
    assertTrue(result.error().message().contains("cannot be recursive"), result.error().message());
  }

  /**
   * What Confluent's KafkaJsonSchemaSerializer writes: magic byte 0, the schema id big-endian,
   * JSON.
   */
  private static byte[] confluent(int schemaId, String json) {
    byte[] payload = json.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(5 + payload.length)
        .put((byte) 0)
        .putInt(schemaId)
        .put(payload)
        .array();
  }
}
