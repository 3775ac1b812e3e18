package io.floe.schema.internal.avro;

import java.io.EOFException;
import java.io.IOException;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.io.BinaryDecoder;

/**
 * Reads the binary encoding of one node of a writer schema into the Java value {@code
 * RecordBuilder} takes for the node's Iceberg type. Readers are immutable and hold no per-record
 * state, so one tree serves every thread.
 */
abstract class AvroValueReader {

  private final String path;
  private final int minBytes;

  /**
   * @param path the Iceberg column path of the values read, {@code ""} for the whole value
   * @param minBytes the fewest bytes any value's encoding takes; bounds how many collection items a
   *     corrupt count may claim
   */
  AvroValueReader(String path, int minBytes) {
    this.path = path;
    this.minBytes = minBytes;
  }

  final String path() {
    return path;
  }

  final int minBytes() {
    return minBytes;
  }

  /**
   * Reads one value.
   *
   * @throws IOException, {@link AvroRuntimeException} or {@link UnsupportedOperationException} from
   *     the decoder for truncated or corrupt input; the parent names this reader's field in the
   *     failure ({@link #readChild})
   * @throws InvalidAvroException for input the decoder accepts but this type does not
   */
  abstract Object read(BinaryDecoder in) throws IOException;

  /** Reads {@code child}'s value; the decoder's exceptions become a failure naming the child. */
  static Object readChild(AvroValueReader child, BinaryDecoder in) {
    try {
      return child.read(in);
    } catch (EOFException e) {
      throw new InvalidAvroException(child.path, reason("the input ends inside it", e));
    } catch (IOException | AvroRuntimeException | UnsupportedOperationException e) {
      // Avro throws UnsupportedOperationException for lengths beyond what a Java array holds
      throw new InvalidAvroException(child.path, reason("the bytes are corrupt", e));
    }
  }

  final InvalidAvroException invalid(String reason) {
    return new InvalidAvroException(path, reason);
  }

  private static String reason(String what, Exception e) {
    return e.getMessage() == null ? what : what + " (" + e.getMessage() + ")";
  }
}
