package io.floe.tabletopic.worker;

import java.util.List;
import java.util.Objects;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;

/** What a {@link RecordProcessor} made of one record: a row change, a schema need, or a failure. */
public sealed interface ProcessedRecord
    permits ProcessedRecord.RowChange, ProcessedRecord.SchemaNeeded, ProcessedRecord.Failure,
        ProcessedRecord.Ignored, ProcessedRecord.Truncate {

  /**
   * The record changes the table: an insert (append-only tables), or an upsert or delete of the row with the
   * same identifier columns (tables with {@link RecordProcessor#identifierColumns()}).
   */
  record RowChange(Operation operation, Record row) implements ProcessedRecord {
    public enum Operation {
      /** The row is appended. */
      INSERT,
      /** The row replaces the row with its identifier values, if there is one. */
      UPSERT,
      /** The row with the identifier values of {@code row} (its other columns may be null) is removed. */
      DELETE
    }

    public RowChange {
      Objects.requireNonNull(operation, "operation");
      Objects.requireNonNull(row, "row");
    }

    public static RowChange insert(Record row) {
      return new RowChange(Operation.INSERT, row);
    }
  }

  /** The record empties the table (a truncate of the source table): every row before it is removed. */
  record Truncate(String source) implements ProcessedRecord {}

  /** The record changes nothing (a tombstone after a delete, a transaction marker); the table moves past it. */
  record Ignored(String reason) implements ProcessedRecord {}

  /**
   * The record needs these top-level columns (matched by name; ids are placeholders) and the table cannot
   * hold them yet: evolve the table, then process the record again.
   */
  record SchemaNeeded(List<Types.NestedField> columns) implements ProcessedRecord {
    public SchemaNeeded {
      columns = List.copyOf(columns);
    }
  }

  /**
   * The record cannot become a row.
   *
   * @param kind whether the record itself is bad, or something it needs is unavailable for now
   * @param message a sentence a user can act on
   */
  record Failure(Kind kind, String message) implements ProcessedRecord {
    public enum Kind {
      /** The record's bytes cannot be converted into the table (corrupt, unknown schema, type conflict). */
      INVALID_DATA,
      /** Something the conversion needs (a schema registry) cannot be reached: the same record may convert later. */
      UNAVAILABLE
    }

    public Failure {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(message, "message");
    }

    public static Failure invalidData(String message) {
      return new Failure(Kind.INVALID_DATA, message);
    }
  }
}
