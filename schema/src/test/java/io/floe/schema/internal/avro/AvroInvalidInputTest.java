package io.floe.schema.internal.avro;

import static io.floe.schema.internal.avro.AvroSchemaDecoderTest.decode;
import static io.floe.schema.internal.avro.AvroSchemaDecoderTest.encode;
import static io.floe.schema.internal.avro.AvroSchemaDecoderTest.parse;
import static io.floe.schema.internal.avro.AvroSchemaDecoderTest.user;
import static io.floe.schema.internal.avro.AvroSchemaDecoderTest.userSchema;
import static io.floe.schema.internal.avro.AvroSchemaDecoderTest.written;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.floe.schema.ConversionError;
import io.floe.schema.ConversionResult;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.LocalTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** Bytes that are not a record of the writer schema fail the record; they never throw. */
class AvroInvalidInputTest {

  private static final Schema EVENT =
      parse(
          """
          {"type": "record", "name": "Event", "fields": [
            {"name": "id", "type": "long"},
            {"name": "user", "type": {"type": "record", "name": "User", "fields": [
              {"name": "name", "type": "string"},
              {"name": "address", "type": {"type": "record", "name": "Address", "fields": [
                {"name": "street", "type": "string"}
              ]}}
            ]}},
            {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["A", "B"]}},
            {"name": "note", "type": ["null", "string"]},
            {"name": "tags", "type": {"type": "array", "items": "string"}},
            {"name": "attributes", "type": {"type": "map", "values": "long"}},
            {"name": "payload", "type": "bytes"},
            {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 4, "scale": 2}},
            {"name": "ref", "type": {"type": "string", "logicalType": "uuid"}},
            {"name": "at", "type": {"type": "int", "logicalType": "time-millis"}}
          ]}\
          """);

  private final AvroSchemaDecoder decoder = AvroSchemaDecoder.forSchema(EVENT);

  @Test
  void everyTruncationFailsAsInvalidInput() {
    // Given a valid record
    byte[] full = encode(EVENT, event());
    assertTrue(decode(decoder, full).isConverted());

    // When every proper prefix of it is decoded, then each fails as invalid input with a message
    for (int length = 0; length < full.length; length++) {
      ConversionResult result = decoder.decode(full, 0, length);
      assertFalse(result.isConverted(), "a prefix of " + length + " bytes must not convert");
      assertEquals(ConversionError.Reason.INVALID_INPUT, result.error().reason());
      assertFalse(result.error().message().isEmpty());
    }
  }

  @Test
  void aTruncatedNestedFieldIsNamedByItsPath() {
    // Given a record cut inside user.address.street
    Schema schema = userSchema();
    byte[] full = encode(schema, user(schema, "ada", "a long street name", null));
    int cut = indexOf(full, "long".getBytes(StandardCharsets.US_ASCII));

    // When it is decoded
    ConversionResult result = AvroSchemaDecoder.forSchema(schema).decode(full, 0, cut);

    // Then the failure names the field and says the input ended
    assertInvalid(result, "address.street", "ends inside it");
  }

  @Test
  void bytesLeftOverAfterTheRecordFailIt() {
    // Given a valid record followed by garbage (e.g. a record of another schema)
    byte[] full = encode(EVENT, event());
    byte[] longer = Arrays.copyOf(full, full.length + 3);

    // When it is decoded
    ConversionResult result = decode(decoder, longer);

    // Then it fails about the whole value
    assertInvalid(result, "", "3 bytes are left over");
  }

  @Test
  void unionBranchIndexesOutOfRangeFail() {
    // Given a two-branch union written with branch 5 and with branch -1, and a union of one
    // non-null type written with branch -1
    AvroSchemaDecoder notes = AvroSchemaDecoder.forSchema(oneField("[\"null\", \"string\"]"));
    AvroSchemaDecoder single = AvroSchemaDecoder.forSchema(oneField("[\"string\"]"));
    byte[] five = written(e -> e.writeIndex(5));
    byte[] negative = written(e -> e.writeInt(-1));

    // When they are decoded, then each fails naming the union's field
    assertInvalid(
        decode(notes, five), "f", "union branch 5 does not exist, the union has 2 branches");
    assertInvalid(decode(notes, negative), "f", "union branch -1 does not exist");
    assertInvalid(
        decode(single, negative), "f", "union branch -1 does not exist, the union has 1 branch");
  }

  @Test
  void multiBranchUnionIndexesOutOfRangeFail() {
    // Given a three-branch union written with branch 3
    Schema schema =
        parse(
            "{\"type\": \"record\", \"name\": \"R\", \"fields\": [{\"name\": \"v\", \"type\":"
                + " [\"int\", \"string\", \"null\"]}]}");

    // When it is decoded, then it fails naming the field
    assertInvalid(
        decode(AvroSchemaDecoder.forSchema(schema), written(e -> e.writeIndex(3))),
        "v",
        "union branch 3");
  }

  @Test
  void enumIndexesOutOfRangeFail() {
    // Given an enum of two symbols written with index 9
    Schema schema =
        parse(
            "{\"type\": \"record\", \"name\": \"R\", \"fields\": [{\"name\": \"kind\", \"type\":"
                + " {\"type\": \"enum\", \"name\": \"K\", \"symbols\": [\"A\", \"B\"]}}]}");

    // When it is decoded, then it fails naming the field
    assertInvalid(
        decode(AvroSchemaDecoder.forSchema(schema), written(e -> e.writeEnum(9))),
        "kind",
        "enum index 9");
  }

  @Test
  void negativeLengthsFail() {
    // Given a string, a bytes field and an array each written with a negative length or count
    AvroSchemaDecoder strings = AvroSchemaDecoder.forSchema(oneField("\"string\""));
    AvroSchemaDecoder bytes = AvroSchemaDecoder.forSchema(oneField("\"bytes\""));
    AvroSchemaDecoder arrays =
        AvroSchemaDecoder.forSchema(oneField("{\"type\": \"array\", \"items\": \"int\"}"));
    // a negative count announces a block byte size, which must not be negative either
    byte[] badBlock =
        written(
            e -> {
              e.writeLong(-2);
              e.writeLong(-5);
            });

    // When they are decoded, then each fails naming the field
    assertInvalid(decode(strings, written(e -> e.writeLong(-3))), "f", "negative");
    assertInvalid(decode(bytes, written(e -> e.writeLong(-3))), "f", "its length -3 is negative");
    assertInvalid(decode(arrays, badBlock), "f", "negative");
  }

  @Test
  void hugeLengthsAndCountsFailWithoutAllocatingThem() {
    // Given lengths and counts of about 2^31 and 2^40 in a few bytes of input
    AvroSchemaDecoder strings = AvroSchemaDecoder.forSchema(oneField("\"string\""));
    AvroSchemaDecoder bytes = AvroSchemaDecoder.forSchema(oneField("\"bytes\""));
    AvroSchemaDecoder arrays =
        AvroSchemaDecoder.forSchema(oneField("{\"type\": \"array\", \"items\": \"long\"}"));
    AvroSchemaDecoder maps =
        AvroSchemaDecoder.forSchema(oneField("{\"type\": \"map\", \"values\": \"long\"}"));
    AvroSchemaDecoder emptyRecords =
        AvroSchemaDecoder.forSchema(
            oneField(
                "{\"type\": \"array\", \"items\": {\"type\": \"record\", \"name\": \"E\","
                    + " \"fields\": []}}"));
    long before = allocatedBytes();

    // When they are decoded
    ConversionResult string = decode(strings, written(e -> e.writeLong(Integer.MAX_VALUE - 8)));
    ConversionResult longString = decode(strings, written(e -> e.writeLong(1L << 31)));
    ConversionResult binary = decode(bytes, written(e -> e.writeLong(1L << 40)));
    ConversionResult binaryNearIntMax = decode(bytes, written(e -> e.writeLong(Integer.MAX_VALUE)));
    ConversionResult array = decode(arrays, written(e -> e.writeLong(1 << 30)));
    ConversionResult map = decode(maps, written(e -> e.writeLong(1 << 30)));
    ConversionResult empties = decode(emptyRecords, written(e -> e.writeLong(1 << 30)));
    long allocated = before < 0 ? -1 : allocatedBytes() - before;

    // Then each fails naming the field, and far less than the claimed sizes was allocated
    assertInvalid(string, "f", "ends inside it");
    assertInvalid(longString, "f", "corrupt");
    assertInvalid(binary, "f", "beyond the");
    assertInvalid(binaryNearIntMax, "f", "beyond the");
    assertInvalid(array, "f", "cannot fit");
    assertInvalid(map, "f", "cannot fit");
    assertInvalid(empties, "f", "more than the");
    if (allocated >= 0) {
      assertTrue(allocated < 16 << 20, "allocated " + allocated + " bytes");
    }
  }

  @Test
  void malformedNumbersFail() {
    // Given a long encoded in eleven bytes (at most ten are valid)
    byte[] bytes = new byte[11];
    Arrays.fill(bytes, (byte) 0xFF);
    AvroSchemaDecoder longs = AvroSchemaDecoder.forSchema(oneField("\"long\""));

    // When it is decoded, then it fails as corrupt
    assertInvalid(decode(longs, bytes), "f", "corrupt");
  }

  @Test
  void valuesTheLogicalTypeCannotHoldFail() {
    // Given a decimal(4, 2) holding 123.45, a uuid string that is no UUID, a time of 24:00 and a
    // decimal of no bytes, written as their underlying types
    GenericRecord wideDecimal = event();
    wideDecimal.put("price", ByteBuffer.wrap(BigInteger.valueOf(12345).toByteArray()));
    GenericRecord badUuid = event();
    badUuid.put("ref", "not-a-uuid");
    GenericRecord lateTime = event();
    lateTime.put("at", 86_400_000);
    GenericRecord noDecimalBytes = event();
    noDecimalBytes.put("price", ByteBuffer.allocate(0));

    // When they are decoded, then each fails naming its field
    assertInvalid(
        decode(decoder, encode(EVENT, wideDecimal)), "price", "5 digits, more than decimal(4, 2)");
    assertInvalid(decode(decoder, encode(EVENT, badUuid)), "ref", "uuid");
    assertInvalid(decode(decoder, encode(EVENT, lateTime)), "at", "not a time of day");
    assertInvalid(decode(decoder, encode(EVENT, noDecimalBytes)), "price", "at least one byte");
  }

  @Test
  void emptyInputFailsAndNullInputIsNull() {
    // Given no bytes at all, and a null array (a tombstone)
    // When they are decoded
    ConversionResult empty = decoder.decode(new byte[0], 0, 0);
    ConversionResult tombstone = decoder.decode(null, 0, 0);

    // Then the empty record fails at its first field; null is null
    assertInvalid(empty, "id", "ends inside it");
    assertTrue(tombstone.isConverted());
    assertNull(tombstone.value());
  }

  @Test
  void randomCorruptionNeverThrows() {
    // Given a valid record
    byte[] full = encode(EVENT, event());
    Random random = new Random(7);

    // When thousands of copies with random bytes changed, and cut at random lengths, are decoded
    for (int i = 0; i < 20_000; i++) {
      byte[] corrupt = full.clone();
      int changes = 1 + random.nextInt(4);
      for (int c = 0; c < changes; c++) {
        corrupt[random.nextInt(corrupt.length)] = (byte) random.nextInt(256);
      }
      int length = random.nextInt(4) == 0 ? random.nextInt(corrupt.length + 1) : corrupt.length;
      ConversionResult result;
      try {
        result = decoder.decode(corrupt, 0, length);
      } catch (RuntimeException e) {
        fail("decoding " + Arrays.toString(Arrays.copyOf(corrupt, length)) + " threw", e);
        return;
      }

      // Then each converts (the change made another valid record) or fails as invalid input
      if (!result.isConverted()) {
        assertEquals(ConversionError.Reason.INVALID_INPUT, result.error().reason());
      }
    }
  }

  private static GenericRecord event() {
    Schema userSchema = EVENT.getField("user").schema();
    GenericRecord address = new GenericData.Record(userSchema.getField("address").schema());
    address.put("street", "1 Main St");
    GenericRecord user = new GenericData.Record(userSchema);
    user.put("name", "ada");
    user.put("address", address);
    GenericRecord event = new GenericData.Record(EVENT);
    event.put("id", 42L);
    event.put("user", user);
    event.put("kind", new GenericData.EnumSymbol(EVENT.getField("kind").schema(), "B"));
    event.put("note", "hello");
    event.put("tags", List.of("x", "y"));
    event.put("attributes", Map.of("a", 1L));
    event.put("payload", ByteBuffer.wrap(new byte[] {1, 2, 3}));
    event.put("price", new BigDecimal("12.34"));
    event.put("ref", UUID.fromString("123e4567-e89b-12d3-a456-426614174000"));
    event.put("at", LocalTime.of(1, 2, 3));
    return event;
  }

  private static Schema oneField(String type) {
    return parse(
        "{\"type\": \"record\", \"name\": \"One\", \"fields\": [{\"name\": \"f\", \"type\": "
            + type
            + "}]}");
  }

  private static void assertInvalid(ConversionResult result, String field, String messagePart) {
    assertFalse(result.isConverted(), () -> "expected a failure, got " + result.value());
    ConversionError error = result.error();
    assertEquals(ConversionError.Reason.INVALID_INPUT, error.reason(), error::toString);
    assertEquals(field, error.field(), error::toString);
    String subject = field.isEmpty() ? "the value" : "field '" + field + "'";
    assertTrue(error.message().startsWith(subject), error::toString);
    assertTrue(error.message().contains(messagePart), error::toString);
  }

  private static int indexOf(byte[] bytes, byte[] part) {
    outer:
    for (int i = 0; i + part.length <= bytes.length; i++) {
      for (int j = 0; j < part.length; j++) {
        if (bytes[i + j] != part[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }

  /** Bytes this thread allocated so far, or -1 where the JVM cannot tell. */
  private static long allocatedBytes() {
    if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads
        && threads.isThreadAllocatedMemorySupported()
        && threads.isThreadAllocatedMemoryEnabled()) {
      return threads.getCurrentThreadAllocatedBytes();
    }
    return -1;
  }
}
