package io.floe.schema.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.floe.schema.registry.SchemaRegistry.SchemaText;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.iceberg.relocated.com.google.common.base.Preconditions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Confluent's Schema Registry REST API (v1) over a {@link SchemaRegistry}, as a pure function of a request, so
 * any HTTP server can serve it: the broker's, or a test's. Responses, status codes and error codes follow
 * Confluent's registry, so its serializers, CLI and UIs work unchanged.
 *
 * <p>Served: {@code GET /}, {@code GET /subjects} ({@code deleted}, {@code subjectPrefix}), {@code
 * GET|POST /subjects/{subject}/versions}, {@code GET|DELETE /subjects/{subject}/versions/{version}} ({@code
 * latest} or {@code -1}; {@code deleted}, {@code permanent}), {@code .../schema}, {@code .../referencedby},
 * {@code POST|DELETE /subjects/{subject}} (lookup; delete, {@code permanent}), {@code GET /schemas} ({@code
 * subjectPrefix}, {@code deleted}, {@code latestOnly}), {@code GET /schemas/ids/{id}} and its {@code /schema},
 * {@code /subjects}, {@code /versions}, {@code GET /schemas/types}, {@code POST
 * /compatibility/subjects/{subject}/versions[/{version}]} ({@code verbose}), {@code GET|PUT|DELETE /config[/
 * {subject}]} ({@code defaultToGlobal}), {@code GET|PUT /mode[/{subject}]} (always READWRITE), {@code GET
 * /contexts}. Errors are {@code {"error_code": n, "message": "..."}}; a path it does not serve is Jetty's 404.
 *
 * <p>Not served: import mode (registering with a given id), schema normalization ({@code normalize} is
 * ignored: schemas are always compared canonically), metadata and rule sets (accepted and dropped), contexts
 * other than the default, pagination ({@code offset}/{@code limit}) and output {@code format}s.
 */
public final class SchemaRegistryApi {
  private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryApi.class);

  /** The content type of every response, as Confluent's registry sends it. */
  public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final String READWRITE = "READWRITE";
  private static final List<String> MODES = List.of("READWRITE", "READONLY", "READONLY_OVERRIDE", "IMPORT");

  /** An HTTP response: status, content type and body. */
  public record Response(int status, String contentType, byte[] body) {
    /** The body as UTF-8 text. */
    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /** A request body that is not the JSON expected; Confluent's registry answers these with 400. */
  private static final class BadRequestException extends RuntimeException {
    BadRequestException(String message) {
      super(message);
    }
  }

  private final SchemaRegistry registry;

  public SchemaRegistryApi(SchemaRegistry registry) {
    Preconditions.checkArgument(registry != null, "Cannot create schema registry API: registry is null");
    this.registry = registry;
  }

  /**
   * Answers one request. Never throws: every failure becomes an error response.
   *
   * @param method the HTTP method
   * @param rawPath the request path as sent, still percent-encoded (a subject may hold an encoded {@code /})
   * @param query the query parameters, decoded, first value of each
   * @param body the request body; empty if none
   */
  public Response handle(String method, String rawPath, Map<String, String> query, byte[] body) {
    try {
      Optional<List<String>> path = segments(rawPath);
      if (path.isEmpty()) {
        return notFound();
      }
      return route(method.toUpperCase(Locale.ROOT), path.get(), query, body == null ? new byte[0] : body);
    } catch (SchemaRegistryException e) {
      return error(e.httpStatus(), e.errorCode(), e.getMessage());
    } catch (BadRequestException e) {
      return error(400, 400, e.getMessage());
    } catch (RegistryUnavailableException e) {
      LOG.warn("Schema registry request {} {} failed: {}", method, rawPath, e.getMessage());
      return error(500, SchemaRegistryException.STORE_ERROR, "Error in the backend data store: " + e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("Schema registry request {} {} failed", method, rawPath, e);
      return error(500, 500, "Internal error: " + e);
    }
  }

  private Response route(String method, List<String> p, Map<String, String> q, byte[] body) {
    if (p.isEmpty()) {
      return method.equals("GET") ? json(200, Map.of()) : methodNotAllowed();
    }
    return switch (p.get(0)) {
      case "subjects" -> subjects(method, p, q, body);
      case "schemas" -> schemas(method, p, q);
      case "compatibility" -> compatibility(method, p, q, body);
      case "config" -> config(method, p, q, body);
      case "mode" -> mode(method, p, q, body);
      case "contexts" -> p.size() == 1 ? (method.equals("GET") ? json(200, List.of(".")) : methodNotAllowed())
          : notFound();
      default -> notFound();
    };
  }

  // ---------------------------------------------------------------- /subjects

  private Response subjects(String method, List<String> p, Map<String, String> q, byte[] body) {
    if (p.size() == 1) {
      return method.equals("GET")
          ? json(200, registry.subjects(q.getOrDefault("subjectPrefix", ""), flag(q, "deleted")))
          : methodNotAllowed();
    }
    String subject = p.get(1);
    if (p.size() == 2) {
      return switch (method) {
        case "POST" -> json(200, schemaJson(registry.lookup(subject, schemaText(body), flag(q, "deleted"))));
        case "DELETE" -> json(200, registry.deleteSubject(subject, flag(q, "permanent")));
        default -> methodNotAllowed();
      };
    }
    if (!p.get(2).equals("versions")) {
      return notFound();
    }
    if (p.size() == 3) {
      return switch (method) {
        case "GET" -> json(200, registry.versions(subject, flag(q, "deleted")));
        case "POST" -> json(200, Map.of("id", registry.register(subject, schemaText(body)).id()));
        default -> methodNotAllowed();
      };
    }
    if (p.size() == 4) {
      return switch (method) {
        case "GET" -> json(200, schemaJson(registry.version(subject, version(p.get(3)), flag(q, "deleted"))));
        case "DELETE" -> json(200, registry.deleteVersion(subject, version(p.get(3)), flag(q, "permanent")));
        default -> methodNotAllowed();
      };
    }
    if (p.size() == 5 && p.get(4).equals("schema")) {
      return method.equals("GET")
          ? raw(registry.version(subject, version(p.get(3)), flag(q, "deleted")).schema())
          : methodNotAllowed();
    }
    if (p.size() == 5 && p.get(4).equals("referencedby")) {
      return method.equals("GET")
          ? json(200, registry.referencedBy(subject, version(p.get(3)), flag(q, "deleted")))
          : methodNotAllowed();
    }
    return notFound();
  }

  // ---------------------------------------------------------------- /schemas

  private Response schemas(String method, List<String> p, Map<String, String> q) {
    if (p.size() == 1) {
      if (!method.equals("GET")) {
        return methodNotAllowed();
      }
      boolean deleted = flag(q, "deleted");
      List<Map<String, Object>> out = new ArrayList<>();
      for (String subject : registry.subjects(q.getOrDefault("subjectPrefix", ""), deleted)) {
        List<Integer> versions = registry.versions(subject, deleted);
        List<Integer> shown = flag(q, "latestOnly") ? versions.subList(versions.size() - 1, versions.size()) : versions;
        for (int v : shown) {
          out.add(schemaJson(registry.version(subject, v, deleted)));
        }
      }
      return json(200, out);
    }
    if (p.size() == 2 && p.get(1).equals("types")) {
      return method.equals("GET") ? json(200, registry.types().stream().map(Enum::name).toList()) : methodNotAllowed();
    }
    if (p.size() < 3 || p.size() > 4 || !p.get(1).equals("ids")) {
      return notFound();
    }
    Optional<Integer> id = integer(p.get(2));
    if (id.isEmpty()) {
      return notFound(); // as Jersey answers a path parameter that is not an int
    }
    if (!method.equals("GET")) {
      return methodNotAllowed();
    }
    if (p.size() == 3) {
      RegisteredSchema schema = registry.byId(id.get());
      Map<String, Object> out = new LinkedHashMap<>();
      if (schema.type() != SchemaType.AVRO) {
        out.put("schemaType", schema.type().name());
      }
      out.put("schema", schema.schema());
      if (!schema.references().isEmpty()) {
        out.put("references", referencesJson(schema.references()));
      }
      return json(200, out);
    }
    return switch (p.get(3)) {
      case "schema" -> raw(registry.byId(id.get()).schema());
      case "subjects" -> json(200, registry.subjectsOfId(id.get(), flag(q, "deleted")));
      case "versions" -> {
        List<Map<String, Object>> out = new ArrayList<>();
        for (RegisteredSchema v : registry.versionsOfId(id.get(), flag(q, "deleted"))) {
          Map<String, Object> entry = new LinkedHashMap<>();
          entry.put("subject", v.subject());
          entry.put("version", v.version());
          out.add(entry);
        }
        yield json(200, out);
      }
      default -> notFound();
    };
  }

  // ---------------------------------------------------------------- /compatibility

  private Response compatibility(String method, List<String> p, Map<String, String> q, byte[] body) {
    boolean shape = (p.size() == 4 || p.size() == 5) && p.get(1).equals("subjects") && p.get(3).equals("versions");
    if (!shape) {
      return notFound();
    }
    if (!method.equals("POST")) {
      return methodNotAllowed();
    }
    String subject = p.get(2);
    boolean verbose = flag(q, "verbose");
    List<String> problems;
    if (p.size() == 5) {
      int version = version(p.get(4));
      SchemaText text = schemaText(body);
      problems = checkCompatibility(() -> registry.compatibilityWithVersion(subject, version, text), verbose);
    } else {
      SchemaText text = schemaText(body);
      problems = checkCompatibility(() -> registry.compatibilityWithSubject(subject, text), verbose);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("is_compatible", problems.isEmpty());
    if (verbose) {
      out.put("messages", problems);
    }
    return json(200, out);
  }

  /** The check's problems; with {@code verbose}, an invalid schema is one more problem, as in Confluent's. */
  private static List<String> checkCompatibility(Supplier<List<String>> check, boolean verbose) {
    try {
      return check.get();
    } catch (SchemaRegistryException e) {
      if (verbose && e.errorCode() == SchemaRegistryException.INVALID_SCHEMA) {
        return List.of(e.getMessage());
      }
      throw e;
    }
  }

  // ---------------------------------------------------------------- /config and /mode

  private Response config(String method, List<String> p, Map<String, String> q, byte[] body) {
    if (p.size() > 2) {
      return notFound();
    }
    Optional<String> subject = p.size() == 2 ? Optional.of(p.get(1)) : Optional.empty();
    switch (method) {
      case "GET": {
        CompatibilityLevel level;
        if (subject.isEmpty()) {
          level = registry.globalCompatibility();
        } else if (flag(q, "defaultToGlobal")) {
          level = registry.effectiveCompatibility(subject.get());
        } else {
          level = registry.subjectCompatibility(subject.get())
              .orElseThrow(() -> SchemaRegistryException.subjectCompatibilityNotConfigured(subject.get()));
        }
        return json(200, Map.of("compatibilityLevel", level.name()));
      }
      case "PUT": {
        JsonNode request = object(body);
        JsonNode requested = request.get("compatibility");
        String name = requested == null || requested.isNull() ? null : requested.asText();
        CompatibilityLevel level =
            CompatibilityLevel.forName(name).orElseThrow(() -> SchemaRegistryException.invalidCompatibilityLevel(name));
        if (subject.isEmpty()) {
          registry.setGlobalCompatibility(level);
        } else {
          registry.setSubjectCompatibility(subject.get(), level);
        }
        return json(200, Map.of("compatibility", level.name()));
      }
      case "DELETE": {
        CompatibilityLevel before =
            subject.isEmpty()
                ? registry.deleteGlobalCompatibility()
                : registry.deleteSubjectCompatibility(subject.get());
        return json(200, Map.of("compatibilityLevel", before.name()));
      }
      default:
        return methodNotAllowed();
    }
  }

  private Response mode(String method, List<String> p, Map<String, String> q, byte[] body) {
    if (p.size() > 2) {
      return notFound();
    }
    switch (method) {
      case "GET":
        if (p.size() == 2 && !flag(q, "defaultToGlobal")) {
          throw SchemaRegistryException.subjectModeNotConfigured(p.get(1));
        }
        return json(200, Map.of("mode", READWRITE));
      case "PUT": {
        JsonNode requested = object(body).get("mode");
        String mode = requested == null || requested.isNull() ? "" : requested.asText().toUpperCase(Locale.ROOT);
        if (!MODES.contains(mode)) {
          throw SchemaRegistryException.invalidMode(mode);
        }
        if (!mode.equals(READWRITE)) {
          throw SchemaRegistryException.operationNotPermitted(
              "Cannot set mode " + mode + ": Floe's schema registry runs in READWRITE mode only");
        }
        return json(200, Map.of("mode", READWRITE));
      }
      default:
        return methodNotAllowed();
    }
  }

  // ---------------------------------------------------------------- requests

  /** The schema of a register, lookup or compatibility request: {schema, schemaType?, references?}. */
  private static SchemaText schemaText(byte[] body) {
    JsonNode request = object(body);
    JsonNode id = request.get("id");
    if (id != null && id.isNumber() && id.asInt() >= 0) {
      throw SchemaRegistryException.operationNotPermitted(
          "Cannot register a schema with a given id: Floe's schema registry assigns ids itself (no import mode)");
    }
    JsonNode schema = request.get("schema");
    if (schema != null && (schema.isContainerNode())) {
      throw new BadRequestException(
          "Cannot read field 'schema': it must be a string holding the schema text (a JSON schema escaped into a"
              + " string), got " + schema.getNodeType());
    }
    SchemaType type = SchemaType.AVRO;
    JsonNode typeName = request.get("schemaType");
    if (typeName != null && !typeName.isNull()) {
      try {
        type = SchemaType.valueOf(typeName.asText().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw SchemaRegistryException.invalidSchema(
            "Invalid schema type " + typeName.asText() + "; valid types are " + List.of(SchemaType.values()));
      }
    }
    List<SchemaReference> references = new ArrayList<>();
    JsonNode refs = request.get("references");
    if (refs != null && !refs.isNull()) {
      if (!refs.isArray()) {
        throw new BadRequestException("Cannot read field 'references': it must be an array");
      }
      for (JsonNode ref : refs) {
        String name = ref.path("name").asText("");
        String refSubject = ref.path("subject").asText("");
        int version = ref.path("version").asInt(-1);
        try {
          references.add(new SchemaReference(name, refSubject, version));
        } catch (IllegalArgumentException e) {
          throw SchemaRegistryException.invalidSchema("Invalid schema reference " + ref + ": " + e.getMessage());
        }
      }
    }
    String text = schema == null || schema.isNull() ? null : schema.asText();
    return new SchemaText(type, text, references);
  }

  private static JsonNode object(byte[] body) {
    if (body.length == 0) {
      return MAPPER.createObjectNode();
    }
    JsonNode node;
    try {
      node = MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw new BadRequestException(e.getOriginalMessage());
    } catch (IOException e) {
      throw new BadRequestException(e.getMessage());
    }
    if (node == null || node.isMissingNode()) {
      return MAPPER.createObjectNode();
    }
    if (!node.isObject()) {
      throw new BadRequestException("Cannot read the request body: expected a JSON object, got " + node.getNodeType());
    }
    return node;
  }

  private static int version(String segment) {
    if (segment.equals("latest")) {
      return -1;
    }
    Optional<Integer> v = integer(segment);
    if (v.isEmpty() || (v.get() < 1 && v.get() != -1)) {
      throw SchemaRegistryException.invalidVersion(segment);
    }
    return v.get();
  }

  private static Optional<Integer> integer(String s) {
    try {
      return Optional.of(Integer.parseInt(s));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static boolean flag(Map<String, String> query, String name) {
    return Boolean.parseBoolean(query.get(name));
  }

  /**
   * The path's segments, each percent-decoded ({@code +} stays a plus, as in any path); empty for a path that
   * is not one (bad encoding, empty segments).
   */
  private static Optional<List<String>> segments(String rawPath) {
    String path = rawPath == null ? "" : rawPath;
    if (path.startsWith("/")) {
      path = path.substring(1);
    }
    if (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    List<String> out = new ArrayList<>();
    if (path.isEmpty()) {
      return Optional.of(out);
    }
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty()) {
        return Optional.empty();
      }
      try {
        out.add(URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    }
    return Optional.of(out);
  }

  // ---------------------------------------------------------------- responses

  private static Map<String, Object> schemaJson(RegisteredSchema schema) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("subject", schema.subject());
    out.put("version", schema.version());
    out.put("id", schema.id());
    if (schema.type() != SchemaType.AVRO) {
      out.put("schemaType", schema.type().name());
    }
    if (!schema.references().isEmpty()) {
      out.put("references", referencesJson(schema.references()));
    }
    out.put("schema", schema.schema());
    return out;
  }

  private static List<Map<String, Object>> referencesJson(List<SchemaReference> references) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (SchemaReference r : references) {
      Map<String, Object> ref = new LinkedHashMap<>();
      ref.put("name", r.name());
      ref.put("subject", r.subject());
      ref.put("version", r.version());
      out.add(ref);
    }
    return out;
  }

  private static Response json(int status, Object body) {
    try {
      return new Response(status, CONTENT_TYPE, MAPPER.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot write a response of plain maps and lists", e);
    }
  }

  private static Response raw(String text) {
    return new Response(200, CONTENT_TYPE, text.getBytes(StandardCharsets.UTF_8));
  }

  private static Response error(int status, int code, String message) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error_code", code);
    body.put("message", message);
    return json(status, body);
  }

  private static Response notFound() {
    return error(404, 404, "HTTP 404 Not Found");
  }

  private static Response methodNotAllowed() {
    return error(405, 405, "HTTP 405 Method Not Allowed");
  }
}
