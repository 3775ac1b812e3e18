package io.floe.cdc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.schema.ConversionError;
import io.floe.schema.ConversionResult;
import io.floe.schema.ConvertedStruct;
import io.floe.schema.Placement;
import io.floe.schema.RecordBuilder;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.types.TypeUtil;
import org.junit.jupiter.api.Test;

class ConnectSchemaDecoderTest {

  /**
   * A PostgreSQL table as Debezium describes it with decimal.handling.mode=precise,
   * time.precision.mode=adaptive.
   */
  private static final String ROW_SCHEMA =
      """
{"type": "struct", "name": "feas.public.things.Value", "optional": true, "fields": [
  {"field": "id", "type": "int32", "optional": false},
  {"field": "small", "type": "int16", "optional": true},
  {"field": "big", "type": "int64", "optional": true},
  {"field": "ratio", "type": "float32", "optional": true},
  {"field": "score", "type": "float64", "optional": true},
  {"field": "active", "type": "boolean", "optional": true},
  {"field": "blob", "type": "bytes", "optional": true},
  {"field": "price", "type": "bytes", "optional": true, "name": "org.apache.kafka.connect.data.Decimal",
   "version": 1, "parameters": {"scale": "2", "connect.decimal.precision": "10"}},
  {"field": "amount", "type": "struct", "optional": true, "name": "io.debezium.data.VariableScaleDecimal",
   "fields": [{"field": "scale", "type": "int32", "optional": false},
              {"field": "value", "type": "bytes", "optional": false}]},
  {"field": "born", "type": "int32", "optional": true, "name": "io.debezium.time.Date"},
  {"field": "opens", "type": "int64", "optional": true, "name": "io.debezium.time.MicroTime"},
  {"field": "created", "type": "int64", "optional": true, "name": "io.debezium.time.MicroTimestamp"},
  {"field": "seen", "type": "int64", "optional": true, "name": "io.debezium.time.Timestamp"},
  {"field": "changed", "type": "string", "optional": true, "name": "io.debezium.time.ZonedTimestamp"},
  {"field": "logged", "type": "int64", "optional": true, "name": "org.apache.kafka.connect.data.Timestamp"},
  {"field": "ref", "type": "string", "optional": true, "name": "io.debezium.data.Uuid"},
  {"field": "doc", "type": "string", "optional": true, "name": "io.debezium.data.Json"},
  {"field": "mood", "type": "string", "optional": true, "name": "io.debezium.data.Enum",
   "parameters": {"allowed": "happy,sad"}},
  {"field": "tags", "type": "array", "optional": true, "items": {"type": "string", "optional": true}},
  {"field": "attrs", "type": "map", "optional": true, "keys": {"type": "string", "optional": false},
   "values": {"type": "int32", "optional": true}},
  {"field": "address", "type": "struct", "optional": true, "fields": [
    {"field": "city", "type": "string", "optional": true}]}
]}
""";

  @Test
  void connectTypesMapToOptionalIcebergColumns() {
    // Given Debezium's schema of a table of many types
    ConnectSchemaDecoder decoder = ConnectSchemaDecoder.forSchema(ROW_SCHEMA);

    // When its value type is read
    String type = decoder.valueType().toString().replaceAll("\\d+: ", "");

    // Then each field is an optional column of the mapped type, in schema order
    assertEquals(
        "struct<id: optional int, small: optional int, big: optional long, ratio: optional float,"
            + " score: optional double, active: optional boolean, blob: optional binary, price:"
            + " optional decimal(10, 2), amount: optional decimal(38, 10), born: optional date,"
            + " opens: optional time, created: optional timestamp, seen: optional timestamp,"
            + " changed: optional timestamptz, logged: optional timestamptz, ref: optional uuid,"
            + " doc: optional string, mood: optional string, tags: optional list<string>, attrs:"
            + " optional map<string, int>, address: optional struct<city: optional string>>",
        type);
  }

  @Test
  void payloadDecodesToTheJavaValuesRecordBuilderTakes() {
    // Given a payload of each type
    ConnectSchemaDecoder decoder = ConnectSchemaDecoder.forSchema(ROW_SCHEMA);
    String payload =
        String.format(
            """
            {"id": 7, "small": -3, "big": 9000000000, "ratio": 0.5, "score": 2.25, "active": true,
             "blob": "%s", "price": "%s", "amount": {"scale": 3, "value": "%s"},
             "born": 19000, "opens": 34200000000, "created": 1700000000123456,
             "seen": 1700000000123, "changed": "2026-11-25T07:14:23.995819+02:00",
             "logged": 1700000000123, "ref": "0b3c1c16-8bdb-4f36-9a0a-3a52f4b7c6d1",
             "doc": "{\\"a\\": [1, 2]}", "mood": "happy", "tags": ["x", null, "y"],
             "attrs": {"k": 1}, "address": {"city": "Paris"}, "unknown": 1}
            """,
            base64(new byte[] {1, 2, 3}),
            base64(BigInteger.valueOf(1250).toByteArray()),
            base64(BigInteger.valueOf(-123456).toByteArray()));

    // When it is decoded
    ConvertedStruct row = (ConvertedStruct) decode(decoder, payload).value();

    // Then each value is the Java value of its column type
    assertEquals(7, row.get("id"));
    assertEquals(-3, row.get("small"));
    assertEquals(9_000_000_000L, row.get("big"));
    assertEquals(0.5f, row.get("ratio"));
    assertEquals(2.25, row.get("score"));
    assertEquals(true, row.get("active"));
    assertEquals(ByteBuffer.wrap(new byte[] {1, 2, 3}), row.get("blob"));
    assertEquals(new BigDecimal("12.50"), row.get("price"));
    assertEquals(new BigDecimal("-123.4560000000"), row.get("amount"));
    assertEquals(LocalDate.ofEpochDay(19000), row.get("born"));
    assertEquals(LocalTime.of(9, 30), row.get("opens"));
    assertEquals(LocalDateTime.parse("2023-11-14T22:13:20.123456"), row.get("created"));
    assertEquals(LocalDateTime.parse("2023-11-14T22:13:20.123"), row.get("seen"));
    assertEquals(OffsetDateTime.parse("2026-11-25T05:14:23.995819Z"), row.get("changed"));
    assertEquals(OffsetDateTime.parse("2023-11-14T22:13:20.123Z"), row.get("logged"));
    assertEquals(UUID.fromString("0b3c1c16-8bdb-4f36-9a0a-3a52f4b7c6d1"), row.get("ref"));
    assertEquals("{\"a\": [1, 2]}", row.get("doc"));
    assertEquals("happy", row.get("mood"));
    assertEquals(java.util.Arrays.asList("x", null, "y"), row.get("tags"));
    assertEquals(Map.of("k", 1), row.get("attrs"));
    assertEquals("Paris", ((ConvertedStruct) row.get("address")).get("city"));

    // And the row lands in a table created from the decoder's type
    RecordBuilder builder =
        RecordBuilder.forSchema(
            TypeUtil.assignIncreasingFreshIds(
                new Schema(decoder.valueType().asStructType().fields())));
    GenericRecord record = builder.newRow();
    assertEquals(java.util.Optional.empty(), builder.put(record, Placement.flattened(), row));
    assertEquals(new BigDecimal("-123.4560000000"), record.getField("amount"));
    assertEquals(LocalDateTime.parse("2023-11-14T22:13:20.123456"), record.getField("created"));
    assertEquals(OffsetDateTime.parse("2026-11-25T05:14:23.995819Z"), record.getField("changed"));
    assertEquals(UUID.fromString("0b3c1c16-8bdb-4f36-9a0a-3a52f4b7c6d1"), record.getField("ref"));
    assertEquals(java.util.Arrays.asList("x", null, "y"), record.getField("tags"));
    assertEquals("Paris", ((GenericRecord) record.getField("address")).getField("city"));
  }

  @Test
  void nullsAndMissingFieldsAreNullEvenForRequiredFields() {
    // Given a payload with a required field null and optional ones missing
    ConnectSchemaDecoder decoder = ConnectSchemaDecoder.forSchema(ROW_SCHEMA);

    // When it is decoded
    ConvertedStruct row =
        (ConvertedStruct) decode(decoder, "{\"id\": null, \"mood\": \"sad\"}").value();

    // Then they are null (a delete's before image leaves non-key columns null)
    assertNull(row.get("id"));
    assertNull(row.get("price"));
    assertEquals("sad", row.get("mood"));
  }

  @Test
  void variableScaleDecimalThatDoesNotFitFailsNamingTheField() {
    // Given a numeric with 12 fraction digits, beyond decimal(38, 10)
    ConnectSchemaDecoder decoder = ConnectSchemaDecoder.forSchema(ROW_SCHEMA);
    String payload =
        "{\"id\": 1, \"amount\": {\"scale\": 12, \"value\": \""
            + base64(new BigInteger("123456789012345").toByteArray())
            + "\"}}";

    // When it is decoded
    ConversionResult result = decode(decoder, payload);

    // Then it fails as unsupported, naming the field
    assertFalse(result.isConverted());
    assertEquals(ConversionError.Reason.UNSUPPORTED, result.error().reason());
    assertEquals("amount", result.error().field());
    assertTrue(result.error().message().contains("123.456789012345"), result.error().message());
  }

  @Test
  void payloadOfAnotherTypeFailsNamingTheField() {
    ConnectSchemaDecoder decoder = ConnectSchemaDecoder.forSchema(ROW_SCHEMA);
    assertInvalid(decoder, "{\"id\": \"7\"}", "id");
    assertInvalid(decoder, "{\"small\": 70000}", "small");
    assertInvalid(decoder, "{\"blob\": \"not base64!\"}", "blob");
    assertInvalid(decoder, "{\"ref\": \"not-a-uuid\"}", "ref");
    assertInvalid(decoder, "{\"changed\": \"yesterday\"}", "changed");
    assertInvalid(decoder, "{\"tags\": [1]}", "tags.element");
    assertInvalid(decoder, "{\"address\": {\"city\": false}}", "address.city");
    assertInvalid(decoder, "[1]", "");
    assertInvalid(decoder, "{\"id\": 1} trailing", "");
    assertInvalid(decoder, "", "");
  }

  @Test
  void decimalWithoutPrecisionIsDecimal38() {
    // Given a Connect decimal without connect.decimal.precision
    ConnectSchemaDecoder decoder =
        ConnectSchemaDecoder.forSchema(
            "{\"type\": \"bytes\", \"name\": \"org.apache.kafka.connect.data.Decimal\","
                + " \"parameters\": {\"scale\": \"3\"}}");

    // Then it is decimal(38, 3) and reads base64 and numeric forms alike
    assertEquals("decimal(38, 3)", decoder.valueType().toString());
    assertEquals(
        new BigDecimal("-0.005"), decode(decoder, "\"" + base64(new byte[] {-5}) + "\"").value());
    assertEquals(new BigDecimal("1.500"), decode(decoder, "1.5").value());
  }

  @Test
  void schemaThatIsNotConnectIsRefused() {
    assertThrows(
        IllegalArgumentException.class,
        () -> ConnectSchemaDecoder.forSchema("{\"type\": \"int128\"}"));
    assertThrows(
        IllegalArgumentException.class,
        () -> ConnectSchemaDecoder.forSchema("{\"type\": \"struct\"}"));
    assertThrows(IllegalArgumentException.class, () -> ConnectSchemaDecoder.forSchema("not json"));
  }

  @Test
  void logicalNameOverAnotherTypeMapsByItsConnectType() {
    // Given Debezium's Bits for a bit(1) column, which is a boolean
    ConnectSchemaDecoder decoder =
        ConnectSchemaDecoder.forSchema(
            "{\"type\": \"boolean\", \"name\": \"io.debezium.data.Bits\"}");

    // Then it is a boolean
    assertEquals("boolean", decoder.valueType().toString());
    assertEquals(true, decode(decoder, "true").value());
  }

  private static void assertInvalid(ConnectSchemaDecoder decoder, String payload, String field) {
    ConversionResult result = decode(decoder, payload);
    assertFalse(result.isConverted(), payload);
    assertEquals(ConversionError.Reason.INVALID_INPUT, result.error().reason(), payload);
    assertEquals(field, result.error().field(), result.error().message());
  }

  private static ConversionResult decode(ConnectSchemaDecoder decoder, String payload) {
    byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
    return decoder.decode(bytes, 0, bytes.length);
  }

  private static String base64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }
}
