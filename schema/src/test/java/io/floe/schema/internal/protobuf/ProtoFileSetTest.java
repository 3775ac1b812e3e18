package io.floe.schema.internal.protobuf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.squareup.wire.schema.Field;
import com.squareup.wire.schema.MessageType;
import com.squareup.wire.schema.ProtoType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProtoFileSetTest {

  static final String COMMON =
      """
      syntax = "proto3";
      package shop.v1;

      message Money {
        int64 units = 1;
        string currency = 2;
      }
      """;

  static final String ORDER =
      """
      syntax = "proto3";
      package shop.v1;

      import "shop/v1/common.proto";
      import "google/protobuf/timestamp.proto";

      message Order {
        string id = 1;
        Money total = 2;
        google.protobuf.Timestamp created = 3;
      }
      """;

  @Test
  void importsAmongGivenFilesAndWellKnownTypesResolve() {
    // Given two files, one importing the other and a well-known type
    Map<String, String> files =
        Map.of("shop/v1/common.proto", COMMON, "shop/v1/order.proto", ORDER);

    // When they are parsed
    ProtoFileSet set = ProtoFileSet.parse(files);

    // Then the fields' types resolve across files and to the bundled Timestamp
    MessageType order = set.message("shop.v1.Order");
    assertEquals(ProtoType.get("shop.v1.Money"), order.field("total").getType());
    assertEquals(ProtoType.TIMESTAMP, order.field("created").getType());
    assertEquals(
        List.of("shop/v1/common.proto", "shop/v1/order.proto"), List.copyOf(set.files().keySet()));
    assertEquals(List.of("shop.v1.Money", "shop.v1.Order"), set.messageNames());
  }

  @Test
  void everyBundledWellKnownTypeResolvesWithoutBeingGiven() {
    // Given a file importing every well-known type Wire bundles
    String text =
        """
        syntax = "proto3";
        import "google/protobuf/any.proto";
        import "google/protobuf/duration.proto";
        import "google/protobuf/empty.proto";
        import "google/protobuf/field_mask.proto";
        import "google/protobuf/struct.proto";
        import "google/protobuf/timestamp.proto";
        import "google/protobuf/wrappers.proto";
        message All {
          google.protobuf.Any a = 1;
          google.protobuf.Duration d = 2;
          google.protobuf.Empty e = 3;
          google.protobuf.FieldMask m = 4;
          google.protobuf.Struct s = 5;
          google.protobuf.Timestamp t = 6;
          google.protobuf.Int32Value w = 7;
        }
        """;

    // When it is parsed
    ProtoFileSet set = ProtoFileSet.parse(Map.of("all.proto", text));

    // Then the imported messages are linked with their fields
    assertEquals(7, set.message("All").getFieldsAndOneOfFields().size());
    assertEquals("paths", set.message("google.protobuf.FieldMask").fields().get(0).getName());
    assertEquals(6, set.message("google.protobuf.Value").getFieldsAndOneOfFields().size());
  }

  @Test
  void proto2FilesParseWithLabelsAndDefaults() {
    // Given a proto2 file with required, optional with a default, and repeated fields
    String text =
        """
        syntax = "proto2";
        package legacy;
        message Reading {
          required string sensor = 1;
          optional int32 value = 2 [default = 7];
          repeated sint64 deltas = 3 [packed = true];
        }
        """;

    // When it is parsed
    MessageType reading =
        ProtoFileSet.parse(Map.of("legacy.proto", text)).message("legacy.Reading");

    // Then the labels are kept
    assertEquals(Field.Label.REQUIRED, reading.field("sensor").getLabel());
    assertEquals("7", reading.field("value").getDefault());
    assertTrue(reading.field("deltas").isPacked());
  }

  @Test
  void packageCyclesAreAccepted() {
    // Given two packages whose files import each other's package (legal for protoc)
    Map<String, String> files =
        Map.of(
            "a/a.proto",
                "syntax = \"proto3\";\n"
                    + "package a;\n"
                    + "import \"b/b.proto\";\n"
                    + "message A { b.B b = 1; }\n"
                    + "message Leaf {}\n",
            "b/b.proto",
                "syntax = \"proto3\";\n"
                    + "package b;\n"
                    + "import \"a/leaf.proto\";\n"
                    + "message B { a.Leaf2 leaf = 1; }\n",
            "a/leaf.proto", "syntax = \"proto3\";\npackage a;\nmessage Leaf2 { int32 x = 1; }\n");

    // When they are parsed, then the types link
    assertEquals(
        ProtoType.get("a.Leaf2"), ProtoFileSet.parse(files).message("b.B").field("leaf").getType());
  }

  @Test
  void aSyntaxErrorNamesTheFileAndLine() {
    // Given a file missing a semicolon on line 3
    String text = "syntax = \"proto3\";\nmessage A {\n  int32 x = 1\n}\n";

    // When it is parsed, then the error names the file, line and column
    IllegalArgumentException error =
        assertThrows(
            IllegalArgumentException.class, () -> ProtoFileSet.parse(Map.of("a.proto", text)));
    assertTrue(error.getMessage().contains("a.proto:4"), error.getMessage());
  }

  @Test
  void aMissingImportNamesTheImportingFileAndLine() {
    // Given a file importing a file that was not given
    String text = "syntax = \"proto3\";\n\nimport \"other/b.proto\";\nmessage A {}\n";

    // When it is parsed, then the error names the import and where it is
    IllegalArgumentException error =
        assertThrows(
            IllegalArgumentException.class, () -> ProtoFileSet.parse(Map.of("a.proto", text)));
    assertTrue(error.getMessage().contains("a.proto:3 imports other/b.proto"), error.getMessage());
  }

  @Test
  void anUnknownTypeNamesTheFieldAndLocation() {
    // Given a field of a type nobody declares
    String text = "syntax = \"proto3\";\nmessage A {\n  Missing x = 1;\n}\n";

    // When it is parsed, then the error names the type, the field and its location
    IllegalArgumentException error =
        assertThrows(
            IllegalArgumentException.class, () -> ProtoFileSet.parse(Map.of("a.proto", text)));
    assertTrue(error.getMessage().contains("unable to resolve Missing"), error.getMessage());
    assertTrue(error.getMessage().contains("a.proto:3:3"), error.getMessage());
  }

  @Test
  void aTypeFromAFileThatIsNotImportedIsRefused() {
    // Given a file using a type of another given file without importing it
    String a = "syntax = \"proto3\";\nmessage A {\n  B b = 1;\n}\n";
    String b = "syntax = \"proto3\";\nmessage B {}\n";

    // When they are parsed, then the error says which import is missing
    IllegalArgumentException error =
        assertThrows(
            IllegalArgumentException.class,
            () -> ProtoFileSet.parse(Map.of("a.proto", a, "b.proto", b)));
    assertTrue(error.getMessage().contains("a.proto needs to import b.proto"), error.getMessage());
  }

  @Test
  void groupsAndEditionsAreRefused() {
    // Given a proto2 group and an editions file
    String group =
        "syntax = \"proto2\";\nmessage A {\n  optional group G = 1 { optional int32 x = 2; }\n}\n";
    String edition = "edition = \"2023\";\nmessage A {}\n";

    // When they are parsed, then both are refused with the location
    assertTrue(
        assertThrows(
                IllegalArgumentException.class, () -> ProtoFileSet.parse(Map.of("g.proto", group)))
            .getMessage()
            .contains("g.proto:3:3"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () -> ProtoFileSet.parse(Map.of("e.proto", edition)))
            .getMessage()
            .contains("e.proto:1"));
  }

  @Test
  void lookingUpAnUnknownMessageOrAnEnumFails() {
    // Given a file with a message and an enum
    ProtoFileSet set =
        ProtoFileSet.parse(
            Map.of(
                "a.proto", "syntax = \"proto3\";\npackage p;\nmessage A {}\nenum E { X = 0; }\n"));

    // When other names are looked up, then the errors say why
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> set.message("p.B"))
            .getMessage()
            .contains("no file declares it"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> set.message("p.E"))
            .getMessage()
            .contains("enum"));
    assertThrows(IllegalArgumentException.class, () -> set.file("b.proto"));
  }

  @Test
  void aDirectoryLoadsWithImportPathsRelativeToIt(@TempDir Path directory) throws IOException {
    // Given .proto files in nested directories, as a broker reads them from disk
    Files.createDirectories(directory.resolve("shop/v1"));
    Files.writeString(directory.resolve("shop/v1/common.proto"), COMMON);
    Files.writeString(directory.resolve("shop/v1/order.proto"), ORDER);
    Files.writeString(directory.resolve("README.md"), "not a proto file");

    // When the directory is loaded
    ProtoFileSet set = ProtoFileSet.load(directory);

    // Then files are named by their path under the directory and imports resolve
    assertEquals(
        List.of("shop/v1/common.proto", "shop/v1/order.proto"), List.copyOf(set.files().keySet()));
    assertEquals(
        ProtoType.get("shop.v1.Money"), set.message("shop.v1.Order").field("total").getType());
  }

  @Test
  void anEmptyOrMissingDirectoryIsRefused(@TempDir Path directory) {
    assertThrows(IllegalArgumentException.class, () -> ProtoFileSet.load(directory));
    assertThrows(
        IllegalArgumentException.class, () -> ProtoFileSet.load(directory.resolve("missing")));
  }
}
