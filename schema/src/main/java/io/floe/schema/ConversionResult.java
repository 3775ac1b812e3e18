package io.floe.schema;

import java.util.Objects;

/**
 * The outcome of converting one record's key or value: either {@link Converted} or {@link Failed}.
 * Per-record failures are values so that one bad record never throws through the worker.
 */
public sealed interface ConversionResult permits ConversionResult.Converted, ConversionResult.Failed {

  /** A converted null (a Kafka null key or tombstone value, or the JSON literal {@code null}). */
  ConversionResult NULL = new Converted(null);

  static ConversionResult converted(Object value) {
    return value == null ? NULL : new Converted(value);
  }

  static ConversionResult failed(ConversionError error) {
    return new Failed(error);
  }

  static ConversionResult failed(ConversionError.Reason reason, String field, String message) {
    return new Failed(new ConversionError(reason, field, message));
  }

  default boolean isConverted() {
    return this instanceof Converted;
  }

  /**
   * The converted value, to hand to {@link RecordBuilder#put}; {@code null} for a null input.
   *
   * @throws IllegalStateException if the conversion failed
   */
  default Object value() {
    if (this instanceof Converted converted) {
      return converted.value;
    }
    throw new IllegalStateException("Cannot read the value of a failed conversion: " + error());
  }

  /**
   * Why the conversion failed.
   *
   * @throws IllegalStateException if the conversion succeeded
   */
  default ConversionError error() {
    if (this instanceof Failed failed) {
      return failed.error;
    }
    throw new IllegalStateException("Cannot read the error of a successful conversion");
  }

  /**
   * A successful conversion. The value is what the converter's column(s) hold: a {@link
   * java.nio.ByteBuffer} ({@code raw}), a {@link String} ({@code string}, or JSON text), a {@link
   * ConvertedStruct} (a JSON object), another Java value matching a pre-created column, or null.
   */
  record Converted(Object value) implements ConversionResult {}

  /** A failed conversion. */
  record Failed(ConversionError error) implements ConversionResult {
    public Failed {
      Objects.requireNonNull(error, "error");
    }
  }
}
