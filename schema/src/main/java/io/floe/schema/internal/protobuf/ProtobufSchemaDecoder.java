package io.floe.schema.internal.protobuf;

import com.google.protobuf.CodedInputStream;
import com.squareup.wire.schema.EnumType;
import com.squareup.wire.schema.Field;
import com.squareup.wire.schema.MessageType;
import com.squareup.wire.schema.OneOf;
import com.squareup.wire.schema.ProtoType;
import com.squareup.wire.schema.Schema;
import io.floe.schema.ConversionError;
import io.floe.schema.ConversionResult;
import io.floe.schema.internal.SchemaDecoder;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.relocated.com.google.common.base.Preconditions;
import org.apache.iceberg.types.Types;

/**
 * Decodes the Protobuf binary encoding of one message type straight into Iceberg values, with no
 * generated classes and no {@code DynamicMessage}: the message type is compiled once into a tree of
 * field readers over {@link CodedInputStream}.
 *
 * <h2>Types</h2>
 *
 * <table>
 *   <caption>Protobuf to Iceberg</caption>
 *   <tr><th>Protobuf</th><th>Iceberg</th><th>Java value</th></tr>
 *   <tr><td>double / float</td><td>double / float</td><td>Double / Float</td></tr>
 *   <tr><td>int32, sint32, sfixed32</td><td>int</td><td>Integer</td></tr>
 *   <tr><td>int64, sint64, sfixed64</td><td>long</td><td>Long</td></tr>
 *   <tr><td>uint32, fixed32</td><td>long (never negative)</td><td>Long</td></tr>
 *   <tr><td>uint64, fixed64</td><td>decimal(20, 0) (never negative)</td><td>BigDecimal</td></tr>
 *   <tr><td>bool</td><td>boolean</td><td>Boolean</td></tr>
 *   <tr><td>string</td><td>string (malformed UTF-8 becomes U+FFFD)</td><td>String</td></tr>
 *   <tr><td>bytes</td><td>binary</td><td>ByteBuffer</td></tr>
 *   <tr><td>enum</td><td>string: the value's name; a number the schema does not name as its
 *       decimal text</td><td>String</td></tr>
 *   <tr><td>message</td><td>struct of its fields, in declaration order</td><td>ConvertedStruct (one
 *       {@code Names} per message type)</td></tr>
 *   <tr><td>repeated T</td><td>list&lt;T&gt; (packed and unpacked both read)</td><td>List</td></tr>
 *   <tr><td>map&lt;K, V&gt;</td><td>map&lt;K, V&gt; (a repeated key keeps the last value)</td>
 *       <td>Map</td></tr>
 *   <tr><td>oneof</td><td>each member an optional column of the enclosing struct; at most one
 *       is set (the last written)</td><td></td></tr>
 *   <tr><td>google.protobuf.Timestamp</td><td>timestamptz, microseconds (nanoseconds cut);
 *       outside years 1 to 9999 the record fails</td><td>OffsetDateTime in UTC</td></tr>
 *   <tr><td>google.protobuf.Duration</td><td>long: microseconds (nanoseconds cut toward
 *       zero)</td><td>Long</td></tr>
 *   <tr><td>google.protobuf.*Value wrappers</td><td>the wrapped scalar's type; absent is null
 *       </td><td>as the scalar</td></tr>
 *   <tr><td>google.protobuf.Struct, Value, ListValue</td><td>string: compact JSON text, as
 *       JsonFormat prints it</td><td>String</td></tr>
 *   <tr><td>google.protobuf.FieldMask</td><td>string: the paths joined by commas</td>
 *       <td>String</td></tr>
 *   <tr><td>google.protobuf.Any</td><td>struct&lt;type_url: string, value: binary&gt; (the packed
 *       message is not unpacked)</td><td>ConvertedStruct</td></tr>
 *   <tr><td>google.protobuf.Empty, or any message with no columns</td><td>no column: the field is
 *       omitted (Parquet cannot store an empty struct) and its bytes skipped</td><td></td></tr>
 * </table>
 *
 * <h2>Absent values</h2>
 *
 * <ul>
 *   <li>proto3 scalars and enums without presence read as a Protobuf user sees them: 0, "", false,
 *       empty bytes, the enum's first value;
 *   <li>proto3 {@code optional}, proto2 {@code optional} and {@code required} fields (proto2 {@code
 *       [default = ...]} included), oneof members and message fields read as null;
 *   <li>repeated fields as an empty list and maps as an empty map;
 *   <li>in a map entry, a missing key or value reads as its type's default (an empty message for a
 *       message value), as Protobuf parsers do.
 * </ul>
 *
 * <h2>Columns</h2>
 *
 * <p>The value type is a struct of the message's fields by their Protobuf names. Every column, list
 * element and map value is optional (a later schema version may drop it); field ids are
 * placeholders unique within the type. A recursive message type (a column containing itself) cannot
 * be a table column: creating the decoder fails naming the message and the column path. Extensions
 * are not columns.
 *
 * <h2>Reading</h2>
 *
 * <p>Protobuf's parsing rules apply: unknown fields (a newer writer's) are skipped, groups included
 * (a .proto with groups is refused when parsed); a field whose wire type does not match its
 * declaration is skipped as unknown; a message field written twice is merged. Missing required
 * fields are not an error. Invalid bytes (truncated, a malformed varint, a length beyond the input,
 * a field number 0) fail the record with {@link ConversionError.Reason#INVALID_INPUT} naming the
 * column being read; lengths are checked against the remaining input before anything is allocated.
 *
 * <p>Immutable and thread-safe.
 */
public final class ProtobufSchemaDecoder implements SchemaDecoder {

  private final String messageName;
  private final MessageReader root;
  private final Types.StructType valueType;

  private ProtobufSchemaDecoder(String messageName, MessageReader root) {
    this.messageName = messageName;
    this.root = root;
    this.valueType = (Types.StructType) root.type(new AtomicInteger());
  }

  /**
   * A decoder of the message type {@code messageFullName} ({@code shop.v1.Order}) of {@code files}.
   *
   * @throws IllegalArgumentException if there is no such message type, or it is recursive
   */
  public static ProtobufSchemaDecoder forMessage(ProtoFileSet files, String messageFullName) {
    Preconditions.checkArgument(files != null, "Cannot create a Protobuf decoder: files are null");
    MessageType type = files.message(messageFullName);
    return new ProtobufSchemaDecoder(
        messageFullName, new Compiler(files.schema(), messageFullName).message(type));
  }

  /** The full name of the decoded message type. */
  public String messageName() {
    return messageName;
  }

  @Override
  public Types.StructType valueType() {
    return valueType;
  }

  @Override
  public ConversionResult decode(byte[] bytes, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, bytes.length);
    CodedInputStream in = CodedInputStream.newInstance(bytes, offset, length);
    try {
      return ConversionResult.converted(root.readFields(in, null));
    } catch (DecodeFailure failure) {
      return failed(failure.path(), failure.getMessage());
    } catch (IOException e) {
      return failed("", FieldReader.invalid(e).getMessage());
    } catch (RuntimeException e) {
      // the contract is a value for any input: whatever the stream throws is bad input
      return failed("", String.valueOf(e));
    }
  }

  private ConversionResult failed(String path, String reason) {
    String where = path.isEmpty() ? "" : " at field '" + path + "'";
    return ConversionResult.failed(
        ConversionError.Reason.INVALID_INPUT,
        path,
        String.format("Cannot decode Protobuf %s%s: %s", messageName, where, reason));
  }

  @Override
  public String toString() {
    return "ProtobufSchemaDecoder{" + messageName + "}";
  }

  /** Builds the reader tree of one root message; readers are shared per message and enum type. */
  private static final class Compiler {
    private static final Comparator<Field> DECLARATION_ORDER =
        Comparator.comparing((Field field) -> field.getLocation().getLine())
            .thenComparing(field -> field.getLocation().getColumn());

    private final Schema schema;
    private final String rootName;
    private final Map<ProtoType, MessageReader> messages = new HashMap<>();
    private final Map<ProtoType, EnumReader> enums = new HashMap<>();
    private final Set<ProtoType> open = new LinkedHashSet<>();
    private final Deque<String> path = new ArrayDeque<>();

    Compiler(Schema schema, String rootName) {
      this.schema = schema;
      this.rootName = rootName;
    }

    MessageReader message(MessageType type) {
      ProtoType key = type.getType();
      MessageReader compiled = messages.get(key);
      if (compiled != null) {
        return compiled;
      }
      if (!open.add(key)) {
        throw new IllegalArgumentException(
            String.format(
                "Cannot decode %s: message %s is recursive (column %s holds a %s again), and a"
                    + " table column cannot contain itself",
                rootName, key, String.join(".", path), key));
      }
      List<Field> fields = new ArrayList<>();
      for (Field field : type.getFieldsAndOneOfFields()) {
        if (!field.isExtension()) {
          fields.add(field);
        }
      }
      fields.sort(DECLARATION_ORDER);
      List<Field> kept = new ArrayList<>();
      List<ValueReader> readers = new ArrayList<>();
      for (Field field : fields) {
        path.addLast(field.getName());
        ValueReader reader = fieldValue(field);
        path.removeLast();
        if (reader != null) {
          kept.add(field);
          readers.add(reader);
        }
      }
      List<FieldReader> columns = new ArrayList<>();
      List<Integer> numbers = new ArrayList<>();
      for (int position = 0; position < kept.size(); position++) {
        Field field = kept.get(position);
        columns.add(column(type, field, position, readers.get(position), kept));
        numbers.add(field.getTag());
      }
      open.remove(key);
      MessageReader reader = new MessageReader(columns, numbers);
      messages.put(key, reader);
      return reader;
    }

    /** The reader of one value of {@code field} (an element, a map value), or null to omit it. */
    private ValueReader fieldValue(Field field) {
      ProtoType type = field.getType();
      if (type.isMap()) {
        path.addLast("value");
        ValueReader value = value(type.getValueType());
        path.removeLast();
        return value;
      }
      if (field.isRepeated()) {
        path.addLast("element");
        ValueReader element = value(type);
        path.removeLast();
        return element;
      }
      return value(type);
    }

    private FieldReader column(
        MessageType message, Field field, int position, ValueReader reader, List<Field> kept) {
      String name = field.getName();
      if (field.getType().isMap()) {
        ValueReader key = Scalar.of(field.getType().getKeyType());
        Preconditions.checkArgument(
            key != null,
            "Cannot decode %s: map %s has key type %s, not a scalar",
            rootName,
            name,
            field.getType().getKeyType());
        return new FieldReader.MapEntries(name, position, key, reader);
      }
      if (field.isRepeated()) {
        return new FieldReader.Repeated(name, position, reader);
      }
      boolean scalar = reader instanceof Scalar || reader instanceof EnumReader;
      boolean fillDefault = scalar && field.getLabel() == null && !field.isOneOf();
      return new FieldReader.Singular(
          name, position, reader, fillDefault, oneofSiblings(message, field, kept));
    }

    private static int[] oneofSiblings(MessageType message, Field field, List<Field> kept) {
      if (!field.isOneOf()) {
        return new int[0];
      }
      for (OneOf oneOf : message.getOneOfs()) {
        if (oneOf.getFields().contains(field)) {
          List<Integer> siblings = new ArrayList<>();
          for (int i = 0; i < kept.size(); i++) {
            if (kept.get(i) != field && oneOf.getFields().contains(kept.get(i))) {
              siblings.add(i);
            }
          }
          return siblings.stream().mapToInt(Integer::intValue).toArray();
        }
      }
      return new int[0];
    }

    private ValueReader value(ProtoType type) {
      Scalar scalar = Scalar.of(type);
      if (scalar != null) {
        return scalar;
      }
      ValueReader wellKnown = WellKnownTypes.reader(type);
      if (wellKnown != null) {
        return wellKnown;
      }
      com.squareup.wire.schema.Type declared = schema.getType(type);
      if (declared instanceof EnumType) {
        return enums.computeIfAbsent(type, unused -> new EnumReader((EnumType) declared));
      }
      if (declared instanceof MessageType) {
        MessageReader message = message((MessageType) declared);
        return message.columnCount() == 0 ? null : message;
      }
      throw new IllegalArgumentException(
          String.format(
              "Cannot decode %s: column %s has type %s, which no file declares",
              rootName, String.join(".", path), type));
    }
  }
}
