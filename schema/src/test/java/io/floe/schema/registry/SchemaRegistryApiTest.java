package io.floe.schema.registry;

import static io.floe.schema.registry.RegistryTestApi.body;
import static io.floe.schema.registry.RegistryTestApi.field;
import static io.floe.schema.registry.RegistryTestApi.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Confluent REST API as serializers, the CLI and UIs use it, through {@link SchemaRegistryApi#handle}. */
class SchemaRegistryApiTest {
  private static final String USER_V1 = record("User", field("name", "string"));
  private final RegistryTestApi api = RegistryTestApi.inMemory();

  @Test
  void aRegisteredSchemaIsServedByIdByVersionAndAsLatest() {
    // Given an empty registry
    assertEquals("[]", api.get("/subjects").toString());

    // When a producer registers its value schema
    JsonNode registered = api.expect(200, "POST", "/subjects/users-value/versions", body(USER_V1));

    // Then it gets id 1 alone in the answer, and the schema is served by id (no schemaType for Avro)
    assertEquals("{\"id\":1}", registered.toString());
    JsonNode byId = api.get("/schemas/ids/1");
    assertEquals(
        "{\"schema\":\"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"User\\\",\\\"namespace\\\":\\\"com.acme\\\","
            + "\\\"fields\\\":[{\\\"name\\\":\\\"name\\\",\\\"type\\\":\\\"string\\\"}]}\"}",
        byId.toString());
    // And by version, by "latest" and by -1, with subject, version and id
    for (String v : List.of("1", "latest", "-1")) {
      JsonNode version = api.get("/subjects/users-value/versions/" + v);
      assertEquals("users-value", version.get("subject").asText());
      assertEquals(1, version.get("version").asInt());
      assertEquals(1, version.get("id").asInt());
      assertEquals(byId.get("schema").asText(), version.get("schema").asText());
      assertFalse(version.has("schemaType"));
      assertFalse(version.has("references"));
    }
    // And the raw text, the subject list and the version list
    assertEquals(byId.get("schema").asText(), api.call("GET", "/subjects/users-value/versions/1/schema", null).text());
    assertEquals(byId.get("schema").asText(), api.call("GET", "/schemas/ids/1/schema", null).text());
    assertEquals("[\"users-value\"]", api.get("/subjects").toString());
    assertEquals("[1]", api.get("/subjects/users-value/versions").toString());
    assertEquals("[\"users-value\"]", api.get("/schemas/ids/1/subjects").toString());
    assertEquals("[{\"subject\":\"users-value\",\"version\":1}]", api.get("/schemas/ids/1/versions").toString());
  }

  @Test
  void oneSchemaHasOneIdAcrossSubjectsAndRegisteringItAgainChangesNothing() {
    // Given a schema registered under one subject
    int id = api.register("orders-value", USER_V1);

    // When the same schema, differently spaced, is registered under another subject, and again under the first
    int other = api.register("payments-value", USER_V1.replace(" ", "\n  "));
    int again = api.register("orders-value", USER_V1);

    // Then all three answer the same id, and the first subject still has one version
    assertEquals(id, other);
    assertEquals(id, again);
    assertEquals("[1]", api.get("/subjects/orders-value/versions").toString());
    assertEquals(1, api.get("/subjects/payments-value/versions/latest").get("version").asInt());
    assertEquals("[\"orders-value\",\"payments-value\"]", api.get("/schemas/ids/" + id + "/subjects").toString());

    // And a schema that differs only in a default is another schema, with another id
    int withDefault = api.register("x-value", record("User", field("name", "string", "\"n/a\"")));
    assertNotEquals(id, withDefault);
  }

  @Test
  void newVersionsAreNumberedAndLatestFollowsThem() {
    // Given two compatible versions
    int first = api.register("users-value", USER_V1);
    int second = api.register("users-value", record("User", field("name", "string"), field("age", "int", "0")));

    // Then versions count up and latest is the second
    assertNotEquals(first, second);
    assertEquals("[1,2]", api.get("/subjects/users-value/versions").toString());
    JsonNode latest = api.get("/subjects/users-value/versions/latest");
    assertEquals(2, latest.get("version").asInt());
    assertEquals(second, latest.get("id").asInt());
    assertEquals(first, api.get("/subjects/users-value/versions/1").get("id").asInt());
  }

  @Test
  void lookupFindsTheVersionHoldingASchema() {
    // Given a subject with one schema
    int id = api.register("users-value", USER_V1);

    // When a serializer that does not register schemas looks its schema up
    JsonNode found = api.expect(200, "POST", "/subjects/users-value", body(USER_V1));

    // Then it learns id and version
    assertEquals(id, found.get("id").asInt());
    assertEquals(1, found.get("version").asInt());
    assertEquals("users-value", found.get("subject").asText());
    // And an unknown schema is 40403, an unknown subject 40401
    api.error(404, 40403, "POST", "/subjects/users-value", body(record("Other", field("x", "int"))));
    String message = api.error(404, 40401, "POST", "/subjects/nobody-value", body(USER_V1));
    assertEquals("Subject 'nobody-value' not found.", message);
  }

  @Test
  void aSubjectIsSoftDeletedThenPermanentlyDeletedAndItsIdIsNeverReused() {
    // Given a registered subject
    int id = api.register("users-value", USER_V1);

    // When it is deleted permanently without a soft delete first, that is refused
    api.error(404, 40405, "DELETE", "/subjects/users-value?permanent=true", null);

    // When it is soft-deleted
    assertEquals("[1]", api.expect(200, "DELETE", "/subjects/users-value", null).toString());

    // Then it is hidden from lists and lookups, but its schema is still served by id
    assertEquals("[]", api.get("/subjects").toString());
    assertEquals("[\"users-value\"]", api.get("/subjects?deleted=true").toString());
    api.error(404, 40401, "GET", "/subjects/users-value/versions", null);
    assertEquals("[1]", api.get("/subjects/users-value/versions?deleted=true").toString());
    api.error(404, 40401, "GET", "/subjects/users-value/versions/1", null);
    assertEquals(id, api.get("/subjects/users-value/versions/1?deleted=true").get("id").asInt());
    assertEquals(USER_V1.replace(" ", ""), api.get("/schemas/ids/" + id).get("schema").asText());
    // And a second soft delete says it already is
    api.error(404, 40404, "DELETE", "/subjects/users-value", null);

    // When it is deleted permanently
    assertEquals("[1]", api.expect(200, "DELETE", "/subjects/users-value?permanent=true", null).toString());

    // Then the schema is gone, and registering it again gives a new id
    api.error(404, 40403, "GET", "/schemas/ids/" + id, null);
    api.error(404, 40401, "DELETE", "/subjects/users-value", null);
    assertEquals("[]", api.get("/subjects?deleted=true").toString());
    int again = api.register("users-value", USER_V1);
    assertTrue(again > id, "id " + again + " after " + id);
    assertEquals(1, api.get("/subjects/users-value/versions/latest").get("version").asInt());
  }

  @Test
  void aVersionIsSoftDeletedThenPermanentlyDeleted() {
    // Given two versions
    api.register("users-value", USER_V1);
    api.register("users-value", record("User", field("name", "string"), field("age", "int", "0")));

    // When version 2 is deleted permanently first, that is refused with 40407
    api.error(404, 40407, "DELETE", "/subjects/users-value/versions/2?permanent=true", null);

    // When it is soft-deleted
    assertEquals("2", api.expect(200, "DELETE", "/subjects/users-value/versions/2", null).toString());

    // Then latest is version 1 again, version 2 is 40402 unless deleted ones are asked for
    assertEquals(1, api.get("/subjects/users-value/versions/latest").get("version").asInt());
    api.error(404, 40402, "GET", "/subjects/users-value/versions/2", null);
    assertEquals(2, api.get("/subjects/users-value/versions/2?deleted=true").get("version").asInt());
    // And soft-deleting it again is 40406, an unknown version 40402, an invalid one 42202
    api.error(404, 40406, "DELETE", "/subjects/users-value/versions/2", null);
    api.error(404, 40402, "DELETE", "/subjects/users-value/versions/9", null);
    api.error(422, 42202, "GET", "/subjects/users-value/versions/0", null);
    api.error(422, 42202, "GET", "/subjects/users-value/versions/first", null);

    // When it is then deleted permanently
    assertEquals("2", api.expect(200, "DELETE", "/subjects/users-value/versions/2?permanent=true", null).toString());

    // Then it is gone even for deleted lookups; a new version is numbered 2 again, as in Confluent's
    api.error(404, 40402, "GET", "/subjects/users-value/versions/2?deleted=true", null);
    api.register("users-value", record("User", field("name", "string"), field("email", "string", "\"\"")));
    assertEquals("[1,2]", api.get("/subjects/users-value/versions").toString());
  }

  @Test
  void anAvroRecordReferencesANamedTypeRegisteredUnderAnotherSubject() {
    // Given an Address type registered under its own subject
    String address = record("Address", field("street", "string"), field("city", "string"));
    int addressId = api.register("address", address);

    // When a User schema uses com.acme.Address by name, with a reference to that subject version
    String user = record("User", field("name", "string"), field("home", "com.acme.Address"));
    List<SchemaReference> refs = List.of(new SchemaReference("com.acme.Address", "address", 1));
    int userId = api.register("users-value", user, null, refs);

    // Then the version and the id answer the reference, and the schema keeps naming, not inlining, Address
    JsonNode version = api.get("/subjects/users-value/versions/1");
    assertEquals(
        "[{\"name\":\"com.acme.Address\",\"subject\":\"address\",\"version\":1}]",
        version.get("references").toString());
    JsonNode byId = api.get("/schemas/ids/" + userId);
    assertEquals(version.get("references"), byId.get("references"));
    assertFalse(byId.get("schema").asText().contains("street"), byId.get("schema").asText());
    assertEquals("[" + userId + "]", api.get("/subjects/address/versions/1/referencedby").toString());
    // And registering the same again, or looking it up, finds it
    assertEquals(userId, api.register("users-value", user, null, refs));
    assertEquals(userId, api.expect(200, "POST", "/subjects/users-value", RegistryTestApi.body(user, null, refs))
        .get("id").asInt());

    // When the referenced version is deleted, that is refused while the reference exists
    api.error(422, 42206, "DELETE", "/subjects/address/versions/1", null);
    api.error(422, 42206, "DELETE", "/subjects/address", null);
    assertEquals(addressId, api.get("/subjects/address/versions/1").get("id").asInt());

    // And a schema naming the type without the reference is invalid, as is a reference to nothing
    api.error(422, 42201, "POST", "/subjects/other-value/versions", body(user));
    api.error(422, 42201, "POST", "/subjects/other-value/versions",
        RegistryTestApi.body(user, null, List.of(new SchemaReference("com.acme.Address", "address", 7))));
  }

  @Test
  void backwardIsTheDefaultAndRefusesAFieldWithoutDefault() {
    // Given the default global level and a first version
    assertEquals("{\"compatibilityLevel\":\"BACKWARD\"}", api.get("/config").toString());
    api.register("users-value", USER_V1);

    // When an optional field with a default is added, it is accepted
    api.register("users-value", record("User", field("name", "string"), field("age", "int", "0")));

    // When a field without a default is added, it is refused with 409 naming the field
    String message =
        api.error(409, 409, "POST", "/subjects/users-value/versions",
            body(record("User", field("name", "string"), field("age", "int", "0"), field("email", "string"))));
    assertTrue(message.contains("READER_FIELD_MISSING_DEFAULT_VALUE"), message);
    assertTrue(message.contains("email"), message);
    assertEquals("[1,2]", api.get("/subjects/users-value/versions").toString());
  }

  @Test
  void forwardLetsOldReadersReadNewData() {
    // Given a subject at FORWARD whose first version has a required field
    api.expect(200, "PUT", "/config/users-value", "{\"compatibility\": \"forward\"}");
    api.register("users-value", record("User", field("name", "string"), field("age", "int")));

    // When a field without default is added, old readers ignore it: accepted
    api.register("users-value", record("User", field("name", "string"), field("age", "int"), field("x", "long")));

    // When a field old readers need is removed, it is refused
    String message = api.error(409, 409, "POST", "/subjects/users-value/versions",
        body(record("User", field("name", "string"), field("x", "long"))));
    assertTrue(message.contains("age"), message);
  }

  @Test
  void fullNeedsBothDirections() {
    // Given a subject at FULL
    api.expect(200, "PUT", "/config/users-value", "{\"compatibility\": \"FULL\"}");
    api.register("users-value", record("User", field("name", "string")));

    // Then adding a field with a default passes, adding or removing one without a default does not
    api.register("users-value", record("User", field("name", "string"), field("age", "int", "0")));
    api.error(409, 409, "POST", "/subjects/users-value/versions",
        body(record("User", field("name", "string"), field("age", "int", "0"), field("x", "int"))));
    api.error(409, 409, "POST", "/subjects/users-value/versions", body(record("User", field("age", "int", "0"))));
  }

  @Test
  void onlyATransitiveLevelChecksEveryEarlierVersion() {
    // Given v1 {a}, v2 {a, b with default}, and a v3 whose b lost its default: v3 reads v2's data, not v1's
    String v1 = record("R", field("a", "int"));
    String v2 = record("R", field("a", "int"), field("b", "string", "\"x\""));
    String v3 = record("R", field("a", "int"), field("b", "string"));

    // When the subject is BACKWARD, v3 is accepted (only the latest is checked)
    api.register("plain", v1);
    api.register("plain", v2);
    api.register("plain", v3);
    assertEquals("[1,2,3]", api.get("/subjects/plain/versions").toString());

    // When the subject is BACKWARD_TRANSITIVE, v3 is refused because of v1
    api.expect(200, "PUT", "/config/transitive", "{\"compatibility\": \"BACKWARD_TRANSITIVE\"}");
    api.register("transitive", v1);
    api.register("transitive", v2);
    String message = api.error(409, 409, "POST", "/subjects/transitive/versions", body(v3));
    assertTrue(message.contains("oldSchemaVersion: 1"), message);
  }

  @Test
  void noneAcceptsAnyChangeAndASubjectLevelOverridesTheGlobalOne() {
    // Given the global level NONE and one subject at BACKWARD
    assertEquals("{\"compatibility\":\"NONE\"}",
        api.expect(200, "PUT", "/config", "{\"compatibility\": \"NONE\"}").toString());
    api.expect(200, "PUT", "/config/strict-value", "{\"compatibility\": \"BACKWARD\"}");
    String v1 = record("R", field("a", "int"));
    String changed = record("R", field("a", "string"));

    // When a field changes type in both subjects
    api.register("free-value", v1);
    api.register("free-value", changed);
    api.register("strict-value", v1);
    api.error(409, 409, "POST", "/subjects/strict-value/versions", body(changed));

    // Then configs read back as set, and a subject without its own level says so unless asked for the global one
    assertEquals("BACKWARD", api.get("/config/strict-value").get("compatibilityLevel").asText());
    api.error(404, 40408, "GET", "/config/free-value", null);
    assertEquals("NONE", api.get("/config/free-value?defaultToGlobal=true").get("compatibilityLevel").asText());

    // When the subject's level is deleted, the global one applies
    assertEquals("BACKWARD",
        api.expect(200, "DELETE", "/config/strict-value", null).get("compatibilityLevel").asText());
    api.register("strict-value", changed);
    api.error(404, 40401, "DELETE", "/config/strict-value", null);
    // And deleting the global level restores the default
    assertEquals("NONE", api.expect(200, "DELETE", "/config", null).get("compatibilityLevel").asText());
    assertEquals("BACKWARD", api.get("/config").get("compatibilityLevel").asText());
    api.error(422, 42203, "PUT", "/config", "{\"compatibility\": \"SIDEWAYS\"}");
  }

  @Test
  void theCompatibilityEndpointTestsWithoutRegistering() {
    // Given one version
    api.register("users-value", USER_V1);
    String good = body(record("User", field("name", "string"), field("age", "int", "0")));
    String bad = body(record("User", field("name", "string"), field("age", "int")));

    // Then compatible and incompatible schemas are told apart, with reasons when verbose
    assertEquals("{\"is_compatible\":true}",
        api.expect(200, "POST", "/compatibility/subjects/users-value/versions/latest", good).toString());
    assertEquals("{\"is_compatible\":false}",
        api.expect(200, "POST", "/compatibility/subjects/users-value/versions/1", bad).toString());
    JsonNode verbose = api.expect(200, "POST", "/compatibility/subjects/users-value/versions?verbose=true", bad);
    assertFalse(verbose.get("is_compatible").asBoolean());
    assertTrue(verbose.get("messages").toString().contains("age"), verbose.toString());
    // And nothing was registered; an unknown version is 40402, an invalid schema 42201 (a message if verbose)
    assertEquals("[1]", api.get("/subjects/users-value/versions").toString());
    api.error(404, 40402, "POST", "/compatibility/subjects/users-value/versions/5", good);
    api.error(422, 42201, "POST", "/compatibility/subjects/users-value/versions/latest", body("{\"type\":"));
    assertFalse(api.expect(200, "POST", "/compatibility/subjects/users-value/versions/latest?verbose=true",
        body("{\"type\":")).get("is_compatible").asBoolean());
  }

  @Test
  void invalidRequestsGetConfluentsErrorCodes() {
    // Invalid Avro: 42201 with the parser's reason
    String message =
        api.error(422, 42201, "POST", "/subjects/s/versions", body("{\"type\": \"record\", \"name\": \"R\"}"));
    assertTrue(message.contains("fields"), message);
    api.error(422, 42201, "POST", "/subjects/s/versions", body(""));
    api.error(422, 42201, "POST", "/subjects/s/versions",
        RegistryTestApi.body("{\"type\": 5}", "JSON", List.of()));
    api.error(422, 42201, "POST", "/subjects/s/versions", RegistryTestApi.body("x", "XML", List.of()));
    // Unknown id: 40403 with Confluent's message
    assertEquals("Schema 99 not found", api.error(404, 40403, "GET", "/schemas/ids/99", null));
    // A body that is not JSON: 400, as Confluent's registry answers
    api.error(400, 400, "POST", "/subjects/s/versions", "{not json");
    api.error(400, 400, "POST", "/subjects/s/versions", "{\"schema\": {\"type\": \"string\"}}");
    // Unknown paths and methods: Jetty's answers
    assertEquals("{\"error_code\":404,\"message\":\"HTTP 404 Not Found\"}",
        api.expect(404, "GET", "/nothing/here", null).toString());
    api.error(404, 404, "GET", "/schemas/ids/abc", null);
    api.error(405, 405, "PUT", "/subjects", null);
    // An invalid subject name
    api.error(422, 42208, "POST", "/subjects/bad%01name/versions", body(USER_V1));
  }

  @Test
  void subjectsWithSlashesArePercentEncodedInPaths() {
    // Given a subject holding a '/' (record name strategies with topic names do)
    int id = api.register("team%2Forders-value", USER_V1);

    // Then it is listed decoded and found encoded
    assertEquals("[\"team/orders-value\"]", api.get("/subjects").toString());
    assertEquals(id, api.get("/subjects/team%2Forders-value/versions/latest").get("id").asInt());
    assertEquals("team/orders-value", api.get("/subjects/team%2Forders-value/versions/1").get("subject").asText());
    assertEquals("[\"team/orders-value\"]", api.get("/subjects?subjectPrefix=team%2F").toString());
    assertEquals("[]", api.get("/subjects?subjectPrefix=other").toString());
  }

  @Test
  void jsonSchemasCarryTheirTypeInAnswers() {
    // Given a JSON Schema registered with schemaType JSON
    String schema =
        "{\"type\": \"object\", \"properties\": {\"b\": {\"type\": \"string\"}, \"a\": {\"type\": \"integer\"}}}";
    int id = api.register("events-value", schema, "JSON", List.of());

    // Then answers name the type, and the canonical text keeps the properties' order
    JsonNode byId = api.get("/schemas/ids/" + id);
    assertEquals("JSON", byId.get("schemaType").asText());
    assertEquals("{\"properties\":{\"b\":{\"type\":\"string\"},\"a\":{\"type\":\"integer\"}},\"type\":\"object\"}",
        byId.get("schema").asText());
    assertEquals("JSON", api.get("/subjects/events-value/versions/1").get("schemaType").asText());
    // And the same schema with other whitespace and key order is the same id
    assertEquals(id, api.register("events-value",
        "{\"properties\": {\"b\": {\"type\": \"string\"}, \"a\": {\"type\": \"integer\"}}, \"type\": \"object\"}",
        "JSON", List.of()));
    // And a JSON schema is never compatible with an Avro version of the same subject
    api.register("mixed", USER_V1);
    api.error(409, 409, "POST", "/subjects/mixed/versions", RegistryTestApi.body(schema, "JSON", List.of()));
  }

  @Test
  void serviceEndpointsAnswerAsConfluentsDo() {
    assertEquals("{}", api.get("/").toString());
    List<String> types = new ArrayList<>();
    api.get("/schemas/types").forEach(t -> types.add(t.asText()));
    assertEquals(List.of("AVRO", "JSON"), types);
    assertEquals("{\"mode\":\"READWRITE\"}", api.get("/mode").toString());
    assertEquals("{\"mode\":\"READWRITE\"}", api.expect(200, "PUT", "/mode", "{\"mode\": \"READWRITE\"}").toString());
    api.error(422, 42205, "PUT", "/mode", "{\"mode\": \"IMPORT\"}");
    api.error(422, 42204, "PUT", "/mode", "{\"mode\": \"SOMETIMES\"}");
    assertEquals("[\".\"]", api.get("/contexts").toString());
  }
}
