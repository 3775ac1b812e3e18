package io.floe.schema.registry;

import static io.floe.schema.registry.RegistryTestApi.field;
import static io.floe.schema.registry.RegistryTestApi.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What makes two Avro schemas one schema, how references parse, and how incompatibilities read. */
class AvroFormatTest {
  private final AvroFormat format = new AvroFormat();

  @Test
  void whitespaceAndAttributeOrderDoNotMakeANewSchemaButDefaultsAndLogicalTypesDo() {
    String schema = record("R", field("a", "int"));
    String reordered = "{\"fields\": [{\"type\": \"int\", \"name\": \"a\"}], \"namespace\": \"com.acme\","
        + " \"name\": \"R\", \"type\": \"record\"}";
    assertEquals(format.canonicalize(schema, Map.of()), format.canonicalize(reordered, Map.of()));

    String withDefault = record("R", field("a", "int", "0"));
    assertNotEquals(format.canonicalize(schema, Map.of()), format.canonicalize(withDefault, Map.of()));
    String date = record("R", "{\"name\": \"a\", \"type\": {\"type\": \"int\", \"logicalType\": \"date\"}}");
    assertNotEquals(format.canonicalize(schema, Map.of()), format.canonicalize(date, Map.of()));
  }

  @Test
  void referencedTypesIncludingNestedOnesStayReferences() {
    // Given an Address reference that defines a nested Zip type, and a User using both by name
    String address = record("Address", field("street", "string"),
        "{\"name\": \"zip\", \"type\": {\"type\": \"fixed\", \"name\": \"Zip\", \"size\": 5}}");
    String user = record("User", field("home", "com.acme.Address"), field("billingZip", "com.acme.Zip"));
    Map<String, String> refs = new LinkedHashMap<>();
    refs.put("com.acme.Address", address);

    // When canonicalized
    String canonical = format.canonicalize(user, refs);

    // Then neither type is inlined, so the canonical text parses again with the same references
    assertTrue(!canonical.contains("street") && !canonical.contains("\"size\""), canonical);
    assertEquals(canonical, format.canonicalize(canonical, refs));
  }

  @Test
  void invalidSchemasAndIncompatibilitiesSayWhy() {
    SchemaFormat.InvalidSchemaException e =
        assertThrows(
            SchemaFormat.InvalidSchemaException.class,
            () -> format.canonicalize(record("R", field("a", "int", "\"text\"")), Map.of()));
    assertTrue(e.getMessage().contains("default"), e.getMessage());

    List<String> problems =
        format.readIncompatibilities(
            record("R", field("a", "string")), Map.of(), record("R", field("a", "int")), Map.of());
    assertEquals(1, problems.size());
    assertTrue(problems.get(0).startsWith("TYPE_MISMATCH at /fields/0/type"), problems.get(0));
  }
}
