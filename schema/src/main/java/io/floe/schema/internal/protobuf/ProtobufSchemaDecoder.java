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
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.relocated.com.google.common.base.Preconditions;
import org.apache.iceberg.types.Type;
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
 * <p>The value type is a struct of the message's fields by their Protobuf names, unless a {@link
 * FieldNaming} chooses others. Every column, list element and map value is optional (a later schema
 * version may drop it); field ids are placeholders unique within the type. Each struct field's doc
 * is {@code protobuf field <number>} ({@link #columnDoc}): a table column made from it remembers
 * the field number, and {@link #boundTo} uses that to keep writing a renamed field into its column.
 * A recursive message type (a column containing itself) cannot be a table column: creating the
 * decoder fails naming the message and the column path. Extensions are not columns.
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

  private static final String COLUMN_DOC_PREFIX = "protobuf field ";

  /** Chooses the column name of each field of the decoded message and of the messages in it. */
  @FunctionalInterface
  public interface FieldNaming {
    /** Every field by its own name. */
    FieldNaming OWN_NAMES = (path, number, fieldName) -> fieldName;

    /**
     * The column name of the field {@code number}, declared as {@code fieldName}, of the message at
     * {@code path}. The path holds the column names (as chosen by this naming) of the enclosing
     * fields from the root, with {@code element} for a list's element and {@code value} for a map's
     * value, as Iceberg names them; it is empty for the root message's fields. Names must be
     * non-empty and distinct within a message.
     */
    String columnName(List<String> path, int number, String fieldName);
  }

  private final ProtoFileSet files;
  private final String messageName;
  private final FieldNaming naming;
  private final MessageReader root;
  private final Types.StructType valueType;

  private ProtobufSchemaDecoder(
      ProtoFileSet files, String messageName, FieldNaming naming, MessageReader root) {
    this.files = files;
    this.messageName = messageName;
    this.naming = naming;
    this.root = root;
    this.valueType = (Types.StructType) root.type(new AtomicInteger());
  }

  /**
   * A decoder of the message type {@code messageFullName} ({@code shop.v1.Order}) of {@code files}.
   *
   * @throws IllegalArgumentException if there is no such message type, or it is recursive
   */
  public static ProtobufSchemaDecoder forMessage(ProtoFileSet files, String messageFullName) {
    return forMessage(files, messageFullName, FieldNaming.OWN_NAMES);
  }

  /**
   * A decoder of the message type {@code messageFullName} of {@code files} whose columns are named
   * by {@code naming}.
   *
   * @throws IllegalArgumentException if there is no such message type, it is recursive, or {@code
   *     naming} gives a field no name or two fields of a message the same name
   */
  public static ProtobufSchemaDecoder forMessage(
      ProtoFileSet files, String messageFullName, FieldNaming naming) {
    Preconditions.checkArgument(files != null, "Cannot create a Protobuf decoder: files are null");
    Preconditions.checkArgument(naming != null, "Cannot create a Protobuf decoder: naming is null");
    MessageType type = files.message(messageFullName);
    MessageReader root = new Compiler(files.schema(), messageFullName, naming).message(type);
    return new ProtobufSchemaDecoder(files, messageFullName, naming, root);
  }

  /** The doc of the column of field {@code number}: what {@link #boundTo} recognizes it by. */
  public static String columnDoc(int number) {
    return COLUMN_DOC_PREFIX + number;
  }

  /** The field number a column's doc names, or -1 if the doc is not a {@link #columnDoc}. */
  static int fieldNumber(String doc) {
    if (doc == null || !doc.startsWith(COLUMN_DOC_PREFIX)) {
      return -1;
    }
    try {
      int number = Integer.parseInt(doc.substring(COLUMN_DOC_PREFIX.length()));
      return number > 0 ? number : -1;
    } catch (NumberFormatException e) {
      return -1; // a doc a user wrote that happens to start so
    }
  }

  /** The full name of the decoded message type. */
  public String messageName() {
    return messageName;
  }

  @Override
  public Types.StructType valueType() {
    return valueType;
  }

  /**
   * This message's decoder with the column names {@code table} already has for its fields. A field
   * keeps its own name when {@code table} has a column of that name (exactly, else ignoring case:
   * how {@link io.floe.schema.SchemaEvolution} and {@link io.floe.schema.RecordBuilder} match);
   * otherwise it takes the name of the column whose doc is its {@link #columnDoc}, so a field
   * renamed under the same number writes into the column made for it, unless another field of the
   * message holds that column by name. Messages nested in structs, lists and map values are bound
   * to the table's nested structs the same way. Names derive from the .proto and {@code table}
   * only, whatever naming this instance has; this instance is returned if it already uses them.
   */
  @Override
  public ProtobufSchemaDecoder boundTo(Types.StructType table) {
    Preconditions.checkArgument(
        table != null, "Cannot bind a Protobuf decoder: table struct is null");
    Map<FieldKey, String> renamed = new HashMap<>();
    new Binder(files.schema(), renamed).message(files.message(messageName), table, List.of());
    FieldNaming bound =
        renamed.isEmpty() ? FieldNaming.OWN_NAMES : new Renames(Map.copyOf(renamed));
    return bound.equals(naming) ? this : forMessage(files, messageName, bound);
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

  /** The non-extension fields of {@code type}, oneof members included, in declaration order. */
  private static List<Field> columnFields(MessageType type) {
    List<Field> fields = new ArrayList<>();
    for (Field field : type.getFieldsAndOneOfFields()) {
      if (!field.isExtension()) {
        fields.add(field);
      }
    }
    fields.sort(Compiler.DECLARATION_ORDER);
    return fields;
  }

  private static List<String> append(List<String> path, String name) {
    List<String> longer = new ArrayList<>(path.size() + 1);
    longer.addAll(path);
    longer.add(name);
    return List.copyOf(longer);
  }

  /** A field of the message at a column path (see {@link FieldNaming#columnName}). */
  private record FieldKey(List<String> path, int number) {}

  /** A message type compiled at a column path, under a naming other than {@code OWN_NAMES}. */
  private record ReaderKey(ProtoType type, List<String> path) {}

  /** The naming {@link #boundTo} chooses: own names but for the fields it maps to other columns. */
  private record Renames(Map<FieldKey, String> names) implements FieldNaming {
    @Override
    public String columnName(List<String> path, int number, String fieldName) {
      return names.getOrDefault(new FieldKey(path, number), fieldName);
    }
  }

  /**
   * Walks a message type alongside the table struct its values go into, recording the fields whose
   * column has another name than the field.
   */
  private static final class Binder {
    private final Schema schema;
    private final Map<FieldKey, String> renamed;

    Binder(Schema schema, Map<FieldKey, String> renamed) {
      this.schema = schema;
      this.renamed = renamed;
    }

    void message(MessageType type, Types.StructType table, List<String> path) {
      List<Field> fields = columnFields(type);
      Set<String> heldByName = new HashSet<>();
      for (Field field : fields) {
        Types.NestedField column = column(table, field.getName());
        if (column != null) {
          heldByName.add(column.name());
        }
      }
      for (Field field : fields) {
        String name = field.getName();
        Types.NestedField column = column(table, name);
        if (column == null) {
          Types.NestedField numbered = numbered(table, field.getTag());
          if (numbered != null && !heldByName.contains(numbered.name())) {
            column = numbered;
            name = numbered.name();
            renamed.put(new FieldKey(path, field.getTag()), name);
          }
        }
        if (column != null) {
          nested(field, column.type(), append(path, name));
        }
      }
    }

    /**
     * Binds the message in {@code field}'s values (itself, its elements, its map values), if any.
     */
    private void nested(Field field, Type columnType, List<String> path) {
      ProtoType type = field.getType();
      Type valueType = columnType;
      List<String> valuePath = path;
      if (type.isMap()) {
        if (!columnType.isMapType()) {
          return;
        }
        type = type.getValueType();
        valueType = columnType.asMapType().valueType();
        valuePath = append(path, "value");
      } else if (field.isRepeated()) {
        if (!columnType.isListType()) {
          return;
        }
        valueType = columnType.asListType().elementType();
        valuePath = append(path, "element");
      }
      if (valueType.isStructType()
          && Scalar.of(type) == null
          && WellKnownTypes.reader(type) == null
          && schema.getType(type) instanceof MessageType message) {
        message(message, valueType.asStructType(), valuePath);
      }
    }

    private static Types.NestedField column(Types.StructType table, String name) {
      Types.NestedField column = table.field(name);
      return column != null ? column : table.caseInsensitiveField(name);
    }

    private static Types.NestedField numbered(Types.StructType table, int number) {
      for (Types.NestedField column : table.fields()) {
        if (fieldNumber(column.doc()) == number) {
          return column;
        }
      }
      return null;
    }
  }

  /**
   * Builds the reader tree of one root message. Readers are shared per enum type, and per message
   * type while fields have their own names; with another naming a message's names may differ by
   * where it is used, so its readers are shared per message type and column path.
   */
  private static final class Compiler {
    static final Comparator<Field> DECLARATION_ORDER =
        Comparator.comparing((Field field) -> field.getLocation().getLine())
            .thenComparing(field -> field.getLocation().getColumn());

    private final Schema schema;
    private final String rootName;
    private final FieldNaming naming;
    private final Map<Object, MessageReader> messages = new HashMap<>();
    private final Map<ProtoType, EnumReader> enums = new HashMap<>();
    private final Set<ProtoType> open = new LinkedHashSet<>();

    /** Protobuf field names from the root, for messages to users. */
    private final Deque<String> path = new ArrayDeque<>();

    /** Column names from the root, as {@link FieldNaming} takes them. */
    private final Deque<String> columnPath = new ArrayDeque<>();

    Compiler(Schema schema, String rootName, FieldNaming naming) {
      this.schema = schema;
      this.rootName = rootName;
      this.naming = naming;
    }

    MessageReader message(MessageType type) {
      ProtoType key = type.getType();
      List<String> at = List.copyOf(columnPath);
      Object cacheKey = naming == FieldNaming.OWN_NAMES ? key : new ReaderKey(key, at);
      MessageReader compiled = messages.get(cacheKey);
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
      List<Field> kept = new ArrayList<>();
      List<String> names = new ArrayList<>();
      List<ValueReader> readers = new ArrayList<>();
      for (Field field : columnFields(type)) {
        String name = naming.columnName(at, field.getTag(), field.getName());
        Preconditions.checkArgument(
            name != null && !name.isEmpty(),
            "Cannot decode %s: field %s of %s has no column name",
            rootName,
            field.getName(),
            key);
        path.addLast(field.getName());
        columnPath.addLast(name);
        ValueReader reader = fieldValue(field);
        columnPath.removeLast();
        path.removeLast();
        if (reader != null) {
          Preconditions.checkArgument(
              !names.contains(name),
              "Cannot decode %s: two fields of %s have the column name %s",
              rootName,
              key,
              name);
          kept.add(field);
          names.add(name);
          readers.add(reader);
        }
      }
      List<FieldReader> columns = new ArrayList<>();
      List<Integer> numbers = new ArrayList<>();
      for (int position = 0; position < kept.size(); position++) {
        Field field = kept.get(position);
        columns.add(
            column(type, field, names.get(position), position, readers.get(position), kept));
        numbers.add(field.getTag());
      }
      open.remove(key);
      MessageReader reader = new MessageReader(columns, numbers);
      messages.put(cacheKey, reader);
      return reader;
    }

    /** The reader of one value of {@code field} (an element, a map value), or null to omit it. */
    private ValueReader fieldValue(Field field) {
      ProtoType type = field.getType();
      if (type.isMap()) {
        return within("value", type.getValueType());
      }
      if (field.isRepeated()) {
        return within("element", type);
      }
      return value(type);
    }

    private ValueReader within(String part, ProtoType type) {
      path.addLast(part);
      columnPath.addLast(part);
      ValueReader reader = value(type);
      columnPath.removeLast();
      path.removeLast();
      return reader;
    }

    private FieldReader column(
        MessageType message,
        Field field,
        String name,
        int position,
        ValueReader reader,
        List<Field> kept) {
      if (field.getType().isMap()) {
        ValueReader key = Scalar.of(field.getType().getKeyType());
        Preconditions.checkArgument(
            key != null,
            "Cannot decode %s: map %s has key type %s, not a scalar",
            rootName,
            field.getName(),
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
