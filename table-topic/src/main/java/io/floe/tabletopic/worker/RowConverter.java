package io.floe.tabletopic.worker;

import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.Record;

/**
 * Turns a topic's records into table rows. One instance per table, used by one thread at a time.
 *
 * <p>A record that needs columns the table does not have yet (schemaless JSON growing) asks for a wider
 * schema instead of a row; the pipeline evolves the table and converts the record again. A record that
 * cannot be converted is an error value, handled by {@code errors.tolerance}.
 */
public interface RowConverter {

  /** The schema a new table is created with before any record was seen. */
  Schema initialSchema();

  /** Converts {@code record} into a row of {@code tableSchema}. */
  Conversion convert(KafkaRecord record, Schema tableSchema);

  /** Widens a table's schema for records that need more than it has; never drops or narrows. */
  @FunctionalInterface
  interface Evolution {
    void apply(Table table);
  }

  /** Exactly one of row, evolution or error is set. */
  record Conversion(Record row, Evolution evolution, String error) {
    public static Conversion row(Record row) {
      return new Conversion(row, null, null);
    }

    public static Conversion evolve(Evolution evolution) {
      return new Conversion(null, evolution, null);
    }

    public static Conversion error(String error) {
      return new Conversion(null, null, error);
    }
  }
}
