package io.floe.schema;

import static org.apache.iceberg.types.Types.NestedField.optional;
import static org.apache.iceberg.types.Types.NestedField.required;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.schema.ConversionError.Reason;
import io.floe.schema.ConverterConfig.ConvertType;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.iceberg.Schema;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;

class JsonInferenceTest {

  private final ValueConverter flattened =
      ValueConverters.create(ConvertType.JSON, Placement.flattened());

  @Test
  void objectsBecomeStructsArraysListsAndNumbersLongOrDouble() {
    // Given a flattening JSON converter and a table with no columns yet
    // When it converts a record with every kind of JSON value
    ConversionResult result =
        convert(
            flattened,
            "{\"id\": 1, \"price\": 9.5, \"name\": \"x\", \"ok\": true,"
                + " \"ts\": \"2024-01-01T00:00:00Z\","
                + " \"user\": {\"id\": 7, \"tags\": [\"a\", \"b\"]},"
                + " \"items\": [{\"sku\": \"s1\", \"qty\": 2}, {\"sku\": \"s2\", \"note\": \"n\"}],"
                + " \"matrix\": [[1, 2], [3]]}");

    // Then the columns are inferred: nested structs, lists of structs (the union of the elements'
    // fields), lists of lists, ISO-8601 text as a string; all optional
    assertTrue(result.isConverted(), () -> result.error().message());
    assertEquals(
        "id: long, price: double, name: string, ok: boolean, ts: string,"
            + " user: struct<id: long, tags: list<string>>,"
            + " items: list<struct<sku: string, qty: long, note: string>>,"
            + " matrix: list<list<long>>",
        TypeText.of(flattened.columns()));
    ConvertedStruct value = (ConvertedStruct) result.value();
    assertEquals(1L, value.get("id"));
    assertEquals(9.5, value.get("price"));
    assertEquals(Boolean.TRUE, value.get("ok"));
    assertEquals("2024-01-01T00:00:00Z", value.get("ts"));
    assertEquals(List.of("a", "b"), ((ConvertedStruct) value.get("user")).get("tags"));
    assertEquals(List.of(List.of(1L, 2L), List.of(3L)), value.get("matrix"));
  }

  @Test
  void pendingIntegersWidenToDoubleWhenAFractionArrives() {
    // Given a field first seen as an integer, not yet in the table
    convert(flattened, "{\"v\": 1}");

    // When a later record of the batch has a fraction for it
    ConversionResult result = convert(flattened, "{\"v\": 2.5}");

    // Then the column is inferred as double, and both records convert
    assertTrue(result.isConverted());
    assertEquals("v: double", TypeText.of(flattened.columns()));
  }

  @Test
  void newFieldsBecomeOptionalColumnsAfterTheTableOnes() {
    // Given a table that has the columns id and name
    flattened.useSchema(
        new Schema(
            required(1, "id", Types.LongType.get()), optional(2, "name", Types.StringType.get())));

    // When records without name and with a new field arrive
    ConversionResult result = convert(flattened, "{\"id\": 3, \"email\": \"a@b.c\"}");

    // Then the new field is an optional column; the table's columns keep their ids and types
    assertTrue(result.isConverted());
    assertEquals("id: required long, name: string, email: string", TypeText.of(flattened.columns()));
    assertEquals(1, flattened.columns().get(0).fieldId());
    assertNull(((ConvertedStruct) result.value()).get("name"));
  }

  @Test
  void nullsAndEmptyContainersCreateNoColumnUntilATypeIsSeen() {
    // Given records whose fields are null, [] and {}
    assertTrue(convert(flattened, "{\"a\": null, \"b\": [], \"c\": {}, \"d\": [null]}").isConverted());

    // Then no column exists yet: there is no evidence of a type
    assertEquals("", TypeText.of(flattened.columns()));

    // When a record gives each a value
    convert(flattened, "{\"a\": \"x\", \"b\": [1], \"c\": {\"e\": true}, \"d\": [1.5]}");

    // Then the columns appear with those types
    assertEquals(
        "a: string, b: list<long>, c: struct<e: boolean>, d: list<double>",
        TypeText.of(flattened.columns()));
  }

  @Test
  void aFractionForALongTableColumnIsAConflictNamingBothTypes() {
    // Given a table whose column v is long
    flattened.useSchema(new Schema(optional(1, "v", Types.LongType.get())));

    // When a record has a fraction for v, and another an integral number written as 3.0
    ConversionResult fraction = convert(flattened, "{\"v\": 2.5}");
    ConversionResult integral = convert(flattened, "{\"v\": 3.0}");

    // Then the fraction is a per-record conflict that says why; 3.0 is stored as 3
    assertEquals(Reason.TYPE_CONFLICT, fraction.error().reason());
    assertEquals("v", fraction.error().field());
    assertEquals(
        "field 'v' is long in the table, but the record has the number 2.5 (double)"
            + " (Iceberg cannot widen long to double)",
        fraction.error().message());
    assertEquals(3L, ((ConvertedStruct) integral.value()).get("v"));
    assertEquals("v: long", TypeText.of(flattened.columns()));
  }

  @Test
  void aStructThatBecomesAStringIsAConflict() {
    // Given a field inferred as a struct from an earlier record
    convert(flattened, "{\"user\": {\"id\": 1}}");

    // When a record has a string for it
    ConversionResult result = convert(flattened, "{\"user\": \"bob\"}");

    // Then the record fails with a message naming the field and both types
    assertEquals(Reason.TYPE_CONFLICT, result.error().reason());
    assertEquals(
        "field 'user' is struct<id: long> from earlier records, but the record has a string",
        result.error().message());
  }

  @Test
  void aStringForALongTableColumnIsAConflict() {
    // Given a table whose nested column order.n is long
    flattened.useSchema(
        new Schema(
            optional(
                1, "order", Types.StructType.of(optional(2, "n", Types.LongType.get())))));

    // When a record has a string for it
    ConversionResult result = convert(flattened, "{\"order\": {\"n\": \"5\"}}");

    // Then the record fails, naming the nested field
    assertEquals("order.n", result.error().field());
    assertEquals(
        "field 'order.n' is long in the table, but the record has a string",
        result.error().message());
  }

  @Test
  void arraysWidenMixedNumbersButRejectMixedKinds() {
    // When arrays mix integers and fractions, or numbers and strings
    ConversionResult numbers = convert(flattened, "{\"xs\": [1, 2.5]}");
    ConversionResult mixed = convert(flattened, "{\"ys\": [1, \"a\"]}");

    // Then numbers widen to double, and numbers with strings are a conflict on the element
    assertTrue(numbers.isConverted());
    assertEquals(List.of(1L, 2.5), ((ConvertedStruct) numbers.value()).get("xs"));
    assertEquals("ys.element", mixed.error().field());
    assertEquals(
        "field 'ys.element' is long from earlier records, but the record has a string",
        mixed.error().message());
    assertEquals("xs: list<double>", TypeText.of(flattened.columns()));
  }

  @Test
  void aFailedRecordLeavesNoTraceInTheInferredSchema() {
    // Given an inferred struct x
    convert(flattened, "{\"good\": 1, \"x\": {\"a\": 1}}");

    // When a record adds fields and widens a type, then conflicts further on
    ConversionResult result =
        convert(flattened, "{\"good\": 1.5, \"added\": 1, \"x\": {\"b\": [1]}, \"last\": {\"x\": 1}, \"x\": 2}");

    // Then it fails and none of its changes remain
    assertFalse(result.isConverted());
    assertEquals("good: long, x: struct<a: long>", TypeText.of(flattened.columns()));

    // And a later record with the same new field is fine
    assertTrue(convert(flattened, "{\"added\": \"now a string\"}").isConverted());
    assertEquals("good: long, x: struct<a: long>, added: string", TypeText.of(flattened.columns()));
  }

  @Test
  void integersBeyondLongBecomeDecimal38UnlessTheTableSaysLong() {
    // When a new field's first value does not fit a long
    ConversionResult big = convert(flattened, "{\"big\": 18446744073709551615}");
    ConversionResult small = convert(flattened, "{\"big\": 1}");

    // Then it is decimal(38, 0), which takes small integers too
    assertEquals(new BigDecimal("18446744073709551615"), ((ConvertedStruct) big.value()).get("big"));
    assertEquals(new BigDecimal(1), ((ConvertedStruct) small.value()).get("big"));
    assertEquals("big: decimal(38, 0)", TypeText.of(flattened.columns()));

    // But a long table column cannot take it, and 39 digits fit nothing
    flattened.useSchema(new Schema(optional(1, "n", Types.LongType.get())));
    ConversionResult tooBigForLong = convert(flattened, "{\"n\": 9223372036854775808}");
    ConversionResult tooBig = convert(flattened, "{\"m\": " + "9".repeat(39) + "}");
    assertEquals(
        "field 'n' is long in the table, but the record has the integer 9223372036854775808,"
            + " beyond the long range",
        tooBigForLong.error().message());
    assertEquals(Reason.UNSUPPORTED, tooBig.error().reason());
  }

  @Test
  void keysMatchColumnsIgnoringCaseAndDotsBecomeUnderscores() {
    // Given a table with the column userId
    flattened.useSchema(new Schema(optional(1, "userId", Types.LongType.get())));

    // When records spell it differently and use a dotted key
    ConversionResult result = convert(flattened, "{\"USERID\": 5, \"a.b\": 1}");
    ConversionResult twice = convert(flattened, "{\"userid\": 5, \"UserId\": 6}");
    ConversionResult sameAfterDots = convert(flattened, "{\"a.b\": 5, \"A_B\": 6}");

    // Then the value lands in userId, a.b names the column a_b, and two keys of one object that
    // land in the same column are an error rather than a silent overwrite
    assertEquals(5L, ((ConvertedStruct) result.value()).get("userId"));
    assertEquals("userId: long, a_b: long", TypeText.of(flattened.columns()));
    assertEquals(Reason.UNSUPPORTED, twice.error().reason());
    assertEquals(Reason.UNSUPPORTED, sameAfterDots.error().reason());
    assertTrue(twice.error().message().contains("'UserId' more than once"), twice.error().message());
  }

  @Test
  void flatteningNeedsAnObjectAtTheTopLevel() {
    // When flattened values are not objects
    ConversionResult array = convert(flattened, "[1, 2]");
    ConversionResult string = convert(flattened, "\"text\"");
    ConversionResult jsonNull = convert(flattened, "null");

    // Then they are errors, except null, which is a value like a tombstone
    assertEquals(Reason.UNSUPPORTED, array.error().reason());
    assertEquals(
        "flatten needs a JSON object at the top level, but the value is an array",
        array.error().message());
    assertEquals(Reason.UNSUPPORTED, string.error().reason());
    assertTrue(jsonNull.isConverted());
    assertNull(jsonNull.value());
    assertNull(flattened.convert(null).value());
  }

  @Test
  void withoutFlattenNonObjectJsonIsKeptAsTextAndObjectsAsAStruct() {
    // Given two value converters that do not flatten
    ValueConverter text = ValueConverters.create(ConvertType.JSON, Placement.column("_kafka_value"));
    ValueConverter struct = ValueConverters.create(ConvertType.JSON, Placement.column("_kafka_value"));

    // When the first sees an array, then an object; the second an object, then a number
    ConversionResult array = convert(text, " [1, 2] ");
    ConversionResult objectAsText = convert(text, "{\"a\": 1}");
    ConversionResult object = convert(struct, "{\"a\": 1}");
    ConversionResult number = convert(struct, "42");

    // Then the first column is a string of JSON text; the second a struct that rejects a number
    assertEquals("[1, 2]", array.value());
    assertEquals("{\"a\": 1}", objectAsText.value());
    assertEquals("_kafka_value: string", TypeText.of(text.columns()));
    assertInstanceOf(ConvertedStruct.class, object.value());
    assertEquals("_kafka_value: struct<a: long>", TypeText.of(struct.columns()));
    assertEquals(
        "field '_kafka_value' is struct<a: long> from earlier records, but the record has an"
            + " integer (long)",
        number.error().message());
  }

  @Test
  void invalidJsonIsAnInvalidInputError() {
    for (String bad : new String[] {"{\"a\":", "{\"a\": 1} x", "{\"a\": 1} {\"b\": 2}", "", "{'a': 1}"}) {
      // When the bytes are not one JSON value
      ConversionResult result = convert(flattened, bad);

      // Then the record fails as invalid input, and the schema is untouched
      assertEquals(Reason.INVALID_INPUT, result.error().reason(), bad);
      assertEquals("", TypeText.of(flattened.columns()), bad);
    }
  }

  @Test
  void flattenedValuesCannotWriteFloesRecordMetadataColumns() {
    // Given a table with Floe's metadata column
    flattened.useSchema(
        new Schema(
            optional(1, "_kafka_metadata", Types.StructType.of(optional(2, "offset", Types.LongType.get())))));

    // When values have fields with reserved names
    ConversionResult existing = convert(flattened, "{\"_kafka_metadata\": {\"offset\": 1}}");
    ConversionResult added = convert(flattened, "{\"_CDC\": 1}");

    // Then they are errors, and the reserved column is not one of the value's columns
    assertEquals(Reason.UNSUPPORTED, existing.error().reason());
    assertEquals(Reason.UNSUPPORTED, added.error().reason());
    assertEquals("", TypeText.of(flattened.columns()));
  }

  @Test
  void aNullOrMissingValueMakesARequiredColumnOptional() {
    // Given a table with required columns, one nested
    flattened.useSchema(
        new Schema(
            required(1, "id", Types.LongType.get()),
            optional(2, "s", Types.StructType.of(required(3, "x", Types.LongType.get()))),
            required(4, "kept", Types.LongType.get())));

    // When a record has null for id and lacks s.x
    ConversionResult result = convert(flattened, "{\"id\": null, \"s\": {}, \"kept\": 1}");

    // Then both columns are needed as optional; kept stays required
    assertTrue(result.isConverted());
    assertEquals("id: long, s: struct<x: long>, kept: required long", TypeText.of(flattened.columns()));
  }

  @Test
  void columnsAUserPreCreatedTakeTheirOwnTypes() {
    // Given a table a user created with types JSON does not infer
    flattened.useSchema(
        new Schema(
            optional(1, "ts", Types.TimestampType.withZone()),
            optional(2, "local", Types.TimestampType.withoutZone()),
            optional(3, "day", Types.DateType.get()),
            optional(4, "id", Types.UUIDType.get()),
            optional(5, "amount", Types.DecimalType.of(10, 2)),
            optional(6, "attrs", Types.MapType.ofOptional(7, 8, Types.StringType.get(), Types.StringType.get())),
            optional(9, "small", Types.IntegerType.get()),
            optional(10, "ratio", Types.FloatType.get())));
    UUID uuid = UUID.randomUUID();

    // When a record has JSON values for them
    ConversionResult result =
        convert(
            flattened,
            "{\"ts\": \"2024-05-01T12:00:00+02:00\", \"local\": \"2024-05-01T12:00:00\","
                + " \"day\": \"2024-05-01\", \"id\": \"" + uuid + "\", \"amount\": 12.5,"
                + " \"attrs\": {\"k\": \"v\", \"dynamic-key-1\": \"w\"}, \"small\": 5, \"ratio\": 0.5}");

    // Then each value is converted to the column's type, and no column changes
    assertTrue(result.isConverted(), () -> result.error().message());
    ConvertedStruct value = (ConvertedStruct) result.value();
    assertEquals(OffsetDateTime.of(2024, 5, 1, 10, 0, 0, 0, ZoneOffset.UTC), value.get("ts"));
    assertEquals(LocalDate.of(2024, 5, 1), value.get("day"));
    assertEquals(uuid, value.get("id"));
    assertEquals(new BigDecimal("12.50"), value.get("amount"));
    assertEquals(Map.of("k", "v", "dynamic-key-1", "w"), value.get("attrs"));
    assertEquals(5, value.get("small"));
    assertEquals(0.5f, value.get("ratio"));
    String before = TypeText.of(flattened.columns());

    // And values that need more widen as Iceberg allows, or conflict when it cannot
    assertTrue(convert(flattened, "{\"small\": 3000000000, \"ratio\": 0.1}").isConverted());
    ConversionResult scale = convert(flattened, "{\"amount\": 1.234}");
    ConversionResult notADate = convert(flattened, "{\"day\": \"yesterday\"}");
    assertEquals(
        before.replace("small: int", "small: long").replace("ratio: float", "ratio: double"),
        TypeText.of(flattened.columns()));
    assertEquals(Reason.TYPE_CONFLICT, scale.error().reason());
    assertTrue(scale.error().message().contains("cannot change a decimal's scale"));
    assertEquals(
        "field 'day' is date in the table, but the record has a string that is not an ISO-8601 date",
        notADate.error().message());
  }

  @Test
  void tooManyDistinctKeysStopAddingColumns() {
    // When one record has more keys than the column limit
    String wide =
        IntStream.range(0, 1_001)
            .mapToObj(i -> "\"k" + i + "\": " + i)
            .collect(Collectors.joining(", ", "{", "}"));
    ConversionResult result = convert(flattened, wide);

    // Then it fails without adding any column
    assertEquals(Reason.UNSUPPORTED, result.error().reason());
    assertTrue(result.error().message().contains("map<string, ...>"));
    assertEquals("", TypeText.of(flattened.columns()));
  }

  @Test
  void aSchemaChangeIsNeededOnlyWhenRecordsNeedMoreThanTheTableHas() {
    // Given a table with a long column
    flattened.useSchema(new Schema(optional(1, "a", Types.LongType.get())));

    // When records fit it, carry untyped new fields, or conflict
    convert(flattened, "{\"a\": 1, \"b\": null, \"c\": []}");
    convert(flattened, "{\"a\": 2.0}");
    convert(flattened, "{\"a\": 1.5, \"e\": 1}");

    // Then no change is needed
    assertFalse(flattened.needsSchemaChange());

    // When a record has a typed new field
    convert(flattened, "{\"d\": \"x\"}");

    // Then a change is needed until the converter is bound to a table that has it
    assertTrue(flattened.needsSchemaChange());
    flattened.useSchema(
        new Schema(optional(1, "a", Types.LongType.get()), optional(2, "d", Types.StringType.get())));
    assertFalse(flattened.needsSchemaChange());
  }

  @Test
  void deepNestingConvertsUpToJacksonsLimitAndFailsAsInvalidInputBeyond() {
    // When values nest 500 and 1,500 levels deep
    ConversionResult deep = convert(flattened, "{\"a\": ".repeat(500) + "1" + "}".repeat(500));
    ValueConverter other = ValueConverters.create(ConvertType.JSON, Placement.flattened());
    ConversionResult tooDeep = convert(other, "{\"a\": ".repeat(1_500) + "1" + "}".repeat(1_500));

    // Then the first converts; the second fails as a value, not a StackOverflowError
    assertTrue(deep.isConverted());
    assertEquals(Reason.INVALID_INPUT, tooDeep.error().reason());
    assertEquals("", TypeText.of(other.columns()));
  }

  @Test
  void aSliceOfALargerArrayIsConverted() {
    // Given a record's bytes inside a larger buffer
    byte[] buffer = "xx{\"a\": [1]}yy".getBytes(StandardCharsets.UTF_8);
    ValueConverter text = ValueConverters.create(ConvertType.JSON, Placement.column("v"));

    // When only the slice is converted
    ConversionResult struct = flattened.convert(buffer, 2, buffer.length - 4);
    ConversionResult asText = text.convert("xx[1, 2]yy".getBytes(StandardCharsets.UTF_8), 2, 6);

    // Then the bytes around it are ignored
    assertEquals(List.of(1L), ((ConvertedStruct) struct.value()).get("a"));
    assertEquals("[1, 2]", asText.value());
  }

  @Test
  void rebindingToTheSameSchemaKeepsTheShapesRecordBuildersCache() {
    // Given a converter bound to a table and a record converted without any change
    Schema schema = new Schema(optional(1, "a", Types.LongType.get()));
    flattened.useSchema(schema);
    ConvertedStruct before = (ConvertedStruct) convert(flattened, "{\"a\": 1}").value();

    // When it is bound again to an equal schema, after a failed record that changed nothing
    convert(flattened, "{\"b\": 1, \"a\": \"x\"}");
    flattened.useSchema(new Schema(optional(1, "a", Types.LongType.get())));
    ConvertedStruct after = (ConvertedStruct) convert(flattened, "{\"a\": 2}").value();

    // Then values share their names: no projection is recomputed for the next batch
    assertTrue(before.names() == after.names());
  }

  static ConversionResult convert(ValueConverter converter, String json) {
    return converter.convert(json.getBytes(StandardCharsets.UTF_8));
  }
}
