package io.floe.schema.internal.typed;

import io.floe.schema.ConversionError;
import io.floe.schema.ConversionResult;
import io.floe.schema.Placement;
import io.floe.schema.SchemaEvolution;
import io.floe.schema.ValueConverter;
import io.floe.schema.ValueConverters;
import io.floe.schema.internal.SchemaDecoder;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.iceberg.Schema;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * A converter for values with a declared schema (Avro, Protobuf): each record's decoder comes from a {@link
 * DecoderLookup}, and the columns a record needs are its schema's. A record of a newer schema version asks for
 * its new columns (matched by name: a column keeps its field id through every version); a record of an older
 * version leaves the columns it lacks null. Each decoder is {@linkplain SchemaDecoder#boundTo bound} to the
 * table's struct first, so a schema language that knows a column under another name (a renamed Protobuf
 * field) names its values after the column.
 */
public final class DecodingValueConverter implements ValueConverter {

  private final Placement placement;
  private final DecoderLookup lookup;
  private Schema bound = new Schema();
  /** Per decoder the lookup found: what it is while {@link #bound} is the table's schema. */
  private final Map<SchemaDecoder, Binding> bindings = new IdentityHashMap<>();
  /** The bound decoder of the last record converted. */
  private SchemaDecoder current;
  /** The first decoder since {@link #useSchema} whose columns the bound table lacks, if any. */
  private SchemaDecoder pending;

  DecodingValueConverter(Placement placement, DecoderLookup lookup) {
    this.placement = placement;
    this.lookup = lookup;
  }

  @Override
  public Placement placement() {
    return placement;
  }

  @Override
  public void useSchema(Schema tableSchema) {
    this.bound = tableSchema;
    bindings.clear();
    pending = null;
  }

  /**
   * The columns of the first schema converted since {@link #useSchema} that the table cannot hold yet, else of
   * the last one converted: records of several versions evolve the table one version at a time.
   */
  @Override
  public List<Types.NestedField> columns() {
    SchemaDecoder d = pending != null ? pending : current;
    return d == null ? List.of() : columnsOf(d);
  }

  private List<Types.NestedField> columnsOf(SchemaDecoder decoder) {
    Type type = decoder.valueType();
    if (placement instanceof Placement.Column column) {
      return List.of(Types.NestedField.optional(bound.highestFieldId() + 1, column.name(), type));
    }
    return type.asStructType().fields();
  }

  @Override
  public Optional<Types.StructType> lastValueType() {
    return current != null && current.valueType().isStructType()
        ? Optional.of(current.valueType().asStructType()) : Optional.empty();
  }

  @Override
  public boolean needsSchemaChange() {
    return pending != null;
  }

  @Override
  public ConversionResult convert(byte[] bytes, int offset, int length) {
    if (bytes == null) {
      return ConversionResult.NULL;
    }
    DecoderLookup.Found found = lookup.find(bytes, offset, length);
    if (found.failure() != null) {
      return found.failure();
    }
    Binding binding = bindings.get(found.decoder());
    if (binding == null) {
      binding = bind(found.decoder());
      bindings.put(found.decoder(), binding);
    }
    if (binding.unplaceable() != null) {
      return binding.unplaceable();
    }
    int payload = found.payloadOffset() - offset;
    ConversionResult result = binding.decoder().decode(bytes, found.payloadOffset(), length - payload);
    if (!result.isConverted() && lookup instanceof LatestSchemaLookup latest && latest.newerVersionAfterFailure()) {
      return convert(bytes, offset, length);
    }
    if (result.isConverted()) {
      current = binding.decoder();
      if (pending == null && binding.needsChange()) {
        pending = current;
      }
    }
    return result;
  }

  /**
   * A decoder bound to the table's struct that its values go into.
   *
   * @param unplaceable why its values cannot be placed, or null if they can
   * @param needsChange whether its columns need a schema change of the table
   */
  private record Binding(SchemaDecoder decoder, ConversionResult unplaceable, boolean needsChange) {}

  private Binding bind(SchemaDecoder found) {
    SchemaDecoder decoder = found.boundTo(tableStruct());
    ConversionResult placed = checkPlacement(decoder);
    if (placed != ConversionResult.NULL) {
      return new Binding(decoder, placed, false);
    }
    return new Binding(decoder, null, !SchemaEvolution.plan(bound, columnsOf(decoder)).isEmpty());
  }

  /** The struct values are written into: the table's columns, or the struct column that holds them. */
  private Types.StructType tableStruct() {
    if (placement instanceof Placement.Column column) {
      Types.NestedField field = bound.findField(column.name());
      if (field == null) {
        field = bound.caseInsensitiveFindField(column.name());
      }
      return field != null && field.type().isStructType() ? field.type().asStructType() : Types.StructType.of();
    }
    return bound.asStruct();
  }

  /** {@link ConversionResult#NULL} if the decoder's values can be placed, else the failure to report. */
  private ConversionResult checkPlacement(SchemaDecoder decoder) {
    if (!(placement instanceof Placement.Flattened)) {
      return ConversionResult.NULL;
    }
    Type type = decoder.valueType();
    if (!type.isStructType()) {
      return ConversionResult.failed(ConversionError.Reason.UNSUPPORTED, "",
          "Cannot flatten a value of type " + type + ": transform.value.type=flatten needs records or messages");
    }
    for (Types.NestedField f : type.asStructType().fields()) {
      if (ValueConverters.isReservedColumn(f.name())) {
        return ConversionResult.failed(ConversionError.Reason.UNSUPPORTED, f.name(),
            "Cannot flatten field '" + f.name() + "': names starting with _kafka_ and _cdc are Floe's metadata"
                + " columns");
      }
    }
    return ConversionResult.NULL;
  }
}
