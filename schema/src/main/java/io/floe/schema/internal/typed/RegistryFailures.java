package io.floe.schema.internal.typed;

import io.floe.schema.ConversionError;
import io.floe.schema.ConversionResult;
import io.floe.schema.registry.RegistryUnavailableException;
import io.floe.schema.registry.SchemaRegistryException;

/** Registry and schema problems as per-record failure values. */
final class RegistryFailures {

  private RegistryFailures() {}

  /** What a failed lookup of {@code what} means for the record. */
  static ConversionResult of(String what, RuntimeException e) {
    if (e instanceof RegistryUnavailableException) {
      return ConversionResult.failed(ConversionError.Reason.UNAVAILABLE, "",
          "Cannot read " + what + ": the schema registry is unavailable (" + e.getMessage() + ")");
    }
    if (e instanceof SchemaRegistryException r && r.isNotFound()) {
      return ConversionResult.failed(ConversionError.Reason.INVALID_INPUT, "",
          "Cannot read " + what + ": the schema registry does not have it (" + e.getMessage() + ")");
    }
    if (e instanceof IllegalArgumentException) {
      return ConversionResult.failed(ConversionError.Reason.UNSUPPORTED, "",
          "Cannot read " + what + ": " + e.getMessage());
    }
    if (e instanceof SchemaRegistryException) {
      // 5xx-like answers (store errors, timeouts) say nothing about the record
      return ConversionResult.failed(ConversionError.Reason.UNAVAILABLE, "",
          "Cannot read " + what + ": the schema registry failed (" + e.getMessage() + ")");
    }
    throw e;
  }
}
