/**
 * Kafka record bytes to Iceberg data for Table Topics.
 *
 * <h2>What the worker calls</h2>
 *
 * <ul>
 *   <li>{@link io.floe.schema.ValueConverters#forValue} / {@link io.floe.schema.ValueConverters#forKey}
 *       build a {@link io.floe.schema.ValueConverter} from the topic's {@code automq.table.topic.*}
 *       configs ({@link io.floe.schema.ValueConverters#validate} checks them at topic creation).
 *   <li>{@link io.floe.schema.ValueConverter#convert} returns a {@link io.floe.schema.ConversionResult}:
 *       a value, or a {@link io.floe.schema.ConversionError} for {@code errors.tolerance}.
 *   <li>Once per batch, {@link io.floe.schema.SchemaEvolution#evolve} commits what the converters'
 *       {@link io.floe.schema.ValueConverter#columns()} need; then {@link
 *       io.floe.schema.ValueConverter#useSchema} with the new schema.
 *   <li>{@link io.floe.schema.RecordBuilder#put} writes converted values into {@code GenericRecord}
 *       rows of that schema for Iceberg's Parquet appender.
 * </ul>
 *
 * <h2>Schemaless JSON ({@code convert.*.type=json})</h2>
 *
 * <ul>
 *   <li><b>Types.</b> Objects become structs, arrays lists, {@code true}/{@code false} boolean,
 *       integers long, numbers with a fraction or exponent double, strings string. ISO-8601 text
 *       stays a string: JSON cannot tell a timestamp from text. Every inferred column, list element
 *       and nested field is optional.
 *   <li><b>Nulls and empty containers.</b> {@code null}, {@code []}, {@code [null]} and {@code {}}
 *       carry no type: no column is created until a record has a typed value (Parquet cannot store
 *       an empty struct, and a guessed string would block the real type later). Such values are
 *       kept (an empty list stays empty) once the column exists. A missing field is null.
 *   <li><b>Widening in a batch.</b> Until a column is in the table its type widens freely: long to
 *       double when a fraction arrives, long to decimal(38, 0) for integers beyond the long range,
 *       decimal(38, 0) to double, structs gain fields, lists widen with their elements. Rows are
 *       built with the final type (a long written earlier becomes a double).
 *   <li><b>Widening in the table.</b> Once a column is in the table it only widens as Iceberg
 *       allows: int to long, float to double, decimal precision. A fraction for a long column is a
 *       {@code TYPE_CONFLICT} (Iceberg cannot widen long to double); an integral value written
 *       {@code 3.0} is stored as 3. An integer beyond long for a long column is a conflict; beyond
 *       38 digits, {@code UNSUPPORTED}. Columns are never dropped, narrowed or renamed.
 *   <li><b>Conflicts.</b> Struct vs string, long vs string, list vs struct, boolean vs number, and
 *       arrays mixing numbers with strings (numbers alone widen to double) fail the record with
 *       {@code TYPE_CONFLICT}; the message names the field path and both types. A failed record
 *       leaves no trace in the inferred schema.
 *   <li><b>Names.</b> Keys map to columns ignoring case, and the first spelling names the column
 *       (Spark and Trino resolve names case-insensitively, so {@code userId} and {@code USERID}
 *       must not be two columns). Dots become underscores ({@code a.b} is column {@code a_b}),
 *       because dotted paths name nested columns in Iceberg. Other characters are kept: Iceberg
 *       stores them, and its Parquet files refer to columns by id. An empty key, or two keys of one
 *       object landing in one column (duplicates included), is {@code UNSUPPORTED}.
 *   <li><b>Top level.</b> With {@code transform.value.type=flatten} the value must be an object
 *       (else {@code UNSUPPORTED}); its fields are top-level columns, and names reserved for
 *       Floe's record metadata ({@code _kafka_*}, {@code _cdc}) are {@code UNSUPPORTED}. With
 *       {@code none} an object fills the struct column {@code _kafka_value}; any other JSON value,
 *       or any value once that column is a string, is stored as its JSON text. A JSON {@code null}
 *       converts to null, like a Kafka tombstone.
 *   <li><b>Pre-created columns.</b> A column a user created takes its own type: ISO-8601 strings
 *       into date, time, timestamp (no offset means UTC), UUID strings into uuid, base64 into
 *       binary/fixed, numbers into int/float/decimal (scale must fit), objects into
 *       {@code map<string, ...>} (a way to keep dynamic keys out of the schema).
 *   <li><b>Limits.</b> No new field once the tracked schema has {@value
 *       io.floe.schema.internal.json.JsonValueConverter#MAX_COLUMNS} fields ({@code UNSUPPORTED}):
 *       a topic with unbounded distinct keys must not grow the table forever. Jackson's defaults
 *       bound nesting (1000 levels) and token sizes.
 * </ul>
 *
 * <h2>raw and string</h2>
 *
 * <p>{@code raw} stores the bytes as {@code binary}; {@code string} decodes UTF-8 (malformed
 * sequences become U+FFFD, as Kafka's StringDeserializer does, so binary keys under the default
 * {@code string} key type are kept rather than dropped). If the table's column has another type
 * (the topic's convert type changed), every record fails with a {@code TYPE_CONFLICT} saying so.
 */
package io.floe.schema;
