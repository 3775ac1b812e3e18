package io.floe.schema.internal.jsonschema;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.floe.schema.ConversionError.Reason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * One parser over a record's bytes, with what readers need beside it: the bytes (a value kept as
 * JSON text is copied from them as written) and whether values are being checked strictly, as when
 * a union tries which branch a value is valid against.
 */
final class JsonInput implements AutoCloseable {

  final JsonParser parser;

  /**
   * Lenient decoding ignores {@code required}, closed objects and {@code enum}s; strict does not.
   */
  final boolean strict;

  private final JsonFactory factory;
  private final byte[] bytes;

  /** Where in {@link #bytes} the parser started: its byte offsets are relative to it. */
  private final int base;

  /**
   * @throws InvalidJsonValueException if the bytes are not UTF-8
   */
  JsonInput(JsonFactory factory, byte[] bytes, int offset, int length, boolean strict)
      throws IOException {
    this.parser = factory.createParser(bytes, offset, length);
    if (parser.currentLocation().getByteOffset() < 0) {
      // Jackson took the bytes for UTF-16 or UTF-32 (zero bytes up front): its offsets are then in
      // characters, and values kept as text could not be cut from the bytes
      parser.close();
      throw new InvalidJsonValueException(
          Reason.INVALID_INPUT,
          "",
          "the value is not UTF-8 JSON (it looks like UTF-16 or UTF-32, or starts with zero"
              + " bytes)");
    }
    this.strict = strict;
    this.factory = factory;
    this.bytes = bytes;
    this.base = offset;
  }

  /** Skips the value at {@code token}, returning where it starts and ends in the bytes. */
  long skipValue(JsonToken token) throws IOException {
    int start = base + (int) parser.currentTokenLocation().getByteOffset();
    if (token.isStructStart()) {
      parser.skipChildren();
    } else {
      parser.finishToken(); // strings are otherwise read lazily, and the end not yet known
    }
    int end = base + (int) parser.currentLocation().getByteOffset();
    // a number at the top level is only known to end once the character after it is read
    while (end > start && isWhitespace(bytes[end - 1])) {
      end--;
    }
    return ((long) start << 32) | end;
  }

  /** The value at {@code token} as its JSON text, as written; the parser is moved past it. */
  String text(JsonToken token) throws IOException {
    long span = skipValue(token);
    int start = (int) (span >>> 32);
    return new String(bytes, start, (int) span - start, StandardCharsets.UTF_8);
  }

  /** A parser over the value {@link #skipValue} found at {@code span}, positioned before it. */
  JsonInput reread(long span, boolean strictly) throws IOException {
    int start = (int) (span >>> 32);
    return new JsonInput(factory, bytes, start, (int) span - start, strictly);
  }

  /** Releases the parser's buffers. */
  @Override
  public void close() throws IOException {
    parser.close();
  }

  private static boolean isWhitespace(byte b) {
    return b == ' ' || b == '\n' || b == '\r' || b == '\t';
  }
}
