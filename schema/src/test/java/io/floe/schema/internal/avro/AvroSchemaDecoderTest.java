package io.floe.schema.internal.avro;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.schema.ConversionResult;
import io.floe.schema.ConvertedStruct;
import io.floe.schema.internal.TypeNames;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.avro.Conversions;
import org.apache.avro.Schema;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.Encoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.iceberg.avro.AvroSchemaUtil;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;

class AvroSchemaDecoderTest {

  /** Avro's own model with the logical-type conversions, as serializers use it. */
  private static final GenericData MODEL = new GenericData();

  static {
    MODEL.addLogicalTypeConversion(new Conversions.DecimalConversion());
    MODEL.addLogicalTypeConversion(new Conversions.UUIDConversion());
    MODEL.addLogicalTypeConversion(new TimeConversions.DateConversion());
    MODEL.addLogicalTypeConversion(new TimeConversions.TimeMillisConversion());
    MODEL.addLogicalTypeConversion(new TimeConversions.TimeMicrosConversion());
    MODEL.addLogicalTypeConversion(new TimeConversions.TimestampMillisConversion());
    MODEL.addLogicalTypeConversion(new TimeConversions.TimestampMicrosConversion());
    MODEL.addLogicalTypeConversion(new TimeConversions.TimestampNanosConversion());
    MODEL.addLogicalTypeConversion(new TimeConversions.LocalTimestampMillisConversion());
    MODEL.addLogicalTypeConversion(new TimeConversions.LocalTimestampMicrosConversion());
    MODEL.addLogicalTypeConversion(new TimeConversions.LocalTimestampNanosConversion());
  }

  @Test
  void primitivesDecodeToTheirIcebergTypesAndJavaValues() {
    // Given a record of every primitive, enum and fixed
    Schema schema =
        parse(
            """
            {"type": "record", "name": "Primitives", "fields": [
              {"name": "flag", "type": "boolean"},
              {"name": "count", "type": "int"},
              {"name": "total", "type": "long"},
              {"name": "ratio", "type": "float"},
              {"name": "score", "type": "double"},
              {"name": "name", "type": "string"},
              {"name": "payload", "type": "bytes"},
              {"name": "color", "type": {"type": "enum", "name": "Color", "symbols": ["RED", "GREEN"]}},
              {"name": "hash", "type": {"type": "fixed", "name": "Hash", "size": 4}}
            ]}\
            """);
    GenericRecord record = new GenericData.Record(schema);
    record.put("flag", true);
    record.put("count", -7);
    record.put("total", 1L << 40);
    record.put("ratio", 1.5f);
    record.put("score", -2.25);
    record.put("name", "Zoë");
    record.put("payload", ByteBuffer.wrap(new byte[] {0, 1, 2}));
    record.put("color", new GenericData.EnumSymbol(schema.getField("color").schema(), "GREEN"));
    record.put(
        "hash", new GenericData.Fixed(schema.getField("hash").schema(), new byte[] {9, 8, 7, 6}));

    // When the decoder reads Avro's encoding of it
    AvroSchemaDecoder decoder = AvroSchemaDecoder.forSchema(schema);
    ConvertedStruct value = decodeStruct(decoder, encode(schema, record));

    // Then each field is its column with the Java type RecordBuilder takes
    assertEquals(
        List.of(
            "flag: boolean",
            "count: int",
            "total: long",
            "ratio: float",
            "score: double",
            "name: string",
            "payload: binary",
            "color: string",
            "hash: fixed[4]"),
        columns(decoder.valueType()));
    assertEquals(true, value.get("flag"));
    assertEquals(-7, value.get("count"));
    assertEquals(1L << 40, value.get("total"));
    assertEquals(1.5f, value.get("ratio"));
    assertEquals(-2.25, value.get("score"));
    assertEquals("Zoë", value.get("name"));
    assertEquals(ByteBuffer.wrap(new byte[] {0, 1, 2}), value.get("payload"));
    assertEquals("GREEN", value.get("color"));
    assertArrayEquals(new byte[] {9, 8, 7, 6}, (byte[]) value.get("hash"));
  }

  @Test
  void logicalTypesDecodeToIcebergLogicalTypes() {
    // Given a record of every logical type Iceberg has a type for, written through Avro's
    // conversions
    Schema schema =
        parse(
            """
            {"type": "record", "name": "Logical", "fields": [
              {"name": "day", "type": {"type": "int", "logicalType": "date"}},
              {"name": "at_millis", "type": {"type": "int", "logicalType": "time-millis"}},
              {"name": "at_micros", "type": {"type": "long", "logicalType": "time-micros"}},
              {"name": "ts_millis", "type": {"type": "long", "logicalType": "timestamp-millis"}},
              {"name": "ts_micros", "type": {"type": "long", "logicalType": "timestamp-micros"}},
              {"name": "local_millis", "type": {"type": "long", "logicalType": "local-timestamp-millis"}},
              {"name": "local_micros", "type": {"type": "long", "logicalType": "local-timestamp-micros"}},
              {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}},
              {"name": "big_price", "type": {"type": "fixed", "name": "Price", "size": 16,
                "logicalType": "decimal", "precision": 38, "scale": 10}},
              {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
              {"name": "raw_id", "type": {"type": "fixed", "name": "Id16", "size": 16, "logicalType": "uuid"}},
              {"name": "wait", "type": {"type": "fixed", "name": "Wait", "size": 12, "logicalType": "duration"}}
            ]}\
            """);
    UUID id = UUID.fromString("123e4567-e89b-12d3-a456-426614174000");
    UUID rawId = UUID.fromString("f81d4fae-7dec-11d0-a765-00a0c91e6bf6");
    BigDecimal bigPrice = new BigDecimal("-1234567890123456789012345678.0123456789");
    byte[] wait = {1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0};
    GenericRecord record = new GenericData.Record(schema);
    record.put("day", LocalDate.of(2024, 2, 29));
    record.put("at_millis", LocalTime.of(13, 45, 30, 123_000_000));
    record.put("at_micros", LocalTime.of(13, 45, 30, 123_456_000));
    record.put("ts_millis", Instant.parse("2024-02-29T13:45:30.123Z"));
    record.put("ts_micros", Instant.parse("1969-07-20T20:17:40.123456Z"));
    record.put("local_millis", LocalDateTime.of(2024, 2, 29, 13, 45, 30, 123_000_000));
    record.put("local_micros", LocalDateTime.of(1900, 1, 1, 0, 0, 0, 1_000));
    record.put("price", new BigDecimal("-12.50"));
    record.put("big_price", bigPrice);
    record.put("id", id);
    record.put("raw_id", rawId);
    record.put("wait", new GenericData.Fixed(schema.getField("wait").schema(), wait));

    // When it is decoded
    AvroSchemaDecoder decoder = AvroSchemaDecoder.forSchema(schema);
    ConvertedStruct value = decodeStruct(decoder, encode(schema, record));

    // Then each becomes the Iceberg type and java.time / BigDecimal / UUID value users query
    assertEquals(
        List.of(
            "day: date",
            "at_millis: time",
            "at_micros: time",
            "ts_millis: timestamptz",
            "ts_micros: timestamptz",
            "local_millis: timestamp",
            "local_micros: timestamp",
            "price: decimal(9, 2)",
            "big_price: decimal(38, 10)",
            "id: uuid",
            "raw_id: uuid",
            "wait: fixed[12]"),
        columns(decoder.valueType()));
    assertEquals(LocalDate.of(2024, 2, 29), value.get("day"));
    assertEquals(LocalTime.of(13, 45, 30, 123_000_000), value.get("at_millis"));
    assertEquals(LocalTime.of(13, 45, 30, 123_456_000), value.get("at_micros"));
    assertEquals(
        OffsetDateTime.of(2024, 2, 29, 13, 45, 30, 123_000_000, ZoneOffset.UTC),
        value.get("ts_millis"));
    assertEquals(
        OffsetDateTime.of(1969, 7, 20, 20, 17, 40, 123_456_000, ZoneOffset.UTC),
        value.get("ts_micros"));
    assertEquals(LocalDateTime.of(2024, 2, 29, 13, 45, 30, 123_000_000), value.get("local_millis"));
    assertEquals(LocalDateTime.of(1900, 1, 1, 0, 0, 0, 1_000), value.get("local_micros"));
    assertEquals(new BigDecimal("-12.50"), value.get("price"));
    assertEquals(2, ((BigDecimal) value.get("price")).scale());
    assertEquals(bigPrice, value.get("big_price"));
    assertEquals(id, value.get("id"));
    assertEquals(rawId, value.get("raw_id"));
    assertArrayEquals(wait, (byte[]) value.get("wait"));
  }

  @Test
  void nanosecondTimestampsAreTruncatedToMicroseconds() {
    // Given nanosecond timestamps, one just before the epoch
    Schema schema =
        parse(
            """
            {"type": "record", "name": "Nanos", "fields": [
              {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-nanos"}},
              {"name": "before_epoch", "type": {"type": "long", "logicalType": "timestamp-nanos"}},
              {"name": "local", "type": {"type": "long", "logicalType": "local-timestamp-nanos"}}
            ]}\
            """);
    GenericRecord record = new GenericData.Record(schema);
    record.put("ts", Instant.parse("2024-02-29T13:45:30.123456789Z"));
    record.put("before_epoch", Instant.parse("1969-12-31T23:59:59.999999999Z"));
    record.put("local", LocalDateTime.of(2024, 2, 29, 13, 45, 30, 123_456_789));

    // When it is decoded
    AvroSchemaDecoder decoder = AvroSchemaDecoder.forSchema(schema);
    ConvertedStruct value = decodeStruct(decoder, encode(schema, record));

    // Then they are Iceberg's microsecond timestamps, the nanoseconds dropped (earlier in time,
    // never later)
    assertEquals(
        List.of("ts: timestamptz", "before_epoch: timestamptz", "local: timestamp"),
        columns(decoder.valueType()));
    assertEquals(
        OffsetDateTime.of(2024, 2, 29, 13, 45, 30, 123_456_000, ZoneOffset.UTC), value.get("ts"));
    assertEquals(
        OffsetDateTime.of(1969, 12, 31, 23, 59, 59, 999_999_000, ZoneOffset.UTC),
        value.get("before_epoch"));
    assertEquals(LocalDateTime.of(2024, 2, 29, 13, 45, 30, 123_456_000), value.get("local"));
  }

  @Test
  void unknownLogicalTypesReadAsTheirUnderlyingType() {
    // Given logical types Iceberg has no type for
    Schema schema =
        parse(
            """
            {"type": "record", "name": "Custom", "fields": [
              {"name": "when", "type": {"type": "string", "logicalType": "iso-datetime"}},
              {"name": "amount", "type": {"type": "bytes", "logicalType": "big-decimal"}},
              {"name": "code", "type": {"type": "int", "logicalType": "zip-code"}}
            ]}\
            """);
    GenericRecord record = new GenericData.Record(schema);
    record.put("when", "2024-02-29T13:45:30Z");
    record.put("amount", ByteBuffer.wrap(new byte[] {4, 2}));
    record.put("code", 10115);

    // When it is decoded
    AvroSchemaDecoder decoder = AvroSchemaDecoder.forSchema(schema);
    ConvertedStruct value = decodeStruct(decoder, encode(schema, record));

    // Then the values are kept as their underlying types
    assertEquals(
        List.of("when: string", "amount: binary", "code: int"), columns(decoder.valueType()));
    assertEquals("2024-02-29T13:45:30Z", value.get("when"));
    assertEquals(ByteBuffer.wrap(new byte[] {4, 2}), value.get("amount"));
    assertEquals(10115, value.get("code"));
  }

  @Test
  void unionsWithNullAreOptionalValuesWhateverTheBranchOrder() {
    // Given null-first and null-last unions
    Schema schema =
        parse(
            """
            {"type": "record", "name": "Options", "fields": [
              {"name": "nickname", "type": ["null", "string"], "default": null},
              {"name": "age", "type": ["int", "null"]}
            ]}\
            """);
    GenericRecord withNickname = new GenericData.Record(schema);
    withNickname.put("nickname", "bo");
    GenericRecord withAge = new GenericData.Record(schema);
    withAge.put("age", 42);

    // When records holding one or the other are decoded
    AvroSchemaDecoder decoder = AvroSchemaDecoder.forSchema(schema);
    ConvertedStruct first = decodeStruct(decoder, encode(schema, withNickname));
    ConvertedStruct second = decodeStruct(decoder, encode(schema, withAge));

    // Then each union is its one type, optional, and null where the record has null
    assertEquals(List.of("nickname: string", "age: int"), columns(decoder.valueType()));
    assertEquals("bo", first.get("nickname"));
    assertNull(first.get("age"));
    assertNull(second.get("nickname"));
    assertEquals(42, second.get("age"));
  }

  @Test
  void unionsOfSeveralTypesBecomeStructsNamedAsIcebergNamesThem() {
    // Given a union of null, int, string and a record
    Schema schema =
        parse(
            """
            {"type": "record", "name": "Event", "fields": [
              {"name": "payload", "type": ["null", "int", "string",
                {"type": "record", "name": "Point", "fields": [{"name": "x", "type": "int"}]}]}
            ]}\
            """);
    Schema point = schema.getField("payload").schema().getTypes().get(3);
    GenericRecord pointValue = new GenericData.Record(point);
    pointValue.put("x", 3);
    Object[] payloads = {7, "seven", pointValue, null};

    // When records holding each branch are decoded
    AvroSchemaDecoder decoder = AvroSchemaDecoder.forSchema(schema);
    List<ConvertedStruct> values = new ArrayList<>();
    for (Object payload : payloads) {
      GenericRecord record = new GenericData.Record(schema);
      record.put("payload", payload);
      values.add(decodeStruct(decoder, encode(schema, record)));
    }

    // Then the union is the struct Iceberg's AvroSchemaUtil makes of it (tag, then field<i> for
    // branch i) less Iceberg's always-null field for the null branch; the tag says which branch
    // holds the value, and the null branch is a null struct
    Types.StructType union =
        decoder.valueType().asStructType().field("payload").type().asStructType();
    Types.StructType iceberg =
        AvroSchemaUtil.toIceberg(schema).asStruct().field("payload").type().asStructType();
    List<String> icebergNames =
        iceberg.fields().stream()
            .filter(field -> field.type().typeId() != Type.TypeID.UNKNOWN)
            .map(Types.NestedField::name)
            .collect(Collectors.toList());
    assertEquals(icebergNames, names(union));
    assertEquals(
        "struct<tag: int, field1: int, field2: string, field3: struct<x: int>>",
        TypeNames.describe(union));
    assertTrue(union.fields().stream().allMatch(Types.NestedField::isOptional));

    ConvertedStruct asInt = (ConvertedStruct) values.get(0).get("payload");
    assertEquals(1, asInt.get("tag"));
    assertEquals(7, asInt.get("field1"));
    assertNull(asInt.get("field2"));
    ConvertedStruct asString = (ConvertedStruct) values.get(1).get("payload");
    assertEquals(2, asString.get("tag"));
    assertEquals("seven", asString.get("field2"));
    assertNull(asString.get("field1"));
    ConvertedStruct asPoint = (ConvertedStruct) values.get(2).get("payload");
    assertEquals(3, asPoint.get("tag"));
    assertEquals(3, ((ConvertedStruct) asPoint.get("field3")).get("x"));
    assertNull(values.get(3).get("payload"));
  }

  @Test
  void unionsWithoutNullNumberTheirBranchesFromZero() {
    // Given a union of long and string, without null
    Schema schema =
        parse(
            """
            {"type": "record", "name": "Id", "fields": [{"name": "id", "type": ["long", "string"]}]}\
            """);
    GenericRecord record = new GenericData.Record(schema);
    record.put("id", "abc");

    // When it is decoded
    AvroSchemaDecoder decoder = AvroSchemaDecoder.forSchema(schema);
    ConvertedStruct id = (ConvertedStruct) decodeStruct(decoder, encode(schema, record)).get("id");

    // Then the fields are field0 and field1, as Iceberg names them, and tag 1 marks the string
    assertEquals(
        List.of("id: struct<tag: int, field0: long, field1: string>"),
        columns(decoder.valueType()));
    assertEquals(
        List.of("tag", "field0", "field1"),
        names(AvroSchemaUtil.toIceberg(schema).asStruct().field("id").type().asStructType()));
    assertEquals(1, id.get("tag"));
    assertEquals("abc", id.get("field1"));
  }

  @Test
  void arraysAndMapsBecomeListsAndMapsOfOptionalValues() {
    // Given arrays of strings, of optional longs, of records, an empty array and a map
    Schema schema =
        parse(
            """
            {"type": "record", "name": "Collections", "fields": [
              {"name": "tags", "type": {"type": "array", "items": "string"}},
              {"name": "scores", "type": {"type": "array", "items": ["null", "long"]}},
              {"name": "points", "type": {"type": "array", "items":
                {"type": "record", "name": "P", "fields": [{"name": "x", "type": "int"}]}}},
              {"name": "none", "type": {"type": "array", "items": "int"}},
              {"name": "attributes", "type": {"type": "map", "values": ["null", "string"]}}
            ]}\
            """);
    Schema pointSchema = schema.getField("points").schema().getElementType();
    GenericRecord p1 = new GenericData.Record(pointSchema);
    p1.put("x", 1);
    GenericRecord p2 = new GenericData.Record(pointSchema);
    p2.put("x", 2);
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put("region", "eu");
    attributes.put("tier", null);
    GenericRecord record = new GenericData.Record(schema);
    record.put("tags", List.of("a", "b", "c"));
    record.put("scores", java.util.Arrays.asList(1L, null, 3L));
    record.put("points", List.of(p1, p2));
    record.put("none", List.of());
    record.put("attributes", attributes);

    // When it is decoded
    AvroSchemaDecoder decoder = AvroSchemaDecoder.forSchema(schema);
    ConvertedStruct value = decodeStruct(decoder, encode(schema, record));

    // Then arrays are lists and maps are string-keyed maps, with optional elements and values
    assertEquals(
        List.of(
            "tags: list<string>",
            "scores: list<long>",
            "points: list<struct<x: int>>",
            "none: list<int>",
            "attributes: map<string, string>"),
        columns(decoder.valueType()));
    Types.StructType type = decoder.valueType().asStructType();
    assertTrue(type.field("tags").type().asListType().isElementOptional());
    assertTrue(type.field("attributes").type().asMapType().isValueOptional());
    assertEquals(List.of("a", "b", "c"), value.get("tags"));
    assertEquals(java.util.Arrays.asList(1L, null, 3L), value.get("scores"));
    List<?> points = (List<?>) value.get("points");
    assertEquals(2, ((ConvertedStruct) points.get(1)).get("x"));
    assertEquals(List.of(), value.get("none"));
    assertEquals(attributes, value.get("attributes"));
  }

  @Test
  void arraysAndMapsWrittenInSeveralBlocksDecodeWhole() {
    // Given an encoder that splits collections into small blocks with byte sizes (negative counts)
    Schema schema =
        parse(
            """
            {"type": "record", "name": "Blocks", "fields": [
              {"name": "words", "type": {"type": "array", "items": "string"}},
              {"name": "counts", "type": {"type": "map", "values": "long"}}
            ]}\
            """);
    List<String> words = new ArrayList<>();
    Map<String, Long> counts = new LinkedHashMap<>();
    for (int i = 0; i < 200; i++) {
      words.add("word-" + i);
      counts.put("key-" + i, (long) i);
    }
    GenericRecord record = new GenericData.Record(schema);
    record.put("words", words);
    record.put("counts", counts);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      BinaryEncoder encoder =
          new EncoderFactory().configureBlockSize(64).blockingBinaryEncoder(out, null);
      new GenericDatumWriter<>(schema, MODEL).write(record, encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }

    // When it is decoded
    ConvertedStruct value = decodeStruct(AvroSchemaDecoder.forSchema(schema), out.toByteArray());

    // Then every block's items are there, in order
    assertEquals(words, value.get("words"));
    assertEquals(counts, value.get("counts"));
  }

  @Test
  void nestedRecordsAndARecordTypeUsedTwiceDecodeInEveryPlace() {
    // Given a user with an address and an optional work address of the same record type
    Schema schema = userSchema();
    GenericRecord record = user(schema, "ada", "1 Main St", "Analytical Ave");

    // When two records are decoded
    AvroSchemaDecoder decoder = AvroSchemaDecoder.forSchema(schema);
    ConvertedStruct first = decodeStruct(decoder, encode(schema, record));
    ConvertedStruct second =
        decodeStruct(decoder, encode(schema, user(schema, "bob", "2 Side St", null)));

    // Then both places hold structs of the record's fields, ids are unique in the whole type, and
    // every value of one struct shares one Names instance (what RecordBuilder caches on)
    assertEquals(
        List.of(
            "name: string",
            "address: struct<street: string, zip: string>",
            "work: struct<street: string, zip: string>"),
        columns(decoder.valueType()));
    List<Integer> ids = new ArrayList<>();
    collectIds(decoder.valueType(), ids);
    assertEquals(ids.size(), new HashSet<>(ids).size(), "field ids must be unique: " + ids);
    assertTrue(allOptional(decoder.valueType()));

    ConvertedStruct address = (ConvertedStruct) first.get("address");
    assertEquals("1 Main St", address.get("street"));
    assertEquals("10115", address.get("zip"));
    assertEquals("Analytical Ave", ((ConvertedStruct) first.get("work")).get("street"));
    assertNull(second.get("work"));
    assertSame(first.names(), second.names());
    assertSame(address.names(), ((ConvertedStruct) second.get("address")).names());
  }

  @Test
  void recursiveRecordsAreRefusedNamingTheRecordAndTheField() {
    // Given records that contain themselves, through an array and through an optional field
    Schema tree =
        parse(
            """
            {"type": "record", "name": "Tree", "namespace": "test", "fields": [
              {"name": "label", "type": "string"},
              {"name": "children", "type": {"type": "array", "items": "Tree"}}
            ]}\
            """);
    Schema list =
        parse(
            """
            {"type": "record", "name": "Holder", "namespace": "test", "fields": [
              {"name": "head", "type": {"type": "record", "name": "Link", "fields": [
                {"name": "next", "type": ["null", "Link"]}
              ]}}
            ]}\
            """);

    // When decoders are created for them
    IllegalArgumentException treeError =
        assertThrows(IllegalArgumentException.class, () -> AvroSchemaDecoder.forSchema(tree));
    IllegalArgumentException listError =
        assertThrows(IllegalArgumentException.class, () -> AvroSchemaDecoder.forSchema(list));

    // Then the messages name the record and where it recurs
    assertTrue(treeError.getMessage().contains("test.Tree"), treeError.getMessage());
    assertTrue(treeError.getMessage().contains("children.element"), treeError.getMessage());
    assertTrue(listError.getMessage().contains("test.Link"), listError.getMessage());
    assertTrue(listError.getMessage().contains("head.next"), listError.getMessage());
  }

  @Test
  void decimalsBeyondIcebergsPrecisionAreRefused() {
    // Given a decimal of 40 digits, which Avro allows and Iceberg cannot store
    Schema schema =
        parse(
            """
            {"type": "record", "name": "Wide", "fields": [
              {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 40, "scale": 2}}
            ]}\
            """);

    // When a decoder is created
    IllegalArgumentException error =
        assertThrows(IllegalArgumentException.class, () -> AvroSchemaDecoder.forSchema(schema));

    // Then the message names the field and the limit
    assertTrue(error.getMessage().contains("amount"), error.getMessage());
    assertTrue(error.getMessage().contains("38"), error.getMessage());
  }

  @Test
  void fieldsOfTheNullTypeHaveNoColumn() {
    // Given a record with a field that is always null
    Schema schema =
        parse(
            """
            {"type": "record", "name": "WithNull", "fields": [
              {"name": "id", "type": "long"},
              {"name": "nothing", "type": "null"},
              {"name": "after", "type": "string"}
            ]}\
            """);
    GenericRecord record = new GenericData.Record(schema);
    record.put("id", 1L);
    record.put("after", "x");

    // When it is decoded
    AvroSchemaDecoder decoder = AvroSchemaDecoder.forSchema(schema);
    ConvertedStruct value = decodeStruct(decoder, encode(schema, record));

    // Then the null field is not a column and the fields around it read correctly
    assertEquals(List.of("id: long", "after: string"), columns(decoder.valueType()));
    assertEquals(1L, value.get("id"));
    assertEquals("x", value.get("after"));
  }

  @Test
  void schemasThatAreNotRecordsDecodeToTheirValue() {
    // Given a key schema that is a plain string, and one that is an optional long
    Schema string = Schema.create(Schema.Type.STRING);
    Schema optionalLong = parse("[\"null\", \"long\"]");

    // When values are decoded
    AvroSchemaDecoder strings = AvroSchemaDecoder.forSchema(string);
    AvroSchemaDecoder longs = AvroSchemaDecoder.forSchema(optionalLong);

    // Then the value is the plain Java value, or null for the null branch
    assertEquals(Types.StringType.get(), strings.valueType());
    assertEquals("order-17", decode(strings, encode(string, "order-17")).value());
    assertEquals(Types.LongType.get(), longs.valueType());
    assertEquals(5L, decode(longs, encode(optionalLong, 5L)).value());
    assertNull(decode(longs, encode(optionalLong, null)).value());
  }

  @Test
  void decodesFromAnOffsetInALargerArray() {
    // Given an encoded record in the middle of a buffer, as in a Kafka batch or after a 5-byte
    // header
    Schema schema = userSchema();
    byte[] encoded = encode(schema, user(schema, "ada", "1 Main St", null));
    byte[] framed = new byte[encoded.length + 8];
    framed[0] = 0; // Confluent's magic byte and schema id, then the payload
    System.arraycopy(encoded, 0, framed, 5, encoded.length);

    // When the payload's range is decoded
    ConversionResult result = AvroSchemaDecoder.forSchema(schema).decode(framed, 5, encoded.length);

    // Then only that range is read
    assertEquals("ada", ((ConvertedStruct) result.value()).get("name"));
  }

  @Test
  void oneDecoderServesManyThreads() throws Exception {
    // Given one decoder shared by four threads, each decoding its own records
    Schema schema = userSchema();
    AvroSchemaDecoder decoder = AvroSchemaDecoder.forSchema(schema);
    ExecutorService threads = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        results.add(
            threads.submit(
                () -> {
                  for (int i = 0; i < 2_000; i++) {
                    String name = "user-" + thread + "-" + i;
                    byte[] bytes = encode(schema, user(schema, name, "street " + i, null));
                    ConvertedStruct value = decodeStruct(decoder, bytes);
                    if (!name.equals(value.get("name"))
                        || !("street " + i)
                            .equals(((ConvertedStruct) value.get("address")).get("street"))) {
                      return false;
                    }
                  }
                  return true;
                }));
      }

      // When they all finish, then every value was its own record's
      for (Future<Boolean> result : results) {
        assertTrue(result.get());
      }
    } finally {
      threads.shutdownNow();
    }
  }

  static Schema userSchema() {
    return parse(
        """
        {"type": "record", "name": "User", "namespace": "test", "fields": [
          {"name": "name", "type": "string"},
          {"name": "address", "type": {"type": "record", "name": "Address", "fields": [
            {"name": "street", "type": "string"},
            {"name": "zip", "type": ["null", "string"], "default": null}
          ]}},
          {"name": "work", "type": ["null", "Address"], "default": null}
        ]}\
        """);
  }

  static GenericRecord user(Schema schema, String name, String street, String workStreet) {
    Schema addressSchema = schema.getField("address").schema();
    GenericRecord address = new GenericData.Record(addressSchema);
    address.put("street", street);
    address.put("zip", "10115");
    GenericRecord record = new GenericData.Record(schema);
    record.put("name", name);
    record.put("address", address);
    if (workStreet != null) {
      GenericRecord work = new GenericData.Record(addressSchema);
      work.put("street", workStreet);
      record.put("work", work);
    }
    return record;
  }

  static Schema parse(String json) {
    return new Schema.Parser().parse(json);
  }

  /** Avro's binary encoding of {@code datum}, as Confluent's serializer writes after its header. */
  static byte[] encode(Schema schema, Object datum) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
      new GenericDatumWriter<>(schema, MODEL).write(datum, encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Bytes written directly with an encoder, for input no schema-driven writer would produce. */
  static byte[] written(EncoderWrites writes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
      writes.write(encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  interface EncoderWrites {
    void write(Encoder encoder) throws IOException;
  }

  static ConversionResult decode(AvroSchemaDecoder decoder, byte[] bytes) {
    return decoder.decode(bytes, 0, bytes.length);
  }

  static ConvertedStruct decodeStruct(AvroSchemaDecoder decoder, byte[] bytes) {
    return (ConvertedStruct) decode(decoder, bytes).value();
  }

  /** The top-level columns as {@code name: type}, without field ids. */
  static List<String> columns(Type type) {
    return type.asStructType().fields().stream()
        .map(field -> field.name() + ": " + TypeNames.describe(field.type()))
        .collect(Collectors.toList());
  }

  private static List<String> names(Types.StructType struct) {
    return struct.fields().stream().map(Types.NestedField::name).collect(Collectors.toList());
  }

  private static void collectIds(Type type, List<Integer> ids) {
    if (type.isNestedType()) {
      for (Types.NestedField field : type.asNestedType().fields()) {
        ids.add(field.fieldId());
        collectIds(field.type(), ids);
      }
    }
  }

  private static boolean allOptional(Type type) {
    if (!type.isNestedType()) {
      return true;
    }
    for (Types.NestedField field : type.asNestedType().fields()) {
      boolean mapKey = type.isMapType() && field.fieldId() == type.asMapType().keyId();
      if ((field.isRequired() && !mapKey) || !allOptional(field.type())) {
        return false;
      }
    }
    return true;
  }
}
