package io.floe.cdc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.floe.schema.ConversionError;
import io.floe.schema.ConversionError.Reason;
import java.io.IOException;
import java.util.Iterator;
import java.util.Objects;

/**
 * A record's key or value as Kafka's {@code JsonConverter} wrote it: with {@code
 * schemas.enable=true} an object of exactly {@code schema} and {@code payload}, else the payload
 * alone. Parsing is shared by {@link DebeziumEnvelope} and {@link DebeziumKey}.
 */
final class ConnectJsonValue {

  /** The parsed value: {@code schema} null when it came without one; {@code payload} never null. */
  record Parsed(JsonNode schema, JsonNode payload) {
    boolean isNull() {
      return payload.isNull();
    }
  }

  /** Either a parsed value or why the bytes are not JSON. */
  record Outcome(Parsed parsed, ConversionError error) {}

  private ConnectJsonValue() {}

  /** Null bytes parse as a JSON null payload. */
  static Outcome parse(byte[] bytes, int offset, int length) {
    if (bytes == null) {
      return new Outcome(
          new Parsed(null, com.fasterxml.jackson.databind.node.NullNode.instance), null);
    }
    Objects.checkFromIndexSize(offset, length, bytes.length);
    JsonNode root;
    try {
      root = ConnectSchemaDecoder.JSON.readTree(bytes, offset, length);
    } catch (JsonProcessingException e) {
      return new Outcome(
          null,
          new ConversionError(Reason.INVALID_INPUT, "", "invalid JSON: " + e.getOriginalMessage()));
    } catch (IOException e) {
      // reading a byte array does no I/O; kept for the checked signature
      return new Outcome(
          null, new ConversionError(Reason.INVALID_INPUT, "", "unreadable JSON: " + e));
    }
    if (root == null || root.isMissingNode()) {
      return new Outcome(
          null, new ConversionError(Reason.INVALID_INPUT, "", "the value is empty, not JSON"));
    }
    if (isWrapper(root)) {
      JsonNode schema = root.get("schema");
      return new Outcome(new Parsed(schema.isNull() ? null : schema, root.get("payload")), null);
    }
    return new Outcome(new Parsed(null, root), null);
  }

  /**
   * JsonConverter's wrapper: an object of exactly the fields {@code schema} and {@code payload}.
   */
  private static boolean isWrapper(JsonNode root) {
    if (!root.isObject() || root.size() != 2) {
      return false;
    }
    Iterator<String> names = root.fieldNames();
    boolean schema = false;
    boolean payload = false;
    while (names.hasNext()) {
      String name = names.next();
      schema |= name.equals("schema");
      payload |= name.equals("payload");
    }
    return schema && payload && (root.get("schema").isObject() || root.get("schema").isNull());
  }

  /** The schema of the struct field {@code name} of a struct schema, or null if it has none. */
  static JsonNode fieldSchema(JsonNode structSchema, String name) {
    JsonNode fields = structSchema.get("fields");
    if (fields != null && fields.isArray()) {
      for (JsonNode field : fields) {
        if (name.equals(field.path("field").asText(null))) {
          return field;
        }
      }
    }
    return null;
  }
}
