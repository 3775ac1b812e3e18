package io.floe.schema.internal.protobuf;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import com.squareup.wire.schema.EnumConstant;
import com.squareup.wire.schema.EnumType;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * Reads an enum as the name of its value. A number the schema does not name (a newer writer's
 * value) is kept as its decimal text rather than dropped; with aliases the first declared name
 * wins, as in protobuf-java.
 */
final class EnumReader implements ValueReader {

  /** Enums whose numbers span at most this many values are looked up in an array. */
  private static final int MAX_DENSE_RANGE = 1024;

  private final int min;
  private final String[] dense;
  private final Map<Integer, String> sparse;
  private final String defaultName;

  EnumReader(EnumType type) {
    List<EnumConstant> constants = type.getConstants();
    this.defaultName = constants.isEmpty() ? "0" : constants.get(0).getName();
    int low = Integer.MAX_VALUE;
    int high = Integer.MIN_VALUE;
    for (EnumConstant constant : constants) {
      low = Math.min(low, constant.getTag());
      high = Math.max(high, constant.getTag());
    }
    if (!constants.isEmpty() && (long) high - low < MAX_DENSE_RANGE) {
      this.min = low;
      this.dense = new String[high - low + 1];
      this.sparse = null;
      for (EnumConstant constant : constants) {
        if (dense[constant.getTag() - low] == null) {
          dense[constant.getTag() - low] = constant.getName();
        }
      }
    } else {
      this.min = 0;
      this.dense = null;
      this.sparse = new HashMap<>();
      for (EnumConstant constant : constants) {
        sparse.putIfAbsent(constant.getTag(), constant.getName());
      }
    }
  }

  @Override
  public int wireType() {
    return WireFormat.WIRETYPE_VARINT;
  }

  @Override
  public Object read(CodedInputStream in, Object previous) throws IOException {
    return name(in.readEnum());
  }

  String name(int number) {
    String name = null;
    if (dense != null) {
      long index = (long) number - min;
      if (index >= 0 && index < dense.length) {
        name = dense[(int) index];
      }
    } else {
      name = sparse.get(number);
    }
    return name != null ? name : Integer.toString(number);
  }

  @Override
  public Object defaultValue() {
    return defaultName;
  }

  @Override
  public Type type(AtomicInteger ids) {
    return Types.StringType.get();
  }
}
