package io.floe.schema.internal.protobuf;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import com.squareup.wire.schema.ProtoType;
import java.io.IOException;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * Readers of the well-known types that have a natural column type of their own. {@code
 * google.protobuf.Any} is not among them (it is an ordinary message: {@code struct<type_url,
 * value>}), nor {@code Empty} (it has no columns, so a field of it is omitted like any empty
 * message).
 */
final class WellKnownTypes {

  /** Timestamps outside years 1 to 9999, as protobuf's own Timestamps.isValid tells. */
  private static final long MIN_TIMESTAMP_SECONDS = -62_135_596_800L;

  private static final long MAX_TIMESTAMP_SECONDS = 253_402_300_799L;
  private static final int MAX_JSON_DEPTH = 100;

  private static final int FIRST_VARINT = MessageReader.tag(1, WireFormat.WIRETYPE_VARINT);
  private static final int SECOND_VARINT = MessageReader.tag(2, WireFormat.WIRETYPE_VARINT);
  private static final int FIRST_STRING =
      MessageReader.tag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);

  private WellKnownTypes() {}

  /**
   * The reader of {@code type} if it is a well-known type with a column type of its own, or null.
   */
  static ValueReader reader(ProtoType type) {
    if (type.equals(ProtoType.TIMESTAMP)) {
      return TimestampReader.INSTANCE;
    } else if (type.equals(ProtoType.DURATION)) {
      return DurationReader.INSTANCE;
    } else if (type.equals(ProtoType.FIELD_MASK)) {
      return FieldMaskReader.INSTANCE;
    } else if (type.equals(ProtoType.STRUCT_MAP)) {
      return new JsonReader(JsonReader.STRUCT);
    } else if (type.equals(ProtoType.STRUCT_VALUE)) {
      return new JsonReader(JsonReader.VALUE);
    } else if (type.equals(ProtoType.STRUCT_LIST)) {
      return new JsonReader(JsonReader.LIST);
    } else if (type.equals(ProtoType.DOUBLE_VALUE)) {
      return new WrapperReader(Scalar.DOUBLE);
    } else if (type.equals(ProtoType.FLOAT_VALUE)) {
      return new WrapperReader(Scalar.FLOAT);
    } else if (type.equals(ProtoType.INT64_VALUE)) {
      return new WrapperReader(Scalar.INT64);
    } else if (type.equals(ProtoType.UINT64_VALUE)) {
      return new WrapperReader(Scalar.UINT64);
    } else if (type.equals(ProtoType.INT32_VALUE)) {
      return new WrapperReader(Scalar.INT32);
    } else if (type.equals(ProtoType.UINT32_VALUE)) {
      return new WrapperReader(Scalar.UINT32);
    } else if (type.equals(ProtoType.BOOL_VALUE)) {
      return new WrapperReader(Scalar.BOOL);
    } else if (type.equals(ProtoType.STRING_VALUE)) {
      return new WrapperReader(Scalar.STRING);
    } else if (type.equals(ProtoType.BYTES_VALUE)) {
      return new WrapperReader(Scalar.BYTES);
    }
    return null;
  }

  /** Base of the readers of small length-delimited messages. */
  private abstract static class SmallMessageReader implements ValueReader {
    @Override
    public final int wireType() {
      return WireFormat.WIRETYPE_LENGTH_DELIMITED;
    }

    @Override
    public final Object read(CodedInputStream in, Object previous) throws IOException {
      int limit = in.pushLimit(in.readRawVarint32());
      Object value = readFields(in);
      in.popLimit(limit);
      return value;
    }

    /** Reads the message's fields up to the limit; a repeated message is not merged (last wins). */
    abstract Object readFields(CodedInputStream in) throws IOException;
  }

  /** {@code Timestamp} to timestamptz: an {@link OffsetDateTime} in UTC, cut to microseconds. */
  private static final class TimestampReader extends SmallMessageReader {
    static final TimestampReader INSTANCE = new TimestampReader();
    private static final OffsetDateTime EPOCH =
        OffsetDateTime.of(1970, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);

    @Override
    Object readFields(CodedInputStream in) throws IOException {
      long seconds = 0;
      int nanos = 0;
      int tag;
      while ((tag = in.readTag()) != 0) {
        if (tag == FIRST_VARINT) {
          seconds = in.readInt64();
        } else if (tag == SECOND_VARINT) {
          nanos = in.readInt32();
        } else {
          MessageReader.skipUnknown(in, tag);
        }
      }
      if (seconds < MIN_TIMESTAMP_SECONDS
          || seconds > MAX_TIMESTAMP_SECONDS
          || nanos < 0
          || nanos > 999_999_999) {
        throw new DecodeFailure(
            String.format(
                "the timestamp (seconds %d, nanos %d) is outside 0001-01-01 to 9999-12-31",
                seconds, nanos));
      }
      return OffsetDateTime.of(
          LocalDateTime.ofEpochSecond(seconds, nanos - nanos % 1_000, ZoneOffset.UTC),
          ZoneOffset.UTC);
    }

    @Override
    public Object defaultValue() {
      return EPOCH;
    }

    @Override
    public Type type(AtomicInteger ids) {
      return Types.TimestampType.withZone();
    }
  }

  /** {@code Duration} to long microseconds (nanoseconds cut toward zero). */
  private static final class DurationReader extends SmallMessageReader {
    static final DurationReader INSTANCE = new DurationReader();

    @Override
    Object readFields(CodedInputStream in) throws IOException {
      long seconds = 0;
      int nanos = 0;
      int tag;
      while ((tag = in.readTag()) != 0) {
        if (tag == FIRST_VARINT) {
          seconds = in.readInt64();
        } else if (tag == SECOND_VARINT) {
          nanos = in.readInt32();
        } else {
          MessageReader.skipUnknown(in, tag);
        }
      }
      try {
        return Math.addExact(Math.multiplyExact(seconds, 1_000_000L), nanos / 1_000);
      } catch (ArithmeticException e) {
        throw new DecodeFailure(
            String.format(
                "the duration of %d seconds does not fit a long of microseconds", seconds));
      }
    }

    @Override
    public Object defaultValue() {
      return 0L;
    }

    @Override
    public Type type(AtomicInteger ids) {
      return Types.LongType.get();
    }
  }

  /**
   * {@code FieldMask} to its paths joined by commas, as written ({@code user.display_name,photo}).
   */
  private static final class FieldMaskReader extends SmallMessageReader {
    static final FieldMaskReader INSTANCE = new FieldMaskReader();

    @Override
    Object readFields(CodedInputStream in) throws IOException {
      StringBuilder paths = new StringBuilder();
      int tag;
      while ((tag = in.readTag()) != 0) {
        if (tag == FIRST_STRING) {
          if (paths.length() > 0) {
            paths.append(',');
          }
          paths.append(in.readString());
        } else {
          MessageReader.skipUnknown(in, tag);
        }
      }
      return paths.toString();
    }

    @Override
    public Object defaultValue() {
      return "";
    }

    @Override
    public Type type(AtomicInteger ids) {
      return Types.StringType.get();
    }
  }

  /** A wrapper ({@code Int32Value}, {@code StringValue}, ...) to its scalar; absent is null. */
  private static final class WrapperReader extends SmallMessageReader {
    private final Scalar scalar;
    private final int valueTag;

    WrapperReader(Scalar scalar) {
      this.scalar = scalar;
      this.valueTag = MessageReader.tag(1, scalar.wireType());
    }

    @Override
    Object readFields(CodedInputStream in) throws IOException {
      Object value = null;
      int tag;
      while ((tag = in.readTag()) != 0) {
        if (tag == valueTag) {
          value = scalar.read(in, null);
        } else {
          MessageReader.skipUnknown(in, tag);
        }
      }
      return value != null ? value : scalar.defaultValue();
    }

    @Override
    public Object defaultValue() {
      return scalar.defaultValue();
    }

    @Override
    public Type type(AtomicInteger ids) {
      return scalar.type(ids);
    }
  }

  /**
   * {@code Struct}, {@code Value} and {@code ListValue} to their JSON text, compact (no
   * whitespace), as protobuf's JsonFormat prints them: numbers as Java doubles ({@code 1.0}, {@code
   * 1.0E20}), NaN and infinities as the strings {@code "NaN"}, {@code "Infinity"}, {@code
   * "-Infinity"}, keys in the order written (a repeated key keeps its first place and last value).
   * Unlike JsonFormat, a {@code Value} with no kind set prints {@code null} rather than failing,
   * and only the characters JSON requires are escaped.
   */
  private static final class JsonReader extends SmallMessageReader {
    static final int STRUCT = 0;
    static final int VALUE = 1;
    static final int LIST = 2;

    private static final int STRUCT_FIELDS =
        MessageReader.tag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int ENTRY_KEY = MessageReader.tag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int ENTRY_VALUE =
        MessageReader.tag(2, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int NULL_VALUE = MessageReader.tag(1, WireFormat.WIRETYPE_VARINT);
    private static final int NUMBER_VALUE = MessageReader.tag(2, WireFormat.WIRETYPE_FIXED64);
    private static final int STRING_VALUE =
        MessageReader.tag(3, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int BOOL_VALUE = MessageReader.tag(4, WireFormat.WIRETYPE_VARINT);
    private static final int STRUCT_VALUE =
        MessageReader.tag(5, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int LIST_VALUE =
        MessageReader.tag(6, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int LIST_VALUES =
        MessageReader.tag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);

    private final int kind;

    JsonReader(int kind) {
      this.kind = kind;
    }

    @Override
    Object readFields(CodedInputStream in) throws IOException {
      switch (kind) {
        case STRUCT:
          return struct(in, 0);
        case LIST:
          return list(in, 0);
        default:
          return value(in, 0);
      }
    }

    private static String struct(CodedInputStream in, int depth) throws IOException {
      checkDepth(depth);
      Map<String, String> fields = new LinkedHashMap<>();
      int tag;
      while ((tag = in.readTag()) != 0) {
        if (tag != STRUCT_FIELDS) {
          MessageReader.skipUnknown(in, tag);
          continue;
        }
        int limit = in.pushLimit(in.readRawVarint32());
        String key = "";
        String value = "null";
        int entryTag;
        while ((entryTag = in.readTag()) != 0) {
          if (entryTag == ENTRY_KEY) {
            key = in.readString();
          } else if (entryTag == ENTRY_VALUE) {
            value = nested(in, depth, VALUE);
          } else {
            MessageReader.skipUnknown(in, entryTag);
          }
        }
        in.popLimit(limit);
        fields.put(key, value);
      }
      StringBuilder json = new StringBuilder("{");
      for (Map.Entry<String, String> field : fields.entrySet()) {
        if (json.length() > 1) {
          json.append(',');
        }
        quote(field.getKey(), json).append(':').append(field.getValue());
      }
      return json.append('}').toString();
    }

    private static String list(CodedInputStream in, int depth) throws IOException {
      checkDepth(depth);
      StringBuilder json = new StringBuilder("[");
      int tag;
      while ((tag = in.readTag()) != 0) {
        if (tag == LIST_VALUES) {
          if (json.length() > 1) {
            json.append(',');
          }
          json.append(nested(in, depth, VALUE));
        } else {
          MessageReader.skipUnknown(in, tag);
        }
      }
      return json.append(']').toString();
    }

    private static String value(CodedInputStream in, int depth) throws IOException {
      checkDepth(depth);
      String json = "null"; // the kinds are a oneof: the last one written wins
      int tag;
      while ((tag = in.readTag()) != 0) {
        if (tag == NULL_VALUE) {
          in.readEnum();
          json = "null";
        } else if (tag == NUMBER_VALUE) {
          json = number(in.readDouble());
        } else if (tag == STRING_VALUE) {
          json = quote(in.readString(), new StringBuilder()).toString();
        } else if (tag == BOOL_VALUE) {
          json = in.readBool() ? "true" : "false";
        } else if (tag == STRUCT_VALUE) {
          json = nested(in, depth, STRUCT);
        } else if (tag == LIST_VALUE) {
          json = nested(in, depth, LIST);
        } else {
          MessageReader.skipUnknown(in, tag);
        }
      }
      return json;
    }

    private static String nested(CodedInputStream in, int depth, int kind) throws IOException {
      int limit = in.pushLimit(in.readRawVarint32());
      String json =
          kind == STRUCT
              ? struct(in, depth + 1)
              : kind == LIST ? list(in, depth + 1) : value(in, depth + 1);
      in.popLimit(limit);
      return json;
    }

    private static void checkDepth(int depth) {
      if (depth > MAX_JSON_DEPTH) {
        throw new DecodeFailure("the JSON value nests deeper than " + MAX_JSON_DEPTH + " levels");
      }
    }

    private static String number(double value) {
      if (Double.isNaN(value)) {
        return "\"NaN\"";
      }
      if (Double.isInfinite(value)) {
        return value > 0 ? "\"Infinity\"" : "\"-Infinity\"";
      }
      return Double.toString(value);
    }

    private static StringBuilder quote(String text, StringBuilder json) {
      json.append('"');
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        switch (c) {
          case '"':
            json.append("\\\"");
            break;
          case '\\':
            json.append("\\\\");
            break;
          case '\n':
            json.append("\\n");
            break;
          case '\r':
            json.append("\\r");
            break;
          case '\t':
            json.append("\\t");
            break;
          case '\b':
            json.append("\\b");
            break;
          case '\f':
            json.append("\\f");
            break;
          default:
            if (c < 0x20 || c == '\u2028' || c == '\u2029') {
              json.append(String.format("\\u%04x", (int) c));
            } else {
              json.append(c);
            }
        }
      }
      return json.append('"');
    }

    @Override
    public Object defaultValue() {
      return kind == STRUCT ? "{}" : kind == LIST ? "[]" : "null";
    }

    @Override
    public Type type(AtomicInteger ids) {
      return Types.StringType.get();
    }
  }
}
