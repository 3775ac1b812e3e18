package io.floe.schema.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Calls a {@link SchemaRegistryApi} as an HTTP client would, and reads the JSON answers. */
final class RegistryTestApi {
  static final ObjectMapper JSON = new ObjectMapper();

  final SchemaRegistryApi api;

  RegistryTestApi(SchemaRegistryApi api) {
    this.api = api;
  }

  /** A fresh registry in memory with the Avro and JSON Schema formats. */
  static RegistryTestApi inMemory() {
    return new RegistryTestApi(new SchemaRegistryApi(newRegistry()));
  }

  static SchemaRegistry newRegistry() {
    return new SchemaRegistry(
        new InMemorySchemaRegistryStore(),
        Map.of(SchemaType.AVRO, new AvroFormat(), SchemaType.JSON, new JsonSchemaFormat()));
  }

  SchemaRegistryApi.Response call(String method, String pathAndQuery, String body) {
    int q = pathAndQuery.indexOf('?');
    String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
    Map<String, String> query = q < 0 ? Map.of() : query(pathAndQuery.substring(q + 1));
    return api.handle(method, path, query, body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8));
  }

  /** Calls and checks the status, then parses the JSON answer. */
  JsonNode expect(int status, String method, String pathAndQuery, String body) {
    SchemaRegistryApi.Response r = call(method, pathAndQuery, body);
    assertEquals(status, r.status(), () -> method + " " + pathAndQuery + " answered " + r.text());
    assertEquals(SchemaRegistryApi.CONTENT_TYPE, r.contentType());
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new AssertionError("Not JSON: " + r.text(), e);
    }
  }

  JsonNode get(String pathAndQuery) {
    return expect(200, "GET", pathAndQuery, null);
  }

  /** Registers and returns the id. */
  int register(String subject, String schema) {
    return expect(200, "POST", "/subjects/" + subject + "/versions", body(schema)).get("id").asInt();
  }

  int register(String subject, String schema, String type, List<SchemaReference> refs) {
    return expect(200, "POST", "/subjects/" + subject + "/versions", body(schema, type, refs)).get("id").asInt();
  }

  /** Asserts an error answer's status and error code, and returns its message. */
  String error(int status, int code, String method, String pathAndQuery, String body) {
    JsonNode error = expect(status, method, pathAndQuery, body);
    assertEquals(code, error.get("error_code").asInt(), error::toString);
    return error.get("message").asText();
  }

  static String body(String schema) {
    return JSON.createObjectNode().put("schema", schema).toString();
  }

  static String body(String schema, String type, List<SchemaReference> refs) {
    ObjectNode body = JSON.createObjectNode().put("schema", schema);
    if (type != null) {
      body.put("schemaType", type);
    }
    var array = body.putArray("references");
    for (SchemaReference r : refs) {
      array.addObject().put("name", r.name()).put("subject", r.subject()).put("version", r.version());
    }
    return body.toString();
  }

  static Map<String, String> query(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.putIfAbsent(key, value);
    }
    return out;
  }

  /** An Avro record schema {@code name} with the given fields, each a JSON field object. */
  static String record(String name, String... fields) {
    return "{\"type\": \"record\", \"name\": \"" + name + "\", \"namespace\": \"com.acme\", \"fields\": ["
        + String.join(", ", fields) + "]}";
  }

  static String field(String name, String type) {
    return "{\"name\": \"" + name + "\", \"type\": \"" + type + "\"}";
  }

  static String field(String name, String type, String defaultJson) {
    return "{\"name\": \"" + name + "\", \"type\": \"" + type + "\", \"default\": " + defaultJson + "}";
  }
}
