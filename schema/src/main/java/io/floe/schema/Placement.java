package io.floe.schema;

import org.apache.iceberg.relocated.com.google.common.base.Preconditions;

/** Where a converter's values go in a table row. */
public sealed interface Placement permits Placement.Flattened, Placement.Column {

  /** The value's top-level fields are top-level columns of the table. */
  static Placement flattened() {
    return Flattened.INSTANCE;
  }

  /** The whole value is one top-level column. */
  static Placement column(String name) {
    return new Column(name);
  }

  /** {@code transform.value.type=flatten}: fields become top-level columns. */
  final class Flattened implements Placement {
    private static final Flattened INSTANCE = new Flattened();

    private Flattened() {}

    @Override
    public String toString() {
      return "flattened";
    }
  }

  /** The value is one column, e.g. {@code _kafka_key} or {@code _kafka_value}. */
  record Column(String name) implements Placement {
    public Column {
      Preconditions.checkArgument(
          name != null && !name.isEmpty() && !name.contains("."),
          "Cannot place a value in column %s: the name must be a non-empty top-level name",
          name);
    }
  }
}
