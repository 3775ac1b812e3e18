package io.floe.cdc;

import io.floe.schema.ConvertedStruct;
import java.util.Objects;
import org.apache.iceberg.types.Types;

/**
 * One row image of a Debezium event (its {@code after} or {@code before}) or the fields of its key,
 * in the form the event came in. A caller switches on the two cases:
 *
 * <ul>
 *   <li>{@link Typed}: the event carried its schema (JSON with {@code schemas.enable=true}, or an
 *       Avro or Protobuf envelope decoded by its registry schema); the row is decoded, and its
 *       {@link Typed#type()} is the struct to create or evolve the table from.
 *   <li>{@link Json}: the event had no schema; the row is its JSON object as UTF-8, for Floe's
 *       schemaless JSON converter to infer the columns from.
 * </ul>
 */
public sealed interface RowImage permits RowImage.Typed, RowImage.Json {

  /**
   * A decoded row.
   *
   * @param type the row's struct type, to create or evolve the table from; events of one schema share one
   *     instance (and their values one {@code ConvertedStruct.Names})
   * @param value the row, named as {@code type}'s fields
   */
  record Typed(Types.StructType type, ConvertedStruct value) implements RowImage {
    public Typed {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(value, "value");
    }
  }

  /**
   * A row without a schema.
   *
   * @param json the row's JSON object, UTF-8, as the event held it (not copied: do not modify)
   */
  record Json(byte[] json) implements RowImage {
    public Json {
      Objects.requireNonNull(json, "json");
    }

    /** The JSON text, for messages and tests. */
    public String text() {
      return new String(json, java.nio.charset.StandardCharsets.UTF_8);
    }
  }
}
