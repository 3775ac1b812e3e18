package io.floe.schema.internal.protobuf;

import com.squareup.wire.schema.MessageType;
import com.squareup.wire.schema.ProtoFile;
import com.squareup.wire.schema.Type;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.iceberg.relocated.com.google.common.base.Preconditions;

/**
 * Which message type of a schema a Confluent-framed Protobuf record holds: the path of indexes
 * Confluent's serializers write after the magic byte and the 4-byte schema id. The first index
 * picks a message among the file's top-level message types, each next one among the nested message
 * types of the previous, in declaration order (enums do not count, nor do map entries).
 *
 * <p>On the wire: a zig-zag varint count, then that many zig-zag varint indexes. A count of 0
 * stands for {@code [0]}, the file's first message, and is how serializers write that common case
 * (one byte, {@code 0x00}).
 */
public final class MessageIndexes {

  /** The file's first message type: {@code [0]}. */
  public static final MessageIndexes FIRST = new MessageIndexes(new int[] {0});

  private static final Read FIRST_READ = new Read.Parsed(FIRST, 1);
  private static final int MAX_VARINT_BYTES = 5;
  private static final long TRUNCATED = Long.MIN_VALUE;
  private static final long MALFORMED = Long.MIN_VALUE + 1;

  private final int[] path;

  private MessageIndexes(int[] path) {
    this.path = path;
  }

  /**
   * The index path {@code path}.
   *
   * @throws IllegalArgumentException if it is empty or has a negative index
   */
  public static MessageIndexes of(int... path) {
    Preconditions.checkArgument(
        path != null && path.length > 0, "Cannot create message indexes: the path is empty");
    for (int index : path) {
      Preconditions.checkArgument(
          index >= 0, "Cannot create message indexes: negative index in %s", Arrays.toString(path));
    }
    return path.length == 1 && path[0] == 0 ? FIRST : new MessageIndexes(path.clone());
  }

  /**
   * The index path of the message type {@code messageFullName} declared in {@code file}.
   *
   * @throws IllegalArgumentException if {@code file} does not declare that message type
   */
  public static MessageIndexes of(ProtoFile file, String messageFullName) {
    Preconditions.checkArgument(file != null, "Cannot find message indexes: file is null");
    List<Integer> path = new ArrayList<>();
    Preconditions.checkArgument(
        find(file.getTypes(), messageFullName, path),
        "Cannot find message indexes: %s declares no message type %s",
        file.getLocation().getPath(),
        messageFullName);
    return of(path.stream().mapToInt(Integer::intValue).toArray());
  }

  private static boolean find(List<Type> types, String fullName, List<Integer> path) {
    int index = 0;
    for (Type type : types) {
      if (type instanceof MessageType) {
        path.add(index);
        String name = type.getType().toString();
        if (name.equals(fullName)
            || (fullName.startsWith(name + ".") && find(type.getNestedTypes(), fullName, path))) {
          return true;
        }
        path.remove(path.size() - 1);
        index++;
      }
    }
    return false;
  }

  /**
   * Reads the indexes at {@code offset}, never beyond {@code offset + length}.
   *
   * @return the indexes and how many bytes they took, or why the bytes are not message indexes
   */
  public static Read read(byte[] bytes, int offset, int length) {
    Preconditions.checkArgument(bytes != null, "Cannot read message indexes: bytes are null");
    Objects.checkFromIndexSize(offset, length, bytes.length);
    int end = offset + length;
    long count = readZigZag(bytes, offset, end);
    if (count == TRUNCATED) {
      return new Read.Invalid("the record ends before its message indexes");
    }
    if (count == MALFORMED) {
      return new Read.Invalid("the message index count is not a valid varint");
    }
    int position = offset + varintLength(bytes, offset);
    if (count == 0) {
      return FIRST_READ;
    }
    // each index takes at least one byte: a count beyond the remaining bytes is corrupt, and
    // checking it first bounds the allocation below
    if (count < 0 || count > end - position) {
      return new Read.Invalid(
          String.format(
              "the message index count %d is impossible with %d bytes left",
              count, end - position));
    }
    int[] path = new int[(int) count];
    for (int i = 0; i < path.length; i++) {
      long index = readZigZag(bytes, position, end);
      if (index == TRUNCATED) {
        return new Read.Invalid("the record ends inside its message indexes");
      }
      if (index == MALFORMED || index < 0) {
        return new Read.Invalid("message index " + i + " is not a valid index");
      }
      path[i] = (int) index;
      position += varintLength(bytes, position);
    }
    MessageIndexes indexes = path.length == 1 && path[0] == 0 ? FIRST : new MessageIndexes(path);
    return new Read.Parsed(indexes, position - offset);
  }

  /** A zig-zag varint of at most 32 bits, or {@link #TRUNCATED} or {@link #MALFORMED}. */
  private static long readZigZag(byte[] bytes, int position, int end) {
    int raw = 0;
    for (int shift = 0, i = 0; i < MAX_VARINT_BYTES; i++, shift += 7) {
      if (position + i >= end) {
        return TRUNCATED;
      }
      byte b = bytes[position + i];
      raw |= (b & 0x7f) << shift;
      if (b >= 0) {
        return (raw >>> 1) ^ -(raw & 1);
      }
    }
    return MALFORMED;
  }

  private static int varintLength(byte[] bytes, int position) {
    int length = 1;
    while (bytes[position + length - 1] < 0) {
      length++;
    }
    return length;
  }

  /** The indexes as Confluent's serializers write them ({@code 0x00} for {@code [0]}). */
  public byte[] toBytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1 + path.length);
    if (path.length == 1 && path[0] == 0) {
      writeZigZag(out, 0);
      return out.toByteArray();
    }
    writeZigZag(out, path.length);
    for (int index : path) {
      writeZigZag(out, index);
    }
    return out.toByteArray();
  }

  private static void writeZigZag(ByteArrayOutputStream out, int value) {
    int raw = (value << 1) ^ (value >> 31);
    while ((raw & ~0x7f) != 0) {
      out.write((raw & 0x7f) | 0x80);
      raw >>>= 7;
    }
    out.write(raw);
  }

  /**
   * The full name of the message type these indexes pick in {@code file}, or empty if it has no
   * such message (the record's indexes do not fit its schema).
   */
  public Optional<String> messageName(ProtoFile file) {
    Preconditions.checkArgument(file != null, "Cannot resolve message indexes: file is null");
    List<Type> types = file.getTypes();
    Type picked = null;
    for (int index : path) {
      picked = nthMessage(types, index);
      if (picked == null) {
        return Optional.empty();
      }
      types = picked.getNestedTypes();
    }
    return Optional.of(picked.getType().toString());
  }

  private static Type nthMessage(List<Type> types, int index) {
    int seen = 0;
    for (Type type : types) {
      if (type instanceof MessageType && seen++ == index) {
        return type;
      }
    }
    return null;
  }

  /** The index path, outermost first. */
  public List<Integer> path() {
    List<Integer> list = new ArrayList<>(path.length);
    for (int index : path) {
      list.add(index);
    }
    return list;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof MessageIndexes && Arrays.equals(path, ((MessageIndexes) other).path);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(path);
  }

  @Override
  public String toString() {
    return Arrays.toString(path);
  }

  /** The outcome of {@link #read}: a failure is a value, so corrupt records never throw. */
  public sealed interface Read permits Read.Parsed, Read.Invalid {

    /**
     * @param bytesRead how many bytes the indexes took, count included
     */
    record Parsed(MessageIndexes indexes, int bytesRead) implements Read {}

    /**
     * @param reason a sentence saying what is wrong with the bytes
     */
    record Invalid(String reason) implements Read {}
  }
}
