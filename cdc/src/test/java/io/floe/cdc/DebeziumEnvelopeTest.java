package io.floe.cdc;

import static io.floe.cdc.DebeziumFixturesTest.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.schema.ConversionError;
import io.floe.schema.ConvertedStruct;
import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DebeziumEnvelopeTest {

  private static final String SOURCE =
      "{\"version\":\"3.6.3.Final\",\"connector\":\"postgresql\",\"name\":\"feas\",\"ts_ms\":1000,"
          + "\"snapshot\":\"last\",\"db\":\"shop\",\"schema\":\"public\",\"table\":\"things\","
          + "\"txId\":null,\"lsn\":null}";

  /** An envelope schema whose after/before rows have Debezium's logical types. */
  private static final String ROW_SCHEMA =
      """
{"type":"struct","optional":true,"name":"feas.public.things.Value","fields":[
  {"field":"id","type":"int64","optional":false},
  {"field":"amount","type":"struct","optional":true,"name":"io.debezium.data.VariableScaleDecimal",
   "fields":[{"field":"scale","type":"int32","optional":false},{"field":"value","type":"bytes","optional":false}]},
  {"field":"created","type":"int64","optional":true,"name":"io.debezium.time.MicroTimestamp"},
  {"field":"changed","type":"string","optional":true,"name":"io.debezium.time.ZonedTimestamp"},
  {"field":"ref","type":"string","optional":true,"name":"io.debezium.data.Uuid"},
  {"field":"doc","type":"string","optional":true,"name":"io.debezium.data.Json"},
  {"field":"scores","type":"array","optional":true,"items":{"type":"int32","optional":true}}]}
""";

  private static String wrapped(String op, String before, String after) {
    String schema =
        "{\"type\":\"struct\",\"optional\":false,\"name\":\"feas.public.things.Envelope\",\"fields\":["
            + field("before", ROW_SCHEMA)
            + ","
            + field("after", ROW_SCHEMA)
            + ","
            + "{\"field\":\"source\",\"type\":\"struct\",\"optional\":false,\"fields\":[]},"
            + "{\"field\":\"op\",\"type\":\"string\",\"optional\":false},"
            + "{\"field\":\"ts_ms\",\"type\":\"int64\",\"optional\":true}]}";
    return "{\"schema\":" + schema + ",\"payload\":" + envelope(op, before, after) + "}";
  }

  private static String field(String name, String schema) {
    return schema.replaceFirst("\\{", "{\"field\":\"" + name + "\",");
  }

  private static String envelope(String op, String before, String after) {
    return "{\"before\":"
        + before
        + ",\"after\":"
        + after
        + ",\"source\":"
        + SOURCE
        + ",\"transaction\":null,\"op\":\""
        + op
        + "\",\"ts_ms\":2000}";
  }

  @Test
  void debeziumLogicalTypesInAnEnvelopeDecodeToJavaValues() {
    // Given a snapshot read of a row with Debezium's logical types ("AeJA" is 123456 unscaled,
    // scale 3)
    String after =
        "{\"id\":5,\"amount\":{\"scale\":3,\"value\":\"AeJA\"},\"created\":1700000000123456,"
            + "\"changed\":\"2026-11-25T07:14:23.995819+02:00\","
            + "\"ref\":\"0b3c1c16-8bdb-4f36-9a0a-3a52f4b7c6d1\",\"doc\":\"{\\\"a\\\":1}\","
            + "\"scores\":[1,null,3]}";

    // When it is unwrapped
    DebeziumEnvelope.Change change =
        assertInstanceOf(
            DebeziumEnvelope.Change.class,
            DebeziumEnvelope.unwrap(bytes(wrapped("r", "null", after))));

    // Then the row holds the Java value of each column type
    assertEquals(Operation.READ, change.op());
    assertEquals("last", change.source().snapshot());
    assertNull(change.source().lsn());
    assertNull(change.source().txId());
    assertEquals(2000L, change.tsMs());
    ConvertedStruct row = ((RowImage.Typed) change.row()).value();
    assertEquals(5L, row.get("id"));
    assertEquals(new BigDecimal("123.4560000000"), row.get("amount"));
    assertEquals(LocalDateTime.parse("2023-11-14T22:13:20.123456"), row.get("created"));
    assertEquals(OffsetDateTime.parse("2026-11-25T05:14:23.995819Z"), row.get("changed"));
    assertEquals(UUID.fromString("0b3c1c16-8bdb-4f36-9a0a-3a52f4b7c6d1"), row.get("ref"));
    assertEquals("{\"a\":1}", row.get("doc"));
    assertEquals(java.util.Arrays.asList(1, null, 3), row.get("scores"));
  }

  @Test
  void eventsOfOneSchemaShareOneDecoder() {
    // Given two events of the same table schema
    DebeziumEnvelope.Change first =
        (DebeziumEnvelope.Change)
            DebeziumEnvelope.unwrap(bytes(wrapped("c", "null", "{\"id\":1}")));
    DebeziumEnvelope.Change second =
        (DebeziumEnvelope.Change)
            DebeziumEnvelope.unwrap(bytes(wrapped("u", "null", "{\"id\":2}")));

    // Then their rows share one decoder, so RecordBuilder caches one projection for both
    assertSame(((RowImage.Typed) first.row()).type(), ((RowImage.Typed) second.row()).type());
    assertSame(
        ((RowImage.Typed) first.row()).value().names(),
        ((RowImage.Typed) second.row()).value().names());
  }

  @Test
  void truncateIsTruncateWithItsSource() {
    // Given a truncate envelope, with and without schema
    for (String value : List.of(envelope("t", "null", "null"), wrapped("t", "null", "null"))) {
      // When it is unwrapped
      DebeziumEnvelope.Unwrapped unwrapped = DebeziumEnvelope.unwrap(bytes(value));

      // Then it is a truncate of the table
      DebeziumEnvelope.Truncate truncate =
          assertInstanceOf(DebeziumEnvelope.Truncate.class, unwrapped);
      assertEquals("things", truncate.source().table());
      assertEquals(1000L, truncate.source().tsMs());
      assertEquals(2000L, truncate.tsMs());
    }
  }

  @Test
  void transactionMarkersAreRecognized() {
    // Given Debezium's transaction BEGIN and END events
    String begin =
        "{\"status\":\"BEGIN\",\"id\":\"571:53195829\",\"event_count\":null,\"data_collections\":null,\"ts_ms\":1}";
    String end =
        "{\"status\":\"END\",\"id\":\"571:53195829\",\"event_count\":2,\"data_collections\":"
            + "[{\"data_collection\":\"public.things\",\"event_count\":2}],\"ts_ms\":2}";

    // Then they are transaction markers, with the END's event count
    assertEquals(
        new DebeziumEnvelope.TransactionMarker("BEGIN", "571:53195829", null),
        DebeziumEnvelope.unwrap(bytes(begin)));
    assertEquals(
        new DebeziumEnvelope.TransactionMarker("END", "571:53195829", 2L),
        DebeziumEnvelope.unwrap(bytes(end)));
    assertEquals(
        new DebeziumEnvelope.TransactionMarker("END", "571:53195829", 2L),
        DebeziumEnvelope.unwrap(
            bytes("{\"schema\":{\"type\":\"struct\",\"fields\":[]},\"payload\":" + end + "}")));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "   ",
        "{\"before\":null,",
        "{\"op\":\"c\"} trailing",
        "[1,2]",
        "42",
        "{\"id\":1,\"name\":\"not an envelope\"}",
        "{\"status\":\"MAYBE\",\"id\":\"1\"}",
        "\u0000\u0001binary"
      })
  void corruptInputIsAFailure(String value) {
    DebeziumEnvelope.Unwrapped unwrapped = DebeziumEnvelope.unwrap(bytes(value));
    DebeziumEnvelope.Failure failure = assertInstanceOf(DebeziumEnvelope.Failure.class, unwrapped);
    assertEquals(ConversionError.Reason.INVALID_INPUT, failure.error().reason());
  }

  @Test
  void envelopesThatBreakDebeziumsContractAreFailuresNamingTheField() {
    assertFailure(envelope("x", "null", "{\"id\":1}"), "op", "not one of c, r, u, d, t");
    assertFailure(
        envelope("u", "{\"id\":1}", "null"), "after", "update event (op 'u') has no 'after'");
    assertFailure(envelope("c", "null", "null"), "after", "no 'after'");
    assertFailure(envelope("d", "null", "null"), "before", "no 'before'");
    assertFailure(envelope("c", "null", "[1]"), "after", "not a JSON object");
    assertFailure("{\"op\":\"c\",\"after\":{\"id\":1}}", "source", "no 'source'");
    assertFailure(wrapped("c", "null", "{\"id\":\"one\"}"), "id", "int64");
    assertFailure(
        "{\"schema\":{\"type\":\"struct\",\"fields\":[]},\"payload\":"
            + envelope("c", "null", "{\"id\":1}")
            + "}",
        "after",
        "schema has no 'after' field");
  }

  @Test
  void deleteRowIsTheBeforeImage() {
    // Given a delete with only the key in its before image (REPLICA IDENTITY DEFAULT)
    DebeziumEnvelope.Change change =
        (DebeziumEnvelope.Change)
            DebeziumEnvelope.unwrap(bytes(wrapped("d", "{\"id\":9}", "null")));

    // Then the row is the before image
    assertTrue(change.isDelete());
    ConvertedStruct row = ((RowImage.Typed) change.row()).value();
    assertEquals(9L, row.get("id"));
    assertNull(row.get("amount"));
  }

  @Test
  void keyWithSchemaOfTwoColumnsNamesBothInOrder() {
    // Given a composite key with its schema
    String key =
        "{\"schema\":{\"type\":\"struct\",\"name\":\"k\",\"optional\":false,\"fields\":["
            + "{\"field\":\"region\",\"type\":\"string\",\"optional\":false},"
            + "{\"field\":\"name\",\"type\":\"string\",\"optional\":false}]},"
            + "\"payload\":{\"region\":\"eu\",\"name\":\"ada\"}}";

    // When it is read
    DebeziumKey.Key read = assertInstanceOf(DebeziumKey.Key.class, DebeziumKey.key(bytes(key)));

    // Then both columns are named in key order with their values
    assertEquals(List.of("region", "name"), read.fieldNames());
    assertEquals("eu", ((RowImage.Typed) read.fields()).value().get("region"));
    assertEquals(
        List.of("b", "a"),
        ((DebeziumKey.Key) DebeziumKey.key(bytes("{\"b\":1,\"a\":2}"))).fieldNames());
    assertInstanceOf(DebeziumKey.Failure.class, DebeziumKey.key(bytes("not json")));
    assertInstanceOf(DebeziumKey.Failure.class, DebeziumKey.key(bytes("17")));
  }

  private static void assertFailure(String value, String field, String messagePart) {
    DebeziumEnvelope.Unwrapped unwrapped = DebeziumEnvelope.unwrap(bytes(value));
    DebeziumEnvelope.Failure failure =
        assertInstanceOf(DebeziumEnvelope.Failure.class, unwrapped, value);
    assertEquals(field, failure.error().field(), failure.message());
    assertTrue(failure.message().contains(messagePart), failure.message());
  }
}
