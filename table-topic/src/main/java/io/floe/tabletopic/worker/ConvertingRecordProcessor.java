package io.floe.tabletopic.worker;

import io.floe.schema.ConversionError;
import io.floe.schema.ConversionResult;
import io.floe.schema.RecordBuilder;
import io.floe.schema.SchemaEvolution;
import io.floe.schema.SchemaSources;
import io.floe.schema.ValueConverters;
import io.floe.tabletopic.config.TableTopicConfig;
import io.floe.schema.ValueConverter;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.types.Types;

/**
 * Rows from the schema module's value converters (raw, string, schemaless JSON; flattened or in the
 * {@code value} column), plus the metadata columns. A record that needs columns the table lacks asks for
 * them (planned with the schema module's {@link SchemaEvolution}); a record whose type conflicts with the
 * table is a failure value.
 */
public final class ConvertingRecordProcessor implements RecordProcessor {

  private final ValueConverter values;
  private final boolean keyAsString;
  private Schema bound;
  private RecordBuilder rows;

  public ConvertingRecordProcessor(ValueConverter values, boolean keyAsString) {
    this.values = values;
    this.keyAsString = keyAsString;
  }

  /**
   * The value's columns known before any record (the {@code value} column of raw and string values; none
   * for inferred JSON), then the metadata columns.
   */
  @Override
  public Schema initialSchema() {
    List<Types.NestedField> fields = new java.util.ArrayList<>();
    int id = 1;
    for (Types.NestedField f : values.columns()) {
      fields.add(Types.NestedField.optional(id++, f.name(), f.type(), f.doc()));
    }
    fields.addAll(MetadataColumns.fields(keyAsString, 1000));
    return org.apache.iceberg.types.TypeUtil.assignIncreasingFreshIds(new Schema(fields));
  }

  /** The processor for a table topic's settings that need no schema registry (raw, string, json, protobuf). */
  public static ConvertingRecordProcessor forConfig(TableTopicConfig config) {
    return forConfig(config, SchemaSources.withoutRegistry(""));
  }

  /**
   * The processor for a table topic's settings, in {@code value} or flattened, with schemas from {@code
   * sources}.
   *
   * @throws IllegalArgumentException if the value converter cannot be made (no registry for a type that
   *     needs one, .proto files that do not parse)
   */
  public static ConvertingRecordProcessor forConfig(TableTopicConfig config, SchemaSources sources) {
    ValueConverter values = ValueConverters.forValue(config.converterConfigs(), VALUE_COLUMN, sources);
    return new ConvertingRecordProcessor(values, "string".equals(config.convertKeyType()));
  }

  /** The column of a value that is not flattened. */
  public static final String VALUE_COLUMN = "value";

  @Override
  public ProcessedRecord process(KafkaRecord record, Schema tableSchema) {
    bind(tableSchema);
    ConversionResult r = convertValue(record.value());
    if (r instanceof ConversionResult.Failed failed) {
      return failure(failed.error());
    }
    if (values.needsSchemaChange()) {
      List<Types.NestedField> needed = values.columns();
      SchemaEvolution.Plan plan = SchemaEvolution.plan(tableSchema, needed);
      if (!plan.conflicts().isEmpty()) {
        values.useSchema(tableSchema); // forget what this record asked for
        return ProcessedRecord.Failure.invalidData("the value does not fit the table: " + plan.conflicts());
      }
      if (!plan.isEmpty()) {
        return new ProcessedRecord.SchemaNeeded(needed);
      }
    }
    return row(record, r, tableSchema);
  }

  /**
   * Converts every value of the chunk first, so the converter sees all of them (schemaless JSON widens a
   * column's type across them), then asks for the columns they need together, or builds the rows. A chunk
   * whose needs conflict with the table is processed record by record, so only the conflicting records fail.
   */
  @Override
  public List<ProcessedRecord> process(List<KafkaRecord> chunk, Schema tableSchema) {
    bind(tableSchema);
    ConversionResult[] converted = new ConversionResult[chunk.size()];
    for (int i = 0; i < converted.length; i++) {
      converted[i] = convertValue(chunk.get(i).value());
    }
    if (values.needsSchemaChange()) {
      List<Types.NestedField> needed = values.columns();
      SchemaEvolution.Plan plan = SchemaEvolution.plan(tableSchema, needed);
      if (!plan.conflicts().isEmpty()) {
        values.useSchema(tableSchema);
        return RecordProcessor.super.process(chunk, tableSchema);
      }
      if (!plan.isEmpty()) {
        return List.of(new ProcessedRecord.SchemaNeeded(needed));
      }
    }
    List<ProcessedRecord> out = new ArrayList<>(converted.length);
    for (int i = 0; i < converted.length; i++) {
      out.add(converted[i] instanceof ConversionResult.Failed failed
          ? failure(failed.error()) : row(chunk.get(i), converted[i], tableSchema));
    }
    return out;
  }

  private void bind(Schema tableSchema) {
    if (bound != tableSchema) {
      values.useSchema(tableSchema);
      rows = RecordBuilder.forSchema(tableSchema);
      bound = tableSchema;
    }
  }

  private ProcessedRecord row(KafkaRecord record, ConversionResult converted, Schema tableSchema) {
    GenericRecord row = rows.newRow();
    Optional<ConversionError> misfit = rows.put(row, values.placement(), converted.value());
    if (misfit.isPresent()) {
      return failure(misfit.get());
    }
    MetadataColumns.set(row, tableSchema, record, keyAsString);
    return ProcessedRecord.RowChange.insert(row);
  }

  private ConversionResult convertValue(ByteBuffer value) {
    if (value == null) {
      return values.convert(null);
    }
    if (value.hasArray()) {
      return values.convert(value.array(), value.arrayOffset() + value.position(), value.remaining());
    }
    // The converted value may share the array until the row is written: a fresh copy per record.
    byte[] copy = new byte[value.remaining()];
    value.duplicate().get(copy);
    return values.convert(copy, 0, copy.length);
  }

  private static ProcessedRecord.Failure failure(ConversionError e) {
    return new ProcessedRecord.Failure(e.reason() == ConversionError.Reason.UNAVAILABLE
        ? ProcessedRecord.Failure.Kind.UNAVAILABLE : ProcessedRecord.Failure.Kind.INVALID_DATA, e.toString());
  }
}
