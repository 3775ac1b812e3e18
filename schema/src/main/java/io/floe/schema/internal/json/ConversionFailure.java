package io.floe.schema.internal.json;

import io.floe.schema.ConversionError;

/** Unwinds the reading of one record; turned into a {@link ConversionError} value at the edge. */
final class ConversionFailure extends RuntimeException {

  final ConversionError error;

  ConversionFailure(ConversionError.Reason reason, String field, String message) {
    super(message, null, false, false);
    this.error = new ConversionError(reason, field, message);
  }
}
