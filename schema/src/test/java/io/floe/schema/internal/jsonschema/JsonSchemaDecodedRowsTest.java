package io.floe.schema.internal.jsonschema;

import static io.floe.schema.internal.jsonschema.JsonSchemaDecoderTest.decode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.floe.schema.ConversionError;
import io.floe.schema.Placement;
import io.floe.schema.RecordBuilder;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.TypeUtil;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;

/** Decoded values put into Iceberg rows by {@link RecordBuilder}, as a table-topic worker does. */
class JsonSchemaDecodedRowsTest {

  private static final String ORDER =
      """
{"$schema": "http://json-schema.org/draft-07/schema#", "title": "Order", "type": "object",
 "additionalProperties": false,
 "properties": {
   "id": {"type": "integer"},
   "total": {"type": "number"},
   "paid": {"type": "boolean"},
   "status": {"type": "string", "enum": ["NEW", "SHIPPED"]},
   "order_id": {"type": "string", "format": "uuid"},
   "placed": {"type": "string", "format": "date-time"},
   "day": {"type": "string", "format": "date"},
   "slot": {"type": "string", "format": "time"},
   "customer": {"oneOf": [{"type": "null", "title": "Not included"}, {"$ref": "#/definitions/Customer"}]},
   "items": {"type": "array", "items": {"$ref": "#/definitions/Item"}},
   "labels": {"type": "object", "additionalProperties": {"type": "string"}},
   "coupon": {"oneOf": [{"type": "null"}, {"type": "string"}, {"type": "integer"}]},
   "metadata": {"type": "object"},
   "note": {"type": ["null", "string"]}
 },
 "required": ["id"],
 "definitions": {
   "Customer": {"type": "object", "properties": {
     "name": {"type": "string"}, "email": {"type": ["null", "string"]}}},
   "Item": {"allOf": [
     {"type": "object", "properties": {"sku": {"type": "string"}}},
     {"type": "object", "properties": {"count": {"type": "integer"}}}]}
 }}
""";

  @Test
  void decodedValuesLandInTheirColumnsWithTheirJavaValues() {
    // Given a table whose columns are the decoder's value type, and an order record
    JsonSchemaDecoder decoder = JsonSchemaDecoder.forSchema(ORDER, Map.of());
    Schema table =
        TypeUtil.assignIncreasingFreshIds(new Schema(decoder.valueType().asStructType().fields()));
    UUID orderId = UUID.randomUUID();
    String json =
        """
        {"id": 1001, "total": 199.99, "paid": true, "status": "SHIPPED", "order_id": "%s",
         "placed": "2024-05-01T14:00:00.25+02:00", "day": "2024-05-01", "slot": "09:30:00",
         "customer": {"name": "Ada", "email": null},
         "items": [{"sku": "pen", "count": 2}, {"sku": "ink", "count": 1}],
         "labels": {"channel": "web"},
         "coupon": 20,
         "metadata": {"source": "app", "version": [1, 2]}}
        """
            .formatted(orderId);
    Object value = decode(decoder, json).value();

    // When the value is put into a row, flattened
    RecordBuilder rows = RecordBuilder.forSchema(table);
    GenericRecord row = rows.newRow();
    Optional<ConversionError> error = rows.put(row, Placement.flattened(), value);

    // Then every column holds the record's value with the Java type Iceberg's writers take
    assertEquals(Optional.empty(), error);
    assertEquals(1001L, row.getField("id"));
    assertEquals(199.99, row.getField("total"));
    assertEquals(true, row.getField("paid"));
    assertEquals("SHIPPED", row.getField("status"));
    assertEquals(orderId, row.getField("order_id"));
    assertEquals(
        OffsetDateTime.of(2024, 5, 1, 12, 0, 0, 250_000_000, ZoneOffset.UTC),
        row.getField("placed"));
    assertEquals(LocalDate.of(2024, 5, 1), row.getField("day"));
    assertEquals(LocalTime.of(9, 30), row.getField("slot"));

    Record customer = (Record) row.getField("customer");
    assertEquals(table.findType("customer").asStructType(), customer.struct());
    assertEquals("Ada", customer.getField("name"));
    assertNull(customer.getField("email"));

    List<?> items = (List<?>) row.getField("items");
    assertEquals(2, items.size());
    assertEquals("pen", ((Record) items.get(0)).getField("sku"));
    assertEquals(1L, ((Record) items.get(1)).getField("count"));

    assertEquals(Map.of("channel", "web"), row.getField("labels"));

    Record coupon = (Record) row.getField("coupon");
    assertEquals(2, coupon.getField("tag"));
    assertNull(coupon.getField("field1"));
    assertEquals(20L, coupon.getField("field2"));

    assertEquals("{\"source\": \"app\", \"version\": [1, 2]}", row.getField("metadata"));
    assertNull(row.getField("note"));
  }

  @Test
  void aValueLandsInOneColumnWhenNotFlattened() {
    // Given a table with the value's struct as its _kafka_value column
    JsonSchemaDecoder decoder = JsonSchemaDecoder.forSchema(ORDER, Map.of());
    Schema table =
        TypeUtil.assignIncreasingFreshIds(
            new Schema(
                Types.NestedField.optional(
                    JsonSchemaTypeMapping.MAX_FIELD_IDS + 1, "_kafka_value", decoder.valueType())));
    Object value = decode(decoder, "{\"id\": 7, \"items\": [], \"customer\": null}").value();

    // When the value is put into the column
    RecordBuilder rows = RecordBuilder.forSchema(table);
    GenericRecord row = rows.newRow();
    Optional<ConversionError> error = rows.put(row, Placement.column("_kafka_value"), value);

    // Then the column's record holds it, empty lists kept and absent fields null
    assertEquals(Optional.empty(), error);
    Record stored = (Record) row.getField("_kafka_value");
    assertEquals(7L, stored.getField("id"));
    assertEquals(List.of(), stored.getField("items"));
    assertNull(stored.getField("customer"));
  }
}
