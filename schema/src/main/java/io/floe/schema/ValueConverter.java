package io.floe.schema;

import java.util.List;
import java.util.Optional;
import org.apache.iceberg.Schema;
import org.apache.iceberg.types.Types;

/**
 * Turns one side (key or value) of a table topic's Kafka records into Iceberg data. Created by
 * {@link ValueConverters} from the topic's {@code automq.table.topic.*} configs.
 *
 * <p>The worker's loop for one batch:
 *
 * <pre>{@code
 * converter.useSchema(table.schema());                     // once, and after every schema change
 * ConversionResult r = converter.convert(record.value());  // per record: Converted or Failed
 * if (converter.needsSchemaChange()) {                     // per batch
 *   Schema schema = SchemaEvolution.evolve(table, converter.columns()).schema();
 *   converter.useSchema(schema);
 * }
 * RecordBuilder rows = RecordBuilder.forSchema(schema);
 * GenericRecord row = rows.newRow();
 * rows.put(row, converter.placement(), r.value());          // per converted record
 * }</pre>
 *
 * <p>A converter that infers its schema ({@code json}) remembers what the records converted since
 * the last {@link #useSchema} need beyond the table (new columns, wider types): that is what {@link
 * #columns()} reports. Instances are not thread-safe: confine each to one worker thread (one per
 * partition worker and side). They are cheap to create.
 */
public interface ValueConverter {

  /** Where this converter's values go in a row: flattened into top-level columns, or one column. */
  Placement placement();

  /**
   * Binds the converter to the table's current schema, which decides conflicts from now on (a
   * column's type in the table can only widen the ways Iceberg allows). Forgets what earlier records
   * needed: call it after evolving the table with {@link #columns()}, and whenever the table's schema
   * changed for another reason. Until the first call the table is taken to have no columns.
   */
  void useSchema(Schema tableSchema);

  /**
   * The top-level columns this converter's values need: the table's columns as bound by {@link
   * #useSchema}, widened and extended by the records converted since. For a flattened value these
   * are the value's fields (never the reserved {@code _kafka_*} / {@code _cdc} columns); otherwise one
   * column named after {@link #placement()}, absent while no record has given evidence of its type.
   * Field ids of columns the table has are the table's ids; ids of new fields are placeholders, unique
   * within this list only: match by name.
   */
  List<Types.NestedField> columns();

  /**
   * Whether {@link #columns()} differs from what the bound table has, i.e. the records converted
   * since {@link #useSchema} need a schema change before their rows can be built. Cheap enough to
   * call per record: it is recomputed only after a record changed the inferred schema.
   */
  boolean needsSchemaChange();

  /**
   * Converts {@code length} bytes of {@code bytes} from {@code offset}; {@code bytes} may be null (a
   * null key, a tombstone), which converts to null. The result's value may share {@code bytes}: do
   * not modify the array until the row is written. Never throws for bad input.
   */
  ConversionResult convert(byte[] bytes, int offset, int length);

  /**
   * The struct type of the last value converted, as its writer's schema gives it (converters that decode by a
   * schema); empty for converters without one, or before a struct was converted.
   */
  default Optional<Types.StructType> lastValueType() {
    return Optional.empty();
  }

  /** Converts all of {@code bytes}, which may be null. */
  default ConversionResult convert(byte[] bytes) {
    return bytes == null ? convert(null, 0, 0) : convert(bytes, 0, bytes.length);
  }
}
