package io.floe.schema.internal.protobuf;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * Reads the occurrences of one field of a message into its column's slot of the message's value
 * array. A field may occur many times in one message: a singular field keeps the last value (a
 * message merges), a repeated field appends, packed or not, and a map keeps the last value of a
 * key.
 */
abstract class FieldReader {

  final String name;
  final int position;

  FieldReader(String name, int position) {
    this.name = name;
    this.position = position;
  }

  /**
   * Reads one occurrence of the field.
   *
   * @return false if {@code wireType} is not one this field is encoded with: the caller skips the
   *     value, as Protobuf parsers treat such a field as unknown
   */
  abstract boolean read(CodedInputStream in, int wireType, Object[] values) throws IOException;

  /** Fills the slot of a field the message did not hold with what a Protobuf reader would see. */
  abstract void finish(Object[] values);

  /** The column's Iceberg type. */
  abstract Type type(AtomicInteger ids);

  /** A failure for what the stream found wrong with the bytes, in a sentence for users. */
  static DecodeFailure invalid(IOException e) {
    String message = String.valueOf(e.getMessage());
    // protobuf-java's truncation message is two sentences about parser internals
    return new DecodeFailure(
        message.contains("truncated")
            ? "the bytes end inside a value (truncated, or a length is wrong)"
            : "the bytes are not valid Protobuf: " + message);
  }

  /** A field that is not repeated: a scalar, an enum, a message, a well-known type. */
  static final class Singular extends FieldReader {
    private final ValueReader reader;
    private final int wireType;
    private final boolean fillDefault;
    private final int[] oneofSiblings;

    /**
     * @param fillDefault whether an absent value reads as the type's default (proto3 fields without
     *     presence) rather than null
     * @param oneofSiblings positions of the other members of the field's oneof, cleared when it is
     *     set
     */
    Singular(
        String name, int position, ValueReader reader, boolean fillDefault, int[] oneofSiblings) {
      super(name, position);
      this.reader = reader;
      this.wireType = reader.wireType();
      this.fillDefault = fillDefault;
      this.oneofSiblings = oneofSiblings;
    }

    @Override
    boolean read(CodedInputStream in, int wireType, Object[] values) throws IOException {
      if (wireType != this.wireType) {
        return false;
      }
      values[position] = reader.read(in, values[position]);
      for (int sibling : oneofSiblings) {
        values[sibling] = null;
      }
      return true;
    }

    @Override
    void finish(Object[] values) {
      if (fillDefault && values[position] == null) {
        values[position] = reader.defaultValue();
      }
    }

    @Override
    Type type(AtomicInteger ids) {
      return reader.type(ids);
    }
  }

  /** A repeated field: a list, absent as an empty list. */
  static final class Repeated extends FieldReader {
    private final ValueReader element;
    private final int wireType;
    private final boolean packable;

    Repeated(String name, int position, ValueReader element) {
      super(name, position);
      this.element = element;
      this.wireType = element.wireType();
      this.packable = element.packable();
    }

    @Override
    boolean read(CodedInputStream in, int wireType, Object[] values) throws IOException {
      boolean packed = packable && wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED;
      if (wireType != this.wireType && !packed) {
        return false;
      }
      List<Object> list = list(values);
      if (packed) {
        int limit = in.pushLimit(in.readRawVarint32());
        while (in.getBytesUntilLimit() > 0) {
          list.add(readElement(in));
        }
        in.popLimit(limit);
      } else {
        list.add(readElement(in));
      }
      return true;
    }

    private Object readElement(CodedInputStream in) throws IOException {
      try {
        return element.read(in, null);
      } catch (IOException e) {
        throw invalid(e).under("element");
      } catch (DecodeFailure failure) {
        throw failure.under("element");
      }
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object[] values) {
      Object current = values[position];
      if (current instanceof ArrayList) {
        return (List<Object>) current;
      }
      // null, or the immutable empty list of an earlier occurrence of the enclosing message
      List<Object> list = new ArrayList<>();
      values[position] = list;
      return list;
    }

    @Override
    void finish(Object[] values) {
      if (values[position] == null) {
        values[position] = List.of();
      }
    }

    @Override
    Type type(AtomicInteger ids) {
      int elementId = ids.incrementAndGet();
      return Types.ListType.ofOptional(elementId, element.type(ids));
    }
  }

  /** A map field: entries of key 1 and value 2, absent as an empty map. */
  static final class MapEntries extends FieldReader {
    private static final int KEY = 1;
    private static final int VALUE = 2;

    private final ValueReader key;
    private final ValueReader value;
    private final int keyTag;
    private final int valueTag;

    MapEntries(String name, int position, ValueReader key, ValueReader value) {
      super(name, position);
      this.key = key;
      this.value = value;
      this.keyTag = MessageReader.tag(KEY, key.wireType());
      this.valueTag = MessageReader.tag(VALUE, value.wireType());
    }

    @Override
    boolean read(CodedInputStream in, int wireType, Object[] values) throws IOException {
      if (wireType != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
        return false;
      }
      int limit = in.pushLimit(in.readRawVarint32());
      Object entryKey = null;
      Object entryValue = null;
      int tag;
      while ((tag = in.readTag()) != 0) {
        if (tag == keyTag) {
          entryKey = readPart(in, key, null, "key");
        } else if (tag == valueTag) {
          entryValue = readPart(in, value, entryValue, "value");
        } else {
          MessageReader.skipUnknown(in, tag);
        }
      }
      in.popLimit(limit);
      map(values)
          .put(
              entryKey != null ? entryKey : key.defaultValue(),
              entryValue != null ? entryValue : value.defaultValue());
      return true;
    }

    private static Object readPart(
        CodedInputStream in, ValueReader reader, Object previous, String part) throws IOException {
      try {
        return reader.read(in, previous);
      } catch (IOException e) {
        throw invalid(e).under(part);
      } catch (DecodeFailure failure) {
        throw failure.under(part);
      }
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> map(Object[] values) {
      Object current = values[position];
      if (current instanceof LinkedHashMap) {
        return (Map<Object, Object>) current;
      }
      Map<Object, Object> map = new LinkedHashMap<>();
      values[position] = map;
      return map;
    }

    @Override
    void finish(Object[] values) {
      if (values[position] == null) {
        values[position] = Map.of();
      }
    }

    @Override
    Type type(AtomicInteger ids) {
      int keyId = ids.incrementAndGet();
      int valueId = ids.incrementAndGet();
      return Types.MapType.ofOptional(keyId, valueId, key.type(ids), value.type(ids));
    }
  }
}
