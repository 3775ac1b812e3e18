package io.floe.schema.internal.jsonschema;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.floe.schema.ConversionError.Reason;
import java.io.IOException;

/**
 * Reads the JSON value of one node of a schema into the Java value {@code RecordBuilder} takes for
 * the node's Iceberg type. Readers hold no per-record state, so one tree serves every thread.
 */
abstract class JsonValueReader {

  private final String path;
  private final String expected;

  /**
   * Whether the schema allows null here; only strict reads check it (lenient ones take null for any
   * field, as writers that do not validate send it). Set while the mapping builds the tree, before
   * the decoder holding it is published.
   */
  private boolean nullable;

  /**
   * @param path the Iceberg column path of the values read, {@code ""} for the whole value
   * @param expected what the schema wants, completing "field 'x' is ... in the schema"
   */
  JsonValueReader(String path, String expected) {
    this.path = path;
    this.expected = expected;
  }

  final String path() {
    return path;
  }

  final String expected() {
    return expected;
  }

  final void nullable(boolean value) {
    this.nullable = value;
  }

  /**
   * Reads the value that starts at {@code token} (never {@code VALUE_NULL}), leaving the parser on
   * its last token.
   *
   * @throws IOException from the parser for malformed JSON; the parent names this reader's field in
   *     the failure ({@link #readChild})
   * @throws InvalidJsonValueException for JSON that does not fit this schema node
   */
  abstract Object read(JsonInput in, JsonToken token) throws IOException;

  /**
   * Whether a value starting with {@code token} can be of this node's type: unions dispatch on it.
   */
  abstract boolean accepts(JsonToken token);

  /** Reads {@code child}'s value at {@code token}; malformed JSON becomes a failure naming it. */
  static Object readChild(JsonValueReader child, JsonInput in, JsonToken token) {
    if (token == JsonToken.VALUE_NULL) {
      if (in.strict && !child.nullable) {
        throw child.mismatch(token);
      }
      return null;
    }
    try {
      return child.read(in, token);
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " at line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr();
      throw child.invalid(Reason.INVALID_INPUT, "invalid JSON: " + e.getOriginalMessage() + where);
    } catch (IOException e) {
      // reading a byte array does no I/O; kept for the checked signature
      throw child.invalid(Reason.INVALID_INPUT, "unreadable JSON: " + e);
    }
  }

  /** The record has a value of another JSON type than the schema's. */
  final InvalidJsonValueException mismatch(JsonToken found) {
    return mismatch(found(found));
  }

  final InvalidJsonValueException mismatch(String found) {
    return new InvalidJsonValueException(
        Reason.INVALID_INPUT,
        path,
        subject() + " is " + expected + " in the schema, but the record has " + found);
  }

  /** The value cannot be read as this node's, for {@code why}. */
  final InvalidJsonValueException invalid(Reason reason, String why) {
    return new InvalidJsonValueException(reason, path, subject() + " cannot be read: " + why);
  }

  private String subject() {
    return path.isEmpty() ? "the value" : "field '" + path + "'";
  }

  static String found(JsonToken token) {
    switch (token) {
      case START_OBJECT:
        return "an object";
      case START_ARRAY:
        return "an array";
      case VALUE_STRING:
        return "a string";
      case VALUE_NUMBER_INT:
        return "an integer";
      case VALUE_NUMBER_FLOAT:
        return "a number";
      case VALUE_TRUE:
      case VALUE_FALSE:
        return "a boolean";
      case VALUE_NULL:
        return "null";
      default:
        return String.valueOf(token);
    }
  }

  @Override
  public String toString() {
    return (path.isEmpty() ? "<value>" : path) + ": " + expected;
  }
}
