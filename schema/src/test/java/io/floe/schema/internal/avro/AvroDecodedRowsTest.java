package io.floe.schema.internal.avro;

import static io.floe.schema.internal.avro.AvroSchemaDecoderTest.decode;
import static io.floe.schema.internal.avro.AvroSchemaDecoderTest.encode;
import static io.floe.schema.internal.avro.AvroSchemaDecoderTest.parse;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.floe.schema.ConversionError;
import io.floe.schema.Placement;
import io.floe.schema.RecordBuilder;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.TypeUtil;
import org.junit.jupiter.api.Test;

/** Decoded values put into Iceberg rows by {@link RecordBuilder}, as a table-topic worker does. */
class AvroDecodedRowsTest {

  private static final Schema ORDER =
      parse(
          """
          {"type": "record", "name": "Order", "namespace": "shop", "fields": [
            {"name": "id", "type": "long"},
            {"name": "quantity", "type": "int"},
            {"name": "weight", "type": "float"},
            {"name": "paid", "type": "boolean"},
            {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "SHIPPED"]}},
            {"name": "digest", "type": {"type": "fixed", "name": "Digest", "size": 4}},
            {"name": "blob", "type": "bytes"},
            {"name": "total", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
            {"name": "order_id", "type": {"type": "string", "logicalType": "uuid"}},
            {"name": "placed", "type": {"type": "long", "logicalType": "timestamp-millis"}},
            {"name": "local", "type": {"type": "long", "logicalType": "local-timestamp-micros"}},
            {"name": "day", "type": {"type": "int", "logicalType": "date"}},
            {"name": "customer", "type": {"type": "record", "name": "Customer", "fields": [
              {"name": "name", "type": "string"},
              {"name": "email", "type": ["null", "string"], "default": null}
            ]}},
            {"name": "items", "type": {"type": "array", "items": {"type": "record", "name": "Item", "fields": [
              {"name": "sku", "type": "string"},
              {"name": "count", "type": "int"}
            ]}}},
            {"name": "labels", "type": {"type": "map", "values": "string"}},
            {"name": "coupon", "type": ["null", "string", "long"], "default": null},
            {"name": "note", "type": ["null", "string"], "default": null}
          ]}\
          """);

  @Test
  void decodedValuesLandInTheirColumnsWithTheirJavaValues() {
    // Given a table whose columns are the decoder's value type, and an order record
    AvroSchemaDecoder decoder = AvroSchemaDecoder.forSchema(ORDER);
    org.apache.iceberg.Schema table =
        TypeUtil.assignIncreasingFreshIds(
            new org.apache.iceberg.Schema(decoder.valueType().asStructType().fields()));
    UUID orderId = UUID.randomUUID();
    Object value = decode(decoder, encode(ORDER, order(orderId))).value();

    // When the value is put into a row, flattened
    RecordBuilder rows = RecordBuilder.forSchema(table);
    org.apache.iceberg.data.GenericRecord row = rows.newRow();
    Optional<ConversionError> error = rows.put(row, Placement.flattened(), value);

    // Then every column holds the record's value with the Java type Iceberg's writers take
    assertEquals(Optional.empty(), error);
    assertEquals(1001L, row.getField("id"));
    assertEquals(3, row.getField("quantity"));
    assertEquals(2.5f, row.getField("weight"));
    assertEquals(true, row.getField("paid"));
    assertEquals("SHIPPED", row.getField("status"));
    assertArrayEquals(new byte[] {1, 2, 3, 4}, (byte[]) row.getField("digest"));
    assertEquals(ByteBuffer.wrap(new byte[] {5, 6}), row.getField("blob"));
    assertEquals(new BigDecimal("199.99"), row.getField("total"));
    assertEquals(orderId, row.getField("order_id"));
    assertEquals(
        OffsetDateTime.of(2024, 5, 1, 12, 0, 0, 250_000_000, ZoneOffset.UTC),
        row.getField("placed"));
    assertEquals(LocalDateTime.of(2024, 5, 1, 14, 0, 0, 1_000), row.getField("local"));
    assertEquals(LocalDate.of(2024, 5, 1), row.getField("day"));

    Record customer = (Record) row.getField("customer");
    assertEquals(table.findType("customer").asStructType(), customer.struct());
    assertEquals("Ada", customer.getField("name"));
    assertNull(customer.getField("email"));

    List<?> items = (List<?>) row.getField("items");
    assertEquals(2, items.size());
    assertEquals("pen", ((Record) items.get(0)).getField("sku"));
    assertEquals(2, ((Record) items.get(1)).getField("count"));

    assertEquals(Map.of("channel", "web"), row.getField("labels"));

    Record coupon = (Record) row.getField("coupon");
    assertEquals(2, coupon.getField("tag"));
    assertNull(coupon.getField("field1"));
    assertEquals(20L, coupon.getField("field2"));
    assertNull(row.getField("note"));
  }

  private static GenericRecord order(UUID orderId) {
    Schema customerSchema = ORDER.getField("customer").schema();
    Schema itemSchema = ORDER.getField("items").schema().getElementType();
    GenericRecord customer = new GenericData.Record(customerSchema);
    customer.put("name", "Ada");
    GenericRecord pen = new GenericData.Record(itemSchema);
    pen.put("sku", "pen");
    pen.put("count", 1);
    GenericRecord ink = new GenericData.Record(itemSchema);
    ink.put("sku", "ink");
    ink.put("count", 2);
    GenericRecord order = new GenericData.Record(ORDER);
    order.put("id", 1001L);
    order.put("quantity", 3);
    order.put("weight", 2.5f);
    order.put("paid", true);
    order.put("status", new GenericData.EnumSymbol(ORDER.getField("status").schema(), "SHIPPED"));
    order.put(
        "digest",
        new GenericData.Fixed(ORDER.getField("digest").schema(), new byte[] {1, 2, 3, 4}));
    order.put("blob", ByteBuffer.wrap(new byte[] {5, 6}));
    order.put("total", new BigDecimal("199.99"));
    order.put("order_id", orderId);
    order.put("placed", Instant.parse("2024-05-01T12:00:00.250Z"));
    order.put("local", LocalDateTime.of(2024, 5, 1, 14, 0, 0, 1_000));
    order.put("day", LocalDate.of(2024, 5, 1));
    order.put("customer", customer);
    order.put("items", List.of(pen, ink));
    order.put("labels", Map.of("channel", "web"));
    order.put("coupon", 20L);
    return order;
  }
}
