package io.floe.tabletopic.worker;

import io.floe.cdc.DebeziumEnvelope;
import io.floe.cdc.DebeziumKey;
import io.floe.cdc.Operation;
import io.floe.cdc.RowImage;
import io.floe.cdc.Source;
import io.floe.schema.ConversionError;
import io.floe.schema.ConversionResult;
import io.floe.schema.ConvertedStruct;
import io.floe.schema.ConverterConfig.ConvertType;
import io.floe.schema.Placement;
import io.floe.schema.RecordBuilder;
import io.floe.schema.SchemaEvolution;
import io.floe.schema.ValueConverter;
import io.floe.schema.ValueConverters;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.types.TypeUtil;
import org.apache.iceberg.types.Types;
import org.apache.kafka.common.utils.Utils;

/**
 * {@code transform.value.type=flatten_debezium}: Debezium change events (Kafka's JsonConverter, with or
 * without schemas; or Confluent's Avro and Protobuf converters, read by their registry schemas) become the
 * source table's rows. Inserts, snapshot reads and updates upsert the row by its
 * identifier columns ({@code id.columns}, else the fields of the Debezium record key); deletes delete it; the
 * tombstones after deletes and transaction markers change nothing. Each row carries a {@code _cdc} column: the
 * operation, the source's commit time, its position (PostgreSQL's LSN), transaction id and table.
 *
 * <p>Rows without a schema have their columns inferred as schemaless JSON; with one, typed by it (Debezium's
 * time, decimal and UUID types included). A truncate empties the table.
 */
public final class DebeziumRecordProcessor implements RecordProcessor {

  /** The column of each row's change metadata. */
  public static final String CDC = "_cdc";

  private static final Types.StructType CDC_TYPE = Types.StructType.of(
      Types.NestedField.optional(1, "op", Types.StringType.get()),
      Types.NestedField.optional(2, "ts", Types.TimestampType.withZone()),
      Types.NestedField.optional(3, "lsn", Types.LongType.get()),
      Types.NestedField.optional(4, "tx", Types.StringType.get()),
      Types.NestedField.optional(5, "source", Types.StringType.get()));

  private final List<String> configuredIds;
  private final ValueConverter json = ValueConverters.create(ConvertType.JSON, Placement.flattened());
  /** Decodes Avro or Protobuf envelopes by their registry schema; empty for JSON envelopes. */
  private final Optional<ValueConverter> envelopes;
  private List<String> ids = List.of();
  private Schema bound;
  private RecordBuilder rows;

  /** JSON envelopes. @param idColumns the configured identifier columns; empty to take the Debezium key's fields */
  public DebeziumRecordProcessor(List<String> idColumns) {
    this(idColumns, Optional.empty());
  }

  /**
   * @param idColumns the configured identifier columns; empty to take the Debezium key's fields
   * @param envelopes the converter of Avro or Protobuf envelopes ({@code by_schema_id}, {@code
   *     by_latest_schema}, {@code protobuf}); empty for JSON envelopes
   */
  public DebeziumRecordProcessor(List<String> idColumns, Optional<ValueConverter> envelopes) {
    this.configuredIds = List.copyOf(idColumns);
    this.ids = configuredIds;
    this.envelopes = envelopes;
    // envelopes are only decoded here, never written as they are: no table columns to bind them to
    envelopes.ifPresent(e -> e.useSchema(new Schema()));
  }

  @Override
  public Schema initialSchema() {
    List<Types.NestedField> fields = new ArrayList<>(MetadataColumns.fields(MetadataColumns.KeyFormat.STRING, 1000));
    fields.add(Types.NestedField.optional(2000, CDC, CDC_TYPE));
    return TypeUtil.assignIncreasingFreshIds(new Schema(fields));
  }

  @Override
  public List<String> identifierColumns() {
    return ids;
  }

  @Override
  public ProcessedRecord process(KafkaRecord record, Schema tableSchema) {
    if (bound != tableSchema) {
      json.useSchema(tableSchema);
      rows = RecordBuilder.forSchema(tableSchema);
      bound = tableSchema;
    }
    DebeziumEnvelope.Unwrapped unwrapped;
    if (record.value() == null) {
      unwrapped = DebeziumEnvelope.unwrap(null, 0, 0);
    } else if (envelopes.isPresent()) {
      ConversionResult decoded = envelopes.get().convert(Utils.toArray(record.value()));
      if (!decoded.isConverted()) {
        return decoded.error().reason() == ConversionError.Reason.UNAVAILABLE
            ? new ProcessedRecord.Failure(ProcessedRecord.Failure.Kind.UNAVAILABLE, decoded.error().toString())
            : ProcessedRecord.Failure.invalidData(decoded.error().toString());
      }
      Optional<Types.StructType> type = envelopes.get().lastValueType();
      if (!(decoded.value() instanceof ConvertedStruct envelope) || type.isEmpty()) {
        return ProcessedRecord.Failure.invalidData("the value is not a Debezium envelope: its schema is not a record");
      }
      unwrapped = DebeziumEnvelope.unwrap(envelope, type.get());
    } else {
      unwrapped = unwrap(record.value());
    }
    if (unwrapped instanceof DebeziumEnvelope.Tombstone) {
      return new ProcessedRecord.Ignored("a tombstone");
    }
    if (unwrapped instanceof DebeziumEnvelope.TransactionMarker) {
      return new ProcessedRecord.Ignored("a transaction marker");
    }
    if (unwrapped instanceof DebeziumEnvelope.Failure failure) {
      return ProcessedRecord.Failure.invalidData(failure.error().toString());
    }
    if (unwrapped instanceof DebeziumEnvelope.Truncate truncate) {
      return new ProcessedRecord.Truncate(name(truncate.source()));
    }
    DebeziumEnvelope.Change change = (DebeziumEnvelope.Change) unwrapped;
    Optional<String> noIds = learnIds(record);
    if (noIds.isPresent()) {
      return ProcessedRecord.Failure.invalidData(noIds.get());
    }
    Object value;
    List<Types.NestedField> needed;
    if (change.row() instanceof RowImage.Json row) {
      ConversionResult r = json.convert(row.json());
      if (!r.isConverted()) {
        return ProcessedRecord.Failure.invalidData(r.error().toString());
      }
      value = r.value();
      needed = json.needsSchemaChange() ? json.columns() : List.of();
    } else {
      RowImage.Typed row = (RowImage.Typed) change.row();
      value = row.value();
      needed = row.type().fields();
    }
    if (!needed.isEmpty()) {
      SchemaEvolution.Plan plan = SchemaEvolution.plan(tableSchema, needed);
      if (!plan.conflicts().isEmpty()) {
        json.useSchema(tableSchema);
        return ProcessedRecord.Failure.invalidData("the change does not fit the table: " + plan.conflicts());
      }
      if (!plan.isEmpty()) {
        return new ProcessedRecord.SchemaNeeded(needed);
      }
    }
    GenericRecord row = rows.newRow();
    Optional<ConversionError> misfit = rows.put(row, Placement.flattened(), value);
    if (misfit.isPresent()) {
      return ProcessedRecord.Failure.invalidData(misfit.get().toString());
    }
    for (String id : ids) {
      if (tableSchema.caseInsensitiveFindField(id) == null) {
        return ProcessedRecord.Failure.invalidData("the changed row has no identifier column " + id
            + " (automq.table.topic.id.columns or the Debezium key)");
      }
    }
    row.setField(CDC, cdc(change, tableSchema));
    MetadataColumns.set(row, tableSchema, record, MetadataColumns.KeyFormat.STRING);
    return new ProcessedRecord.RowChange(change.op() == Operation.DELETE
        ? ProcessedRecord.RowChange.Operation.DELETE : ProcessedRecord.RowChange.Operation.UPSERT, row);
  }

  /** Takes the identifier columns from the first record's Debezium key when none are configured. */
  private Optional<String> learnIds(KafkaRecord record) {
    if (!ids.isEmpty()) {
      return Optional.empty();
    }
    byte[] key = Utils.toNullableArray(record.key());
    DebeziumKey.Result result = key == null ? new DebeziumKey.NoKey() : DebeziumKey.key(key);
    if (result instanceof DebeziumKey.Key k && !k.fieldNames().isEmpty()) {
      ids = List.copyOf(k.fieldNames());
      return Optional.empty();
    }
    return Optional.of("the change has no Debezium key to identify its row (a table without a primary key?);"
        + " set automq.table.topic.id.columns");
  }

  private static GenericRecord cdc(DebeziumEnvelope.Change change, Schema tableSchema) {
    GenericRecord cdc = GenericRecord.create(tableSchema.findType(CDC).asStructType());
    Source source = change.source();
    cdc.setField("op", change.op().code());
    Long ts = source.tsMs() != null ? source.tsMs() : change.tsMs();
    cdc.setField("ts", ts == null ? null : OffsetDateTime.ofInstant(Instant.ofEpochMilli(ts), ZoneOffset.UTC));
    cdc.setField("lsn", source.lsn());
    cdc.setField("tx", source.txId());
    cdc.setField("source", name(source));
    return cdc;
  }

  private static String name(Source source) {
    StringBuilder sb = new StringBuilder();
    for (String part : new String[] {source.db(), source.schema(), source.table()}) {
      if (part != null) {
        sb.append(sb.length() > 0 ? "." : "").append(part);
      }
    }
    return sb.toString();
  }

  private static DebeziumEnvelope.Unwrapped unwrap(ByteBuffer value) {
    byte[] bytes = Utils.toArray(value);
    return DebeziumEnvelope.unwrap(bytes, 0, bytes.length);
  }
}
