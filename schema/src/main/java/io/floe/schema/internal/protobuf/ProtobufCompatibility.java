package io.floe.schema.internal.protobuf;

import com.squareup.wire.schema.EnumType;
import com.squareup.wire.schema.Field;
import com.squareup.wire.schema.MessageType;
import com.squareup.wire.schema.OneOf;
import com.squareup.wire.schema.ProtoFile;
import com.squareup.wire.schema.ProtoType;
import com.squareup.wire.schema.Schema;
import com.squareup.wire.schema.Type;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Whether a reader of one Protobuf schema can read what a writer of another wrote: Confluent's
 * Protobuf rules in essence. Messages are matched by name (relative to the file's package, so a
 * package change is reported once), fields by number.
 *
 * <p>Incompatible:
 *
 * <ul>
 *   <li>the package changed;
 *   <li>a message of the writer's file is missing from the reader's (records framed with its
 *       message indexes could not be read);
 *   <li>a field changed kind (scalar or enum, message, map), or its scalar type changed outside the
 *       groups that share an encoding: {int32, uint32, int64, uint64, bool, enums}, {sint32,
 *       sint64}, {fixed32, sfixed32}, {fixed64, sfixed64}, {string, bytes}, {float}, {double};
 *   <li>a field's message type changed to another name, or to an incompatible message of the same
 *       name (messages are compared where fields use them, imported ones included);
 *   <li>a numeric or enum field changed between repeated and singular (packed values cannot be read
 *       as one; for strings, bytes and messages this is allowed);
 *   <li>a proto2 field changed between required and optional or repeated, or a required field was
 *       added or removed;
 *   <li>a oneof member was removed from its oneof (moved out or deleted), more than one field was
 *       moved into one oneof, or a field was moved into a oneof that already existed.
 * </ul>
 *
 * <p>Compatible: renaming a field (the number is what the bytes carry), adding or removing optional
 * fields, messages and enums, enum value changes, reordering declarations. Extensions are not
 * compared (the decoder does not read them).
 */
final class ProtobufCompatibility {

  private final Schema readerSchema;
  private final Schema writerSchema;
  private final List<String> problems = new ArrayList<>();
  private final Set<String> compared = new HashSet<>();

  private ProtobufCompatibility(Schema readerSchema, Schema writerSchema) {
    this.readerSchema = readerSchema;
    this.writerSchema = writerSchema;
  }

  /**
   * Why a reader of {@code reader} cannot read data written with {@code writer}; empty if it can.
   */
  static List<String> readIncompatibilities(
      ProtoFileSet readerFiles, ProtoFile reader, ProtoFileSet writerFiles, ProtoFile writer) {
    ProtobufCompatibility check =
        new ProtobufCompatibility(readerFiles.schema(), writerFiles.schema());
    check.compareFiles(reader, writer);
    return List.copyOf(check.problems);
  }

  private void compareFiles(ProtoFile reader, ProtoFile writer) {
    if (!Objects.equals(reader.getPackageName(), writer.getPackageName())) {
      problems.add(
          String.format(
              "the package changed from %s to %s",
              show(writer.getPackageName()), show(reader.getPackageName())));
    }
    Map<String, MessageType> readerMessages = messagesByLocalName(reader);
    for (Map.Entry<String, MessageType> entry : messagesByLocalName(writer).entrySet()) {
      MessageType readerMessage = readerMessages.get(entry.getKey());
      if (readerMessage == null) {
        problems.add(String.format("message %s was removed", entry.getValue().getType()));
      } else {
        compareMessages(readerMessage, entry.getValue());
      }
    }
  }

  private static Map<String, MessageType> messagesByLocalName(ProtoFile file) {
    Map<String, MessageType> messages = new LinkedHashMap<>();
    for (Type type : file.typesAndNestedTypes()) {
      if (type instanceof MessageType) {
        messages.put(
            localName(type.getType().toString(), file.getPackageName()), (MessageType) type);
      }
    }
    return messages;
  }

  private void compareMessages(MessageType reader, MessageType writer) {
    if (!compared.add(writer.getType() + " read as " + reader.getType())) {
      return; // compared already, or being compared (a recursive type)
    }
    String message = writer.getType().toString();
    Map<Integer, Field> readerFields = byNumber(reader);
    Map<Integer, Field> writerFields = byNumber(writer);
    for (Field writerField : writerFields.values()) {
      Field readerField = readerFields.get(writerField.getTag());
      if (readerField == null) {
        if (writerField.isRequired()) {
          problems.add(
              String.format("%s: required field %s was removed", message, describe(writerField)));
        }
      } else {
        compareFields(message, readerField, writerField);
      }
    }
    for (Field readerField : readerFields.values()) {
      if (!writerFields.containsKey(readerField.getTag()) && readerField.isRequired()) {
        problems.add(
            String.format("%s: required field %s was added", message, describe(readerField)));
      }
    }
    compareOneOfs(message, reader, writer, writerFields);
  }

  private void compareFields(String message, Field reader, Field writer) {
    String where =
        reader.getName().equals(writer.getName())
            ? String.format("%s: field %s", message, describe(writer))
            : String.format(
                "%s: field %d ('%s', now '%s')",
                message, writer.getTag(), writer.getName(), reader.getName());
    if (reader.isRequired() != writer.isRequired()) {
      problems.add(
          String.format(
              "%s changed from %s to %s: a required field must stay required, and no other may"
                  + " become required",
              where, label(writer), label(reader)));
    }
    boolean readerList = reader.isRepeated() && !reader.getType().isMap();
    boolean writerList = writer.isRepeated() && !writer.getType().isMap();
    int before = problems.size();
    compareTypes(where, reader.getType(), writer.getType());
    if (problems.size() == before && readerList != writerList) {
      String group = scalarGroup(writerSchema, writer.getType());
      if (group != null && !group.equals("length-delimited")) {
        problems.add(
            String.format(
                "%s changed from %s to %s: packed numbers cannot be read as one value",
                where, writerList ? "repeated" : "singular", readerList ? "repeated" : "singular"));
      }
    }
  }

  private void compareTypes(String where, ProtoType reader, ProtoType writer) {
    String readerKind = kind(readerSchema, reader);
    String writerKind = kind(writerSchema, writer);
    if (!readerKind.equals(writerKind)) {
      problems.add(String.format("%s changed from %s to %s", where, writer, reader));
      return;
    }
    switch (readerKind) {
      case "map":
        compareTypes(where + " key", reader.getKeyType(), writer.getKeyType());
        compareTypes(where + " value", reader.getValueType(), writer.getValueType());
        return;
      case "message":
        String readerName = localName(readerSchema, reader);
        String writerName = localName(writerSchema, writer);
        if (!readerName.equals(writerName)) {
          problems.add(
              String.format("%s changed from message %s to message %s", where, writer, reader));
          return;
        }
        int before = problems.size();
        compareMessages(
            (MessageType) readerSchema.getType(reader), (MessageType) writerSchema.getType(writer));
        if (problems.size() > before) {
          problems.add(
              String.format("%s holds message %s, which changed incompatibly", where, writer));
        }
        return;
      default:
        String readerGroup = scalarGroup(readerSchema, reader);
        String writerGroup = scalarGroup(writerSchema, writer);
        if (!readerGroup.equals(writerGroup)) {
          problems.add(
              String.format(
                  "%s changed from %s to %s, which encode differently (%s vs %s)",
                  where, writer, reader, writerGroup, readerGroup));
        }
    }
  }

  private void compareOneOfs(
      String message, MessageType reader, MessageType writer, Map<Integer, Field> writerFields) {
    Map<Integer, String> writerOneOfByNumber = new HashMap<>();
    Map<String, Set<Integer>> writerOneOfs = new HashMap<>();
    for (OneOf oneOf : writer.getOneOfs()) {
      Set<Integer> numbers = new HashSet<>();
      for (Field field : oneOf.getFields()) {
        writerOneOfByNumber.put(field.getTag(), oneOf.getName());
        numbers.add(field.getTag());
      }
      writerOneOfs.put(oneOf.getName(), numbers);
    }
    Map<String, Set<Integer>> readerOneOfs = new HashMap<>();
    for (OneOf oneOf : reader.getOneOfs()) {
      Set<Integer> numbers = new HashSet<>();
      List<String> moved = new ArrayList<>();
      boolean existing = false;
      for (Field field : oneOf.getFields()) {
        numbers.add(field.getTag());
        if (writerOneOfByNumber.containsKey(field.getTag())) {
          existing = true;
        } else if (writerFields.containsKey(field.getTag())) {
          moved.add(describe(field));
        }
      }
      readerOneOfs.put(oneOf.getName(), numbers);
      if (moved.size() > 1) {
        problems.add(
            String.format(
                "%s: fields %s were moved into oneof %s: a writer may set them all, a reader keeps"
                    + " one",
                message, String.join(", ", moved), oneOf.getName()));
      } else if (moved.size() == 1 && existing) {
        problems.add(
            String.format(
                "%s: field %s was moved into the existing oneof %s",
                message, moved.get(0), oneOf.getName()));
      }
    }
    for (Map.Entry<String, Set<Integer>> oneOf : writerOneOfs.entrySet()) {
      Set<Integer> readerNumbers = readerOneOfs.get(oneOf.getKey());
      if (readerNumbers == null) {
        continue; // the whole oneof went: its fields are compared one by one
      }
      for (Integer number : new java.util.TreeSet<>(oneOf.getValue())) {
        if (!readerNumbers.contains(number)) {
          problems.add(
              String.format(
                  "%s: field %s was removed from oneof %s",
                  message, describe(writerFields.get(number)), oneOf.getKey()));
        }
      }
    }
  }

  private static Map<Integer, Field> byNumber(MessageType message) {
    Map<Integer, Field> fields = new TreeMap<>();
    for (Field field : message.getFieldsAndOneOfFields()) {
      if (!field.isExtension()) {
        fields.put(field.getTag(), field);
      }
    }
    return fields;
  }

  private static String kind(Schema schema, ProtoType type) {
    if (type.isMap()) {
      return "map";
    }
    if (type.isScalar() || schema.getType(type) instanceof EnumType) {
      return "scalar";
    }
    return "message";
  }

  /** The scalars that share an encoding (and so read each other's bytes), or null for messages. */
  private static String scalarGroup(Schema schema, ProtoType type) {
    if (schema.getType(type) instanceof EnumType) {
      return "varint";
    }
    if (!type.isScalar()) {
      return null;
    }
    switch (type.toString()) {
      case "int32":
      case "uint32":
      case "int64":
      case "uint64":
      case "bool":
        return "varint";
      case "sint32":
      case "sint64":
        return "zig-zag varint";
      case "fixed32":
      case "sfixed32":
        return "fixed 32-bit";
      case "fixed64":
      case "sfixed64":
        return "fixed 64-bit";
      case "string":
      case "bytes":
        return "length-delimited";
      default:
        return type.toString(); // float, double: each its own
    }
  }

  /** A type's name without the package of the file declaring it. */
  private static String localName(Schema schema, ProtoType type) {
    ProtoFile file = schema.protoFile(type);
    return localName(type.toString(), file == null ? null : file.getPackageName());
  }

  private static String localName(String fullName, String packageName) {
    return packageName != null && !packageName.isEmpty() && fullName.startsWith(packageName + ".")
        ? fullName.substring(packageName.length() + 1)
        : fullName;
  }

  private static String describe(Field field) {
    return String.format("%d ('%s')", field.getTag(), field.getName());
  }

  private static String label(Field field) {
    return field.isRequired() ? "required" : field.isRepeated() ? "repeated" : "optional";
  }

  private static String show(String packageName) {
    return packageName == null || packageName.isEmpty() ? "no package" : "'" + packageName + "'";
  }
}
