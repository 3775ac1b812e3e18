package io.floe.schema;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.relocated.com.google.common.base.Preconditions;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * Writes converted values into {@link GenericRecord} rows of one table schema, ready for Iceberg's
 * generic Parquet appender. Fields are matched to columns by name (exact, then ignoring case), so a
 * value converted before the table evolved lands in the evolved schema; values are coerced to the
 * column's Java type (int to long, float or long to double, integers to decimal, nested structs,
 * lists and maps).
 *
 * <p>Keep one builder per schema and thread: it caches, per struct, where each converted field goes
 * and an empty record to copy. Create a new one when the table's schema changes.
 */
public final class RecordBuilder {

  private static final int MAX_PROJECTIONS = 4_096;

  private final Schema schema;
  private final Types.StructType rowType;
  private final GenericRecord rowTemplate;
  private final Map<String, Integer> columnPositions = new HashMap<>();
  private final Map<ConvertedStruct.Names, Projection> projections = new IdentityHashMap<>();

  private RecordBuilder(Schema schema) {
    this.schema = schema;
    this.rowType = schema.asStruct();
    this.rowTemplate = GenericRecord.create(rowType);
  }

  public static RecordBuilder forSchema(Schema schema) {
    Preconditions.checkArgument(schema != null, "Cannot build records: schema is null");
    return new RecordBuilder(schema);
  }

  public Schema schema() {
    return schema;
  }

  /** A row of this schema with every column null (a cheap copy of a template). */
  public GenericRecord newRow() {
    return rowTemplate.copy();
  }

  /**
   * Puts a converted value into {@code row}: a flattened value's fields into the row's top-level
   * columns, anything else into its column. A null value sets nothing.
   *
   * @param row a row from {@link #newRow()}
   * @param placement the converter's {@link ValueConverter#placement()}
   * @param value a {@link ConversionResult#value()} of that converter
   * @return empty, or why the value does not fit this schema (the table changed incompatibly since
   *     the value was converted, e.g. another writer added the column with another type); the row is
   *     then partly filled and should be dropped
   */
  public Optional<ConversionError> put(GenericRecord row, Placement placement, Object value) {
    Preconditions.checkArgument(
        row != null && row.struct() == rowType,
        "Cannot put a value into a row of another schema: use newRow()");
    Preconditions.checkArgument(placement != null, "Cannot put a value: placement is null");
    if (value == null) {
      return Optional.empty();
    }
    try {
      if (placement instanceof Placement.Column column) {
        putColumn(row, column.name(), value);
      } else {
        Preconditions.checkArgument(
            value instanceof ConvertedStruct,
            "Cannot flatten a %s: only converted structs have fields",
            value.getClass().getSimpleName());
        fill(row, (ConvertedStruct) value, rowType);
      }
      return Optional.empty();
    } catch (Mismatch mismatch) {
      return Optional.of(
          new ConversionError(
              ConversionError.Reason.TYPE_CONFLICT,
              mismatch.path == null ? "" : mismatch.path,
              mismatch.text()));
    }
  }

  /**
   * A record of {@code type} holding {@code value}: the primitive {@link #put} is made of.
   *
   * @throws IllegalArgumentException if the value does not fit the type
   */
  public GenericRecord toRecord(ConvertedStruct value, Types.StructType type) {
    try {
      return (GenericRecord) coerce(value, type);
    } catch (Mismatch mismatch) {
      throw new IllegalArgumentException(mismatch.text());
    }
  }

  private void putColumn(GenericRecord row, String name, Object value) {
    Integer position = columnPositions.get(name);
    if (position == null) {
      Types.NestedField field = rowType.field(name);
      if (field == null) {
        field = rowType.caseInsensitiveField(name);
      }
      position = field == null ? -1 : rowType.fields().indexOf(field);
      columnPositions.put(name, position);
    }
    if (position < 0) {
      if (hasEvidence(value)) {
        throw new Mismatch(name, "the table has no column for it");
      }
      return;
    }
    Types.NestedField field = rowType.fields().get(position);
    try {
      row.set(position, coerce(value, field.type()));
    } catch (Mismatch mismatch) {
      throw mismatch.under(field.name());
    }
  }

  /** Sets {@code value}'s fields in {@code record}, a record of {@code type}. */
  private void fill(GenericRecord record, ConvertedStruct value, Types.StructType type) {
    Projection projection = projection(value.names(), type);
    int size = value.size();
    for (int i = 0; i < size; i++) {
      Object fieldValue = value.get(i);
      if (fieldValue == null) {
        continue;
      }
      int position = projection.positions[i];
      if (position < 0) {
        if (hasEvidence(fieldValue)) {
          throw new Mismatch(value.name(i), "the table has no column for it");
        }
        continue;
      }
      try {
        record.set(position, coerce(fieldValue, projection.types[i]));
      } catch (Mismatch mismatch) {
        throw mismatch.under(value.name(i));
      }
    }
  }

  private Projection projection(ConvertedStruct.Names names, Types.StructType type) {
    Projection projection = projections.get(names);
    if (projection == null || projection.type != type || projection.positions.length < names.size()) {
      if (projections.size() >= MAX_PROJECTIONS) {
        projections.clear(); // converters rebuilt their shapes many times: drop the stale ones
      }
      projection = new Projection(names, type);
      projections.put(names, projection);
    }
    return projection;
  }

  private Object coerce(Object value, Type type) {
    switch (type.typeId()) {
      case BOOLEAN:
        if (value instanceof Boolean) {
          return value;
        }
        break;
      case INTEGER:
        if (value instanceof Integer) {
          return value;
        }
        if (value instanceof Long && (Long) value == ((Long) value).intValue()) {
          return ((Long) value).intValue();
        }
        break;
      case LONG:
        if (value instanceof Long) {
          return value;
        }
        if (value instanceof Integer) {
          return ((Integer) value).longValue();
        }
        break;
      case FLOAT:
        if (value instanceof Float) {
          return value;
        }
        if (value instanceof Number && !(value instanceof BigDecimal)) {
          double d = ((Number) value).doubleValue();
          if ((double) (float) d == d) {
            return (float) d;
          }
        }
        break;
      case DOUBLE:
        if (value instanceof Double) {
          return value;
        }
        if (value instanceof Number) {
          return ((Number) value).doubleValue();
        }
        break;
      case DECIMAL:
        return decimal(value, (Types.DecimalType) type);
      case STRING:
        if (value instanceof CharSequence) {
          return value;
        }
        break;
      case BINARY:
        if (value instanceof ByteBuffer) {
          return value;
        }
        if (value instanceof byte[]) {
          return ByteBuffer.wrap((byte[]) value);
        }
        break;
      case FIXED:
        if (value instanceof byte[] && ((byte[]) value).length == ((Types.FixedType) type).length()) {
          return value;
        }
        break;
      case DATE:
        if (value instanceof LocalDate) {
          return value;
        }
        break;
      case TIME:
        if (value instanceof LocalTime) {
          return value;
        }
        break;
      case TIMESTAMP:
      case TIMESTAMP_NANO:
        if (value instanceof OffsetDateTime || value instanceof LocalDateTime) {
          boolean withZone =
              type instanceof Types.TimestampType
                  ? ((Types.TimestampType) type).shouldAdjustToUTC()
                  : ((Types.TimestampNanoType) type).shouldAdjustToUTC();
          if (withZone == (value instanceof OffsetDateTime)) {
            return value;
          }
        }
        break;
      case UUID:
        if (value instanceof UUID) {
          return value;
        }
        break;
      case STRUCT:
        if (value instanceof ConvertedStruct) {
          Types.StructType struct = type.asStructType();
          Projection projection = projection(((ConvertedStruct) value).names(), struct);
          GenericRecord record = projection.template.copy();
          fill(record, (ConvertedStruct) value, struct);
          for (int position : projection.required) {
            if (record.get(position) == null) {
              throw new Mismatch(
                  struct.fields().get(position).name(), "the table requires a value, the record has none");
            }
          }
          return record;
        }
        break;
      case LIST:
        if (value instanceof List) {
          return list((List<?>) value, type.asListType());
        }
        break;
      case MAP:
        if (value instanceof Map) {
          return map((Map<?, ?>) value, type.asMapType());
        }
        break;
      default:
        break;
    }
    throw new Mismatch(null, "the table's type is " + type + ", the record has " + describe(value));
  }

  private static Object decimal(Object value, Types.DecimalType type) {
    BigDecimal decimal;
    if (value instanceof BigDecimal) {
      decimal = (BigDecimal) value;
    } else if (value instanceof Long || value instanceof Integer) {
      decimal = BigDecimal.valueOf(((Number) value).longValue());
    } else {
      throw new Mismatch(null, "the table's type is " + type + ", the record has " + describe(value));
    }
    try {
      BigDecimal scaled = decimal.setScale(type.scale(), RoundingMode.UNNECESSARY);
      if (scaled.precision() <= type.precision()) {
        return scaled;
      }
    } catch (ArithmeticException e) {
      // falls through to the mismatch
    }
    throw new Mismatch(null, "the number " + decimal.toPlainString() + " does not fit " + type);
  }

  private List<?> list(List<?> values, Types.ListType type) {
    Type elementType = type.elementType();
    boolean required = type.isElementRequired();
    List<Object> copy = null; // copied only if an element changes: lists of longs are kept as is
    for (int i = 0; i < values.size(); i++) {
      Object element = values.get(i);
      Object coerced = null;
      if (element == null) {
        if (required) {
          throw new Mismatch("element", "the table requires a value, the record has null");
        }
      } else {
        try {
          coerced = coerce(element, elementType);
        } catch (Mismatch mismatch) {
          throw mismatch.under("element");
        }
      }
      if (copy == null && coerced != element) {
        copy = new ArrayList<>(values.size());
        copy.addAll(values.subList(0, i));
      }
      if (copy != null) {
        copy.add(coerced);
      }
    }
    return copy == null ? values : copy;
  }

  private Map<?, ?> map(Map<?, ?> values, Types.MapType type) {
    Map<Object, Object> copy = new LinkedHashMap<>(values.size() * 2);
    for (Map.Entry<?, ?> entry : values.entrySet()) {
      Object value = entry.getValue();
      if (value == null) {
        if (type.isValueRequired()) {
          throw new Mismatch("value", "the table requires a value, the record has null");
        }
        copy.put(coerce(entry.getKey(), type.keyType()), null);
      } else {
        try {
          copy.put(coerce(entry.getKey(), type.keyType()), coerce(value, type.valueType()));
        } catch (Mismatch mismatch) {
          throw mismatch.under("value");
        }
      }
    }
    return copy;
  }

  /** Whether a value says anything about its column's type: nulls and empty containers do not. */
  private static boolean hasEvidence(Object value) {
    if (value == null) {
      return false;
    }
    if (value instanceof ConvertedStruct struct) {
      for (int i = 0; i < struct.size(); i++) {
        if (hasEvidence(struct.get(i))) {
          return true;
        }
      }
      return false;
    }
    if (value instanceof List<?> list) {
      for (Object element : list) {
        if (hasEvidence(element)) {
          return true;
        }
      }
      return false;
    }
    return true;
  }

  private static String describe(Object value) {
    if (value instanceof ConvertedStruct) {
      return "a struct";
    }
    if (value instanceof List) {
      return "a list";
    }
    if (value instanceof Map) {
      return "a map";
    }
    if (value instanceof CharSequence) {
      return "a string";
    }
    return "a " + value.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
  }

  /** Where each field of one family of converted structs goes in one struct type. */
  private static final class Projection {
    final Types.StructType type;
    final int[] positions;
    final Type[] types;
    final int[] required;
    final GenericRecord template;

    Projection(ConvertedStruct.Names names, Types.StructType type) {
      this.type = type;
      this.positions = new int[names.size()];
      this.types = new Type[names.size()];
      List<Types.NestedField> fields = type.fields();
      Map<String, Integer> byName = new HashMap<>();
      for (int i = 0; i < fields.size(); i++) {
        byName.put(fields.get(i).name(), i);
      }
      for (int i = 0; i < positions.length; i++) {
        String name = names.name(i);
        Integer position = byName.get(name);
        if (position == null) {
          Types.NestedField field = type.caseInsensitiveField(name);
          position = field == null ? null : byName.get(field.name());
        }
        positions[i] = position == null ? -1 : position;
        types[i] = position == null ? null : fields.get(position).type();
      }
      this.required =
          java.util.stream.IntStream.range(0, fields.size())
              .filter(i -> fields.get(i).isRequired())
              .toArray();
      this.template = GenericRecord.create(type);
    }
  }

  /** Unwinds building one row; the path is assembled on the way out. */
  private static final class Mismatch extends RuntimeException {
    private String path;
    private final String reason;

    Mismatch(String name, String reason) {
      super(reason, null, false, false);
      this.path = name;
      this.reason = reason;
    }

    Mismatch under(String parent) {
      path = path == null ? parent : parent + "." + path;
      return this;
    }

    String text() {
      return String.format("field '%s' cannot be written: %s", path, reason);
    }
  }
}
