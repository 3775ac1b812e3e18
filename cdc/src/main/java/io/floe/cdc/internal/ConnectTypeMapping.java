package io.floe.cdc.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.floe.schema.ConversionError.Reason;
import io.floe.schema.ConvertedStruct;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.iceberg.relocated.com.google.common.base.Preconditions;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * Maps a Kafka Connect JSON schema (what {@code JsonConverter} writes under {@code "schema"} with
 * {@code schemas.enable=true}) to the Iceberg type of its values and builds the readers that decode
 * them, in one walk, so a reader always produces what its type says. See {@code
 * io.floe.cdc.ConnectSchemaDecoder} for the mapping.
 */
public final class ConnectTypeMapping {

  /** An Iceberg type and the reader of its values. */
  public record Mapped(Type type, ConnectValueReader reader) {}

  /** Decimal precision when a Connect decimal names none, and the most Iceberg holds. */
  public static final int MAX_PRECISION = 38;

  /** The decimal type {@code io.debezium.data.VariableScaleDecimal} values are rescaled to. */
  public static final Types.DecimalType VARIABLE_SCALE_DECIMAL = Types.DecimalType.of(38, 10);

  static final int MAX_DEPTH = 200;

  private static final String CONNECT = "org.apache.kafka.connect.data.";
  private static final String DEBEZIUM_TIME = "io.debezium.time.";
  private static final String DEBEZIUM_DATA = "io.debezium.data.";
  private static final long NANOS_PER_DAY = 86_400_000_000_000L;

  private int lastId = 0;
  private int depth = 0;

  private ConnectTypeMapping() {}

  /**
   * @throws IllegalArgumentException if {@code schema} is not a Connect schema: no or an unknown
   *     {@code type}, a struct without {@code fields}, an array without {@code items}, a map
   *     without {@code keys}/{@code values}, a field without a name, two fields that would be one
   *     column
   */
  public static Mapped map(JsonNode schema) {
    Preconditions.checkArgument(
        schema != null && schema.isObject(), "Cannot decode Connect schema: it is not an object");
    return new ConnectTypeMapping().visit(schema, "");
  }

  private Mapped visit(JsonNode schema, String path) {
    Preconditions.checkArgument(
        ++depth <= MAX_DEPTH,
        "Cannot decode Connect schema at %s: it nests deeper than %s levels",
        describe(path),
        MAX_DEPTH);
    try {
      Preconditions.checkArgument(
          schema.isObject(), "Cannot decode Connect schema at %s: not an object", describe(path));
      String type = schema.path("type").asText("");
      Mapped logical = logical(schema.path("name").asText(""), type, schema, path);
      return logical != null ? logical : primitiveOrNested(type, schema, path);
    } finally {
      depth--;
    }
  }

  private Mapped primitiveOrNested(String type, JsonNode schema, String path) {
    switch (type) {
      case "int8":
        return new Mapped(
            Types.IntegerType.get(), ints(path, type, Byte.MIN_VALUE, Byte.MAX_VALUE));
      case "int16":
        return new Mapped(
            Types.IntegerType.get(), ints(path, type, Short.MIN_VALUE, Short.MAX_VALUE));
      case "int32":
        return new Mapped(
            Types.IntegerType.get(), ints(path, type, Integer.MIN_VALUE, Integer.MAX_VALUE));
      case "int64":
        return new Mapped(Types.LongType.get(), longs(path, type));
      case "float32":
        return new Mapped(Types.FloatType.get(), v -> (float) floating(v, path, type));
      case "float64":
        return new Mapped(Types.DoubleType.get(), v -> floating(v, path, type));
      case "boolean":
        return new Mapped(
            Types.BooleanType.get(),
            v -> {
              if (!v.isBoolean()) {
                throw mismatch(path, type, v);
              }
              return v.booleanValue();
            });
      case "string":
        return new Mapped(Types.StringType.get(), v -> text(v, path, type));
      case "bytes":
        return new Mapped(Types.BinaryType.get(), v -> ByteBuffer.wrap(bytes(v, path, type)));
      case "struct":
        return struct(schema, path);
      case "array":
        return array(schema, path);
      case "map":
        return map(schema, path);
      default:
        throw new IllegalArgumentException(
            String.format(
                "Cannot decode Connect schema at %s: type '%s' is not a Connect type",
                describe(path), type));
    }
  }

  /** A logical type by the schema's name, or null if the name is none this mapping knows. */
  private Mapped logical(String name, String type, JsonNode schema, String path) {
    if (name.isEmpty()) {
      return null;
    }
    switch (name) {
      case CONNECT + "Decimal":
        return type.equals("bytes") ? decimal(schema, path) : null;
      case CONNECT + "Date":
      case DEBEZIUM_TIME + "Date":
        return type.equals("int32")
            ? new Mapped(
                Types.DateType.get(),
                v ->
                    LocalDate.ofEpochDay(
                        integral(v, path, name, Integer.MIN_VALUE, Integer.MAX_VALUE)))
            : null;
      case CONNECT + "Time":
      case DEBEZIUM_TIME + "Time":
        return type.equals("int32") ? time(path, name, 1_000_000L) : null;
      case DEBEZIUM_TIME + "MicroTime":
        return type.equals("int64") ? time(path, name, 1_000L) : null;
      case DEBEZIUM_TIME + "NanoTime":
        return type.equals("int64") ? time(path, name, 1L) : null;
      case CONNECT + "Timestamp":
        return type.equals("int64")
            ? new Mapped(
                Types.TimestampType.withZone(),
                v ->
                    OffsetDateTime.ofInstant(
                        Instant.ofEpochMilli(
                            integral(v, path, name, Long.MIN_VALUE, Long.MAX_VALUE)),
                        ZoneOffset.UTC))
            : null;
      case DEBEZIUM_TIME + "Timestamp":
        return type.equals("int64") ? localTimestamp(path, name, 1_000_000L) : null;
      case DEBEZIUM_TIME + "MicroTimestamp":
        return type.equals("int64") ? localTimestamp(path, name, 1_000L) : null;
      case DEBEZIUM_TIME + "NanoTimestamp":
        return type.equals("int64") ? localTimestamp(path, name, 1L) : null;
      case DEBEZIUM_TIME + "ZonedTimestamp":
        return type.equals("string")
            ? new Mapped(Types.TimestampType.withZone(), v -> zonedTimestamp(v, path, name))
            : null;
      case DEBEZIUM_DATA + "Uuid":
        return type.equals("string")
            ? new Mapped(Types.UUIDType.get(), v -> uuid(v, path, name))
            : null;
      case DEBEZIUM_DATA + "VariableScaleDecimal":
        return type.equals("struct") ? variableScaleDecimal(path, name) : null;
      default:
        // io.debezium.data.Json, Enum, EnumSet, Xml, Bits, io.debezium.time.ZonedTime, Year,
        // MicroDuration, Interval...: their Connect type is already the column's type
        return null;
    }
  }

  private Mapped struct(JsonNode schema, String path) {
    JsonNode declared = schema.get("fields");
    Preconditions.checkArgument(
        declared != null && declared.isArray(),
        "Cannot decode Connect schema at %s: a struct needs a fields array",
        describe(path));
    List<Types.NestedField> fields = new ArrayList<>();
    List<String> columns = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    List<ConnectValueReader> readers = new ArrayList<>();
    Map<String, String> keyByColumn = new HashMap<>();
    for (JsonNode field : declared) {
      String key = field.path("field").asText("");
      Preconditions.checkArgument(
          !key.isEmpty(),
          "Cannot decode Connect schema at %s: a field has no name",
          describe(path));
      String column = columnName(key);
      String previous = keyByColumn.putIfAbsent(column, key);
      Preconditions.checkArgument(
          previous == null,
          "Cannot decode Connect schema at %s: fields '%s' and '%s' would both be column '%s'"
              + " (dots become underscores, as dotted names denote nested columns)",
          describe(path),
          previous,
          key,
          column);
      Mapped mapped = visit(field, child(path, column));
      String doc = field.path("doc").isTextual() ? field.get("doc").asText() : null;
      fields.add(Types.NestedField.optional(nextId(), column, mapped.type(), doc));
      columns.add(column);
      keys.add(key);
      readers.add(mapped.reader());
    }
    ConvertedStruct.Names names = new FieldNames(columns);
    String[] keyArray = keys.toArray(new String[0]);
    ConnectValueReader[] readerArray = readers.toArray(new ConnectValueReader[0]);
    return new Mapped(
        Types.StructType.of(fields),
        v -> {
          if (!v.isObject()) {
            throw mismatch(path, "struct", v);
          }
          Object[] values = new Object[keyArray.length];
          for (int i = 0; i < keyArray.length; i++) {
            values[i] = readChild(readerArray[i], v.get(keyArray[i]));
          }
          return new ConvertedStruct(names, values);
        });
  }

  private Mapped array(JsonNode schema, String path) {
    JsonNode items = schema.get("items");
    Preconditions.checkArgument(
        items != null && items.isObject(),
        "Cannot decode Connect schema at %s: an array needs an items schema",
        describe(path));
    Mapped element = visit(items, child(path, "element"));
    ConnectValueReader reader = element.reader();
    return new Mapped(
        Types.ListType.ofOptional(nextId(), element.type()),
        v -> {
          if (!v.isArray()) {
            throw mismatch(path, "array", v);
          }
          List<Object> list = new ArrayList<>(v.size());
          for (JsonNode e : v) {
            list.add(readChild(reader, e));
          }
          return list;
        });
  }

  /**
   * JsonConverter writes a map with string keys as a JSON object, any other as an array of [key,
   * value] pairs.
   */
  private Mapped map(JsonNode schema, String path) {
    JsonNode keys = schema.get("keys");
    JsonNode values = schema.get("values");
    Preconditions.checkArgument(
        keys != null && keys.isObject() && values != null && values.isObject(),
        "Cannot decode Connect schema at %s: a map needs keys and values schemas",
        describe(path));
    Mapped key = visit(keys, child(path, "key"));
    Mapped value = visit(values, child(path, "value"));
    boolean stringKeys = key.type().typeId() == Type.TypeID.STRING;
    ConnectValueReader keyReader = key.reader();
    ConnectValueReader valueReader = value.reader();
    String keyPath = child(path, "key");
    int keyId = nextId();
    int valueId = nextId();
    return new Mapped(
        Types.MapType.ofOptional(keyId, valueId, key.type(), value.type()),
        v -> {
          Map<Object, Object> map = new LinkedHashMap<>();
          if (stringKeys && v.isObject()) {
            for (Map.Entry<String, JsonNode> entry : v.properties()) {
              map.put(entry.getKey(), readChild(valueReader, entry.getValue()));
            }
            return map;
          }
          if (!v.isArray()) {
            throw mismatch(path, stringKeys ? "map (an object)" : "map (an array of pairs)", v);
          }
          for (JsonNode pair : v) {
            if (!pair.isArray() || pair.size() != 2) {
              throw mismatch(path, "map entry (a [key, value] array)", pair);
            }
            Object k = readChild(keyReader, pair.get(0));
            if (k == null) {
              throw new InvalidConnectValueException(
                  Reason.INVALID_INPUT,
                  keyPath,
                  "field '" + keyPath + "' is null: map keys cannot be");
            }
            map.put(k, readChild(valueReader, pair.get(1)));
          }
          return map;
        });
  }

  /**
   * {@code connect.decimal.precision} above 38 still maps to decimal(38, s): values that fit are
   * kept, wider ones fail as UNSUPPORTED.
   */
  private static Mapped decimal(JsonNode schema, String path) {
    JsonNode parameters = schema.path("parameters");
    int scale = intParameter(parameters, "scale", 0, path);
    int precision = intParameter(parameters, "connect.decimal.precision", MAX_PRECISION, path);
    Preconditions.checkArgument(
        scale >= 0 && precision >= 1 && scale <= Math.min(precision, MAX_PRECISION),
        "Cannot decode Connect schema at %s: decimal scale %s and precision %s are not an Iceberg"
            + " decimal's (scale from 0 to the precision, at most 38)",
        describe(path),
        scale,
        precision);
    Types.DecimalType type = Types.DecimalType.of(Math.min(precision, MAX_PRECISION), scale);
    String name = CONNECT + "Decimal";
    return new Mapped(
        type,
        v -> {
          BigDecimal decimal;
          if (v.isNumber()) {
            // JsonConverter's decimal.format=NUMERIC
            decimal = v.decimalValue();
          } else {
            decimal =
                new BigDecimal(new BigInteger(nonEmpty(bytes(v, path, name), path, name)), scale);
          }
          return fit(decimal, type, path);
        });
  }

  /**
   * Debezium's {@code VariableScaleDecimal} (a PostgreSQL {@code numeric} without a scale): a
   * struct of {@code scale} and the unscaled big-endian {@code value}. Iceberg decimals have one
   * scale per column, so values are rescaled to decimal(38, 10); one with more than 10 fraction
   * digits, or more than 28 integer digits, fails as UNSUPPORTED naming the field (rounding it
   * would change the data silently).
   */
  private static Mapped variableScaleDecimal(String path, String name) {
    return new Mapped(
        VARIABLE_SCALE_DECIMAL,
        v -> {
          if (!v.isObject()) {
            throw mismatch(path, name + " (a struct of scale and value)", v);
          }
          JsonNode scale = v.get("scale");
          JsonNode value = v.get("value");
          if (scale == null || scale.isNull() || value == null || value.isNull()) {
            throw new InvalidConnectValueException(
                Reason.INVALID_INPUT,
                path,
                "field '" + path + "' is a " + name + " without its scale or value");
          }
          int s =
              (int)
                  integral(
                      scale, child(path, "scale"), "int32", Integer.MIN_VALUE, Integer.MAX_VALUE);
          byte[] unscaled = nonEmpty(bytes(value, child(path, "value"), "bytes"), path, name);
          return fit(new BigDecimal(new BigInteger(unscaled), s), VARIABLE_SCALE_DECIMAL, path);
        });
  }

  private static BigDecimal fit(BigDecimal decimal, Types.DecimalType type, String path) {
    try {
      BigDecimal scaled = decimal.setScale(type.scale(), RoundingMode.UNNECESSARY);
      if (scaled.precision() <= type.precision()) {
        return scaled;
      }
    } catch (ArithmeticException e) {
      // more fraction digits than the type's scale: falls through
    }
    throw new InvalidConnectValueException(
        Reason.UNSUPPORTED,
        path,
        "field '"
            + path
            + "' is "
            + decimal.toPlainString()
            + ", which does not fit "
            + type
            + " without rounding");
  }

  private static Mapped time(String path, String name, long nanosPerUnit) {
    return new Mapped(
        Types.TimeType.get(),
        v -> {
          long units = integral(v, path, name, Long.MIN_VALUE, Long.MAX_VALUE);
          if (units < 0 || units >= NANOS_PER_DAY / nanosPerUnit) {
            // PostgreSQL's 24:00:00 lands here: an Iceberg time is below a day
            throw new InvalidConnectValueException(
                Reason.UNSUPPORTED,
                path,
                "field '"
                    + path
                    + "' is "
                    + units
                    + " ("
                    + name
                    + "), outside a day: an Iceberg time"
                    + " is from 00:00 to below 24:00");
          }
          return LocalTime.ofNanoOfDay(units * nanosPerUnit);
        });
  }

  /** Debezium's Timestamp/MicroTimestamp/NanoTimestamp: the column's wall-clock time, no zone. */
  private static Mapped localTimestamp(String path, String name, long nanosPerUnit) {
    long unitsPerSecond = 1_000_000_000L / nanosPerUnit;
    return new Mapped(
        Types.TimestampType.withoutZone(),
        v -> {
          long units = integral(v, path, name, Long.MIN_VALUE, Long.MAX_VALUE);
          long seconds = Math.floorDiv(units, unitsPerSecond);
          int nanos = (int) (Math.floorMod(units, unitsPerSecond) * nanosPerUnit);
          try {
            return LocalDateTime.ofEpochSecond(seconds, nanos, ZoneOffset.UTC);
          } catch (DateTimeException e) {
            throw new InvalidConnectValueException(
                Reason.UNSUPPORTED,
                path,
                "field '" + path + "' is " + units + " (" + name + "): " + e.getMessage());
          }
        });
  }

  private static OffsetDateTime zonedTimestamp(JsonNode v, String path, String name) {
    String text = text(v, path, name);
    try {
      return OffsetDateTime.parse(text).withOffsetSameInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      throw new InvalidConnectValueException(
          Reason.INVALID_INPUT,
          path,
          "field '"
              + path
              + "' is '"
              + text
              + "', not an ISO-8601 timestamp with an offset ("
              + name
              + ")");
    }
  }

  private static UUID uuid(JsonNode v, String path, String name) {
    String text = text(v, path, name);
    try {
      if (text.length() == 36) {
        return UUID.fromString(text);
      }
    } catch (IllegalArgumentException e) {
      // falls through
    }
    throw new InvalidConnectValueException(
        Reason.INVALID_INPUT,
        path,
        "field '" + path + "' is '" + text + "', not a UUID (" + name + ")");
  }

  private static ConnectValueReader ints(String path, String type, long min, long max) {
    return v -> (int) integral(v, path, type, min, max);
  }

  private static ConnectValueReader longs(String path, String type) {
    return v -> integral(v, path, type, Long.MIN_VALUE, Long.MAX_VALUE);
  }

  private static long integral(JsonNode v, String path, String type, long min, long max) {
    if (v.isIntegralNumber() && v.canConvertToLong()) {
      long value = v.longValue();
      if (value >= min && value <= max) {
        return value;
      }
    }
    throw mismatch(path, type, v);
  }

  /** Numbers, and the strings Jackson writes for non-finite ones. */
  private static double floating(JsonNode v, String path, String type) {
    if (v.isNumber()) {
      return v.doubleValue();
    }
    if (v.isTextual()) {
      switch (v.textValue()) {
        case "NaN":
          return Double.NaN;
        case "Infinity":
          return Double.POSITIVE_INFINITY;
        case "-Infinity":
          return Double.NEGATIVE_INFINITY;
        default:
          break;
      }
    }
    throw mismatch(path, type, v);
  }

  private static String text(JsonNode v, String path, String type) {
    if (!v.isTextual()) {
      throw mismatch(path, type, v);
    }
    return v.textValue();
  }

  private static byte[] bytes(JsonNode v, String path, String type) {
    if (v.isTextual()) {
      try {
        return Base64.getDecoder().decode(v.textValue());
      } catch (IllegalArgumentException e) {
        throw new InvalidConnectValueException(
            Reason.INVALID_INPUT,
            path,
            "field '" + path + "' is not base64 (" + type + "): " + e.getMessage());
      }
    }
    if (v.isBinary()) {
      try {
        return v.binaryValue();
      } catch (java.io.IOException e) {
        throw mismatch(path, type, v);
      }
    }
    throw mismatch(path, type, v);
  }

  private static byte[] nonEmpty(byte[] bytes, String path, String type) {
    if (bytes.length == 0) {
      throw new InvalidConnectValueException(
          Reason.INVALID_INPUT,
          path,
          "field '" + path + "' has no bytes for its number (" + type + ")");
    }
    return bytes;
  }

  private static int intParameter(JsonNode parameters, String name, int absent, String path) {
    JsonNode value = parameters.get(name);
    if (value == null || value.isNull()) {
      return absent;
    }
    try {
      return Integer.parseInt(value.asText().trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          String.format(
              "Cannot decode Connect schema at %s: parameter %s is '%s', not an integer",
              describe(path), name, value.asText()),
          e);
    }
  }

  /** Missing and JSON null are null for any field, optional or not (see ConnectSchemaDecoder). */
  static Object readChild(ConnectValueReader reader, JsonNode value) {
    return value == null || value.isNull() ? null : reader.read(value);
  }

  private static InvalidConnectValueException mismatch(String path, String type, JsonNode value) {
    String field = path.isEmpty() ? "the value" : "field '" + path + "'";
    return new InvalidConnectValueException(
        Reason.INVALID_INPUT,
        path,
        field + " is " + type + " in its Connect schema, but the record has " + describe(value));
  }

  private static String describe(JsonNode value) {
    switch (value.getNodeType()) {
      case OBJECT:
        return "an object";
      case ARRAY:
        return "an array";
      case STRING:
        String text = value.textValue();
        return "the string \"" + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + "\"";
      case NUMBER:
        return "the number " + value.asText();
      case BOOLEAN:
        return "the boolean " + value.asText();
      default:
        return value.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private int nextId() {
    return ++lastId;
  }

  /** As Floe's schemaless JSON names columns: dotted names denote nested columns in Iceberg. */
  public static String columnName(String key) {
    return key.indexOf('.') < 0 ? key : key.replace('.', '_');
  }

  private static String child(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  private static String describe(String path) {
    return path.isEmpty() ? "the top level" : "field " + path;
  }

  /** The column names of one struct position of a schema: fixed, so one instance per position. */
  private static final class FieldNames implements ConvertedStruct.Names {
    private final String[] names;

    FieldNames(List<String> names) {
      this.names = names.toArray(new String[0]);
    }

    @Override
    public int size() {
      return names.length;
    }

    @Override
    public String name(int position) {
      return names[position];
    }
  }
}
