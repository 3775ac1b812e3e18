package io.floe.tabletopic.worker;

import java.util.ArrayList;
import java.util.List;
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

  /**
   * The columns that identify a row, for processors that upsert and delete (CDC); empty for append-only
   * tables. May be learned from the first record (a Debezium key), so it is asked when a writer is opened.
   */
  default List<String> identifierColumns() {
    return List.of();
  }

  /** Processes {@code record} against the table's {@code tableSchema}; never throws for bad data. */
  ProcessedRecord process(KafkaRecord record, Schema tableSchema);

  /**
   * Processes a chunk of one partition's consecutive records against {@code tableSchema}: one {@code RowChange}
   * or {@code Failure} per record, in order; or a single {@link ProcessedRecord.SchemaNeeded} when the chunk
   * needs columns the table lacks, after which the caller evolves the table and processes the chunk again.
   * Processing a chunk as a whole lets a column's type settle across its records before the table is evolved
   * (schemaless JSON: {@code {"v":1}} then {@code {"v":2.5}} make {@code v} a double). This default processes
   * the records one by one.
   */
  default List<ProcessedRecord> process(List<KafkaRecord> chunk, Schema tableSchema) {
    List<ProcessedRecord> out = new ArrayList<>(chunk.size());
    for (KafkaRecord record : chunk) {
      ProcessedRecord p = process(record, tableSchema);
      if (p instanceof ProcessedRecord.SchemaNeeded) {
        return List.of(p);
      }
      out.add(p);
    }
    return out;
  }
}
