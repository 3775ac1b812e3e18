package io.floe.schema.internal.json;

import io.floe.schema.internal.TypeNames;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * One place in the inferred schema: a struct field, a list element or a map value. A slot either
 * mirrors a column of the bound table ({@link #tableType} set) or is pending: inferred from records
 * since, and free to widen until the table has it.
 */
final class Slot {

  final Slot parent;
  final String name;
  final int id;
  /** The column's type in the bound table, or null for a pending slot. */
  final Type tableType;
  final boolean tableRequired;

  Kind kind;
  int precision;
  int scale;
  /** The fields of a STRUCT. */
  StructShape struct;
  /** The element of a LIST, the value of a MAP. */
  Slot element;
  /** A record had null (or no value) where the table's column is required. */
  boolean needsOptional;
  /** A top-level column a flattened value may not write ({@code _kafka_*}, {@code _cdc}). */
  boolean reserved;
  /** Position in the parent struct. */
  int position = -1;
  /** The JSON key last matched to this field: parsers intern names, so an identity check hits. */
  String lastKey;
  /** The object being read when this field was last set, to detect duplicate keys. */
  long stamp;

  Slot(Slot parent, String name, int id, Type tableType, boolean tableRequired, Kind kind) {
    this.parent = parent;
    this.name = name;
    this.id = id;
    this.tableType = tableType;
    this.tableRequired = tableRequired;
    this.kind = kind;
    this.lastKey = name;
  }

  boolean inTable() {
    return tableType != null;
  }

  boolean isRequired() {
    return tableRequired && !needsOptional;
  }

  /** The Iceberg path of this slot ({@code a.b.element.c}); the flattened root has an empty name. */
  String path() {
    ArrayDeque<String> names = new ArrayDeque<>();
    for (Slot s = this; s != null; s = s.parent) {
      if (!s.name.isEmpty()) {
        names.addFirst(s.name);
      }
    }
    return String.join(".", names);
  }

  /** The type this slot needs now, or null while there is no evidence of one. */
  Type neededType() {
    switch (kind) {
      case UNKNOWN:
        return null;
      case BOOLEAN:
        return Types.BooleanType.get();
      case INT:
        return Types.IntegerType.get();
      case LONG:
        return Types.LongType.get();
      case FLOAT:
        return Types.FloatType.get();
      case DOUBLE:
        return Types.DoubleType.get();
      case STRING:
        return Types.StringType.get();
      case DECIMAL:
        return Types.DecimalType.of(precision, scale);
      case STRUCT:
        {
          List<Types.NestedField> fields = new ArrayList<>(struct.size());
          for (int i = 0; i < struct.size(); i++) {
            Types.NestedField field = struct.get(i).neededField();
            if (field != null) {
              fields.add(field);
            }
          }
          if (fields.isEmpty() && !inTable()) {
            return null; // Parquet cannot write an empty group: wait for a field
          }
          return Types.StructType.of(fields);
        }
      case LIST:
        {
          Type elementType = element.neededType();
          if (elementType == null) {
            return inTable() ? tableType : null;
          }
          return element.isRequired()
              ? Types.ListType.ofRequired(element.id, elementType)
              : Types.ListType.ofOptional(element.id, elementType);
        }
      case MAP:
        {
          Types.MapType map = tableType.asMapType();
          Type valueType = element.neededType();
          return element.isRequired()
              ? Types.MapType.ofRequired(map.keyId(), element.id, map.keyType(), valueType)
              : Types.MapType.ofOptional(map.keyId(), element.id, map.keyType(), valueType);
        }
      default:
        return tableType; // types only a table brings never change
    }
  }

  /** This slot as a field, or null while there is no evidence of its type. */
  Types.NestedField neededField() {
    Type type = neededType();
    return type == null ? null : Types.NestedField.of(id, !isRequired(), name, type);
  }

  /** A short rendering of the needed type for messages: {@code struct<id: long, name: string>}. */
  String describe() {
    Type type = neededType();
    if (type == null) {
      return kind == Kind.STRUCT ? "struct" : kind == Kind.LIST ? "list" : "untyped";
    }
    return TypeNames.describe(type);
  }

  @Override
  public String toString() {
    return path() + ": " + describe();
  }
}
