package io.floe.schema.internal.protobuf;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import com.squareup.wire.schema.ProtoType;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * Readers of the Protobuf scalar types. Unsigned 32-bit values widen to long and unsigned 64-bit
 * values to decimal(20, 0), so no value turns negative. Strings decode malformed UTF-8 as U+FFFD
 * rather than failing, like Kafka's StringDeserializer.
 */
enum Scalar implements ValueReader {
  DOUBLE(WireFormat.WIRETYPE_FIXED64, Types.DoubleType.get(), 0.0d) {
    @Override
    public Object read(CodedInputStream in, Object previous) throws IOException {
      return in.readDouble();
    }
  },
  FLOAT(WireFormat.WIRETYPE_FIXED32, Types.FloatType.get(), 0.0f) {
    @Override
    public Object read(CodedInputStream in, Object previous) throws IOException {
      return in.readFloat();
    }
  },
  INT32(WireFormat.WIRETYPE_VARINT, Types.IntegerType.get(), 0) {
    @Override
    public Object read(CodedInputStream in, Object previous) throws IOException {
      return in.readInt32();
    }
  },
  INT64(WireFormat.WIRETYPE_VARINT, Types.LongType.get(), 0L) {
    @Override
    public Object read(CodedInputStream in, Object previous) throws IOException {
      return in.readInt64();
    }
  },
  UINT32(WireFormat.WIRETYPE_VARINT, Types.LongType.get(), 0L) {
    @Override
    public Object read(CodedInputStream in, Object previous) throws IOException {
      return Integer.toUnsignedLong(in.readUInt32());
    }
  },
  UINT64(WireFormat.WIRETYPE_VARINT, Types.DecimalType.of(20, 0), BigDecimal.ZERO) {
    @Override
    public Object read(CodedInputStream in, Object previous) throws IOException {
      return unsigned(in.readUInt64());
    }
  },
  SINT32(WireFormat.WIRETYPE_VARINT, Types.IntegerType.get(), 0) {
    @Override
    public Object read(CodedInputStream in, Object previous) throws IOException {
      return in.readSInt32();
    }
  },
  SINT64(WireFormat.WIRETYPE_VARINT, Types.LongType.get(), 0L) {
    @Override
    public Object read(CodedInputStream in, Object previous) throws IOException {
      return in.readSInt64();
    }
  },
  FIXED32(WireFormat.WIRETYPE_FIXED32, Types.LongType.get(), 0L) {
    @Override
    public Object read(CodedInputStream in, Object previous) throws IOException {
      return Integer.toUnsignedLong(in.readFixed32());
    }
  },
  FIXED64(WireFormat.WIRETYPE_FIXED64, Types.DecimalType.of(20, 0), BigDecimal.ZERO) {
    @Override
    public Object read(CodedInputStream in, Object previous) throws IOException {
      return unsigned(in.readFixed64());
    }
  },
  SFIXED32(WireFormat.WIRETYPE_FIXED32, Types.IntegerType.get(), 0) {
    @Override
    public Object read(CodedInputStream in, Object previous) throws IOException {
      return in.readSFixed32();
    }
  },
  SFIXED64(WireFormat.WIRETYPE_FIXED64, Types.LongType.get(), 0L) {
    @Override
    public Object read(CodedInputStream in, Object previous) throws IOException {
      return in.readSFixed64();
    }
  },
  BOOL(WireFormat.WIRETYPE_VARINT, Types.BooleanType.get(), false) {
    @Override
    public Object read(CodedInputStream in, Object previous) throws IOException {
      return in.readBool();
    }
  },
  STRING(WireFormat.WIRETYPE_LENGTH_DELIMITED, Types.StringType.get(), "") {
    @Override
    public Object read(CodedInputStream in, Object previous) throws IOException {
      return in.readString();
    }
  },
  BYTES(WireFormat.WIRETYPE_LENGTH_DELIMITED, Types.BinaryType.get(), null) {
    @Override
    public Object read(CodedInputStream in, Object previous) throws IOException {
      return ByteBuffer.wrap(in.readByteArray());
    }

    @Override
    public Object defaultValue() {
      return ByteBuffer.allocate(0); // a ByteBuffer has a mutable position: never share one
    }
  };

  private static final BigDecimal TWO_TO_64 = new BigDecimal(BigInteger.ONE.shiftLeft(64));

  private final int wireType;
  private final Type type;
  private final Object defaultValue;

  Scalar(int wireType, Type type, Object defaultValue) {
    this.wireType = wireType;
    this.type = type;
    this.defaultValue = defaultValue;
  }

  /** The reader of a scalar {@code type}, or null if it is not a scalar. */
  static Scalar of(ProtoType type) {
    if (!type.isScalar()) {
      return null;
    }
    switch (type.toString()) {
      case "double":
        return DOUBLE;
      case "float":
        return FLOAT;
      case "int32":
        return INT32;
      case "int64":
        return INT64;
      case "uint32":
        return UINT32;
      case "uint64":
        return UINT64;
      case "sint32":
        return SINT32;
      case "sint64":
        return SINT64;
      case "fixed32":
        return FIXED32;
      case "fixed64":
        return FIXED64;
      case "sfixed32":
        return SFIXED32;
      case "sfixed64":
        return SFIXED64;
      case "bool":
        return BOOL;
      case "string":
        return STRING;
      case "bytes":
        return BYTES;
      default:
        throw new IllegalArgumentException(
            "Cannot read Protobuf scalar type " + type + ": unknown");
    }
  }

  static BigDecimal unsigned(long value) {
    return value >= 0 ? BigDecimal.valueOf(value) : BigDecimal.valueOf(value).add(TWO_TO_64);
  }

  @Override
  public int wireType() {
    return wireType;
  }

  @Override
  public Object defaultValue() {
    return defaultValue;
  }

  @Override
  public Type type(AtomicInteger ids) {
    return type;
  }
}
