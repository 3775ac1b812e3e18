package io.floe.schema.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** JSON Schema canonical form and the documented compatibility rules, reader against writer. */
class JsonSchemaFormatTest {
  private final JsonSchemaFormat format = new JsonSchemaFormat();

  private List<String> readerProblems(String reader, String writer) {
    return format.readIncompatibilities(reader, Map.of(), writer, Map.of());
  }

  private static String object(String properties, String extra) {
    return "{\"type\": \"object\", \"properties\": {" + properties + "}" + extra + "}";
  }

  @Test
  void schemasThatMeanTheSameHaveOneCanonicalFormButPropertyOrderCounts() {
    // Given one schema written two ways, and one with its properties in another order
    String a = "{\"type\":\"object\",\"required\":[\"id\"],\"properties\":{\"id\":{\"type\":\"integer\"},"
        + "\"name\":{\"type\":\"string\",\"maxLength\":10}}}";
    String sameSpaced = "{ \"properties\": { \"id\": {\"type\": \"integer\"},\n \"name\": {\"maxLength\": 10,"
        + " \"type\": \"string\"} }, \"required\": [\"id\"], \"type\": \"object\" }";
    String reordered = "{\"type\":\"object\",\"required\":[\"id\"],\"properties\":{\"name\":{\"type\":\"string\","
        + "\"maxLength\":10},\"id\":{\"type\":\"integer\"}}}";

    // Then whitespace and key order do not matter; the order of properties (a table's columns) does
    assertEquals(format.canonicalize(a, Map.of()), format.canonicalize(sameSpaced, Map.of()));
    assertNotEquals(format.canonicalize(a, Map.of()), format.canonicalize(reordered, Map.of()));
  }

  @Test
  void invalidSchemasAreRefusedWithTheReason() {
    assertThrows(SchemaFormat.InvalidSchemaException.class, () -> format.canonicalize("[1, 2]", Map.of()));
    assertThrows(
        SchemaFormat.InvalidSchemaException.class, () -> format.canonicalize("{\"type\": \"text\"}", Map.of()));
    assertThrows(
        SchemaFormat.InvalidSchemaException.class, () -> format.canonicalize("{\"a\": 1, \"a\": 2}", Map.of()));
    assertThrows(SchemaFormat.InvalidSchemaException.class, () -> format.canonicalize("{} {}", Map.of()));
    SchemaFormat.InvalidSchemaException e =
        assertThrows(
            SchemaFormat.InvalidSchemaException.class,
            () -> format.canonicalize(object("\"a\": {\"$ref\": \"#/definitions/Missing\"}", ""), Map.of()));
    assertTrue(e.getMessage().contains("#/properties/a/$ref"), e.getMessage());
  }

  @Test
  void referencesResolveByName() {
    // Given a schema whose property refers to another document by URL
    String address = "{\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}}";
    String user = object("\"home\": {\"$ref\": \"address.json\"}", "");

    // Then it is valid with the reference and invalid without it
    format.canonicalize(user, Map.of("address.json", address));
    assertThrows(SchemaFormat.InvalidSchemaException.class, () -> format.canonicalize(user, Map.of()));
    // And compatibility looks through the reference
    String narrowed = "{\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\", \"maxLength\": 3}}}";
    List<String> problems =
        format.readIncompatibilities(user, Map.of("address.json", narrowed), user, Map.of("address.json", address));
    assertTrue(problems.toString().contains("MAX_LENGTH"), problems.toString());
  }

  @Test
  void propertiesAddedOrRemovedDependOnTheContentModel() {
    String closedV1 = object("\"a\": {\"type\": \"string\"}", ", \"additionalProperties\": false");
    String closedV2 = object("\"a\": {\"type\": \"string\"}, \"b\": {\"type\": \"integer\"}",
        ", \"additionalProperties\": false");
    String openV1 = object("\"a\": {\"type\": \"string\"}", "");
    String openV2 = object("\"a\": {\"type\": \"string\"}, \"b\": {\"type\": \"integer\"}", "");

    // An optional property added to a closed model: the writer never wrote it
    assertEquals(List.of(), readerProblems(closedV2, closedV1));
    // Added to an open model: the writer may have written anything under that name
    assertTrue(readerProblems(openV2, openV1).get(0).startsWith("PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"));
    // Removed from an open model: the reader accepts it as an additional property
    assertEquals(List.of(), readerProblems(openV1, openV2));
    // Removed from a closed model: the reader refuses what the writer wrote
    assertTrue(readerProblems(closedV1, closedV2).get(0).startsWith("PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL"));
  }

  @Test
  void typesRequiredAndEnumsMayWidenButNotNarrow() {
    String integer = object("\"n\": {\"type\": \"integer\"}", "");
    String number = object("\"n\": {\"type\": \"number\"}", "");
    assertEquals(List.of(), readerProblems(number, integer));
    assertTrue(readerProblems(integer, number).get(0).startsWith("TYPE_NARROWED"));

    String optional = object("\"n\": {\"type\": \"integer\"}", "");
    String required = object("\"n\": {\"type\": \"integer\"}", ", \"required\": [\"n\"]");
    String requiredWithDefault = object("\"n\": {\"type\": \"integer\", \"default\": 0}", ", \"required\": [\"n\"]");
    assertTrue(readerProblems(required, optional).get(0).startsWith("REQUIRED_ATTRIBUTE_ADDED"));
    assertEquals(List.of(), readerProblems(optional, required));
    assertEquals(List.of(), readerProblems(requiredWithDefault, optional));

    String twoColors = object("\"c\": {\"enum\": [\"red\", \"blue\"]}", "");
    String threeColors = object("\"c\": {\"enum\": [\"red\", \"blue\", \"green\"]}", "");
    assertEquals(List.of(), readerProblems(threeColors, twoColors));
    assertTrue(readerProblems(twoColors, threeColors).get(0).startsWith("ENUM_ARRAY_NARROWED"));
  }

  @Test
  void sumsAndRecursiveSchemasAreCompared() {
    // A writer's alternatives must each be read by one of the reader's
    String stringOrInt = "{\"oneOf\": [{\"type\": \"string\"}, {\"type\": \"integer\"}]}";
    String stringIntOrNull = "{\"oneOf\": [{\"type\": \"string\"}, {\"type\": \"integer\"}, {\"type\": \"null\"}]}";
    assertEquals(List.of(), readerProblems(stringIntOrNull, stringOrInt));
    assertTrue(readerProblems(stringOrInt, stringIntOrNull).get(0).startsWith("SUM_TYPE_NARROWED"));
    assertEquals(List.of(), readerProblems("{\"type\": [\"string\", \"integer\"]}", stringOrInt));

    // A recursive schema terminates
    String tree = "{\"type\": \"object\", \"properties\": {\"child\": {\"$ref\": \"#\"}}}";
    assertEquals(List.of(), readerProblems(tree, tree));
  }
}
