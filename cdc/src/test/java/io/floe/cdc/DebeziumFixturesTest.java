package io.floe.cdc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.floe.schema.ConversionResult;
import io.floe.schema.ConvertedStruct;
import io.floe.schema.ConverterConfig.ConvertType;
import io.floe.schema.Placement;
import io.floe.schema.RecordBuilder;
import io.floe.schema.ValueConverters;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.stream.Stream;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.types.TypeUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every change event captured from Debezium 3.6.3 against PostgreSQL 15 (JsonConverter, with and
 * without schemas; decimal.handling.mode=string, so {@code balance} is text in both) unwraps to its
 * operation, key and row. Each capture is read twice: the value alone ({@code .value.json}) and
 * from the record dump ({@code .json}: destination, key, value).
 */
class DebeziumFixturesTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** What each capture holds: op, key id, and the row image's email, balance and updated_at. */
  private record Expected(
      String name,
      Operation op,
      boolean schemas,
      int id,
      String email,
      String balance,
      String updatedAt) {}

  private static Stream<Arguments> changeEvents() {
    List<Expected> expected =
        List.of(
            new Expected(
                "insert-schemas-true",
                Operation.CREATE,
                true,
                100,
                "ada@example.com",
                "12.50",
                "2026-11-25T05:14:23.995819Z"),
            new Expected(
                "update-schemas-true",
                Operation.UPDATE,
                true,
                100,
                "ada@lovelace.org",
                "99.99",
                "2026-11-25T05:14:23.995819Z"),
            new Expected(
                "delete-schemas-true",
                Operation.DELETE,
                true,
                100,
                "ada@lovelace.org",
                "99.99",
                "2026-11-25T05:14:23.995819Z"),
            new Expected(
                "insert-schemas-false",
                Operation.CREATE,
                false,
                200,
                "ada@example.com",
                "12.50",
                "2026-11-25T05:14:13.600488Z"),
            new Expected(
                "update-schemas-false",
                Operation.UPDATE,
                false,
                200,
                "ada@lovelace.org",
                "99.99",
                "2026-11-25T05:14:13.600488Z"),
            new Expected(
                "delete-schemas-false",
                Operation.DELETE,
                false,
                200,
                "ada@lovelace.org",
                "99.99",
                "2026-11-25T05:14:13.600488Z"));
    return expected.stream()
        .flatMap(
            e ->
                Stream.of(
                    Arguments.of(e.name() + ".value.json", e),
                    Arguments.of(e.name() + ".json", e)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("changeEvents")
  void changeEventUnwrapsToItsOperationSourceAndRow(String file, Expected expected) throws Exception {
    // Given a captured change event
    byte[] value = valueOf(file);

    // When it is unwrapped
    DebeziumEnvelope.Unwrapped unwrapped = DebeziumEnvelope.unwrap(value);

    // Then it is a change of the captured op, from shop.public.customers
    DebeziumEnvelope.Change change =
        assertInstanceOf(DebeziumEnvelope.Change.class, unwrapped, unwrapped::toString);
    assertEquals(expected.op(), change.op());
    assertEquals(expected.op() == Operation.DELETE, change.isDelete());
    Source source = change.source();
    assertEquals("postgresql", source.connector());
    assertEquals("shop", source.db());
    assertEquals("public", source.schema());
    assertEquals("customers", source.table());
    assertEquals("false", source.snapshot());
    assertTrue(source.lsn() > 26_000_000L, "lsn " + source.lsn());
    assertTrue(Long.parseLong(source.txId()) >= 728, "txId " + source.txId());
    assertTrue(change.tsMs() > source.tsMs());

    // And its row is the after image (the before image for a delete), typed by the schema when
    // the event had one
    if (expected.schemas()) {
      RowImage.Typed row = assertInstanceOf(RowImage.Typed.class, change.row());
      assertEquals(
          "struct<1: id: optional int, 2: name: optional string, 3: email: optional string,"
              + " 4: balance: optional string, 5: updated_at: optional timestamptz>",
          row.type().toString());
      ConvertedStruct struct = row.value();
      assertEquals(expected.id(), struct.get("id"));
      assertEquals("Ada", struct.get("name"));
      assertEquals(expected.email(), struct.get("email"));
      assertEquals(expected.balance(), struct.get("balance"));
      assertEquals(OffsetDateTime.parse(expected.updatedAt()), struct.get("updated_at"));
    } else {
      RowImage.Json row = assertInstanceOf(RowImage.Json.class, change.row());
      // the row as the event held it: compare its JSON, not its spacing
      assertEquals(
          ConnectSchemaDecoder.JSON.readTree(String.format(
              "{\"id\":%d,\"name\":\"Ada\",\"email\":\"%s\",\"balance\":\"%s\",\"updated_at\":\"%s\"}",
              expected.id(), expected.email(), expected.balance(), expected.updatedAt())),
          ConnectSchemaDecoder.JSON.readTree(row.json()));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("changeEvents")
  void changeEventKeyNamesThePrimaryKey(String file, Expected expected) {
    if (!file.endsWith(".value.json")) {
      // Given the key of a captured record
      byte[] key = keyOf(file);

      // When it is read
      DebeziumKey.Result result = DebeziumKey.key(key);

      // Then it names the primary key column and holds its value
      DebeziumKey.Key read = assertInstanceOf(DebeziumKey.Key.class, result, result::toString);
      assertEquals(List.of("id"), read.fieldNames());
      if (expected.schemas()) {
        RowImage.Typed fields = assertInstanceOf(RowImage.Typed.class, read.fields());
        assertEquals(expected.id(), fields.value().get("id"));
      } else {
        assertEquals(
            "{\"id\":" + expected.id() + "}",
            assertInstanceOf(RowImage.Json.class, read.fields()).text());
      }
    }
  }

  @Test
  void typedRowLandsInARowOfItsSchema() {
    // Given the typed after image of the captured insert
    DebeziumEnvelope.Change change =
        (DebeziumEnvelope.Change)
            DebeziumEnvelope.unwrap(valueOf("insert-schemas-true.value.json"));
    RowImage.Typed row = (RowImage.Typed) change.row();

    // When it is put into a row of a table created from the decoder's type
    RecordBuilder builder =
        RecordBuilder.forSchema(
            TypeUtil.assignIncreasingFreshIds(
                new Schema(row.type().fields())));
    GenericRecord record = builder.newRow();
    assertTrue(builder.put(record, Placement.flattened(), row.value()).isEmpty());

    // Then every column holds the captured value
    assertEquals(100, record.getField("id"));
    assertEquals("Ada", record.getField("name"));
    assertEquals("ada@example.com", record.getField("email"));
    assertEquals("12.50", record.getField("balance"));
    assertEquals(
        OffsetDateTime.parse("2026-11-25T05:14:23.995819Z"), record.getField("updated_at"));
  }

  @Test
  void schemalessRowConvertsWithFloesJsonConverter() {
    // Given the schemaless after image of the captured update
    DebeziumEnvelope.Change change =
        (DebeziumEnvelope.Change)
            DebeziumEnvelope.unwrap(valueOf("update-schemas-false.value.json"));
    byte[] json = ((RowImage.Json) change.row()).json();

    // When Floe's schemaless JSON converter converts it
    ConversionResult result =
        ValueConverters.create(ConvertType.JSON, Placement.flattened()).convert(json);

    // Then its fields are the row's columns
    ConvertedStruct struct = (ConvertedStruct) result.value();
    assertEquals(200L, struct.get("id"));
    assertEquals("ada@lovelace.org", struct.get("email"));
    assertEquals("99.99", struct.get("balance"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "tombstone-schemas-true.value.json",
        "tombstone-schemas-false.value.json",
        "tombstone-schemas-true.json",
        "tombstone-schemas-false.json"
      })
  void tombstoneIsTombstone(String file) {
    // Given a captured tombstone (a JSON null value, or a Kafka null)
    byte[] value = valueOf(file);

    // When it is unwrapped
    DebeziumEnvelope.Unwrapped unwrapped = DebeziumEnvelope.unwrap(value);

    // Then it is a tombstone, and so is a Kafka null value
    assertInstanceOf(DebeziumEnvelope.Tombstone.class, unwrapped);
    assertInstanceOf(DebeziumEnvelope.Tombstone.class, DebeziumEnvelope.unwrap(null));
    assertInstanceOf(DebeziumEnvelope.Tombstone.class, DebeziumEnvelope.unwrap(null, 0, 0));
  }

  @ParameterizedTest
  @ValueSource(strings = {"tombstone-schemas-true.json", "tombstone-schemas-false.json"})
  void tombstoneKeyStillNamesTheDeletedRow(String file) {
    // Given the key of a captured tombstone
    DebeziumKey.Result key = DebeziumKey.key(keyOf(file));

    // Then it names the id column
    assertEquals(List.of("id"), assertInstanceOf(DebeziumKey.Key.class, key).fieldNames());
  }

  @Test
  void wrappedNullPayloadIsTombstoneAndNullKeyIsNoKey() {
    assertInstanceOf(
        DebeziumEnvelope.Tombstone.class,
        DebeziumEnvelope.unwrap(bytes("{\"schema\":null,\"payload\":null}")));
    assertInstanceOf(DebeziumKey.NoKey.class, DebeziumKey.key(null));
    assertInstanceOf(DebeziumKey.NoKey.class, DebeziumKey.key(bytes("null")));
  }

  static byte[] valueOf(String file) {
    byte[] bytes = resource(file);
    if (file.endsWith(".value.json")) {
      return bytes;
    }
    return part(bytes, "value");
  }

  static byte[] keyOf(String file) {
    return part(resource(file), "key");
  }

  private static byte[] part(byte[] dump, String name) {
    try {
      JsonNode node = JSON.readTree(dump).get(name);
      return node.isNull() ? null : JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] resource(String file) {
    try (InputStream in =
        DebeziumFixturesTest.class.getResourceAsStream("/debezium-postgres/" + file)) {
      assertTrue(in != null, "missing test resource " + file);
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] bytes(String text) {
    return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }
}
