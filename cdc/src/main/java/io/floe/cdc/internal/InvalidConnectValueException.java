package io.floe.cdc.internal;

import io.floe.schema.ConversionError;
import io.floe.schema.ConversionResult;

/**
 * Unwinds decoding one payload that does not match its Connect schema; turned into a failure value
 * at the decoder's edge, never thrown out of it. No stack trace: it is a per-record outcome.
 */
public final class InvalidConnectValueException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient ConversionError error;

  InvalidConnectValueException(ConversionError.Reason reason, String field, String message) {
    super(message, null, false, false);
    this.error = new ConversionError(reason, field, message);
  }

  public ConversionResult toResult() {
    return ConversionResult.failed(error);
  }
}
