package io.floe.schema.internal.avro;

import io.floe.schema.ConversionError;
import io.floe.schema.ConversionResult;

/**
 * Unwinds the decoding of one record whose bytes do not fit the writer schema; turned into an
 * {@link ConversionError.Reason#INVALID_INPUT} value at {@link AvroSchemaDecoder#decode}. Carries
 * no stack trace: corrupt records are data, not bugs, and may be frequent.
 */
final class InvalidAvroException extends RuntimeException {

  private final String path;

  /**
   * @param path the Iceberg column path being read, {@code ""} for the whole value
   * @param reason what was wrong, completing "field 'x' cannot be read: ..."
   */
  InvalidAvroException(String path, String reason) {
    super(
        (path.isEmpty() ? "the value" : "field '" + path + "'") + " cannot be read: " + reason,
        null,
        false,
        false);
    this.path = path;
  }

  ConversionResult toResult() {
    return ConversionResult.failed(ConversionError.Reason.INVALID_INPUT, path, getMessage());
  }
}
