package io.floe.schema.internal.protobuf;

import static com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label.LABEL_OPTIONAL;
import static com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label.LABEL_REPEATED;
import static com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label.LABEL_REQUIRED;
import static com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type.TYPE_BOOL;
import static com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type.TYPE_BYTES;
import static com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type.TYPE_DOUBLE;
import static com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type.TYPE_ENUM;
import static com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type.TYPE_FIXED32;
import static com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type.TYPE_FIXED64;
import static com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type.TYPE_FLOAT;
import static com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type.TYPE_INT32;
import static com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type.TYPE_INT64;
import static com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type.TYPE_MESSAGE;
import static com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type.TYPE_SFIXED32;
import static com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type.TYPE_SFIXED64;
import static com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type.TYPE_SINT32;
import static com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type.TYPE_SINT64;
import static com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type.TYPE_STRING;
import static com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type.TYPE_UINT32;
import static com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type.TYPE_UINT64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldOptions;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MessageOptions;
import com.google.protobuf.DescriptorProtos.OneofDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DoubleValue;
import com.google.protobuf.Duration;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Empty;
import com.google.protobuf.FieldMask;
import com.google.protobuf.FloatValue;
import com.google.protobuf.Int32Value;
import com.google.protobuf.Int64Value;
import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.StringValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.UInt64Value;
import com.google.protobuf.Value;
import com.google.protobuf.WireFormat;
import io.floe.schema.ConversionError;
import io.floe.schema.ConversionResult;
import io.floe.schema.ConvertedStruct;
import io.floe.schema.Placement;
import io.floe.schema.RecordBuilder;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.iceberg.Files;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetReaders;
import org.apache.iceberg.data.parquet.GenericParquetWriter;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.TypeUtil;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bytes come from protobuf-java's own encoder ({@link DynamicMessage} over descriptors built to
 * match the .proto texts, or the bundled well-known-type classes); the decoder sees only the text.
 */
class ProtobufSchemaDecoderTest {

  // ---- scalars ---------------------------------------------------------------------------

  private static final String SCALARS_PROTO =
      """
      syntax = "proto3";
      package test.v1;

      message Scalars {
        double d = 1;
        float f = 2;
        int32 i32 = 3;
        int64 i64 = 4;
        uint32 u32 = 5;
        uint64 u64 = 6;
        sint32 s32 = 7;
        sint64 s64 = 8;
        fixed32 fx32 = 9;
        fixed64 fx64 = 10;
        sfixed32 sfx32 = 11;
        sfixed64 sfx64 = 12;
        bool b = 13;
        string s = 14;
        bytes by = 15;
      }
      """;

  private static final Descriptor SCALARS =
      file(
              "test/v1/scalars.proto",
              "test.v1",
              "proto3",
              List.of(
                  message(
                      "Scalars",
                      field("d", 1, TYPE_DOUBLE),
                      field("f", 2, TYPE_FLOAT),
                      field("i32", 3, TYPE_INT32),
                      field("i64", 4, TYPE_INT64),
                      field("u32", 5, TYPE_UINT32),
                      field("u64", 6, TYPE_UINT64),
                      field("s32", 7, TYPE_SINT32),
                      field("s64", 8, TYPE_SINT64),
                      field("fx32", 9, TYPE_FIXED32),
                      field("fx64", 10, TYPE_FIXED64),
                      field("sfx32", 11, TYPE_SFIXED32),
                      field("sfx64", 12, TYPE_SFIXED64),
                      field("b", 13, TYPE_BOOL),
                      field("s", 14, TYPE_STRING),
                      field("by", 15, TYPE_BYTES))))
          .findMessageTypeByName("Scalars");

  private final ProtobufSchemaDecoder scalars =
      decoder(Map.of("test/v1/scalars.proto", SCALARS_PROTO), "test.v1.Scalars");

  @Test
  void everyScalarMapsToItsIcebergType() {
    // Given the decoder of a message with one field of each scalar type

    // When its value type is read, then unsigned types widen and everything is optional
    assertEquals(
        "struct<d: double, f: float, i32: int, i64: long, u32: long, u64: decimal(20, 0),"
            + " s32: int, s64: long, fx32: long, fx64: decimal(20, 0), sfx32: int, sfx64: long,"
            + " b: boolean, s: string, by: binary>",
        text(scalars.valueType()));
    assertTrue(scalars.valueType().fields().stream().allMatch(Types.NestedField::isOptional));
  }

  @Test
  void extremeScalarValuesDecodeExactly() {
    // Given a message of each type's extreme values, unsigned maxima included
    byte[] bytes =
        msg(SCALARS)
            .set("d", -Double.MAX_VALUE)
            .set("f", Float.MIN_VALUE)
            .set("i32", Integer.MIN_VALUE)
            .set("i64", Long.MIN_VALUE)
            .set("u32", -1) // uint32 max, 4294967295, as protobuf-java's int
            .set("u64", -1L) // uint64 max, 18446744073709551615
            .set("s32", Integer.MIN_VALUE)
            .set("s64", Long.MAX_VALUE)
            .set("fx32", -1)
            .set("fx64", Long.MIN_VALUE) // 2^63 unsigned
            .set("sfx32", Integer.MIN_VALUE)
            .set("sfx64", Long.MIN_VALUE)
            .set("b", true)
            .set("s", "héllo, 世界")
            .set("by", ByteString.copyFrom(new byte[] {0, (byte) 0xff, 7}))
            .build()
            .toByteArray();

    // When it is decoded
    ConvertedStruct value = decodeStruct(scalars, bytes);

    // Then every value is exact and unsigned values are never negative
    assertEquals(-Double.MAX_VALUE, value.get("d"));
    assertEquals(Float.MIN_VALUE, value.get("f"));
    assertEquals(Integer.MIN_VALUE, value.get("i32"));
    assertEquals(Long.MIN_VALUE, value.get("i64"));
    assertEquals(4_294_967_295L, value.get("u32"));
    assertEquals(new BigDecimal("18446744073709551615"), value.get("u64"));
    assertEquals(Integer.MIN_VALUE, value.get("s32"));
    assertEquals(Long.MAX_VALUE, value.get("s64"));
    assertEquals(4_294_967_295L, value.get("fx32"));
    assertEquals(new BigDecimal("9223372036854775808"), value.get("fx64"));
    assertEquals(Integer.MIN_VALUE, value.get("sfx32"));
    assertEquals(Long.MIN_VALUE, value.get("sfx64"));
    assertEquals(true, value.get("b"));
    assertEquals("héllo, 世界", value.get("s"));
    assertEquals(ByteBuffer.wrap(new byte[] {0, (byte) 0xff, 7}), value.get("by"));
  }

  @Test
  void smallPositiveUnsignedValuesStayExact() {
    // Given unsigned values just below the sign bit
    byte[] bytes =
        msg(SCALARS)
            .set("u32", Integer.MAX_VALUE)
            .set("u64", Long.MAX_VALUE)
            .set("fx64", 5L)
            .build()
            .toByteArray();

    // When decoded, then they are unchanged
    ConvertedStruct value = decodeStruct(scalars, bytes);
    assertEquals((long) Integer.MAX_VALUE, value.get("u32"));
    assertEquals(BigDecimal.valueOf(Long.MAX_VALUE), value.get("u64"));
    assertEquals(BigDecimal.valueOf(5), value.get("fx64"));
  }

  @Test
  void absentProto3ScalarsReadAsTheirDefaults() {
    // Given an empty proto3 message: every scalar has no presence and was not written

    // When it is decoded
    ConvertedStruct value = decodeStruct(scalars, new byte[0]);

    // Then each reads as a Protobuf user sees it
    assertEquals(0.0d, value.get("d"));
    assertEquals(0.0f, value.get("f"));
    assertEquals(0, value.get("i32"));
    assertEquals(0L, value.get("i64"));
    assertEquals(0L, value.get("u32"));
    assertEquals(BigDecimal.ZERO, value.get("u64"));
    assertEquals(false, value.get("b"));
    assertEquals("", value.get("s"));
    assertEquals(ByteBuffer.allocate(0), value.get("by"));
  }

  @Test
  void malformedUtf8BecomesTheReplacementCharacter() throws IOException {
    // Given a string field holding bytes that are not UTF-8
    byte[] bytes = encode(out -> out.writeByteArray(14, new byte[] {'a', (byte) 0xff, 'b'}));

    // When decoded, then the text is kept with U+FFFD, as Kafka's StringDeserializer does
    assertEquals("a\uFFFDb", decodeStruct(scalars, bytes).get("s"));
  }

  // ---- messages, lists, maps, oneofs, enums across two files and a well-known type ---------

  private static final String COMMON_PROTO =
      """
      syntax = "proto3";
      package shop.v1;

      message Money {
        int64 units = 1;
        string currency = 2;
      }
      """;

  private static final String ORDER_PROTO =
      """
      syntax = "proto3";
      package shop.v1;

      import "shop/v1/common.proto";
      import "google/protobuf/timestamp.proto";

      // An order as a shop writes it.
      message Order {
        string id = 1;
        Money total = 2;
        repeated Item items = 3;
        repeated int64 quantities = 4;
        repeated int32 legacy = 5 [packed = false];
        map<string, Money> prices = 6;
        map<int32, string> labels = 7;
        oneof payment {
          string card = 8;
          Money voucher = 9;
        }
        optional int32 discount = 10;
        int32 count = 11;
        google.protobuf.Timestamp created = 12;
        Status status = 13;
        repeated Status history = 14;

        message Item {
          string sku = 1;
          int32 qty = 2;
        }

        enum Status {
          STATUS_UNKNOWN = 0;
          PAID = 1;
          SHIPPED = 2;
        }
      }
      """;

  private static final FileDescriptor COMMON =
      file(
          "shop/v1/common.proto",
          "shop.v1",
          "proto3",
          List.of(
              message("Money", field("units", 1, TYPE_INT64), field("currency", 2, TYPE_STRING))));

  private static final Descriptor MONEY = COMMON.findMessageTypeByName("Money");

  private static final Descriptor ORDER =
      file(
              "shop/v1/order.proto",
              "shop.v1",
              "proto3",
              List.of(
                  DescriptorProto.newBuilder()
                      .setName("Order")
                      .addField(field("id", 1, TYPE_STRING))
                      .addField(field("total", 2, ".shop.v1.Money"))
                      .addField(field("items", 3, ".shop.v1.Order.Item").setLabel(LABEL_REPEATED))
                      .addField(field("quantities", 4, TYPE_INT64).setLabel(LABEL_REPEATED))
                      .addField(
                          field("legacy", 5, TYPE_INT32)
                              .setLabel(LABEL_REPEATED)
                              .setOptions(FieldOptions.newBuilder().setPacked(false)))
                      .addField(
                          field("prices", 6, ".shop.v1.Order.PricesEntry").setLabel(LABEL_REPEATED))
                      .addField(
                          field("labels", 7, ".shop.v1.Order.LabelsEntry").setLabel(LABEL_REPEATED))
                      .addField(field("card", 8, TYPE_STRING).setOneofIndex(0))
                      .addField(field("voucher", 9, ".shop.v1.Money").setOneofIndex(0))
                      .addField(
                          field("discount", 10, TYPE_INT32)
                              .setProto3Optional(true)
                              .setOneofIndex(1))
                      .addField(field("count", 11, TYPE_INT32))
                      .addField(field("created", 12, ".google.protobuf.Timestamp"))
                      .addField(field("status", 13, ".shop.v1.Order.Status").setType(TYPE_ENUM))
                      .addField(
                          field("history", 14, ".shop.v1.Order.Status")
                              .setType(TYPE_ENUM)
                              .setLabel(LABEL_REPEATED))
                      .addOneofDecl(OneofDescriptorProto.newBuilder().setName("payment"))
                      .addOneofDecl(OneofDescriptorProto.newBuilder().setName("_discount"))
                      .addNestedType(
                          message(
                              "Item", field("sku", 1, TYPE_STRING), field("qty", 2, TYPE_INT32)))
                      .addNestedType(
                          mapEntry(
                              "PricesEntry",
                              field("key", 1, TYPE_STRING),
                              field("value", 2, ".shop.v1.Money")))
                      .addNestedType(
                          mapEntry(
                              "LabelsEntry",
                              field("key", 1, TYPE_INT32),
                              field("value", 2, TYPE_STRING)))
                      .addEnumType(enumType("Status", "STATUS_UNKNOWN", "PAID", "SHIPPED"))
                      .build()),
              COMMON,
              Timestamp.getDescriptor().getFile())
          .findMessageTypeByName("Order");

  private static final Descriptor ITEM = ORDER.findNestedTypeByName("Item");

  private static final Map<String, String> SHOP =
      Map.of("shop/v1/common.proto", COMMON_PROTO, "shop/v1/order.proto", ORDER_PROTO);

  private final ProtobufSchemaDecoder orders = decoder(SHOP, "shop.v1.Order");

  @Test
  void messagesListsMapsAndOneofsHaveTheirIcebergTypes() {
    // Given the decoder of an order whose Money comes from an imported file

    // When its value type is read, then fields keep declaration order and oneof members are columns
    assertEquals(
        "struct<id: string, total: struct<units: long, currency: string>, items: list<struct<sku:"
            + " string, qty: int>>, quantities: list<long>, legacy: list<int>, prices: map<string,"
            + " struct<units: long, currency: string>>, labels: map<int, string>, card: string,"
            + " voucher: struct<units: long, currency: string>, discount: int, count: int, created:"
            + " timestamptz, status: string, history: list<string>>",
        text(orders.valueType()));
    assertEquals(
        TypeUtil.indexById(orders.valueType()).size(),
        TypeUtil.indexById(
                TypeUtil.assignIncreasingFreshIds(new Schema(orders.valueType().fields()))
                    .asStruct())
            .size(),
        "field ids are unique within the type");
  }

  @Test
  void aFullOrderDecodes() {
    // Given an order with every kind of field set, written by protobuf-java
    byte[] bytes = fullOrder().toByteArray();

    // When it is decoded
    ConvertedStruct order = decodeStruct(orders, bytes);

    // Then nested messages are structs, repeated fields lists, maps maps, enums names
    assertEquals("o-1", order.get("id"));
    ConvertedStruct total = (ConvertedStruct) order.get("total");
    assertEquals(1999L, total.get("units"));
    assertEquals("EUR", total.get("currency"));
    List<?> items = (List<?>) order.get("items");
    assertEquals(2, items.size());
    assertEquals("sku-1", ((ConvertedStruct) items.get(0)).get("sku"));
    assertEquals(3, ((ConvertedStruct) items.get(1)).get("qty"));
    assertSame(((ConvertedStruct) items.get(0)).names(), ((ConvertedStruct) items.get(1)).names());
    assertSame(
        total.names(), ((ConvertedStruct) ((Map<?, ?>) order.get("prices")).get("a")).names());
    assertEquals(List.of(1L, -2L, 300L), order.get("quantities"));
    assertEquals(List.of(7, -8), order.get("legacy"));
    Map<?, ?> prices = (Map<?, ?>) order.get("prices");
    assertEquals(List.of("a", "b"), List.copyOf(prices.keySet()));
    assertEquals(5L, ((ConvertedStruct) prices.get("b")).get("units"));
    assertEquals(Map.of(1, "one", -2, "minus two"), order.get("labels"));
    assertEquals("4111", order.get("card"));
    assertNull(order.get("voucher"));
    assertEquals(0, order.get("discount"), "proto3 optional set to 0 stays 0");
    assertEquals(42, order.get("count"));
    assertEquals(
        OffsetDateTime.of(2024, 5, 1, 12, 30, 15, 123_456_000, ZoneOffset.UTC),
        order.get("created"));
    assertEquals("PAID", order.get("status"));
    assertEquals(List.of("PAID", "SHIPPED", "STATUS_UNKNOWN"), order.get("history"));
  }

  @Test
  void absentFieldsReadAsAProtobufReaderSeesThem() {
    // Given an empty order

    // When it is decoded
    ConvertedStruct order = decodeStruct(orders, new byte[0]);

    // Then scalars and enums without presence have defaults; messages, oneofs and proto3
    // optional fields are null; repeated fields and maps are empty
    assertEquals("", order.get("id"));
    assertEquals(0, order.get("count"));
    assertEquals("STATUS_UNKNOWN", order.get("status"));
    assertNull(order.get("total"));
    assertNull(order.get("card"));
    assertNull(order.get("voucher"));
    assertNull(order.get("discount"));
    assertNull(order.get("created"));
    assertEquals(List.of(), order.get("items"));
    assertEquals(List.of(), order.get("quantities"));
    assertEquals(Map.of(), order.get("prices"));
  }

  @Test
  void packedAndUnpackedRepeatedFieldsBothDecode() throws IOException {
    // Given the packed field written unpacked and the unpacked field written packed
    byte[] bytes =
        encode(
            out -> {
              out.writeInt64(4, 10);
              out.writeInt64(4, 11);
              out.writeTag(5, WireFormat.WIRETYPE_LENGTH_DELIMITED);
              out.writeUInt32NoTag(CodedOutputStream.computeInt32SizeNoTag(1) * 2);
              out.writeInt32NoTag(1);
              out.writeInt32NoTag(2);
              out.writeInt32(5, 3); // and one more unpacked after the packed run
            });

    // When decoded, then both read every value in order
    ConvertedStruct order = decodeStruct(orders, bytes);
    assertEquals(List.of(10L, 11L), order.get("quantities"));
    assertEquals(List.of(1, 2, 3), order.get("legacy"));
  }

  @Test
  void enumNumbersTheSchemaDoesNotNameAreKeptAsText() {
    // Given an order whose status is a number a newer writer added
    Descriptor order = ORDER;
    DynamicMessage message =
        DynamicMessage.newBuilder(order)
            .setField(
                order.findFieldByName("status"),
                order.findEnumTypeByName("Status").findValueByNumberCreatingIfUnknown(7))
            .addRepeatedField(
                order.findFieldByName("history"),
                order.findEnumTypeByName("Status").findValueByNumberCreatingIfUnknown(-3))
            .build();

    // When decoded, then the numbers are kept as decimal text
    ConvertedStruct decoded = decodeStruct(orders, message.toByteArray());
    assertEquals("7", decoded.get("status"));
    assertEquals(List.of("-3"), decoded.get("history"));
  }

  @Test
  void theLastOneofMemberWrittenWinsAndMessagesMerge() {
    // Given two orders concatenated, which Protobuf parsers merge: the second sets the other oneof
    // member, more total fields, more items and a proto3 optional field
    DynamicMessage first =
        msg(ORDER)
            .set("card", "4111")
            .set("total", msg(MONEY).set("units", 5L).build())
            .set("items", List.of(msg(ITEM).set("sku", "a").build()))
            .build();
    DynamicMessage second =
        msg(ORDER)
            .set("voucher", msg(MONEY).set("currency", "EUR").build())
            .set("total", msg(MONEY).set("currency", "USD").build())
            .set("items", List.of(msg(ITEM).set("sku", "b").build()))
            .set("discount", 10)
            .build();
    byte[] bytes = concat(first.toByteArray(), second.toByteArray());

    // When decoded
    ConvertedStruct order = decodeStruct(orders, bytes);

    // Then it reads as protobuf-java parses it
    DynamicMessage parsed = parse(ORDER, bytes);
    assertFalse(parsed.hasField(ORDER.findFieldByName("card")));
    assertNull(order.get("card"));
    assertEquals("EUR", ((ConvertedStruct) order.get("voucher")).get("currency"));
    assertEquals(5L, ((ConvertedStruct) order.get("total")).get("units"));
    assertEquals("USD", ((ConvertedStruct) order.get("total")).get("currency"));
    assertEquals(
        List.of("a", "b"),
        ((List<?>) order.get("items"))
            .stream().map(i -> ((ConvertedStruct) i).get("sku")).collect(Collectors.toList()));
    assertEquals(10, order.get("discount"));
  }

  @Test
  void mapEntriesMissingAKeyOrValueReadAsDefaults() throws IOException {
    // Given map entries written without a key, and without a value
    byte[] bytes =
        encode(
            out -> {
              out.writeByteArray(6, new byte[0]); // prices: {"": <empty Money>}
              out.writeByteArray(7, encode(entry -> entry.writeInt32(1, 9))); // labels: {9: ""}
            });

    // When decoded
    ConvertedStruct order = decodeStruct(orders, bytes);

    // Then missing keys and values are their types' defaults, as protobuf-java reads them
    ConvertedStruct money = (ConvertedStruct) ((Map<?, ?>) order.get("prices")).get("");
    assertEquals(0L, money.get("units"));
    assertEquals("", money.get("currency"));
    assertEquals(Map.of(9, ""), order.get("labels"));
  }

  @Test
  void unknownFieldsOfANewerWriterAreSkipped() throws IOException {
    // Given an order with fields this schema does not know, of every wire type, groups included,
    // and a known field written with the wrong wire type
    byte[] bytes =
        encode(
            out -> {
              out.writeString(1, "o-2");
              out.writeUInt64(50, 123);
              out.writeFixed64(51, 4);
              out.writeFixed32(52, 5);
              out.writeString(53, "new");
              out.writeTag(54, WireFormat.WIRETYPE_START_GROUP);
              out.writeInt32(1, 7);
              out.writeTag(2, WireFormat.WIRETYPE_START_GROUP);
              out.writeTag(2, WireFormat.WIRETYPE_END_GROUP);
              out.writeTag(54, WireFormat.WIRETYPE_END_GROUP);
              out.writeString(11, "count is an int32, not a string");
              out.writeInt32(11, 42);
              out.writeUInt64(100_000_000, 1); // a field number beyond the dense dispatch table
            });

    // When decoded, then the known fields are read and the rest skipped, as protobuf-java does
    ConvertedStruct order = decodeStruct(orders, bytes);
    assertEquals("o-2", order.get("id"));
    assertEquals(42, order.get("count"));
    assertEquals(42, parse(ORDER, bytes).getField(ORDER.findFieldByName("count")));
  }

  // ---- proto2 --------------------------------------------------------------------------------

  private static final String LEGACY_PROTO =
      """
      syntax = "proto2";
      package legacy;

      message Reading {
        required string sensor = 1;
        optional int32 value = 2 [default = 7];
        optional Kind kind = 3;
        repeated sint64 deltas = 4 [packed = true];
        repeated fixed32 raw = 5;

        enum Kind {
          CELSIUS = 1;
          FAHRENHEIT = 2;
        }
      }
      """;

  private static final Descriptor READING =
      file(
              "legacy.proto",
              "legacy",
              "proto2",
              List.of(
                  DescriptorProto.newBuilder()
                      .setName("Reading")
                      .addField(field("sensor", 1, TYPE_STRING).setLabel(LABEL_REQUIRED))
                      .addField(field("value", 2, TYPE_INT32).setDefaultValue("7"))
                      .addField(field("kind", 3, ".legacy.Reading.Kind").setType(TYPE_ENUM))
                      .addField(
                          field("deltas", 4, TYPE_SINT64)
                              .setLabel(LABEL_REPEATED)
                              .setOptions(FieldOptions.newBuilder().setPacked(true)))
                      .addField(field("raw", 5, TYPE_FIXED32).setLabel(LABEL_REPEATED))
                      .addEnumType(
                          EnumDescriptorProto.newBuilder()
                              .setName("Kind")
                              .addValue(
                                  EnumValueDescriptorProto.newBuilder()
                                      .setName("CELSIUS")
                                      .setNumber(1))
                              .addValue(
                                  EnumValueDescriptorProto.newBuilder()
                                      .setName("FAHRENHEIT")
                                      .setNumber(2)))
                      .build()))
          .findMessageTypeByName("Reading");

  private final ProtobufSchemaDecoder readings =
      decoder(Map.of("legacy.proto", LEGACY_PROTO), "legacy.Reading");

  @Test
  void proto2FieldsDecodeAndAbsentOptionalsAreNull() {
    // Given a proto2 reading with packed and unpacked repeated fields, value and kind unset
    DynamicMessage message =
        msg(READING)
            .set("sensor", "t-1")
            .set("deltas", List.of(-1L, 5L, Long.MIN_VALUE))
            .set("raw", List.of(-1, 2))
            .build();

    // When decoded
    ConvertedStruct reading = decodeStruct(readings, message.toByteArray());

    // Then values decode, and absent optional fields are null even with a declared default
    assertEquals("t-1", reading.get("sensor"));
    assertNull(reading.get("value"));
    assertNull(reading.get("kind"));
    assertEquals(List.of(-1L, 5L, Long.MIN_VALUE), reading.get("deltas"));
    assertEquals(List.of(4_294_967_295L, 2L), reading.get("raw"));
  }

  @Test
  void proto2EnumsAndMissingRequiredFieldsAreRead() throws IOException {
    // Given a proto2 reading without its required sensor, with a known and then an unknown kind
    byte[] known =
        msg(READING)
            .set("kind", READING.findEnumTypeByName("Kind").findValueByName("FAHRENHEIT"))
            .build()
            .toByteArray();
    byte[] unknown = encode(out -> out.writeEnum(3, 9));

    // When decoded, then the missing required field is null rather than an error
    assertEquals("FAHRENHEIT", decodeStruct(readings, known).get("kind"));
    assertNull(decodeStruct(readings, known).get("sensor"));
    assertEquals("9", decodeStruct(readings, unknown).get("kind"));
  }

  @Test
  void extensionsAreNotColumnsAndTheirBytesAreSkipped() throws IOException {
    // Given a proto2 message extended in its file, and bytes holding the extension
    String text =
        """
        syntax = "proto2";
        package ext;
        message Base {
          optional int32 a = 1;
          extensions 100 to 200;
        }
        extend Base {
          optional string note = 100;
        }
        """;
    ProtobufSchemaDecoder decoder = decoder(Map.of("ext.proto", text), "ext.Base");
    byte[] bytes =
        encode(
            out -> {
              out.writeInt32(1, 3);
              out.writeString(100, "extended");
            });

    // When decoded, then only the declared field is a column
    assertEquals("struct<a: int>", text(decoder.valueType()));
    assertEquals(3, decodeStruct(decoder, bytes).get("a"));
  }

  // ---- well-known types --------------------------------------------------------------------

  private static final String EVENT_PROTO =
      """
      syntax = "proto3";
      package wkt.v1;

      import "google/protobuf/any.proto";
      import "google/protobuf/duration.proto";
      import "google/protobuf/empty.proto";
      import "google/protobuf/field_mask.proto";
      import "google/protobuf/struct.proto";
      import "google/protobuf/timestamp.proto";
      import "google/protobuf/wrappers.proto";

      message Event {
        google.protobuf.Timestamp at = 1;
        google.protobuf.Duration took = 2;
        google.protobuf.Int32Value i32 = 3;
        google.protobuf.Int64Value i64 = 4;
        google.protobuf.UInt32Value u32 = 5;
        google.protobuf.UInt64Value u64 = 6;
        google.protobuf.FloatValue f = 7;
        google.protobuf.DoubleValue d = 8;
        google.protobuf.BoolValue b = 9;
        google.protobuf.StringValue s = 10;
        google.protobuf.BytesValue by = 11;
        google.protobuf.Struct attributes = 12;
        google.protobuf.Value anything = 13;
        google.protobuf.ListValue list = 14;
        google.protobuf.Any payload = 15;
        google.protobuf.Empty nothing = 16;
        google.protobuf.FieldMask mask = 17;
        Marker marker = 18;
        repeated google.protobuf.Timestamp times = 19;
        map<string, google.protobuf.Value> values = 20;
      }

      message Marker {}
      """;

  private static final Descriptor EVENT =
      file(
              "wkt/v1/event.proto",
              "wkt.v1",
              "proto3",
              List.of(
                  message(
                          "Event",
                          field("at", 1, ".google.protobuf.Timestamp"),
                          field("took", 2, ".google.protobuf.Duration"),
                          field("i32", 3, ".google.protobuf.Int32Value"),
                          field("i64", 4, ".google.protobuf.Int64Value"),
                          field("u32", 5, ".google.protobuf.UInt32Value"),
                          field("u64", 6, ".google.protobuf.UInt64Value"),
                          field("f", 7, ".google.protobuf.FloatValue"),
                          field("d", 8, ".google.protobuf.DoubleValue"),
                          field("b", 9, ".google.protobuf.BoolValue"),
                          field("s", 10, ".google.protobuf.StringValue"),
                          field("by", 11, ".google.protobuf.BytesValue"),
                          field("attributes", 12, ".google.protobuf.Struct"),
                          field("anything", 13, ".google.protobuf.Value"),
                          field("list", 14, ".google.protobuf.ListValue"),
                          field("payload", 15, ".google.protobuf.Any"),
                          field("nothing", 16, ".google.protobuf.Empty"),
                          field("mask", 17, ".google.protobuf.FieldMask"),
                          field("marker", 18, ".wkt.v1.Marker"),
                          field("times", 19, ".google.protobuf.Timestamp").setLabel(LABEL_REPEATED),
                          field("values", 20, ".wkt.v1.Event.ValuesEntry").setLabel(LABEL_REPEATED))
                      .toBuilder()
                      .addNestedType(
                          mapEntry(
                              "ValuesEntry",
                              field("key", 1, TYPE_STRING),
                              field("value", 2, ".google.protobuf.Value")))
                      .build(),
                  message("Marker")),
              Any.getDescriptor().getFile(),
              Duration.getDescriptor().getFile(),
              Empty.getDescriptor().getFile(),
              FieldMask.getDescriptor().getFile(),
              Struct.getDescriptor().getFile(),
              Timestamp.getDescriptor().getFile(),
              Int32Value.getDescriptor().getFile())
          .findMessageTypeByName("Event");

  private final ProtobufSchemaDecoder events =
      decoder(Map.of("wkt/v1/event.proto", EVENT_PROTO), "wkt.v1.Event");

  @Test
  void wellKnownTypesHaveColumnTypesOfTheirOwnAndEmptyMessagesNone() {
    // Given the decoder of an event holding every well-known type and a message with no fields

    // When its value type is read, then Empty and Marker have no column
    assertEquals(
        "struct<at: timestamptz, took: long, i32: int, i64: long, u32: long, u64: decimal(20, 0),"
            + " f: float, d: double, b: boolean, s: string, by: binary, attributes: string,"
            + " anything: string, list: string, payload: struct<type_url: string, value: binary>,"
            + " mask: string, times: list<timestamptz>, values: map<string, string>>",
        text(events.valueType()));
  }

  @Test
  void wellKnownTypesDecodeToTheirColumnValues() {
    // Given an event with every well-known type set
    Struct attributes =
        Struct.newBuilder()
            .putFields("n", Value.newBuilder().setNumberValue(1).build())
            .putFields("s", Value.newBuilder().setStringValue("q\"uote\n<tag>").build())
            .putFields(
                "l",
                Value.newBuilder()
                    .setListValue(
                        ListValue.newBuilder()
                            .addValues(Value.newBuilder().setBoolValue(true))
                            .addValues(Value.newBuilder().setNullValue(NullValue.NULL_VALUE))
                            .addValues(Value.newBuilder().setNumberValue(2.5)))
                    .build())
            .putFields(
                "o",
                Value.newBuilder()
                    .setStructValue(
                        Struct.newBuilder()
                            .putFields("x", Value.newBuilder().setNumberValue(-3e20).build()))
                    .build())
            .build();
    DynamicMessage event =
        msg(EVENT)
            .set("at", Timestamp.newBuilder().setSeconds(-1).setNanos(999_999_999).build())
            .set("took", Duration.newBuilder().setSeconds(-90).setNanos(-500_999).build())
            .set("i32", Int32Value.of(0))
            .set("i64", Int64Value.of(Long.MIN_VALUE))
            .set("u32", UInt32Value.of(-1))
            .set("u64", UInt64Value.of(-1L))
            .set("f", FloatValue.of(1.5f))
            .set("d", DoubleValue.of(-0.25))
            .set("b", BoolValue.of(false))
            .set("s", StringValue.of("wrapped"))
            .set("by", BytesValue.of(ByteString.copyFromUtf8("raw")))
            .set("attributes", attributes)
            .set("anything", Value.newBuilder().setStringValue("just text").build())
            .set(
                "list",
                ListValue.newBuilder()
                    .addValues(Value.newBuilder().setNumberValue(Double.NaN))
                    .build())
            .set("payload", Any.pack(Int32Value.of(5)))
            .set("nothing", Empty.getDefaultInstance())
            .set(
                "mask",
                FieldMask.newBuilder().addPaths("user.display_name").addPaths("photo").build())
            .set(
                "times",
                List.of(
                    Timestamp.newBuilder().setSeconds(1).build(), Timestamp.getDefaultInstance()))
            .set(
                "values",
                List.of(
                    mapEntry(EVENT, "values", "k", Value.newBuilder().setBoolValue(true).build())))
            .build();

    // When it is decoded
    ConvertedStruct value = decodeStruct(events, event.toByteArray());

    // Then timestamps are UTC and cut to microseconds, durations are microseconds, wrappers are
    // their scalars (0 is kept, not null), JSON types are JSON text, Any is a struct
    assertEquals(
        OffsetDateTime.of(1969, 12, 31, 23, 59, 59, 999_999_000, ZoneOffset.UTC), value.get("at"));
    assertEquals(-90_000_500L, value.get("took"));
    assertEquals(0, value.get("i32"));
    assertEquals(Long.MIN_VALUE, value.get("i64"));
    assertEquals(4_294_967_295L, value.get("u32"));
    assertEquals(new BigDecimal("18446744073709551615"), value.get("u64"));
    assertEquals(1.5f, value.get("f"));
    assertEquals(-0.25, value.get("d"));
    assertEquals(false, value.get("b"));
    assertEquals("wrapped", value.get("s"));
    assertEquals(ByteBuffer.wrap("raw".getBytes(StandardCharsets.UTF_8)), value.get("by"));
    assertEquals(
        "{\"n\":1.0,\"s\":\"q\\\"uote\\n<tag>\",\"l\":[true,null,2.5],\"o\":{\"x\":-3.0E20}}",
        value.get("attributes"));
    assertEquals("\"just text\"", value.get("anything"));
    assertEquals("[\"NaN\"]", value.get("list"));
    ConvertedStruct payload = (ConvertedStruct) value.get("payload");
    assertEquals("type.googleapis.com/google.protobuf.Int32Value", payload.get("type_url"));
    assertEquals(ByteBuffer.wrap(Int32Value.of(5).toByteArray()), payload.get("value"));
    assertEquals("user.display_name,photo", value.get("mask"));
    assertEquals(
        List.of(
            OffsetDateTime.of(1970, 1, 1, 0, 0, 1, 0, ZoneOffset.UTC),
            OffsetDateTime.of(1970, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC)),
        value.get("times"));
    assertEquals(Map.of("k", "true"), value.get("values"));
  }

  @Test
  void absentWellKnownTypesAreNull() {
    // Given an empty event

    // When decoded, then message-typed fields are absent, wrappers included
    ConvertedStruct value = decodeStruct(events, new byte[0]);
    for (String column :
        List.of("at", "took", "i32", "u64", "s", "attributes", "anything", "payload", "mask")) {
      assertNull(value.get(column), column);
    }
  }

  @Test
  void aTimestampBeyondYear9999FailsTheRecord() {
    // Given a timestamp protobuf itself calls invalid
    DynamicMessage event =
        msg(EVENT).set("at", Timestamp.newBuilder().setSeconds(253_402_300_800L).build()).build();

    // When decoded, then the record fails naming the column
    ConversionError error = decodeFailure(events, event.toByteArray());
    assertEquals("at", error.field());
    assertTrue(error.message().contains("outside 0001-01-01 to 9999-12-31"), error.message());
  }

  @Test
  void deeplyNestedJsonValuesFailInsteadOfOverflowingTheStack() {
    // Given a Value nested 150 lists deep
    Value deep = Value.newBuilder().setNumberValue(1).build();
    for (int i = 0; i < 150; i++) {
      deep = Value.newBuilder().setListValue(ListValue.newBuilder().addValues(deep)).build();
    }
    byte[] bytes = msg(EVENT).set("anything", deep).build().toByteArray();

    // When decoded, then it is a failure of that column
    assertEquals("anything", decodeFailure(events, bytes).field());
  }

  // ---- recursion -----------------------------------------------------------------------------

  @Test
  void recursiveMessagesAreRefusedNamingTheMessageAndPath() {
    // Given a tree node holding its children, and two messages holding each other
    String text =
        """
        syntax = "proto3";
        package tree;
        message Node { string name = 1; repeated Node children = 2; }
        message A { B b = 1; }
        message B { int32 x = 1; map<string, A> as = 2; }
        message Holder { string id = 1; A a = 2; }
        """;
    ProtoFileSet files = ProtoFileSet.parse(Map.of("tree.proto", text));

    // When decoders are created, then each error names the message and the column path
    IllegalArgumentException node =
        assertThrows(
            IllegalArgumentException.class,
            () -> ProtobufSchemaDecoder.forMessage(files, "tree.Node"));
    assertTrue(node.getMessage().contains("tree.Node is recursive"), node.getMessage());
    assertTrue(node.getMessage().contains("column children.element"), node.getMessage());
    IllegalArgumentException holder =
        assertThrows(
            IllegalArgumentException.class,
            () -> ProtobufSchemaDecoder.forMessage(files, "tree.Holder"));
    assertTrue(holder.getMessage().contains("tree.A is recursive"), holder.getMessage());
    assertTrue(holder.getMessage().contains("column a.b.as.value"), holder.getMessage());
  }

  @Test
  void aMessageUsedTwiceIsNotRecursive() {
    // Given Money used by three fields of one order

    // When the decoder is created, then it is accepted (see the order tests) and Money's columns
    // appear under each field
    assertEquals(
        "struct<units: long, currency: string>", text(orders.valueType().field("voucher").type()));
  }

  // ---- invalid input -------------------------------------------------------------------------

  @Test
  void everyTruncationOfARecordIsAValueNeverAnException() {
    // Given a full order and every prefix of it
    byte[] bytes = fullOrder().toByteArray();

    for (int length = 0; length < bytes.length; length++) {
      // When each prefix is decoded
      ConversionResult result = orders.decode(bytes, 0, length);

      // Then it decodes exactly as protobuf-java accepts it, or fails as invalid input
      boolean protobufAccepts = parses(ORDER, Arrays.copyOf(bytes, length));
      assertEquals(
          protobufAccepts, result.isConverted(), "prefix of " + length + " bytes: " + result);
      if (!result.isConverted()) {
        assertEquals(ConversionError.Reason.INVALID_INPUT, result.error().reason());
      }
    }
  }

  @Test
  void aTruncatedNestedValueNamesItsColumnPath() throws IOException {
    // Given an item whose sku claims 10 bytes where the item holds 3
    byte[] item =
        encode(
            out -> {
              out.writeTag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
              out.writeUInt32NoTag(10);
              out.writeRawBytes(new byte[] {'a', 'b', 'c'});
            });
    byte[] bytes =
        encode(
            out -> {
              out.writeString(1, "o-3");
              out.writeByteArray(3, item);
            });

    // When decoded, then the failure names the Iceberg path of the field being read
    ConversionError error = decodeFailure(orders, bytes);
    assertEquals(ConversionError.Reason.INVALID_INPUT, error.reason());
    assertEquals("items.element.sku", error.field());
    assertTrue(error.message().contains("shop.v1.Order"), error.message());
    assertTrue(error.message().contains("items.element.sku"), error.message());
  }

  @Test
  void hugeLengthsFailWithoutAllocating() throws IOException {
    // Given fields claiming 2 GiB of bytes, a string and a packed list, in a tiny record
    byte[] string =
        encode(
            out -> {
              out.writeTag(14, WireFormat.WIRETYPE_LENGTH_DELIMITED);
              out.writeUInt32NoTag(Integer.MAX_VALUE);
            });
    byte[] negative =
        encode(
            out -> {
              out.writeTag(15, WireFormat.WIRETYPE_LENGTH_DELIMITED);
              out.writeUInt64NoTag(-5L);
            });
    byte[] packed =
        encode(
            out -> {
              out.writeTag(4, WireFormat.WIRETYPE_LENGTH_DELIMITED);
              out.writeUInt32NoTag(Integer.MAX_VALUE);
              out.writeInt64NoTag(1);
            });

    // When decoded, then each fails naming its column
    assertEquals("s", decodeFailure(scalars, string).field());
    assertEquals("by", decodeFailure(scalars, negative).field());
    assertEquals("quantities", decodeFailure(orders, packed).field());
  }

  @Test
  void randomBytesNeverThrow() {
    // Given random bytes, and valid records with random bytes flipped
    Random random = new Random(11);
    byte[] valid = fullOrder().toByteArray();
    for (int i = 0; i < 20_000; i++) {
      byte[] bytes;
      if (i % 2 == 0) {
        bytes = new byte[random.nextInt(64)];
        random.nextBytes(bytes);
      } else {
        bytes = valid.clone();
        bytes[random.nextInt(bytes.length)] = (byte) random.nextInt();
      }

      // When decoded, then the result is a value: converted or an invalid-input failure
      ConversionResult result = orders.decode(bytes, 0, bytes.length);
      if (!result.isConverted()) {
        assertEquals(ConversionError.Reason.INVALID_INPUT, result.error().reason());
      }
    }
  }

  @Test
  void deeplyNestedUnknownGroupsFailInsteadOfOverflowingTheStack() throws IOException {
    // Given an unknown field holding 100,000 nested groups
    byte[] bytes =
        encode(
            out -> {
              for (int i = 0; i < 100_000; i++) {
                out.writeTag(60, WireFormat.WIRETYPE_START_GROUP);
              }
            });

    // When decoded, then it is invalid input, not a StackOverflowError
    assertEquals(
        ConversionError.Reason.INVALID_INPUT, orders.decode(bytes, 0, bytes.length).error().reason());
  }

  @Test
  void anUnmatchedEndGroupTagFails() throws IOException {
    // Given an end-group tag with no group open
    byte[] bytes = encode(out -> out.writeTag(60, WireFormat.WIRETYPE_END_GROUP));

    // When decoded, then it is invalid input
    assertEquals(
        ConversionError.Reason.INVALID_INPUT,
        orders.decode(bytes, 0, bytes.length).error().reason());
  }

  @Test
  void decodingReadsOnlyTheGivenRange() {
    // Given a record in the middle of a larger buffer, e.g. after Confluent's header
    byte[] record = msg(SCALARS).set("i32", 5).set("s", "x").build().toByteArray();
    byte[] buffer = new byte[record.length + 10];
    Arrays.fill(buffer, (byte) 0xff);
    System.arraycopy(record, 0, buffer, 6, record.length);

    // When the range is decoded, then the bytes around it are not read
    ConvertedStruct value = (ConvertedStruct) scalars.decode(buffer, 6, record.length).value();
    assertEquals(5, value.get("i32"));
    assertEquals("x", value.get("s"));
  }

  // ---- into Iceberg rows and Parquet ---------------------------------------------------------

  @Test
  void decodedValuesFillIcebergRowsThatParquetStores(@TempDir Path directory) throws IOException {
    // Given an order and an event decoded, and a table schema made from each value type
    for (Object[] testCase :
        List.of(
            new Object[] {orders, fullOrder().toByteArray()},
            new Object[] {
              events,
              msg(EVENT)
                  .set("at", Timestamp.newBuilder().setSeconds(5).build())
                  .set("u64", UInt64Value.of(-1L))
                  .set("payload", Any.pack(Int32Value.of(1)))
                  .build()
                  .toByteArray()
            },
            new Object[] {
              scalars,
              msg(SCALARS)
                  .set("u64", -1L)
                  .set("fx64", -1L)
                  .set("by", ByteString.copyFromUtf8("x"))
                  .build()
                  .toByteArray()
            })) {
      ProtobufSchemaDecoder decoder = (ProtobufSchemaDecoder) testCase[0];
      Object value = decoder.decode((byte[]) testCase[1], 0, ((byte[]) testCase[1]).length).value();
      Schema schema = TypeUtil.assignIncreasingFreshIds(new Schema(decoder.valueType().fields()));

      // When the value is put into a row and the row written to Parquet and read back
      RecordBuilder rows = RecordBuilder.forSchema(schema);
      GenericRecord row = rows.newRow();
      Optional<ConversionError> error = rows.put(row, Placement.flattened(), value);
      File file = directory.resolve(decoder.messageName() + ".parquet").toFile();
      DataWriter<Record> writer =
          Parquet.writeData(Files.localOutput(file))
              .schema(schema)
              .createWriterFunc(GenericParquetWriter::create)
              .withSpec(PartitionSpec.unpartitioned())
              .overwrite()
              .build();
      try (writer) {
        writer.write(row);
      }
      List<Record> read = new ArrayList<>();
      try (CloseableIterable<Record> records =
          Parquet.read(Files.localInput(file))
              .project(schema)
              .createReaderFunc(fileSchema -> GenericParquetReaders.buildReader(schema, fileSchema))
              .build()) {
        records.forEach(read::add);
      }

      // Then the row fits the schema and reads back equal
      assertEquals(Optional.empty(), error, decoder.messageName());
      assertEquals(List.of(row), read, decoder.messageName());
    }
  }

  @Test
  void rowsCarryNestedRecordsListsMapsAndTimestamps() {
    // Given a decoded order and a row builder for its value type
    Object value =
        orders.decode(fullOrder().toByteArray(), 0, fullOrder().toByteArray().length).value();
    Schema schema = TypeUtil.assignIncreasingFreshIds(new Schema(orders.valueType().fields()));
    RecordBuilder rows = RecordBuilder.forSchema(schema);

    // When it is put flattened into a row
    GenericRecord row = rows.newRow();
    assertEquals(Optional.empty(), rows.put(row, Placement.flattened(), value));

    // Then columns hold Iceberg's Java values
    assertEquals(1999L, ((Record) row.getField("total")).getField("units"));
    assertEquals("sku-1", ((Record) ((List<?>) row.getField("items")).get(0)).getField("sku"));
    assertEquals(5L, ((Record) ((Map<?, ?>) row.getField("prices")).get("b")).getField("units"));
    assertInstanceOf(OffsetDateTime.class, row.getField("created"));
    assertEquals("PAID", row.getField("status"));
    assertNull(row.getField("voucher"));
  }

  // ---- fixtures ------------------------------------------------------------------------------

  private static DynamicMessage fullOrder() {
    return msg(ORDER)
        .set("id", "o-1")
        .set("total", msg(MONEY).set("units", 1999L).set("currency", "EUR").build())
        .set(
            "items",
            List.of(
                msg(ITEM).set("sku", "sku-1").set("qty", 1).build(),
                msg(ITEM).set("sku", "sku-2").set("qty", 3).build()))
        .set("quantities", List.of(1L, -2L, 300L))
        .set("legacy", List.of(7, -8))
        .set(
            "prices",
            List.of(
                mapEntry(ORDER, "prices", "a", msg(MONEY).set("units", 1L).build()),
                mapEntry(ORDER, "prices", "b", msg(MONEY).set("units", 5L).build())))
        .set(
            "labels",
            List.of(
                mapEntry(ORDER, "labels", 1, "one"), mapEntry(ORDER, "labels", -2, "minus two")))
        .set("card", "4111")
        .set("discount", 0)
        .set("count", 42)
        .set(
            "created",
            Timestamp.newBuilder().setSeconds(1_714_566_615L).setNanos(123_456_789).build())
        .set("status", ORDER.findEnumTypeByName("Status").findValueByName("PAID"))
        .set(
            "history",
            List.of(
                ORDER.findEnumTypeByName("Status").findValueByName("PAID"),
                ORDER.findEnumTypeByName("Status").findValueByName("SHIPPED"),
                ORDER.findEnumTypeByName("Status").findValueByName("STATUS_UNKNOWN")))
        .build();
  }

  static ProtobufSchemaDecoder decoder(Map<String, String> files, String message) {
    return ProtobufSchemaDecoder.forMessage(ProtoFileSet.parse(files), message);
  }

  private static ConvertedStruct decodeStruct(ProtobufSchemaDecoder decoder, byte[] bytes) {
    ConversionResult result = decoder.decode(bytes, 0, bytes.length);
    assertTrue(result.isConverted(), () -> "expected a value, got " + result);
    return (ConvertedStruct) result.value();
  }

  private static ConversionError decodeFailure(ProtobufSchemaDecoder decoder, byte[] bytes) {
    ConversionResult result = decoder.decode(bytes, 0, bytes.length);
    assertFalse(result.isConverted(), () -> "expected a failure, got " + result.value());
    return result.error();
  }

  static MessageBuilder msg(Descriptor type) {
    return new MessageBuilder(type);
  }

  /** Sets fields of a {@link DynamicMessage} by name; a List value adds repeated values. */
  static final class MessageBuilder {
    private final Descriptor type;
    private final DynamicMessage.Builder builder;

    MessageBuilder(Descriptor type) {
      this.type = type;
      this.builder = DynamicMessage.newBuilder(type);
    }

    MessageBuilder set(String name, Object value) {
      FieldDescriptor field = type.findFieldByName(name);
      if (field.isRepeated()) {
        for (Object element : (List<?>) value) {
          builder.addRepeatedField(field, element);
        }
      } else {
        builder.setField(field, value);
      }
      return this;
    }

    DynamicMessage build() {
      return builder.buildPartial();
    }
  }

  private static DynamicMessage mapEntry(Descriptor type, String field, Object key, Object value) {
    Descriptor entry = type.findFieldByName(field).getMessageType();
    return msg(entry).set("key", key).set("value", value).build();
  }

  private static DynamicMessage parse(Descriptor type, byte[] bytes) {
    try {
      return DynamicMessage.newBuilder(type).mergeFrom(bytes).buildPartial();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static boolean parses(Descriptor type, byte[] bytes) {
    try {
      DynamicMessage.newBuilder(type).mergeFrom(bytes).buildPartial();
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  interface Encoding {
    void write(CodedOutputStream out) throws IOException;
  }

  static byte[] encode(Encoding encoding) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    encoding.write(out);
    out.flush();
    return bytes.toByteArray();
  }

  private static byte[] concat(byte[] first, byte[] second) {
    byte[] both = Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, both, first.length, second.length);
    return both;
  }

  static FileDescriptor file(
      String name,
      String packageName,
      String syntax,
      List<DescriptorProto> messages,
      FileDescriptor... dependencies) {
    FileDescriptorProto.Builder file =
        FileDescriptorProto.newBuilder()
            .setName(name)
            .setPackage(packageName)
            .setSyntax(syntax)
            .addAllMessageType(messages);
    for (FileDescriptor dependency : dependencies) {
      file.addDependency(dependency.getName());
    }
    try {
      return FileDescriptor.buildFrom(file.build(), dependencies);
    } catch (DescriptorValidationException e) {
      throw new IllegalStateException(e);
    }
  }

  static DescriptorProto message(String name, FieldDescriptorProto.Builder... fields) {
    DescriptorProto.Builder message = DescriptorProto.newBuilder().setName(name);
    for (FieldDescriptorProto.Builder field : fields) {
      message.addField(field);
    }
    return message.build();
  }

  static DescriptorProto mapEntry(
      String name, FieldDescriptorProto.Builder key, FieldDescriptorProto.Builder value) {
    return message(name, key, value).toBuilder()
        .setOptions(MessageOptions.newBuilder().setMapEntry(true))
        .build();
  }

  static EnumDescriptorProto enumType(String name, String... values) {
    EnumDescriptorProto.Builder type = EnumDescriptorProto.newBuilder().setName(name);
    for (int i = 0; i < values.length; i++) {
      type.addValue(EnumValueDescriptorProto.newBuilder().setName(values[i]).setNumber(i));
    }
    return type.build();
  }

  static FieldDescriptorProto.Builder field(
      String name, int number, FieldDescriptorProto.Type type) {
    return FieldDescriptorProto.newBuilder()
        .setName(name)
        .setNumber(number)
        .setType(type)
        .setLabel(LABEL_OPTIONAL);
  }

  /** A field of message type {@code typeName} ({@code .pkg.Message}). */
  static FieldDescriptorProto.Builder field(String name, int number, String typeName) {
    return field(name, number, TYPE_MESSAGE).setTypeName(typeName);
  }

  /** An Iceberg type without field ids, {@code struct<a: int, b: list<string>>}. */
  static String text(Type type) {
    switch (type.typeId()) {
      case STRUCT:
        return "struct<"
            + type.asStructType().fields().stream()
                .map(
                    field ->
                        field.name()
                            + ": "
                            + (field.isRequired() ? "required " : "")
                            + text(field.type()))
                .collect(Collectors.joining(", "))
            + ">";
      case LIST:
        return "list<"
            + (type.asListType().isElementRequired() ? "required " : "")
            + text(type.asListType().elementType())
            + ">";
      case MAP:
        return "map<"
            + text(type.asMapType().keyType())
            + ", "
            + (type.asMapType().isValueRequired() ? "required " : "")
            + text(type.asMapType().valueType())
            + ">";
      default:
        return type.toString();
    }
  }
}
