package io.floe.schema;

import java.util.Objects;

/**
 * A converted JSON object: values by position, with their column names in {@link #names()}. It is
 * the converter's intermediate form, independent of field ids, so it can be written into whatever
 * table schema is current when the row is built ({@link RecordBuilder} matches it by name).
 *
 * <p>Values are {@code Boolean}, {@code Long}, {@code Double}, {@code java.math.BigDecimal}, {@code
 * String}, {@code java.util.List}, {@code ConvertedStruct}, or (for columns a user pre-created with
 * other types) {@code Integer}, {@code Float}, {@code java.time} values, {@code java.util.UUID},
 * {@code java.nio.ByteBuffer}, {@code byte[]}, {@code java.util.Map}; a missing field is null.
 */
public final class ConvertedStruct {

  /**
   * The column names of a family of converted structs, by position. Append-only: a name's position
   * never changes and positions beyond {@link #size()} at conversion time are absent from older
   * values, so one instance can stand for many records and be used as a cache key.
   */
  public interface Names {
    int size();

    String name(int position);
  }

  private final Names names;
  private final Object[] values;

  /** Wraps {@code values} (not copied); {@code values.length} may be less than {@code names.size()}. */
  public ConvertedStruct(Names names, Object[] values) {
    this.names = Objects.requireNonNull(names, "names");
    this.values = Objects.requireNonNull(values, "values");
  }

  public Names names() {
    return names;
  }

  /** How many positions this value has; may be less than {@code names().size()}. */
  public int size() {
    return Math.min(values.length, names.size());
  }

  public String name(int position) {
    return names.name(position);
  }

  public Object get(int position) {
    return position < values.length ? values[position] : null;
  }

  /** The value of the column {@code name} (exact spelling), or null if absent. */
  public Object get(String name) {
    int size = size();
    for (int i = 0; i < size; i++) {
      if (names.name(i).equals(name)) {
        return values[i];
      }
    }
    return null;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("{");
    int size = size();
    for (int i = 0; i < size; i++) {
      if (values[i] != null) {
        if (sb.length() > 1) {
          sb.append(", ");
        }
        sb.append(names.name(i)).append('=').append(values[i]);
      }
    }
    return sb.append('}').toString();
  }
}
