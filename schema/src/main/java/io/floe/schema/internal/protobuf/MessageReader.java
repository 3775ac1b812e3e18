package io.floe.schema.internal.protobuf;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.floe.schema.ConvertedStruct;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * Reads a message into a {@link ConvertedStruct} whose names are the message's columns. One reader,
 * and so one {@link ConvertedStruct.Names}, per message type and naming of its columns: {@link
 * io.floe.schema.RecordBuilder} caches its projections by that instance.
 */
final class MessageReader implements ValueReader {

  /** Field numbers up to this are dispatched through an array; sparser messages use a hash map. */
  private static final int MAX_DENSE_NUMBER = 1024;

  private final Names names;
  private final FieldReader[] fields;
  private final int[] numbers;
  private final FieldReader[] byNumber;
  private final Map<Integer, FieldReader> sparse;
  private final ConvertedStruct emptyValue;

  /**
   * @param fields the columns, each at its {@link FieldReader#position}, with field numbers
   */
  MessageReader(List<FieldReader> fields, List<Integer> numbers) {
    this.fields = fields.toArray(new FieldReader[0]);
    this.numbers = numbers.stream().mapToInt(Integer::intValue).toArray();
    String[] columnNames = new String[fields.size()];
    int max = 0;
    for (int i = 0; i < this.fields.length; i++) {
      columnNames[this.fields[i].position] = this.fields[i].name;
      max = Math.max(max, numbers.get(i));
    }
    this.names = new Names(columnNames);
    if (max <= MAX_DENSE_NUMBER) {
      this.byNumber = new FieldReader[max + 1];
      this.sparse = null;
      for (int i = 0; i < this.fields.length; i++) {
        byNumber[numbers.get(i)] = this.fields[i];
      }
    } else {
      this.byNumber = new FieldReader[0];
      this.sparse = new HashMap<>();
      for (int i = 0; i < this.fields.length; i++) {
        sparse.put(numbers.get(i), this.fields[i]);
      }
    }
    this.emptyValue = finish(new Object[this.fields.length]);
  }

  int columnCount() {
    return fields.length;
  }

  @Override
  public int wireType() {
    return WireFormat.WIRETYPE_LENGTH_DELIMITED;
  }

  @Override
  public Object read(CodedInputStream in, Object previous) throws IOException {
    int limit = in.pushLimit(in.readRawVarint32());
    ConvertedStruct value = readFields(in, previous);
    in.popLimit(limit);
    return value;
  }

  /**
   * Reads fields up to the stream's limit.
   *
   * @param previous an earlier occurrence of this message in the same field, merged into
   */
  ConvertedStruct readFields(CodedInputStream in, Object previous) throws IOException {
    Object[] values = new Object[fields.length];
    if (previous instanceof ConvertedStruct) {
      ConvertedStruct earlier = (ConvertedStruct) previous;
      for (int i = 0; i < earlier.size(); i++) {
        values[i] = earlier.get(i);
      }
    }
    int tag;
    while ((tag = in.readTag()) != 0) {
      int number = WireFormat.getTagFieldNumber(tag);
      FieldReader field =
          number < byNumber.length ? byNumber[number] : sparse == null ? null : sparse.get(number);
      if (field == null) {
        skipUnknown(in, tag);
        continue;
      }
      boolean known;
      try {
        known = field.read(in, WireFormat.getTagWireType(tag), values);
      } catch (IOException e) {
        throw FieldReader.invalid(e).under(field.name);
      } catch (DecodeFailure failure) {
        throw failure.under(field.name);
      }
      if (!known) {
        skipUnknown(in, tag);
      }
    }
    return finish(values);
  }

  private ConvertedStruct finish(Object[] values) {
    for (FieldReader field : fields) {
      field.finish(values);
    }
    return new ConvertedStruct(names, values);
  }

  /** The tag of field {@code number} encoded with {@code wireType}. */
  static int tag(int number, int wireType) {
    return number << 3 | wireType;
  }

  /** Skips a field this reader does not know (a newer writer's, an extension, a group). */
  static void skipUnknown(CodedInputStream in, int tag) throws IOException {
    if (!in.skipField(tag)) {
      throw new DecodeFailure("an end-group tag appears without its start-group tag");
    }
  }

  /** The message with no field set: what a Protobuf reader sees for an absent map value. */
  @Override
  public Object defaultValue() {
    return emptyValue;
  }

  @Override
  public Type type(AtomicInteger ids) {
    List<Types.NestedField> columns = new ArrayList<>(fields.length);
    for (int i = 0; i < fields.length; i++) {
      int id = ids.incrementAndGet();
      columns.add(
          Types.NestedField.optional(
              id,
              fields[i].name,
              fields[i].type(ids),
              ProtobufSchemaDecoder.columnDoc(numbers[i])));
    }
    return Types.StructType.of(columns);
  }

  private static final class Names implements ConvertedStruct.Names {
    private final String[] names;

    Names(String[] names) {
      this.names = names;
    }

    @Override
    public int size() {
      return names.length;
    }

    @Override
    public String name(int position) {
      return names[position];
    }

    @Override
    public String toString() {
      return String.join(", ", names);
    }
  }
}
