package io.floe.schema.internal.jsonschema;

import static io.floe.schema.internal.jsonschema.JsonSchemaDecoderTest.decode;
import static io.floe.schema.internal.jsonschema.JsonSchemaDecoderTest.decoder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.schema.ConversionError;
import io.floe.schema.ConversionError.Reason;
import io.floe.schema.ConversionResult;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Records that do not fit their schema fail as values naming the field; nothing throws. */
class JsonSchemaInvalidInputTest {

  private static final JsonSchemaDecoder ORDER =
      decoder(
          """
          {"type": "object", "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "price": {"type": "number"},
            "paid": {"type": "boolean"},
            "placed": {"type": "string", "format": "date-time"},
            "day": {"type": "string", "format": "date"},
            "ref": {"type": "string", "format": "uuid"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "labels": {"type": "object", "additionalProperties": {"type": "integer"}},
            "customer": {"type": "object", "properties": {
              "address": {"type": "object", "properties": {"zip": {"type": "integer"}}}}},
            "code": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            "extra": {"type": "object"}
          }}
          """);

  @Test
  void aStringForAnIntegerFailsNamingTheFieldTheTypeAndWhatWasFound() {
    // Given a record with a string where an integer is declared
    String json = "{\"id\": \"42\"}";

    // When it is decoded
    ConversionError error = failure(ORDER, json);

    // Then it fails as invalid input naming the field, the schema type and what the record has
    assertEquals(Reason.INVALID_INPUT, error.reason());
    assertEquals("id", error.field());
    assertEquals(
        "field 'id' is an integer (long) in the schema, but the record has a string",
        error.message());
  }

  @Test
  void aFractionForAnIntegerFails() {
    // Given a record with 2.5 where an integer is declared
    ConversionError error = failure(ORDER, "{\"id\": 2.5}");

    // Then it names the number and that it is not an integer
    assertEquals(Reason.INVALID_INPUT, error.reason());
    assertEquals("id", error.field());
    assertEquals(
        "field 'id' is an integer (long) in the schema, but the record has the number 2.5, which is"
            + " not an integer",
        error.message());
  }

  @Test
  void wrongTypesFailAtEveryKindOfField() {
    // Given records with a value of the wrong JSON type in each kind of field, nested ones included
    // When they are decoded, then each fails naming the field's path and both types
    assertFailure(
        "name", "is a string in the schema, but the record has an integer", "{\"name\": 5}");
    assertFailure(
        "price",
        "is a number (double) in the schema, but the record has a string",
        "{\"price\": \"1.5\"}");
    assertFailure(
        "paid", "is a boolean in the schema, but the record has a string", "{\"paid\": \"true\"}");
    assertFailure(
        "tags",
        "is an array (list) in the schema, but the record has a string",
        "{\"tags\": \"a\"}");
    assertFailure(
        "tags.element",
        "is a string in the schema, but the record has an object",
        "{\"tags\": [\"a\", {}]}");
    assertFailure(
        "labels.value",
        "is an integer (long) in the schema, but the record has a boolean",
        "{\"labels\": {\"a\": true}}");
    assertFailure(
        "customer.address.zip",
        "is an integer (long) in the schema, but the record has a string",
        "{\"customer\": {\"address\": {\"zip\": \"75001\"}}}");
    assertFailure(
        "customer",
        "is an object (struct) in the schema, but the record has an array",
        "{\"customer\": []}");
    assertFailure("code", "but the record has a boolean", "{\"code\": true}");
    assertFailure(
        "extra",
        "is an object (kept as JSON text) in the schema, but the record has a string",
        "{\"extra\": \"{}\"}");
  }

  @Test
  void stringsNotOfTheirFormatFail() {
    // Given records with strings that are not of their property's format
    // When they are decoded, then each fails naming the format
    assertFailure("placed", "not an RFC 3339 date-time", "{\"placed\": \"yesterday\"}");
    assertFailure(
        "placed", "not an RFC 3339 date-time", "{\"placed\": \"+12024-05-01T00:00:00Z\"}");
    assertFailure("day", "not an RFC 3339 full-date", "{\"day\": \"2024-02-30\"}");
    assertFailure("ref", "not a UUID", "{\"ref\": \"1-2-3-4-5\"}");
  }

  @Test
  void aTopLevelValueOfTheWrongTypeFails() {
    // Given an array where the schema declares an object
    ConversionError error = failure(ORDER, "[1, 2]");

    // Then the failure is about the whole value
    assertEquals(Reason.INVALID_INPUT, error.reason());
    assertEquals("", error.field());
    assertEquals(
        "the value is an object (struct) in the schema, but the record has an array",
        error.message());
  }

  @Test
  void malformedJsonFailsNamingTheFieldBeingRead() {
    // Given truncated JSON, JSON with a syntax error inside a field, and invalid JSON tokens
    ConversionError truncated = failure(ORDER, "{\"name\": \"Ada\", \"tags\": [\"a\"");
    ConversionError broken = failure(ORDER, "{\"customer\": {\"address\": {\"zip\" 1}}}");
    ConversionError nan = failure(ORDER, "{\"price\": NaN}");

    // Then each is invalid input, and names the field where the JSON broke
    assertEquals(Reason.INVALID_INPUT, truncated.reason());
    assertEquals("tags", truncated.field());
    assertTrue(truncated.message().contains("invalid JSON"), truncated.message());
    assertEquals("customer.address", broken.field());
    assertTrue(broken.message().contains("line 1, column"), broken.message());
    assertEquals(Reason.INVALID_INPUT, nan.reason());
  }

  @Test
  void malformedJsonInSkippedPropertiesFails() {
    // Given an unknown property whose value is malformed
    ConversionError error = failure(ORDER, "{\"unknown\": [1, 2}, \"id\": 1}");

    // Then the record still fails: the skipped value is not JSON
    assertEquals(Reason.INVALID_INPUT, error.reason());
    assertTrue(error.message().contains("invalid JSON"), error.message());
  }

  @Test
  void trailingDataAndEmptyValuesFail() {
    // Given a value followed by more content, a second value, and an empty value
    ConversionError garbage = failure(ORDER, "{\"id\": 1} x");
    ConversionError twoValues = failure(ORDER, "{\"id\": 1} {\"id\": 2}");
    ConversionError empty = failure(ORDER, "  ");

    // Then each is invalid input about the whole value
    assertEquals(Reason.INVALID_INPUT, garbage.reason());
    assertEquals("", garbage.field());
    assertTrue(twoValues.message().contains("more content after the value"), twoValues.message());
    assertEquals("the value is empty, not JSON", empty.message());
  }

  @Test
  void jsonNotInUtf8Fails() {
    // Given a record encoded as UTF-16, which Jackson would otherwise detect and read
    byte[] utf16 = "{\"id\": 1, \"extra\": {}}".getBytes(StandardCharsets.UTF_16BE);

    // When it is decoded
    ConversionResult result = ORDER.decode(utf16, 0, utf16.length);

    // Then it fails as invalid input: Kafka's JSON is UTF-8
    assertFalse(result.isConverted());
    assertEquals(Reason.INVALID_INPUT, result.error().reason());
    assertTrue(result.error().message().contains("not UTF-8"), result.error().message());
  }

  @Test
  void numbersBeyondTheirColumnsRangeAreUnsupported() {
    // Given an integer beyond the long range, written plainly and with an exponent, and a number
    // beyond the double range
    ConversionError big = failure(ORDER, "{\"id\": 9223372036854775808}");
    ConversionError exponent = failure(ORDER, "{\"id\": 1e19}");
    ConversionError huge = failure(ORDER, "{\"price\": 1e400}");

    // Then each is unsupported: valid JSON that the column cannot hold
    assertEquals(Reason.UNSUPPORTED, big.reason());
    assertEquals("id", big.field());
    assertTrue(big.message().contains("beyond the long range"), big.message());
    assertEquals(Reason.UNSUPPORTED, exponent.reason());
    assertEquals(Reason.UNSUPPORTED, huge.reason());
    assertTrue(huge.message().contains("beyond the double range"), huge.message());
  }

  @Test
  void theLongRangeEdgesAreIntegers() {
    // Given the smallest and largest longs, the largest written with a zero fraction
    ConversionResult min = decode(ORDER, "{\"id\": -9223372036854775808}");
    ConversionResult max = decode(ORDER, "{\"id\": 9223372036854775807.0}");

    // Then both decode
    assertEquals(Long.MIN_VALUE, ((io.floe.schema.ConvertedStruct) min.value()).get("id"));
    assertEquals(Long.MAX_VALUE, ((io.floe.schema.ConvertedStruct) max.value()).get("id"));
  }

  @Test
  void arbitraryBytesNeverThrow() {
    // Given random corruptions of a valid record
    byte[] valid =
        ("{\"id\": 1, \"name\": \"Ada\", \"tags\": [\"a\", \"b\"], \"labels\": {\"x\": 1},"
                + " \"customer\": {\"address\": {\"zip\": 1}}, \"code\": \"c\", \"extra\": {\"k\":"
                + " [1]}}")
            .getBytes(StandardCharsets.UTF_8);
    Random random = new Random(42);

    // When each is decoded, then it converts or fails as a value
    for (int i = 0; i < 20_000; i++) {
      byte[] bytes = valid.clone();
      int changes = 1 + random.nextInt(3);
      for (int c = 0; c < changes; c++) {
        bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
      }
      int length = random.nextInt(bytes.length + 1);
      ConversionResult result = ORDER.decode(bytes, 0, length);
      if (!result.isConverted()) {
        assertFalse(result.error().message().isEmpty());
      }
    }
  }

  private static void assertFailure(String field, String expected, String json) {
    ConversionError error = failure(ORDER, json);
    assertEquals(Reason.INVALID_INPUT, error.reason(), error.toString());
    assertEquals(field, error.field(), error.toString());
    assertTrue(
        error.message().startsWith("field '" + field + "' ") && error.message().contains(expected),
        error.message());
  }

  private static ConversionError failure(JsonSchemaDecoder decoder, String json) {
    ConversionResult result = decode(decoder, json);
    assertFalse(result.isConverted(), () -> "expected a failure, got " + result.value());
    return result.error();
  }
}
