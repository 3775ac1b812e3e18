package io.floe.tabletopic.worker;

import java.util.List;
import java.util.Objects;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;

/** What a {@link RecordProcessor} made of one record: a row change, a schema need, or a failure. */
public sealed interface ProcessedRecord
    permits ProcessedRecord.RowChange, ProcessedRecord.SchemaNeeded, ProcessedRecord.Failure {

  /** The record changes the table: today every change is an insert; CDC adds upserts and deletes. */
  record RowChange(Operation operation, Record row) implements ProcessedRecord {
    public enum Operation {
      INSERT
    }

    public RowChange {
      Objects.requireNonNull(operation, "operation");
      Objects.requireNonNull(row, "row");
    }

    public static RowChange insert(Record row) {
      return new RowChange(Operation.INSERT, row);
    }
  }

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
