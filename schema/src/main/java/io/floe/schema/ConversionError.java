package io.floe.schema;

import java.util.Objects;

/**
 * Why one record's key or value could not be converted. A value, never thrown: the caller applies
 * {@code automq.table.topic.errors.tolerance} (skip the record, send it to a dead-letter queue, or fail
 * the partition).
 *
 * @param reason what kind of failure this is, for metrics and the tolerance decision
 * @param field the Iceberg column path the failure is about ({@code user.address.street},
 *     {@code tags.element}), or {@code ""} when it is about the whole value
 * @param message a sentence a user can act on; it names the field and, for conflicts, both types
 */
public record ConversionError(Reason reason, String field, String message) {

  /** The kinds of per-record failure. */
  public enum Reason {
    /** The bytes are not what the converter reads: not JSON, empty, trailing garbage. */
    INVALID_INPUT,
    /** The record's value for a column cannot be stored in, or widened to, that column's type. */
    TYPE_CONFLICT,
    /**
     * Valid input this table cannot take: a non-object value to flatten, an empty, duplicate or
     * reserved field name, a number beyond decimal(38), more new columns than allowed.
     */
    UNSUPPORTED,
    /**
     * Something the conversion needs cannot be reached now (a schema registry down or timing out):
     * the same record may convert later, so it is not bad data.
     */
    UNAVAILABLE
  }

  public ConversionError {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(message, "message");
  }

  @Override
  public String toString() {
    return reason + ": " + message;
  }
}
