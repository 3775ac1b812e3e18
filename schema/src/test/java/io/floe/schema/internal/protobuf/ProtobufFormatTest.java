package io.floe.schema.internal.protobuf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.schema.registry.SchemaFormat;
import io.floe.schema.registry.SchemaType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProtobufFormatTest {

  private final ProtobufFormat format = new ProtobufFormat();

  private static final String ORDER_V1 =
      """
      syntax = "proto3";
      package shop.v1;

      import "google/protobuf/timestamp.proto";

      message Order {
        string id = 1;
        int64 amount = 2;
        Item item = 3;
        repeated int32 quantities = 4;
        repeated string tags = 5;
        oneof payment {
          string card = 6;
          string iban = 7;
        }
        google.protobuf.Timestamp created = 8;
        map<string, Item> items = 9;
        Status status = 10;

        message Item { string sku = 1; }
      }

      enum Status { NEW = 0; PAID = 1; }

      message Refund { string order_id = 1; }
      """;

  @Test
  void theFormatIsProtobuf() {
    assertEquals(SchemaType.PROTOBUF, format.type());
  }

  @Test
  void canonicalFormsIgnoreWhitespaceAndLayout() {
    // Given the same schema written compactly and spread over lines
    String compact = "syntax=\"proto3\";package p;message A{int32 x=1;string y=2;}";
    String spread =
        "syntax = \"proto3\";\n\n"
            + "package   p;\n\n"
            + "message A {\n"
            + "  int32 x = 1;\n\n"
            + "  string y = 2;\n"
            + "}\n";

    // When both are canonicalized, then the forms are equal, and differ from another schema
    assertEquals(format.canonicalize(compact, Map.of()), format.canonicalize(spread, Map.of()));
    assertNotEquals(
        format.canonicalize(compact, Map.of()),
        format.canonicalize(compact.replace("int32", "int64"), Map.of()));
    assertTrue(format.canonicalize(compact, Map.of()).contains("message A {"));
  }

  @Test
  void referencesResolveImportsByPath() {
    // Given a schema importing a referenced file and a well-known type
    String order =
        """
        syntax = "proto3";
        package shop.v1;
        import "shop/v1/common.proto";
        import "google/protobuf/timestamp.proto";
        message Order { Money total = 1; google.protobuf.Timestamp at = 2; }
        """;
    Map<String, String> references = Map.of("shop/v1/common.proto", ProtoFileSetTest.COMMON);

    // When it is canonicalized with its references, then it is valid; without them, it is not
    assertTrue(format.canonicalize(order, references).contains("import \"shop/v1/common.proto\";"));
    SchemaFormat.InvalidSchemaException error =
        assertThrows(
            SchemaFormat.InvalidSchemaException.class, () -> format.canonicalize(order, Map.of()));
    assertTrue(error.getMessage().contains("imports shop/v1/common.proto"), error.getMessage());
  }

  @Test
  void invalidSchemasAreRejectedWithTheReason() {
    // Given a syntax error, an unknown type, a duplicate field number and an empty text
    String syntax = "syntax = \"proto3\";\nmessage A {\n  int32 x = 1\n}\n";
    String unknown = "syntax = \"proto3\";\nmessage A {\n  Missing x = 1;\n}\n";
    String duplicate = "syntax = \"proto3\";\nmessage A {\n  int32 x = 1;\n  int32 y = 1;\n}\n";

    // When they are canonicalized, then each is an invalid schema whose message says why
    assertTrue(invalid(syntax).contains("schema.proto:4"), invalid(syntax));
    assertTrue(invalid(unknown).contains("unable to resolve Missing"), invalid(unknown));
    assertTrue(invalid(duplicate).contains("multiple fields share tag 1"), invalid(duplicate));
    assertTrue(invalid(" ").contains("empty"));
  }

  @Test
  void theSameSchemaIsCompatibleWithItself() {
    assertEquals(List.of(), incompatibilities(ORDER_V1, ORDER_V1));
  }

  @Test
  void renamingAFieldKeepingItsNumberIsCompatible() {
    // Given a writer's order and a reader that renamed amount to total_cents
    String reader = ORDER_V1.replace("int64 amount = 2;", "int64 total_cents = 2;");

    // Then the reader reads the writer's data
    assertEquals(List.of(), incompatibilities(reader, ORDER_V1));
  }

  @Test
  void changesWithinAnEncodingGroupAreCompatible() {
    // Given widened numbers, string to bytes, enum to int32, and added and removed optional fields
    String reader =
        ORDER_V1
            .replace("int64 amount = 2;", "uint64 amount = 2;")
            .replace("repeated int32 quantities = 4;", "repeated int64 quantities = 4;")
            .replace("string id = 1;", "bytes id = 1;")
            .replace("Status status = 10;", "int32 status = 10; string added = 11;")
            .replace("repeated string tags = 5;", "string tags = 5;")
            .replace("message Refund { string order_id = 1; }", "message Refund { }");

    // Then the reader reads the writer's data
    assertEquals(List.of(), incompatibilities(reader, ORDER_V1));
  }

  @Test
  void changingAFieldsTypeIncompatiblyIsReported() {
    // Given a reader whose amount is a string, and one whose amount is a sint64
    String toString = ORDER_V1.replace("int64 amount = 2;", "string amount = 2;");
    String toZigZag = ORDER_V1.replace("int64 amount = 2;", "sint64 amount = 2;");

    // Then each names the message, field and both types
    assertEquals(
        List.of(
            "shop.v1.Order: field 2 ('amount') changed from int64 to string, which encode"
                + " differently (varint vs length-delimited)"),
        incompatibilities(toString, ORDER_V1));
    List<String> zigZag = incompatibilities(toZigZag, ORDER_V1);
    assertEquals(1, zigZag.size());
    assertTrue(
        zigZag.get(0).contains("changed from int64 to sint64, which encode differently"),
        zigZag.get(0));
  }

  @Test
  void changingAMessageFieldsTypeOrAMessageIsReported() {
    // Given a reader whose item field holds another message, and one whose Item changed a field
    String otherMessage =
        ORDER_V1.replace("Item item = 3;", "Other item = 3; message Other { string sku = 1; }");
    String changedItem =
        ORDER_V1.replace("message Item { string sku = 1; }", "message Item { double sku = 1; }");

    // Then both are reported
    assertTrue(
        incompatibilities(otherMessage, ORDER_V1)
            .contains(
                "shop.v1.Order: field 3 ('item') changed from message shop.v1.Order.Item to message"
                    + " shop.v1.Order.Other"),
        incompatibilities(otherMessage, ORDER_V1).toString());
    List<String> changed = incompatibilities(changedItem, ORDER_V1);
    assertTrue(
        changed.stream()
            .anyMatch(
                p ->
                    p.startsWith(
                        "shop.v1.Order.Item: field 1 ('sku') changed from string to double")),
        changed.toString());
  }

  @Test
  void removingAMessageOrChangingThePackageIsReported() {
    // Given a reader without Refund, and one in another package
    String removed = ORDER_V1.replace("message Refund { string order_id = 1; }", "");
    String moved = ORDER_V1.replace("package shop.v1;", "package shop.v2;");

    // Then both are reported
    assertEquals(
        List.of("message shop.v1.Refund was removed"), incompatibilities(removed, ORDER_V1));
    assertEquals(
        List.of("the package changed from 'shop.v1' to 'shop.v2'"),
        incompatibilities(moved, ORDER_V1));
  }

  @Test
  void numbersBetweenRepeatedAndSingularAreReported() {
    // Given a reader whose packed quantities became a single int32
    String reader = ORDER_V1.replace("repeated int32 quantities = 4;", "int32 quantities = 4;");

    // Then it is reported (strings may switch, see the encoding-group test)
    List<String> problems = incompatibilities(reader, ORDER_V1);
    assertEquals(1, problems.size());
    assertTrue(problems.get(0).contains("changed from repeated to singular"), problems.get(0));
  }

  @Test
  void oneofChangesThatLoseValuesAreReported() {
    // Given readers that remove a oneof member, move two fields into a new oneof, and move a field
    // into the existing oneof
    String removedMember = ORDER_V1.replace("    string iban = 7;\n", "");
    String twoMoved =
        ORDER_V1.replace(
            "  string id = 1;\n  int64 amount = 2;\n",
            "  oneof key {\n    string id = 1;\n    int64 amount = 2;\n  }\n");
    String movedIntoExisting =
        ORDER_V1
            .replace("  string id = 1;\n", "")
            .replace("    string iban = 7;\n", "    string iban = 7;\n    string id = 1;\n");

    // Then each is reported
    assertEquals(
        List.of("shop.v1.Order: field 7 ('iban') was removed from oneof payment"),
        incompatibilities(removedMember, ORDER_V1));
    assertTrue(incompatibilities(twoMoved, ORDER_V1).get(0).contains("were moved into oneof key"));
    assertEquals(
        List.of("shop.v1.Order: field 1 ('id') was moved into the existing oneof payment"),
        incompatibilities(movedIntoExisting, ORDER_V1));
    // a single field moved into a new oneof is safe
    String oneMoved =
        ORDER_V1.replace("  string id = 1;\n", "  oneof key {\n    string id = 1;\n  }\n");
    assertEquals(List.of(), incompatibilities(oneMoved, ORDER_V1));
  }

  @Test
  void proto2RequiredChangesAreReported() {
    // Given a proto2 writer with a required field
    String writer =
        """
        syntax = "proto2";
        package legacy;
        message Reading {
          required string sensor = 1;
          optional int32 value = 2;
        }
        """;
    String relaxed = writer.replace("required string sensor", "optional string sensor");
    String tightened = writer.replace("optional int32 value", "required int32 value");
    String added =
        writer.replace(
            "optional int32 value = 2;", "optional int32 value = 2;\n  required int32 unit = 3;");
    String removed = writer.replace("  required string sensor = 1;\n", "");

    // Then required must stay required, and none may be added or removed
    assertEquals(1, incompatibilities(relaxed, writer).size());
    assertTrue(
        incompatibilities(relaxed, writer).get(0).contains("changed from required to optional"));
    assertTrue(
        incompatibilities(tightened, writer).get(0).contains("changed from optional to required"));
    assertEquals(
        List.of("legacy.Reading: required field 3 ('unit') was added"),
        incompatibilities(added, writer));
    assertEquals(
        List.of("legacy.Reading: required field 1 ('sensor') was removed"),
        incompatibilities(removed, writer));
  }

  @Test
  void importedMessagesAreComparedWhereFieldsUseThem() {
    // Given writer and reader whose shared Money, from a reference, differ incompatibly
    String order =
        """
        syntax = "proto3";
        package shop.v1;
        import "shop/v1/common.proto";
        message Order { Money total = 1; }
        """;
    Map<String, String> writerReferences = Map.of("shop/v1/common.proto", ProtoFileSetTest.COMMON);
    Map<String, String> readerReferences =
        Map.of(
            "shop/v1/common.proto", ProtoFileSetTest.COMMON.replace("int64 units", "string units"));

    // Then the change is found through the field using it
    List<String> problems =
        format.readIncompatibilities(order, readerReferences, order, writerReferences);
    assertTrue(
        problems.get(0).startsWith("shop.v1.Money: field 1 ('units') changed from int64 to string"),
        problems.toString());
    assertTrue(
        problems.stream().anyMatch(p -> p.contains("which changed incompatibly")),
        problems.toString());
  }

  @Test
  void incompatibilityOfAnInvalidSchemaIsAnInvalidSchema() {
    assertThrows(
        SchemaFormat.InvalidSchemaException.class,
        () -> format.readIncompatibilities("message {", Map.of(), ORDER_V1, Map.of()));
  }

  private List<String> incompatibilities(String reader, String writer) {
    return format.readIncompatibilities(reader, Map.of(), writer, Map.of());
  }

  private String invalid(String schema) {
    return assertThrows(
            SchemaFormat.InvalidSchemaException.class, () -> format.canonicalize(schema, Map.of()))
        .getMessage();
  }
}
