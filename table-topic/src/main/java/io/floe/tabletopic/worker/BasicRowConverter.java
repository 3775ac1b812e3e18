package io.floe.tabletopic.worker;

import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;

/**
 * Rows for {@code convert.value.type} raw or string with {@code transform.value.type=none}: the value is
 * one column, {@code value}, of binary or string type, beside the metadata columns.
 */
public final class BasicRowConverter implements RowConverter {

  public static final String VALUE = "value";

  private final boolean valueAsString;
  private final boolean keyAsString;

  public BasicRowConverter(boolean valueAsString, boolean keyAsString) {
    this.valueAsString = valueAsString;
    this.keyAsString = keyAsString;
  }

  @Override
  public Schema initialSchema() {
    List<Types.NestedField> fields = new ArrayList<>();
    fields.add(Types.NestedField.optional(1, VALUE, valueAsString ? Types.StringType.get() : Types.BinaryType.get()));
    fields.addAll(MetadataColumns.fields(keyAsString, 2));
    return new Schema(fields);
  }

  @Override
  public Conversion convert(KafkaRecord record, Schema tableSchema) {
    Record row = GenericRecord.create(tableSchema);
    if (record.value() != null) {
      row.setField(VALUE, valueAsString ? MetadataColumns.Utf8.decode(record.value()) : MetadataColumns.copy(record.value()));
    }
    MetadataColumns.set(row, tableSchema, record, keyAsString);
    return Conversion.row(row);
  }
}
