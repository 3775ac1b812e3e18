package io.floe.schema.internal;

import java.util.List;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * Short renderings of Iceberg types for messages, without field ids: {@code struct<id: long, tags:
 * list<string>>}, cut after about 80 characters.
 */
public final class TypeNames {

  private static final int LIMIT = 80;

  private TypeNames() {}

  public static String describe(Type type) {
    StringBuilder sb = new StringBuilder();
    describe(type, sb);
    return sb.toString();
  }

  private static void describe(Type type, StringBuilder sb) {
    if (sb.length() > LIMIT) {
      sb.append("...");
      return;
    }
    switch (type.typeId()) {
      case STRUCT:
        sb.append("struct<");
        List<Types.NestedField> fields = type.asStructType().fields();
        for (int i = 0; i < fields.size(); i++) {
          if (i > 0) {
            sb.append(", ");
          }
          if (sb.length() > LIMIT) {
            sb.append("...");
            break;
          }
          sb.append(fields.get(i).name()).append(": ");
          describe(fields.get(i).type(), sb);
        }
        sb.append('>');
        return;
      case LIST:
        sb.append("list<");
        describe(type.asListType().elementType(), sb);
        sb.append('>');
        return;
      case MAP:
        sb.append("map<");
        describe(type.asMapType().keyType(), sb);
        sb.append(", ");
        describe(type.asMapType().valueType(), sb);
        sb.append('>');
        return;
      default:
        sb.append(type);
    }
  }
}
