package io.floe.schema;

import java.util.List;
import java.util.stream.Collectors;
import org.apache.iceberg.Schema;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/** Renders types without field ids, so tests can compare the shape of a schema as text. */
final class TypeText {

  private TypeText() {}

  static String of(Schema schema) {
    return of(schema.columns());
  }

  static String of(List<Types.NestedField> fields) {
    return fields.stream().map(TypeText::field).collect(Collectors.joining(", "));
  }

  private static String field(Types.NestedField field) {
    return field.name() + ": " + (field.isRequired() ? "required " : "") + type(field.type());
  }

  static String type(Type type) {
    switch (type.typeId()) {
      case STRUCT:
        return "struct<" + of(type.asStructType().fields()) + ">";
      case LIST:
        Types.ListType list = type.asListType();
        return "list<" + (list.isElementRequired() ? "required " : "") + type(list.elementType()) + ">";
      case MAP:
        Types.MapType map = type.asMapType();
        return "map<" + type(map.keyType()) + ", " + type(map.valueType()) + ">";
      default:
        return type.toString();
    }
  }
}
