package io.floe.schema.internal.protobuf;

import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.types.Type;

/**
 * Reads one Protobuf value of one type (a scalar, an enum, a message, a well-known type) into the
 * Java value {@link io.floe.schema.RecordBuilder} takes for its Iceberg type. Stateless: one
 * instance serves every record and thread.
 */
interface ValueReader {

  /** The wire type ({@link com.google.protobuf.WireFormat}) a single value is encoded with. */
  int wireType();

  /**
   * Reads one value at the stream's position: for length-delimited types the length prefix too.
   *
   * @param previous the value already read for this field in this message, or null: a message read
   *     twice in one message merges into it, as Protobuf parsers do; scalars ignore it
   * @throws DecodeFailure for a value the bytes hold but Iceberg cannot (a timestamp out of range)
   */
  Object read(CodedInputStream in, Object previous) throws IOException;

  /** The value a Protobuf reader sees when the value is absent (0, "", false, first enum value). */
  Object defaultValue();

  /** Whether repeated values of this type may be packed (numeric scalars and enums). */
  default boolean packable() {
    return wireType() != com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED;
  }

  /** The Iceberg type of the values, with nested field ids taken from {@code ids}. */
  Type type(AtomicInteger ids);
}
