package io.floe.schema.internal.protobuf;

import static io.floe.schema.internal.protobuf.ProtobufSchemaDecoderTest.decoder;
import static io.floe.schema.internal.protobuf.ProtobufSchemaDecoderTest.encode;
import static io.floe.schema.internal.protobuf.ProtobufSchemaDecoderTest.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.schema.ConversionResult;
import io.floe.schema.ConvertedStruct;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;

/** Column docs that carry field numbers, and decoders bound to the columns a table already has. */
class ProtobufFieldNamingTest {

  private static final String V1 =
      """
      syntax = "proto3";
      package shop.v1;

      message Order {
        int64 id = 1;
        string name = 2;
        repeated Item items = 3;
        map<string, Item> by_sku = 4;
        Item main = 5;
        oneof payment {
          string card = 6;
          string iban = 7;
        }

        message Item {
          string sku = 1;
          int32 count = 2;
        }
      }
      """;

  /** V1 with fields renamed under their numbers (one in a oneof, one in the nested message). */
  private static final String V2 =
      """
      syntax = "proto3";
      package shop.v1;

      message Order {
        int64 id = 1;
        string title = 2;
        repeated Item items = 3;
        map<string, Item> by_sku = 4;
        Item main = 5;
        oneof payment {
          string card = 6;
          string account = 7;
        }
        int32 qty = 8;

        message Item {
          string code = 1;
          int32 count = 2;
        }
      }
      """;

  private static final String ITEM = "struct<sku: string, count: int>";
  private static final String RENAMED_ITEM = "struct<code: string, count: int>";

  private final ProtobufSchemaDecoder v1 = decoder(Map.of("shop.proto", V1), "shop.v1.Order");
  private final ProtobufSchemaDecoder v2 = decoder(Map.of("shop.proto", V2), "shop.v1.Order");

  @Test
  void everyStructFieldCarriesItsFieldNumberInItsDoc() {
    // Given the decoder of a message with nested messages, lists, maps and a oneof

    // When its value type is read
    Types.StructType type = v1.valueType();

    // Then each struct field's doc names its number, oneof members and nested fields included
    assertEquals("protobuf field 1", type.field("id").doc());
    assertEquals("protobuf field 2", type.field("name").doc());
    assertEquals("protobuf field 7", type.field("iban").doc());
    assertEquals("protobuf field 5", type.field("main").doc());
    Types.StructType main = type.field("main").type().asStructType();
    assertEquals("protobuf field 1", main.field("sku").doc());
    assertEquals("protobuf field 2", main.field("count").doc());
    Types.ListType items = type.field("items").type().asListType();
    assertEquals("protobuf field 1", items.elementType().asStructType().field("sku").doc());

    // And list elements, map keys and map values have none
    assertNull(items.fields().get(0).doc());
    Types.MapType bySku = type.field("by_sku").type().asMapType();
    assertNull(bySku.fields().get(0).doc());
    assertNull(bySku.fields().get(1).doc());
    assertEquals("protobuf field 1", bySku.valueType().asStructType().field("sku").doc());
    assertEquals(ProtobufSchemaDecoder.columnDoc(2), type.field("name").doc());
  }

  @Test
  void renamedFieldsTakeTheColumnsOfTheirNumbersAtEveryLevel() throws IOException {
    // Given a table made from the first version, and a decoder of a version that renamed fields
    Types.StructType table = v1.valueType();

    // When the newer decoder is bound to the table
    ProtobufSchemaDecoder bound = v2.boundTo(table);

    // Then renamed fields are named after their columns, in lists, map values and oneofs too,
    // and a new field keeps its own name
    assertEquals(
        "struct<id: long, name: string, items: list<"
            + ITEM
            + ">, by_sku: map<string, "
            + ITEM
            + ">, main: "
            + ITEM
            + ", card: string, iban: string, qty: int>",
        text(bound.valueType()));
    assertEquals("protobuf field 2", bound.valueType().field("name").doc());

    // And its values carry those names
    byte[] item = encode(out -> out.writeString(1, "a"));
    byte[] entry =
        encode(
            out -> {
              out.writeString(1, "k");
              out.writeByteArray(2, item);
            });
    byte[] order =
        encode(
            out -> {
              out.writeInt64(1, 7);
              out.writeString(2, "a title");
              out.writeByteArray(3, item);
              out.writeByteArray(4, entry);
              out.writeByteArray(5, item);
              out.writeString(7, "DE00");
              out.writeInt32(8, 3);
            });
    ConvertedStruct value = decodeStruct(bound, order);
    assertEquals("a title", value.get("name"));
    assertEquals("DE00", value.get("iban"));
    assertEquals(3, value.get("qty"));
    assertEquals("a", ((ConvertedStruct) ((List<?>) value.get("items")).get(0)).get("sku"));
    assertEquals("a", ((ConvertedStruct) ((Map<?, ?>) value.get("by_sku")).get("k")).get("sku"));
    assertEquals("a", ((ConvertedStruct) value.get("main")).get("sku"));
  }

  @Test
  void oneMessageTypeIsNamedAfterTheColumnsOfEachPlaceItIsUsed() {
    // Given a table whose list of items was made before Item.sku was renamed and whose main item
    // was made after (and which has no map column yet)
    Types.StructType table =
        Types.StructType.of(
            Types.NestedField.optional(1, "id", Types.LongType.get(), "protobuf field 1"),
            Types.NestedField.optional(
                2,
                "items",
                Types.ListType.ofOptional(
                    3,
                    Types.StructType.of(
                        Types.NestedField.optional(
                            4, "sku", Types.StringType.get(), "protobuf field 1"))),
                "protobuf field 3"),
            Types.NestedField.optional(
                5,
                "main",
                Types.StructType.of(
                    Types.NestedField.optional(
                        6, "code", Types.StringType.get(), "protobuf field 1")),
                "protobuf field 5"));

    // When the renamed version's decoder is bound to it
    ProtobufSchemaDecoder bound = v2.boundTo(table);

    // Then each use of Item follows the columns it has there, and one without columns its own
    assertEquals(
        "struct<id: long, title: string, items: list<"
            + ITEM
            + ">, by_sku: map<string, "
            + RENAMED_ITEM
            + ">, main: "
            + RENAMED_ITEM
            + ", card: string, account: string, qty: int>",
        text(bound.valueType()));
  }

  @Test
  void aColumnAnotherFieldHoldsByNameIsNotTaken() {
    // Given a table whose column `name` was made for field 2, and a version in which field 2 is
    // `title` and a new field 4 is called `name`
    ProtobufSchemaDecoder decoder =
        decoder(
            Map.of(
                "renamed.proto",
                """
                syntax = "proto3";
                message Renamed {
                  string title = 2;
                  string name = 4;
                }
                """),
            "Renamed");
    Types.StructType table =
        Types.StructType.of(
            Types.NestedField.optional(1, "name", Types.StringType.get(), "protobuf field 2"));

    // When it is bound to the table, then the field named like the column keeps it, and field 2
    // gets a column of its own rather than two fields sharing one
    assertSame(decoder, decoder.boundTo(table));
    assertEquals("struct<title: string, name: string>", text(decoder.valueType()));
  }

  @Test
  void bindingFollowsTheTableNotTheDecodersNames() {
    // Given a decoder bound to a table with renamed columns
    Types.StructType table = v1.valueType();
    ProtobufSchemaDecoder bound = v2.boundTo(table);

    // When it is bound again to the same table, then it is the same decoder
    assertSame(bound, bound.boundTo(table));

    // And bound to a table without those columns, it names fields as the .proto does
    ProtobufSchemaDecoder unbound = bound.boundTo(Types.StructType.of());
    assertNotSame(bound, unbound);
    assertEquals(text(v2.valueType()), text(unbound.valueType()));

    // And a decoder whose names all match the table is itself
    assertSame(v1, v1.boundTo(table));
    assertSame(v2, v2.boundTo(v2.valueType()));
  }

  @Test
  void columnsMatchedIgnoringCaseKeepTheFieldsName() {
    // Given a table whose column differs from the field's name in case only, and whose doc names
    // another field's number
    Types.StructType table =
        Types.StructType.of(
            Types.NestedField.optional(1, "ID", Types.LongType.get(), "protobuf field 9"));

    // When a decoder is bound to it, then the field keeps its name (records match it ignoring case)
    assertSame(v1, v1.boundTo(table));
  }

  @Test
  void aFieldNamingIsAskedWithTheColumnPathOfEachField() {
    // Given a naming that upper-cases names and records what it is asked
    List<String> asked = new ArrayList<>();
    ProtobufSchemaDecoder.FieldNaming upper =
        (path, number, name) -> {
          asked.add(path + " " + number + " " + name);
          return name.toUpperCase();
        };

    // When a decoder is made with it
    ProtobufSchemaDecoder decoder =
        ProtobufSchemaDecoder.forMessage(
            ProtoFileSet.parse(Map.of("shop.proto", V1)), "shop.v1.Order", upper);

    // Then its columns have the chosen names, and nested fields are asked with the chosen names of
    // their enclosing columns, with Iceberg's element and value
    assertEquals(
        "struct<ID: long, NAME: string, ITEMS: list<struct<SKU: string, COUNT: int>>,"
            + " BY_SKU: map<string, struct<SKU: string, COUNT: int>>,"
            + " MAIN: struct<SKU: string, COUNT: int>, CARD: string, IBAN: string>",
        text(decoder.valueType()));
    assertTrue(asked.contains("[] 2 name"), asked::toString);
    assertTrue(asked.contains("[ITEMS, element] 1 sku"), asked::toString);
    assertTrue(asked.contains("[BY_SKU, value] 1 sku"), asked::toString);
    assertTrue(asked.contains("[MAIN] 1 sku"), asked::toString);
  }

  @Test
  void aNamingThatGivesTwoFieldsOneNameIsRefused() {
    // Given a naming that names every field alike
    ProtobufSchemaDecoder.FieldNaming same = (path, number, name) -> "x";

    // When a decoder is made with it, then it fails naming the column
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ProtobufSchemaDecoder.forMessage(
                    ProtoFileSet.parse(Map.of("shop.proto", V1)), "shop.v1.Order", same));
    assertTrue(e.getMessage().contains("column name x"), e::getMessage);
  }

  private static ConvertedStruct decodeStruct(ProtobufSchemaDecoder decoder, byte[] bytes) {
    ConversionResult result = decoder.decode(bytes, 0, bytes.length);
    assertTrue(result.isConverted(), () -> "expected a value, got " + result);
    return (ConvertedStruct) result.value();
  }
}
