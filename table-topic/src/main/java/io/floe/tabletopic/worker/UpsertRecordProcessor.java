package io.floe.tabletopic.worker;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;

/**
 * {@code upsert.enable} and {@code cdc.field} for topics that are not Debezium's: the rows another processor
 * makes are upserts by {@code id.columns} instead of appends; with a CDC field, that column of each row says
 * what the row is, {@code I} (insert) or {@code U} (update) for an upsert and {@code D} for a delete (AutoMQ's
 * letters; case does not matter). A row without identifier values, or with another letter, is invalid data.
 */
public final class UpsertRecordProcessor implements RecordProcessor {

  private final RecordProcessor rows;
  private final List<String> ids;
  private final String cdcField;

  /**
   * @param rows the processor whose rows are upserted
   * @param ids the identifier columns (top-level)
   * @param cdcField the column holding I, U or D; empty if every row is an upsert
   */
  public UpsertRecordProcessor(RecordProcessor rows, List<String> ids, String cdcField) {
    if (ids.isEmpty()) {
      throw new IllegalArgumentException("Upserts need identifier columns (automq.table.topic.id.columns)");
    }
    this.rows = rows;
    this.ids = List.copyOf(ids);
    this.cdcField = cdcField;
  }

  @Override
  public Schema initialSchema() {
    return rows.initialSchema();
  }

  @Override
  public List<String> identifierColumns() {
    return ids;
  }

  @Override
  public ProcessedRecord process(KafkaRecord record, Schema tableSchema) {
    return asChange(rows.process(record, tableSchema), tableSchema);
  }

  @Override
  public List<ProcessedRecord> process(List<KafkaRecord> chunk, Schema tableSchema) {
    List<ProcessedRecord> processed = rows.process(chunk, tableSchema);
    List<ProcessedRecord> out = new ArrayList<>(processed.size());
    for (ProcessedRecord p : processed) {
      out.add(asChange(p, tableSchema));
    }
    return out;
  }

  private ProcessedRecord asChange(ProcessedRecord processed, Schema tableSchema) {
    if (!(processed instanceof ProcessedRecord.RowChange change)) {
      return processed;
    }
    Record row = change.row();
    for (String id : ids) {
      Types.NestedField field = tableSchema.caseInsensitiveFindField(id);
      if (field == null || row.getField(field.name()) == null) {
        return ProcessedRecord.Failure.invalidData("the row has no value for identifier column " + id
            + " (automq.table.topic.id.columns)");
      }
    }
    if (cdcField.isEmpty()) {
      return new ProcessedRecord.RowChange(ProcessedRecord.RowChange.Operation.UPSERT, row);
    }
    Types.NestedField field = tableSchema.caseInsensitiveFindField(cdcField);
    Object op = field == null ? null : row.getField(field.name());
    String letter = op == null ? "" : op.toString().trim().toUpperCase(Locale.ROOT);
    return switch (letter) {
      case "I", "U" -> new ProcessedRecord.RowChange(ProcessedRecord.RowChange.Operation.UPSERT, row);
      case "D" -> new ProcessedRecord.RowChange(ProcessedRecord.RowChange.Operation.DELETE, row);
      default -> ProcessedRecord.Failure.invalidData("the CDC field " + cdcField + " holds "
          + (op == null ? "nothing" : "'" + op + "'") + "; expected I, U or D (automq.table.topic.cdc.field)");
    };
  }
}
