package io.floe.schema.internal.avro;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.iceberg.relocated.com.google.common.base.Preconditions;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * Maps an Avro writer schema to the Iceberg type of its values and builds the readers that decode
 * them. Both come out of one walk of the schema, so a reader always produces what its type says.
 * See {@link AvroSchemaDecoder} for the mapping.
 */
final class AvroTypeMapping {

  /** An Iceberg type and the reader of its values. */
  record Mapped(Type type, AvroValueReader reader) {}

  private static final int MAX_DECIMAL_PRECISION = 38;

  private final Set<String> recordsInProgress = new HashSet<>();
  private int lastId = 0;

  private AvroTypeMapping() {}

  /**
   * @throws IllegalArgumentException if Iceberg cannot hold the schema's values: a record that
   *     contains itself, a decimal beyond 38 digits, values of the null type alone
   */
  static Mapped map(Schema schema) {
    Mapped root = new AvroTypeMapping().visit(schema, "");
    Preconditions.checkArgument(
        root != null,
        "Cannot decode Avro schema %s: a value that is always null has no column",
        schema);
    return root;
  }

  /** Returns null for the null type: its values take no bytes and carry nothing to store. */
  private Mapped visit(Schema schema, String path) {
    switch (schema.getType()) {
      case RECORD:
        return record(schema, path);
      case UNION:
        return union(schema, path);
      case ARRAY:
        return array(schema, path);
      case MAP:
        return map(schema, path);
      case NULL:
        return null;
      default:
        Mapped logical = schema.getLogicalType() == null ? null : logical(schema, path);
        return logical != null ? logical : primitive(schema, path);
    }
  }

  private Mapped record(Schema record, String path) {
    Preconditions.checkArgument(
        recordsInProgress.add(record.getFullName()),
        "Cannot decode Avro record %s: it contains itself at field %s, and Iceberg types cannot be"
            + " recursive",
        record.getFullName(),
        path);
    List<Types.NestedField> fields = new ArrayList<>();
    List<String> names = new ArrayList<>();
    List<AvroValueReader> readers = new ArrayList<>();
    for (Schema.Field field : record.getFields()) {
      Mapped mapped = visit(field.schema(), child(path, field.name()));
      if (mapped != null) {
        fields.add(Types.NestedField.optional(++lastId, field.name(), mapped.type(), field.doc()));
        names.add(field.name());
        readers.add(mapped.reader());
      }
    }
    recordsInProgress.remove(record.getFullName());
    // one Names per place the record appears: RecordBuilder caches per Names and struct type
    return new Mapped(
        Types.StructType.of(fields),
        AvroValueReaders.records(path, AvroValueReaders.names(names), readers));
  }

  private Mapped union(Schema union, String path) {
    List<Schema> branches = union.getTypes();
    int nullIndex = -1;
    List<Integer> valueIndexes = new ArrayList<>();
    for (int i = 0; i < branches.size(); i++) {
      if (branches.get(i).getType() == Schema.Type.NULL) {
        nullIndex = i;
      } else {
        valueIndexes.add(i);
      }
    }
    if (valueIndexes.isEmpty()) {
      return null;
    }
    if (valueIndexes.size() == 1) {
      int valueIndex = valueIndexes.get(0);
      Mapped value = visit(branches.get(valueIndex), path);
      return new Mapped(
          value.type(), AvroValueReaders.options(path, nullIndex, valueIndex, value.reader()));
    }
    // Named as Iceberg 1.12's AvroSchemaUtil (SchemaToType.union) names them: field<i> for branch
    // i.
    // Iceberg also gives the null branch a field, of the v3-only type unknown; it would always be
    // null, so it is left out. Every field is optional, as all nested fields here.
    List<Types.NestedField> fields = new ArrayList<>();
    List<String> names = new ArrayList<>();
    fields.add(Types.NestedField.optional(++lastId, "tag", Types.IntegerType.get()));
    names.add("tag");
    List<AvroValueReader> readers = new ArrayList<>();
    for (int i = 0; i < branches.size(); i++) {
      if (i == nullIndex) {
        readers.add(null);
        continue;
      }
      String name = "field" + i;
      Mapped branch = visit(branches.get(i), child(path, name));
      fields.add(Types.NestedField.optional(++lastId, name, branch.type()));
      names.add(name);
      readers.add(branch.reader());
    }
    return new Mapped(
        Types.StructType.of(fields),
        AvroValueReaders.unionStructs(path, AvroValueReaders.names(names), readers));
  }

  private Mapped array(Schema array, String path) {
    String elementPath = child(path, "element");
    Mapped element = visit(array.getElementType(), elementPath);
    Preconditions.checkArgument(
        element != null,
        "Cannot decode Avro schema at %s: an array of nulls has no Iceberg type",
        describe(path));
    return new Mapped(
        Types.ListType.ofOptional(++lastId, element.type()),
        AvroValueReaders.arrays(path, element.reader()));
  }

  private Mapped map(Schema map, String path) {
    Mapped value = visit(map.getValueType(), child(path, "value"));
    Preconditions.checkArgument(
        value != null,
        "Cannot decode Avro schema at %s: a map of nulls has no Iceberg type",
        describe(path));
    int keyId = ++lastId;
    int valueId = ++lastId;
    return new Mapped(
        Types.MapType.ofOptional(keyId, valueId, Types.StringType.get(), value.type()),
        AvroValueReaders.maps(path, AvroValueReaders.strings(child(path, "key")), value.reader()));
  }

  /** Returns null for logical types Iceberg has no type for: they read as their underlying type. */
  private static Mapped logical(Schema schema, String path) {
    LogicalType logical = schema.getLogicalType();
    if (logical instanceof LogicalTypes.Decimal decimal) {
      Preconditions.checkArgument(
          decimal.getPrecision() <= MAX_DECIMAL_PRECISION,
          "Cannot decode Avro schema at %s: decimal(%s, %s) has more than the %s digits Iceberg"
              + " decimals hold",
          describe(path),
          decimal.getPrecision(),
          decimal.getScale(),
          MAX_DECIMAL_PRECISION);
      int fixedSize = schema.getType() == Schema.Type.FIXED ? schema.getFixedSize() : -1;
      return new Mapped(
          Types.DecimalType.of(decimal.getPrecision(), decimal.getScale()),
          AvroValueReaders.decimals(path, fixedSize, decimal.getPrecision(), decimal.getScale()));
    }
    if (logical instanceof LogicalTypes.Date) {
      return new Mapped(Types.DateType.get(), AvroValueReaders.dates(path));
    }
    if (logical instanceof LogicalTypes.TimeMillis) {
      return new Mapped(Types.TimeType.get(), AvroValueReaders.timeMillis(path));
    }
    if (logical instanceof LogicalTypes.TimeMicros) {
      return new Mapped(Types.TimeType.get(), AvroValueReaders.timeMicros(path));
    }
    if (logical instanceof LogicalTypes.TimestampMillis) {
      return timestamp(path, 1_000L, true);
    }
    if (logical instanceof LogicalTypes.TimestampMicros) {
      return timestamp(path, 1_000_000L, true);
    }
    if (logical instanceof LogicalTypes.TimestampNanos) {
      return timestamp(path, 1_000_000_000L, true);
    }
    if (logical instanceof LogicalTypes.LocalTimestampMillis) {
      return timestamp(path, 1_000L, false);
    }
    if (logical instanceof LogicalTypes.LocalTimestampMicros) {
      return timestamp(path, 1_000_000L, false);
    }
    if (logical instanceof LogicalTypes.LocalTimestampNanos) {
      return timestamp(path, 1_000_000_000L, false);
    }
    if (logical instanceof LogicalTypes.Uuid) {
      if (schema.getType() == Schema.Type.STRING) {
        return new Mapped(Types.UUIDType.get(), AvroValueReaders.uuidStrings(path));
      }
      if (schema.getType() == Schema.Type.FIXED && schema.getFixedSize() == 16) {
        return new Mapped(Types.UUIDType.get(), AvroValueReaders.uuidFixed(path));
      }
    }
    return null;
  }

  /**
   * Nanosecond timestamps map to Iceberg's microsecond types: format v2 tables, which Floe creates,
   * have no nanosecond type, so the last three digits are dropped.
   */
  private static Mapped timestamp(String path, long unitsPerSecond, boolean withZone) {
    return new Mapped(
        withZone ? Types.TimestampType.withZone() : Types.TimestampType.withoutZone(),
        AvroValueReaders.timestamps(path, unitsPerSecond, withZone));
  }

  private static Mapped primitive(Schema schema, String path) {
    switch (schema.getType()) {
      case BOOLEAN:
        return new Mapped(Types.BooleanType.get(), AvroValueReaders.booleans(path));
      case INT:
        return new Mapped(Types.IntegerType.get(), AvroValueReaders.ints(path));
      case LONG:
        return new Mapped(Types.LongType.get(), AvroValueReaders.longs(path));
      case FLOAT:
        return new Mapped(Types.FloatType.get(), AvroValueReaders.floats(path));
      case DOUBLE:
        return new Mapped(Types.DoubleType.get(), AvroValueReaders.doubles(path));
      case STRING:
        return new Mapped(Types.StringType.get(), AvroValueReaders.strings(path));
      case BYTES:
        return new Mapped(Types.BinaryType.get(), AvroValueReaders.binary(path));
      case ENUM:
        return new Mapped(
            Types.StringType.get(), AvroValueReaders.enums(path, schema.getEnumSymbols()));
      case FIXED:
        return new Mapped(
            Types.FixedType.ofLength(schema.getFixedSize()),
            AvroValueReaders.fixed(path, schema.getFixedSize()));
      default:
        throw new IllegalArgumentException(
            String.format(
                "Cannot decode Avro schema at %s: unknown type %s",
                describe(path), schema.getType()));
    }
  }

  private static String child(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  private static String describe(String path) {
    return path.isEmpty() ? "the top level" : "field " + path;
  }
}
