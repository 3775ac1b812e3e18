package io.floe.schema;

import io.floe.schema.internal.TypeNames;
import java.util.Optional;
import org.apache.iceberg.UpdateSchema;
import org.apache.iceberg.types.Type;

/** One change {@link SchemaEvolution} makes to a table's schema. None of them drops or narrows. */
public sealed interface SchemaChange
    permits SchemaChange.AddColumn, SchemaChange.WidenColumn, SchemaChange.MakeOptional {

  /** Adds this change to a pending schema update. */
  void applyTo(UpdateSchema update);

  /**
   * Adds an optional column (with its nested fields) at the end of {@code parent}, a struct, or a
   * list's or map's struct (Iceberg adds to the element or value); the table root when empty. The
   * column gets {@code doc}; nested fields keep the docs they have in {@code type}.
   */
  record AddColumn(Optional<String> parent, String name, Type type, Optional<String> doc)
      implements SchemaChange {
    @Override
    public void applyTo(UpdateSchema update) {
      update.addColumn(parent.orElse(null), name, type, doc.orElse(null));
    }

    @Override
    public String toString() {
      return "add " + parent.map(p -> p + ".").orElse("") + name + ": " + TypeNames.describe(type);
    }
  }

  /** Widens a primitive column the ways Iceberg allows: int to long, float to double, decimal. */
  record WidenColumn(String column, Type.PrimitiveType from, Type.PrimitiveType to)
      implements SchemaChange {
    @Override
    public void applyTo(UpdateSchema update) {
      update.updateColumn(column, to);
    }

    @Override
    public String toString() {
      return "widen " + column + ": " + from + " -> " + to;
    }
  }

  /** Makes a required column (or list element, map value) optional. */
  record MakeOptional(String column) implements SchemaChange {
    @Override
    public void applyTo(UpdateSchema update) {
      update.makeColumnOptional(column);
    }

    @Override
    public String toString() {
      return "make optional " + column;
    }
  }
}
