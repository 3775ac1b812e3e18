package io.floe.schema.internal.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.floe.schema.ConversionError;
import io.floe.schema.ConversionError.Reason;
import io.floe.schema.ConversionResult;
import io.floe.schema.ConvertedStruct;
import io.floe.schema.Placement;
import io.floe.schema.ValueConverter;
import io.floe.schema.ValueConverters;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.iceberg.Schema;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * Floe's schemaless JSON ({@code convert.*.type=json}): values are read with Jackson's streaming
 * parser straight into {@link ConvertedStruct}s while the schema is inferred and checked against the
 * bound table. The rules (the full list is in the {@code io.floe.schema} package documentation):
 *
 * <ul>
 *   <li>objects become structs, arrays lists, true/false boolean, integers long, other numbers
 *       double, strings string (ISO-8601 text stays a string); integers beyond long are
 *       decimal(38, 0).
 *   <li>a field's first non-null value decides its type; until then (nulls, {@code []}, {@code {}})
 *       it has no column.
 *   <li>a pending type (not yet in the table) widens freely: long to decimal(38, 0) to double,
 *       structs gain fields, lists take their element's widening. A table type only widens as
 *       Iceberg allows (int to long, float to double, decimal precision); anything else is a
 *       per-record {@link Reason#TYPE_CONFLICT}.
 *   <li>keys map to columns ignoring case (the first spelling names the column), with dots replaced
 *       by underscores; two keys of one object landing in the same column are an error.
 * </ul>
 *
 * <p>A record that fails leaves no trace in the inferred schema: its changes are undone.
 */
public final class JsonValueConverter implements ValueConverter {

  /** New fields stop being added once the table (as tracked) has this many struct fields. */
  public static final int MAX_COLUMNS = 1000;

  private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ISO_DATE_TIME;
  private static final BigInteger MAX_DECIMAL_38 = BigInteger.TEN.pow(38);

  // per converter: the parser's name canonicalizer is then never shared between threads
  private final JsonFactory json = JsonFactory.builder().build();
  private final Placement placement;
  private final boolean flattened;
  private final List<Runnable> undo = new ArrayList<>();

  private Schema boundSchema;
  /** Flattened: the table's root struct. Otherwise the value's column, pending if absent. */
  private Slot top;
  private int nextId;
  private int fieldCount;
  private long objectStamp;
  /** The columns as bound, before any record: what the table has. */
  private List<Types.NestedField> boundColumns;
  /** {@link #columns()} as of the last change to the inferred schema. */
  private List<Types.NestedField> columns;
  private boolean needsSchemaChange;
  /** A record changed (or a failed one un-changed) the inferred schema since columns was computed. */
  private boolean dirty;

  public JsonValueConverter(Placement placement) {
    this.placement = placement;
    this.flattened = placement instanceof Placement.Flattened;
    useSchema(new Schema());
  }

  @Override
  public Placement placement() {
    return placement;
  }

  @Override
  public void useSchema(Schema tableSchema) {
    if (boundSchema != null && !needsSchemaChange() && boundSchema.sameSchema(tableSchema)) {
      return; // keep the shapes: record builders cache their projections by shape
    }
    this.boundSchema = tableSchema;
    this.nextId = tableSchema.highestFieldId() + 1;
    this.fieldCount = 0;
    undo.clear();
    Types.StructType root = tableSchema.asStruct();
    if (flattened) {
      this.top = fromTable(null, "", 0, root, true);
      for (int i = 0; i < top.struct.size(); i++) {
        Slot column = top.struct.get(i);
        if (ValueConverters.isReservedColumn(column.name)) {
          column.reserved = true;
          column.lastKey = null; // never matched by the fast path, which skips the reserved check
        }
      }
    } else {
      String name = ((Placement.Column) placement).name();
      Types.NestedField column = root.field(name);
      if (column == null) {
        column = root.caseInsensitiveField(name);
      }
      this.top =
          column == null
              ? new Slot(null, name, nextId++, null, false, Kind.UNKNOWN)
              : fromTable(null, column.name(), column.fieldId(), column.type(), column.isRequired());
    }
    this.boundColumns = computeColumns();
    this.columns = boundColumns;
    this.needsSchemaChange = false;
    this.dirty = false;
  }

  @Override
  public boolean needsSchemaChange() {
    refreshColumns();
    return needsSchemaChange;
  }

  @Override
  public List<Types.NestedField> columns() {
    refreshColumns();
    return columns;
  }

  private void refreshColumns() {
    if (dirty) {
      columns = computeColumns();
      needsSchemaChange = !columns.equals(boundColumns);
      dirty = false;
    }
  }

  private List<Types.NestedField> computeColumns() {
    if (!flattened) {
      Types.NestedField column = top.neededField();
      return column == null ? List.of() : List.of(column);
    }
    List<Types.NestedField> fields = new ArrayList<>();
    for (int i = 0; i < top.struct.size(); i++) {
      Slot column = top.struct.get(i);
      Types.NestedField field = column.reserved ? null : column.neededField();
      if (field != null) {
        fields.add(field);
      }
    }
    return List.copyOf(fields);
  }

  @Override
  public ConversionResult convert(byte[] bytes, int offset, int length) {
    if (bytes == null) {
      return ConversionResult.NULL;
    }
    try (JsonParser parser = json.createParser(bytes, offset, length)) {
      JsonToken token = parser.nextToken();
      if (token == null) {
        return ConversionResult.failed(Reason.INVALID_INPUT, "", "the value is empty, not JSON");
      }
      Object value;
      if (token == JsonToken.VALUE_NULL) {
        value = null;
      } else if (flattened) {
        if (token != JsonToken.START_OBJECT) {
          return ConversionResult.failed(
              Reason.UNSUPPORTED,
              "",
              "flatten needs a JSON object at the top level, but the value is " + found(token));
        }
        value = readStruct(parser, top);
      } else {
        value = readColumn(parser, token, bytes, offset, length);
      }
      if (parser.nextToken() != null) {
        rollback();
        return ConversionResult.failed(
            Reason.INVALID_INPUT,
            "",
            "invalid JSON: more content after the value at " + location(parser));
      }
      undo.clear();
      return ConversionResult.converted(value);
    } catch (ConversionFailure failure) {
      rollback();
      return ConversionResult.failed(failure.error);
    } catch (JsonProcessingException e) {
      rollback();
      return ConversionResult.failed(
          Reason.INVALID_INPUT,
          "",
          "invalid JSON: " + e.getOriginalMessage() + " at " + location(e));
    } catch (IOException e) {
      rollback(); // reading a byte array does no I/O; kept for the checked signature
      return ConversionResult.failed(Reason.INVALID_INPUT, "", "unreadable value: " + e);
    }
  }

  private void rollback() {
    if (undo.isEmpty()) {
      return;
    }
    for (int i = undo.size() - 1; i >= 0; i--) {
      undo.get(i).run();
    }
    undo.clear();
    dirty = true;
  }

  /** Not flattened: an object fills the column's struct; other JSON is kept as its text. */
  private Object readColumn(JsonParser p, JsonToken token, byte[] bytes, int offset, int length)
      throws IOException {
    Slot column = top;
    if (column.kind == Kind.STRING
        || (column.kind == Kind.UNKNOWN && token != JsonToken.START_OBJECT)) {
      p.skipChildren(); // still validates the nested JSON
      if (column.kind == Kind.UNKNOWN) {
        setKind(column, Kind.STRING);
      }
      return new String(bytes, offset, length, StandardCharsets.UTF_8).strip();
    }
    return readValue(p, token, column);
  }

  private Object readValue(JsonParser p, JsonToken token, Slot slot) throws IOException {
    switch (token) {
      case VALUE_NULL:
        if (slot.isRequired()) {
          markOptional(slot);
        }
        return null;
      case VALUE_TRUE:
        return readBoolean(slot, Boolean.TRUE);
      case VALUE_FALSE:
        return readBoolean(slot, Boolean.FALSE);
      case VALUE_NUMBER_INT:
        return readInteger(p, slot);
      case VALUE_NUMBER_FLOAT:
        return readFraction(p, slot);
      case VALUE_STRING:
        return readString(p, slot);
      case START_OBJECT:
        return readObject(p, slot);
      case START_ARRAY:
        return readArray(p, slot);
      default:
        throw new IllegalStateException("Unexpected JSON token " + token + " at " + location(p));
    }
  }

  private Object readBoolean(Slot slot, Boolean value) {
    if (slot.kind == Kind.UNKNOWN) {
      setKind(slot, Kind.BOOLEAN);
    } else if (slot.kind != Kind.BOOLEAN) {
      throw conflict(slot, "a boolean", "");
    }
    return value;
  }

  private Object readInteger(JsonParser p, Slot slot) throws IOException {
    JsonParser.NumberType numberType = p.getNumberType();
    boolean big = numberType == JsonParser.NumberType.BIG_INTEGER;
    switch (slot.kind) {
      case UNKNOWN:
        if (!big) {
          setKind(slot, Kind.LONG);
          return p.getLongValue();
        }
        return newDecimalColumn(slot, p.getBigIntegerValue());
      case LONG:
        if (!big) {
          return p.getLongValue();
        }
        if (!slot.inTable()) {
          return widenToDecimal(slot, p.getBigIntegerValue());
        }
        throw conflict(slot, "the integer " + p.getText() + ", beyond the long range", "");
      case INT:
        if (numberType == JsonParser.NumberType.INT) {
          return p.getIntValue();
        }
        if (!big) {
          widen(slot, Kind.LONG);
          return p.getLongValue();
        }
        throw conflict(slot, "the integer " + p.getText() + ", beyond the long range", "");
      case DOUBLE:
        return p.getDoubleValue();
      case FLOAT:
        return toFloatOrWiden(slot, p.getDoubleValue(), big);
      case DECIMAL:
        return toDecimal(slot, new BigDecimal(p.getBigIntegerValue()));
      default:
        throw conflict(slot, "an integer (long)", "");
    }
  }

  private Object readFraction(JsonParser p, Slot slot) throws IOException {
    switch (slot.kind) {
      case UNKNOWN:
        setKind(slot, Kind.DOUBLE);
        return p.getDoubleValue();
      case DOUBLE:
        return p.getDoubleValue();
      case LONG:
        if (!slot.inTable()) {
          widen(slot, Kind.DOUBLE);
          return p.getDoubleValue();
        }
        return integralLong(p, slot, "(Iceberg cannot widen long to double)");
      case INT:
        {
          long value = integralLong(p, slot, "(Iceberg cannot widen int to double)");
          if (value == (int) value) {
            return (int) value;
          }
          widen(slot, Kind.LONG);
          return value;
        }
      case FLOAT:
        return toFloatOrWiden(slot, p.getDoubleValue(), false);
      case DECIMAL:
        if (!slot.inTable()) { // decimal(38, 0) inferred from a big integer: widen like Spark
          widen(slot, Kind.DOUBLE);
          return p.getDoubleValue();
        }
        return toDecimal(slot, p.getDecimalValue());
      default:
        throw conflict(slot, "a number with a fraction (double)", "");
    }
  }

  /** A fractional JSON number for an integer table column: only if it is integral (3.0). */
  private long integralLong(JsonParser p, Slot slot, String hint) throws IOException {
    BigDecimal value = p.getDecimalValue();
    try {
      return value.longValueExact();
    } catch (ArithmeticException e) {
      throw conflict(slot, "the number " + p.getText() + " (double)", " " + hint);
    }
  }

  private Object toFloatOrWiden(Slot slot, double value, boolean big) {
    if (!big && (double) (float) value == value) {
      return (float) value;
    }
    widen(slot, Kind.DOUBLE);
    return value;
  }

  private Object newDecimalColumn(Slot slot, BigInteger value) {
    if (value.abs().compareTo(MAX_DECIMAL_38) >= 0) {
      throw unsupported(slot, "the integer " + value + " has more than 38 digits");
    }
    setKind(slot, Kind.DECIMAL);
    slot.precision = 38;
    slot.scale = 0;
    return new BigDecimal(value);
  }

  private Object widenToDecimal(Slot slot, BigInteger value) {
    if (value.abs().compareTo(MAX_DECIMAL_38) >= 0) {
      throw unsupported(slot, "the integer " + value + " has more than 38 digits");
    }
    Kind oldKind = slot.kind;
    undo.add(() -> slot.kind = oldKind);
    slot.kind = Kind.DECIMAL;
    slot.precision = 38;
    slot.scale = 0;
    dirty = true;
    return new BigDecimal(value);
  }

  /** A number for a decimal column: its scale must fit; precision widens up to 38. */
  private Object toDecimal(Slot slot, BigDecimal value) {
    BigDecimal scaled;
    try {
      scaled = value.setScale(slot.scale, RoundingMode.UNNECESSARY);
    } catch (ArithmeticException e) {
      throw conflict(
          slot,
          "the number " + value.toPlainString(),
          " with more than " + slot.scale + " decimal places (Iceberg cannot change a decimal's scale)");
    }
    if (scaled.precision() > slot.precision) {
      if (scaled.precision() > 38) {
        throw conflict(slot, "the number " + value.toPlainString(), ", beyond decimal(38)");
      }
      int oldPrecision = slot.precision;
      undo.add(() -> slot.precision = oldPrecision);
      slot.precision = scaled.precision();
      dirty = true;
    }
    return scaled;
  }

  private Object readString(JsonParser p, Slot slot) throws IOException {
    switch (slot.kind) {
      case UNKNOWN:
        setKind(slot, Kind.STRING);
        return p.getText();
      case STRING:
        return p.getText();
      case DATE:
        return parse(slot, p.getText(), "an ISO-8601 date", LocalDate::parse);
      case TIME:
        return parse(slot, p.getText(), "an ISO-8601 time", LocalTime::parse);
      case TIMESTAMP:
        return parse(slot, p.getText(), "an ISO-8601 timestamp", text -> timestamp(slot, text));
      case UUID:
        return parse(slot, p.getText(), "a UUID", UUID::fromString);
      case BINARY:
      case FIXED:
        {
          byte[] bytes;
          try {
            bytes = p.getBinaryValue();
          } catch (JsonProcessingException e) {
            throw conflict(slot, "a string that is not base64", "");
          }
          if (slot.kind == Kind.BINARY) {
            return ByteBuffer.wrap(bytes);
          }
          int length = ((Types.FixedType) slot.tableType).length();
          if (bytes.length != length) {
            throw conflict(slot, "base64 of " + bytes.length + " bytes", "");
          }
          return bytes;
        }
      default:
        throw conflict(slot, "a string", "");
    }
  }

  private Object timestamp(Slot slot, String text) {
    boolean withZone =
        slot.tableType instanceof Types.TimestampType
            ? ((Types.TimestampType) slot.tableType).shouldAdjustToUTC()
            : ((Types.TimestampNanoType) slot.tableType).shouldAdjustToUTC();
    TemporalAccessor parsed = TIMESTAMP.parseBest(text, OffsetDateTime::from, LocalDateTime::from);
    if (parsed instanceof OffsetDateTime offsetTime) {
      OffsetDateTime utc = offsetTime.withOffsetSameInstant(ZoneOffset.UTC);
      return withZone ? utc : utc.toLocalDateTime();
    }
    LocalDateTime local = (LocalDateTime) parsed; // no offset: taken as UTC
    return withZone ? local.atOffset(ZoneOffset.UTC) : local;
  }

  private interface Parse {
    Object apply(String text);
  }

  private Object parse(Slot slot, String text, String expected, Parse parse) {
    try {
      return parse.apply(text);
    } catch (DateTimeParseException | IllegalArgumentException e) {
      throw conflict(slot, "a string that is not " + expected, "");
    }
  }

  private Object readObject(JsonParser p, Slot slot) throws IOException {
    switch (slot.kind) {
      case UNKNOWN:
        setKind(slot, Kind.STRUCT);
        slot.struct = new StructShape();
        return readStruct(p, slot);
      case STRUCT:
        return readStruct(p, slot);
      case MAP:
        return readMap(p, slot);
      default:
        throw conflict(slot, "an object (struct)", "");
    }
  }

  private ConvertedStruct readStruct(JsonParser p, Slot slot) throws IOException {
    StructShape shape = slot.struct;
    long stamp = ++objectStamp;
    Object[] values = new Object[Math.max(shape.size(), 1)];
    int next = 0;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      Slot field = null;
      if (next < shape.size()) {
        Slot expected = shape.get(next); // records usually repeat the same key order
        if (expected.lastKey == key) {
          field = expected;
        }
      }
      if (field == null) {
        field = findOrAdd(slot, key);
      }
      if (field.stamp == stamp) {
        throw unsupported(
            field,
            "the object has the key '"
                + key
                + "' more than once, or keys that differ only by case or by '.' and '_'");
      }
      field.stamp = stamp;
      Object value = readValue(p, p.nextToken(), field);
      int position = field.position;
      if (position >= values.length) {
        values = Arrays.copyOf(values, shape.size());
      }
      values[position] = value;
      next = position + 1;
    }
    for (Slot required : shape.required()) {
      if (required.stamp != stamp && required.isRequired() && !required.reserved) {
        markOptional(required); // absent: the record says the column can be null
      }
    }
    return new ConvertedStruct(shape, values);
  }

  private Slot findOrAdd(Slot parent, String key) {
    StructShape shape = parent.struct;
    Slot field = shape.find(key);
    if (field != null) {
      if (field.reserved) {
        throw unsupported(field, "'" + field.name + "' is reserved for Floe's record metadata");
      }
      field.lastKey = key;
      return field;
    }
    String name = StructShape.columnName(key);
    Slot added = new Slot(parent, name, nextId++, null, false, Kind.UNKNOWN);
    if (key.isEmpty()) {
      throw unsupported(added, "an empty key cannot name a column");
    }
    if (flattened && parent == top && ValueConverters.isReservedColumn(name)) {
      throw unsupported(added, "'" + name + "' is reserved for Floe's record metadata");
    }
    if (fieldCount >= MAX_COLUMNS) {
      throw unsupported(
          added,
          "the table would have more than "
              + MAX_COLUMNS
              + " columns; JSON with many distinct keys belongs in a map<string, ...> column");
    }
    added.lastKey = key;
    shape.add(added);
    fieldCount++;
    dirty = true;
    undo.add(
        () -> {
          shape.removeLast();
          fieldCount--;
        });
    return added;
  }

  private Object readArray(JsonParser p, Slot slot) throws IOException {
    switch (slot.kind) {
      case UNKNOWN:
        setKind(slot, Kind.LIST);
        slot.element = new Slot(slot, "element", nextId++, null, false, Kind.UNKNOWN);
        break;
      case LIST:
        break;
      default:
        throw conflict(slot, "an array (list)", "");
    }
    JsonToken token = p.nextToken();
    if (token == JsonToken.END_ARRAY) {
      return Collections.emptyList();
    }
    List<Object> values = new ArrayList<>();
    do {
      values.add(readValue(p, token, slot.element));
    } while ((token = p.nextToken()) != JsonToken.END_ARRAY);
    return values;
  }

  private Object readMap(JsonParser p, Slot slot) throws IOException {
    Map<String, Object> values = new LinkedHashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      values.put(key, readValue(p, p.nextToken(), slot.element));
    }
    return values;
  }

  private void setKind(Slot slot, Kind kind) {
    slot.kind = kind;
    dirty = true;
    undo.add(
        () -> {
          slot.kind = Kind.UNKNOWN;
          slot.struct = null;
          slot.element = null;
        });
  }

  private void widen(Slot slot, Kind kind) {
    Kind oldKind = slot.kind;
    slot.kind = kind;
    dirty = true;
    undo.add(() -> slot.kind = oldKind);
  }

  private void markOptional(Slot slot) {
    slot.needsOptional = true;
    dirty = true;
    undo.add(() -> slot.needsOptional = false);
  }

  private Slot fromTable(Slot parent, String name, int id, Type type, boolean required) {
    Slot slot = new Slot(parent, name, id, type, required, Kind.of(type));
    switch (slot.kind) {
      case DECIMAL:
        slot.precision = ((Types.DecimalType) type).precision();
        slot.scale = ((Types.DecimalType) type).scale();
        break;
      case STRUCT:
        slot.struct = new StructShape();
        for (Types.NestedField field : type.asStructType().fields()) {
          slot.struct.add(
              fromTable(slot, field.name(), field.fieldId(), field.type(), field.isRequired()));
          fieldCount++;
        }
        break;
      case LIST:
        Types.ListType list = type.asListType();
        slot.element =
            fromTable(slot, "element", list.elementId(), list.elementType(), list.isElementRequired());
        break;
      case MAP:
        Types.MapType map = type.asMapType();
        slot.element =
            fromTable(slot, "value", map.valueId(), map.valueType(), map.isValueRequired());
        break;
      default:
        break;
    }
    return slot;
  }

  private static ConversionFailure conflict(Slot slot, String found, String hint) {
    String where = slot.inTable() ? "in the table" : "from earlier records";
    return new ConversionFailure(
        Reason.TYPE_CONFLICT,
        slot.path(),
        String.format(
            "field '%s' is %s %s, but the record has %s%s",
            slot.path(), slot.describe(), where, found, hint));
  }

  private static ConversionFailure unsupported(Slot slot, String why) {
    return new ConversionFailure(
        Reason.UNSUPPORTED, slot.path(), String.format("field '%s': %s", slot.path(), why));
  }

  private static String found(JsonToken token) {
    switch (token) {
      case START_ARRAY:
        return "an array";
      case VALUE_STRING:
        return "a string";
      case VALUE_NUMBER_INT:
      case VALUE_NUMBER_FLOAT:
        return "a number";
      case VALUE_TRUE:
      case VALUE_FALSE:
        return "a boolean";
      default:
        return token.toString();
    }
  }

  private static String location(JsonParser p) {
    return "line " + p.currentLocation().getLineNr() + ", column " + p.currentLocation().getColumnNr();
  }

  private static String location(JsonProcessingException e) {
    return e.getLocation() == null
        ? "an unknown position"
        : "line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
  }

  @Override
  public String toString() {
    return "JsonValueConverter(" + placement + ", " + columns() + ")";
  }
}
