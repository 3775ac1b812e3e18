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
import org.apache.kafka.common.utils.Utils;

/**
 * Rows from the schema module's converters: the value (raw, string, schemaless JSON, Avro, Protobuf;
 * flattened or in the {@code value} column) and, for a converted key type, the key in {@code _kafka_key};
 * plus the metadata columns. A record that needs columns the table lacks asks for them (planned with the
 * schema module's {@link SchemaEvolution}); a record whose type conflicts with the table is a failure value.
 */
public final class ConvertingRecordProcessor implements RecordProcessor {

  private final ValueConverter values;
  private final MetadataColumns.KeyFormat keyFormat;
  /** The value converter, then the key converter when the key is converted. */
  private final List<ValueConverter> sides;
  private Schema bound;
  private RecordBuilder rows;

  /** Values through {@code values}; keys as text or bytes. */
  public ConvertingRecordProcessor(ValueConverter values, boolean keyAsString) {
    this(values, keyAsString ? MetadataColumns.KeyFormat.STRING : MetadataColumns.KeyFormat.BINARY,
        Optional.empty());
  }

  private ConvertingRecordProcessor(ValueConverter values, MetadataColumns.KeyFormat keyFormat,
      Optional<ValueConverter> keys) {
    this.values = values;
    this.keyFormat = keyFormat;
    this.sides = keys.map(k -> List.of(values, k)).orElse(List.of(values));
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
    fields.addAll(MetadataColumns.fields(keyFormat, 1000));
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
    MetadataColumns.KeyFormat keyFormat = MetadataColumns.KeyFormat.of(config.convertKeyType());
    Optional<ValueConverter> keys = keyFormat == MetadataColumns.KeyFormat.CONVERTED
        ? Optional.of(ValueConverters.forKey(config.converterConfigs(), MetadataColumns.KEY, sources))
        : Optional.empty();
    return new ConvertingRecordProcessor(values, keyFormat, keys);
  }

  /** The column of a value that is not flattened. */
  public static final String VALUE_COLUMN = "value";

  @Override
  public ProcessedRecord process(KafkaRecord record, Schema tableSchema) {
    bind(tableSchema);
    ConversionResult[] r = convert(record);
    for (ConversionResult side : r) {
      if (side instanceof ConversionResult.Failed failed) {
        return failure(failed.error());
      }
    }
    if (needsSchemaChange()) {
      List<Types.NestedField> needed = neededColumns();
      SchemaEvolution.Plan plan = SchemaEvolution.plan(tableSchema, needed);
      if (!plan.conflicts().isEmpty()) {
        sides.forEach(c -> c.useSchema(tableSchema)); // forget what this record asked for
        return ProcessedRecord.Failure.invalidData("the record does not fit the table: " + plan.conflicts());
      }
      if (!plan.isEmpty()) {
        return new ProcessedRecord.SchemaNeeded(needed);
      }
    }
    return row(record, r, tableSchema);
  }

  /** The record's value, then its key if the key is converted. */
  private ConversionResult[] convert(KafkaRecord record) {
    ConversionResult[] out = new ConversionResult[sides.size()];
    out[0] = convert(values, record.value());
    if (out.length > 1) {
      out[1] = convert(sides.get(1), record.key());
    }
    return out;
  }

  private boolean needsSchemaChange() {
    for (ValueConverter c : sides) {
      if (c.needsSchemaChange()) {
        return true;
      }
    }
    return false;
  }

  private List<Types.NestedField> neededColumns() {
    if (sides.size() == 1) {
      return values.columns();
    }
    List<Types.NestedField> out = new ArrayList<>(values.columns());
    out.addAll(sides.get(1).columns());
    return out;
  }

  /**
   * Converts every value of the chunk first, so the converter sees all of them (schemaless JSON widens a
   * column's type across them), then asks for the columns they need together, or builds the rows. A chunk
   * whose needs conflict with the table is processed record by record, so only the conflicting records fail.
   */
  @Override
  public List<ProcessedRecord> process(List<KafkaRecord> chunk, Schema tableSchema) {
    bind(tableSchema);
    ConversionResult[][] converted = new ConversionResult[chunk.size()][];
    for (int i = 0; i < converted.length; i++) {
      converted[i] = convert(chunk.get(i));
    }
    if (needsSchemaChange()) {
      List<Types.NestedField> needed = neededColumns();
      SchemaEvolution.Plan plan = SchemaEvolution.plan(tableSchema, needed);
      if (!plan.conflicts().isEmpty()) {
        sides.forEach(c -> c.useSchema(tableSchema));
        return RecordProcessor.super.process(chunk, tableSchema);
      }
      if (!plan.isEmpty()) {
        return List.of(new ProcessedRecord.SchemaNeeded(needed));
      }
    }
    List<ProcessedRecord> out = new ArrayList<>(converted.length);
    for (int i = 0; i < converted.length; i++) {
      out.add(row(chunk.get(i), converted[i], tableSchema));
    }
    return out;
  }

  private void bind(Schema tableSchema) {
    if (bound != tableSchema) {
      sides.forEach(c -> c.useSchema(tableSchema));
      rows = RecordBuilder.forSchema(tableSchema);
      bound = tableSchema;
    }
  }

  /** The row of a record whose sides converted as {@code converted} (value, then key), or why not. */
  private ProcessedRecord row(KafkaRecord record, ConversionResult[] converted, Schema tableSchema) {
    GenericRecord row = rows.newRow();
    for (int i = 0; i < converted.length; i++) {
      if (converted[i] instanceof ConversionResult.Failed failed) {
        return failure(failed.error());
      }
      Optional<ConversionError> misfit = rows.put(row, sides.get(i).placement(), converted[i].value());
      if (misfit.isPresent()) {
        return failure(misfit.get());
      }
    }
    MetadataColumns.set(row, tableSchema, record, keyFormat);
    return ProcessedRecord.RowChange.insert(row);
  }

  private static ConversionResult convert(ValueConverter converter, ByteBuffer bytes) {
    if (bytes == null) {
      return converter.convert(null);
    }
    if (bytes.hasArray()) {
      return converter.convert(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
    }
    // The converted value may share the array until the row is written: a fresh copy per record.
    byte[] copy = Utils.toArray(bytes);
    return converter.convert(copy, 0, copy.length);
  }

  private static ProcessedRecord.Failure failure(ConversionError e) {
    return new ProcessedRecord.Failure(e.reason() == ConversionError.Reason.UNAVAILABLE
        ? ProcessedRecord.Failure.Kind.UNAVAILABLE : ProcessedRecord.Failure.Kind.INVALID_DATA, e.toString());
  }
}
