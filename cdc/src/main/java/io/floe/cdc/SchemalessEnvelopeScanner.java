package io.floe.cdc;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;

/**
 * The fast path of {@link DebeziumEnvelope#unwrap(byte[], int, int)} for the common case, JsonConverter with
 * schemas off: one streaming pass finds the operation, the source block and the byte range of the row image,
 * which is handed on as it is, with no tree built and nothing written again. Anything else (the
 * schema/payload wrapper, transaction markers, a malformed event) returns null, and the tree path reads it
 * and says what is wrong.
 */
final class SchemalessEnvelopeScanner {

  private SchemalessEnvelopeScanner() {}

  /** The unwrapped event, or null if the tree path must read it. */
  static DebeziumEnvelope.Unwrapped scan(byte[] bytes, int offset, int length) {
    try (JsonParser p = ConnectSchemaDecoder.JSON.getFactory().createParser(bytes, offset, length)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      String op = null;
      Source source = null;
      Long tsMs = null;
      int[] before = null;
      int[] after = null;
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        switch (name) {
          case "schema", "payload", "status" -> {
            return null;
          }
          case "op" -> {
            if (v != JsonToken.VALUE_STRING) {
              return null;
            }
            op = p.getText();
          }
          case "before", "after" -> {
            int[] range = range(p, v, bytes, offset);
            if (range == null && v != JsonToken.VALUE_NULL) {
              return null;
            }
            if (name.equals("before")) {
              before = range;
            } else {
              after = range;
            }
          }
          case "source" -> {
            if (v != JsonToken.START_OBJECT) {
              return null;
            }
            source = source(p);
          }
          case "ts_ms" -> tsMs = v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER
              ? p.getLongValue() : null;
          default -> p.skipChildren();
        }
      }
      if (t != JsonToken.END_OBJECT || p.nextToken() != null || op == null || source == null) {
        return null;
      }
      Optional<Operation> operation = Operation.fromCode(op);
      if (operation.isEmpty()) {
        return null;
      }
      if (operation.get() == Operation.TRUNCATE) {
        return new DebeziumEnvelope.Truncate(source, tsMs);
      }
      int[] row = operation.get() == Operation.DELETE ? before : after;
      if (row == null) {
        return null;
      }
      return new DebeziumEnvelope.Change(operation.get(), new RowImage.Json(Arrays.copyOfRange(bytes, row[0], row[1])),
          source, tsMs);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** The [start, end) of the JSON object the parser is at, in {@code bytes}; null if it is not at an object. */
  private static int[] range(JsonParser p, JsonToken v, byte[] bytes, int offset) throws IOException {
    if (v != JsonToken.START_OBJECT) {
      return null;
    }
    long start = p.currentTokenLocation().getByteOffset();
    p.skipChildren();
    long end = p.currentLocation().getByteOffset();
    // the parser's offsets count from the start of the array or of the range it was given: take the one
    // that points at the object's braces
    for (long base : new long[] {0, offset}) {
      int s = (int) (base + start);
      int e = (int) (base + end);
      if (s >= 0 && e <= bytes.length && s < e && bytes[s] == '{' && bytes[e - 1] == '}') {
        return new int[] {s, e};
      }
    }
    return null;
  }

  private static Source source(JsonParser p) throws IOException {
    String connector = null;
    String db = null;
    String schema = null;
    String table = null;
    Long tsMs = null;
    Long lsn = null;
    String txId = null;
    String snapshot = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      switch (name) {
        case "connector" -> connector = text(p, v);
        case "db" -> db = text(p, v);
        case "schema" -> schema = text(p, v);
        case "table" -> table = text(p, v);
        case "ts_ms" -> tsMs = longValue(p, v);
        case "lsn" -> lsn = longValue(p, v);
        case "txId" -> txId = text(p, v);
        case "snapshot" -> snapshot = text(p, v);
        default -> p.skipChildren();
      }
    }
    return new Source(connector, db, schema, table, tsMs, lsn, txId, snapshot);
  }

  /** Text of a scalar, as the tree path's {@code asText} gives it; null for null, objects and arrays. */
  private static String text(JsonParser p, JsonToken v) throws IOException {
    if (v.isScalarValue() && v != JsonToken.VALUE_NULL) {
      return p.getText();
    }
    p.skipChildren();
    return null;
  }

  private static Long longValue(JsonParser p, JsonToken v) throws IOException {
    if (v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
      return p.getLongValue();
    }
    p.skipChildren();
    return null;
  }
}
