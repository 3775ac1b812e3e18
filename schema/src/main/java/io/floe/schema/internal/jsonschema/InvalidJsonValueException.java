package io.floe.schema.internal.jsonschema;

import io.floe.schema.ConversionError;
import io.floe.schema.ConversionResult;

/**
 * Unwinds the decoding of one record whose JSON does not fit the schema; turned into a failure
 * value at {@link JsonSchemaDecoder#decode}, or, while a union tries its branches, into trying the
 * next one. Carries no stack trace: bad records are data, not bugs, and may be frequent.
 */
final class InvalidJsonValueException extends RuntimeException {

  private final ConversionError.Reason reason;
  private final String path;

  /**
   * @param path the Iceberg column path being read, {@code ""} for the whole value
   * @param message a sentence naming the field
   */
  InvalidJsonValueException(ConversionError.Reason reason, String path, String message) {
    super(message, null, false, false);
    this.reason = reason;
    this.path = path;
  }

  ConversionResult toResult() {
    return ConversionResult.failed(reason, path, getMessage());
  }
}
