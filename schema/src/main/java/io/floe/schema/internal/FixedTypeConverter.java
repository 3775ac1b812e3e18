package io.floe.schema.internal;

import io.floe.schema.ConversionError;
import io.floe.schema.ConversionResult;
import io.floe.schema.Placement;
import io.floe.schema.ValueConverter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.iceberg.Schema;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * A converter whose column has one fixed type: {@code raw} (binary) and {@code string}. If the table
 * already has the column with another type (the topic's convert type was changed), every record
 * fails with a message saying so rather than writing into the wrong type.
 */
public abstract class FixedTypeConverter implements ValueConverter {

  private final Placement.Column placement;
  private final Type type;
  private Types.NestedField column;
  private boolean columnMissing;
  private ConversionResult columnConflict;

  private FixedTypeConverter(Placement.Column placement, Type type) {
    this.placement = placement;
    this.type = type;
    useSchema(new Schema());
  }

  /** Bytes as a {@code binary} column; the value wraps the input array, it is not copied. */
  public static FixedTypeConverter raw(Placement.Column placement) {
    return new FixedTypeConverter(placement, Types.BinaryType.get()) {
      @Override
      Object decode(byte[] bytes, int offset, int length) {
        return ByteBuffer.wrap(bytes, offset, length).slice();
      }
    };
  }

  /**
   * Bytes decoded as UTF-8 into a {@code string} column. Malformed sequences become U+FFFD, as with
   * Kafka's StringDeserializer: a binary key must not make the default key converter drop records.
   */
  public static FixedTypeConverter string(Placement.Column placement) {
    return new FixedTypeConverter(placement, Types.StringType.get()) {
      @Override
      Object decode(byte[] bytes, int offset, int length) {
        return new String(bytes, offset, length, StandardCharsets.UTF_8);
      }
    };
  }

  abstract Object decode(byte[] bytes, int offset, int length);

  @Override
  public Placement placement() {
    return placement;
  }

  @Override
  public void useSchema(Schema tableSchema) {
    Types.NestedField existing = tableSchema.asStruct().field(placement.name());
    if (existing == null) {
      existing = tableSchema.asStruct().caseInsensitiveField(placement.name());
    }
    this.columnMissing = existing == null;
    if (existing == null) {
      this.column = Types.NestedField.optional(tableSchema.highestFieldId() + 1, placement.name(), type);
      this.columnConflict = null;
    } else {
      this.column = existing;
      this.columnConflict =
          existing.type().equals(type)
              ? null
              : ConversionResult.failed(
                  ConversionError.Reason.TYPE_CONFLICT,
                  existing.name(),
                  String.format(
                      "field '%s' is %s in the table, but this converter writes %s values;"
                          + " the topic's convert type no longer matches the table",
                      existing.name(), existing.type(), type));
    }
  }

  @Override
  public List<Types.NestedField> columns() {
    return List.of(column);
  }

  @Override
  public boolean needsSchemaChange() {
    return columnMissing;
  }

  @Override
  public ConversionResult convert(byte[] bytes, int offset, int length) {
    if (bytes == null) {
      return ConversionResult.NULL;
    }
    if (columnConflict != null) {
      return columnConflict;
    }
    return ConversionResult.converted(decode(bytes, offset, length));
  }
}
