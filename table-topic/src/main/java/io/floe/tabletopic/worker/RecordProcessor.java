package io.floe.tabletopic.worker;

import org.apache.iceberg.Schema;

/**
 * Turns a topic's records into row changes for its table. One instance per table, used by one thread at a
 * time.
 *
 * <p>A record that needs columns the table does not have yet (schemaless JSON growing, a new schema
 * version) asks for them with {@link ProcessedRecord.SchemaNeeded} instead of a row; the commit coordinator
 * evolves the schema and the record is processed again. A record that cannot be converted is a {@link
 * ProcessedRecord.Failure} value, handled by the topic's error sink.
 */
public interface RecordProcessor {

  /** The schema a new table is created with before any record was seen. */
  Schema initialSchema();

  /** Processes {@code record} against the table's {@code tableSchema}; never throws for bad data. */
  ProcessedRecord process(KafkaRecord record, Schema tableSchema);
}
