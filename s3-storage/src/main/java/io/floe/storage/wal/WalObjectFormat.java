package io.floe.storage.wal;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * The layout of a WAL object: a plain sequence of entries, each
 * {@code [streamId long][baseOffset long][count int][maxTimestamp long][length int][length bytes of batch]},
 * big-endian. The batch bytes are opaque; the header carries everything the index and reads need, so nothing
 * ever parses a Kafka batch. Within an object the entries of one stream are contiguous and in offset order, so
 * one index range {@code (position, length)} covers all of them.
 */
public final class WalObjectFormat {
  /** Bytes of framing before each batch. */
  public static final int ENTRY_HEADER_BYTES = 8 + 8 + 4 + 8 + 4;

  private static final String KEY_PREFIX = "wal/";

  private WalObjectFormat() {}

  /** The object key for a WAL object id, zero-padded so keys sort in id order, as S3 lists them. */
  public static String objectKey(long objectId) {
    return String.format("%s%019d", KEY_PREFIX, objectId);
  }

  /** The prefix every WAL object key starts with. */
  public static String keyPrefix() {
    return KEY_PREFIX;
  }

  /** The object id of a WAL key, or -1 if the key is not a WAL object key. */
  public static long objectId(String key) {
    if (!key.startsWith(KEY_PREFIX) || key.length() != KEY_PREFIX.length() + 19) {
      return -1;
    }
    try {
      return Long.parseLong(key.substring(KEY_PREFIX.length()));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  static void writeHeader(ByteBuf out, long streamId, long baseOffset, int count, long maxTimestamp, int length) {
    out.writeLong(streamId).writeLong(baseOffset).writeInt(count).writeLong(maxTimestamp).writeInt(length);
  }

  /** One decoded entry; {@code batch} is a slice of the parsed buffer (not retained). */
  public record Entry(long streamId, long baseOffset, int count, long maxTimestamp, ByteBuf batch) {
    public long endOffset() {
      return baseOffset + count;
    }
  }

  /**
   * Decodes the entries in the readable bytes of {@code range}, which must be exactly a sequence of whole
   * entries of {@code streamId}. Slices share {@code range}'s memory and reference count; retain what you keep.
   *
   * @throws CorruptWalObjectException if the framing is inconsistent
   */
  public static List<Entry> parse(ByteBuf range, long streamId) {
    List<Entry> entries = new ArrayList<>();
    int index = range.readerIndex();
    int end = range.writerIndex();
    long expectedBase = -1;
    while (index < end) {
      if (end - index < ENTRY_HEADER_BYTES) {
        throw new CorruptWalObjectException("truncated entry header at byte " + index);
      }
      long sid = range.getLong(index);
      long base = range.getLong(index + 8);
      int count = range.getInt(index + 16);
      long maxTs = range.getLong(index + 20);
      int length = range.getInt(index + 28);
      index += ENTRY_HEADER_BYTES;
      if (sid != streamId) {
        throw new CorruptWalObjectException("entry of stream " + sid + " inside a range of stream " + streamId);
      }
      if (count <= 0 || length < 0 || length > end - index) {
        throw new CorruptWalObjectException(
            "entry at offset " + base + " has count " + count + " and length " + length + " with "
                + (end - index) + " bytes left");
      }
      if (expectedBase >= 0 && base != expectedBase) {
        throw new CorruptWalObjectException("entry at offset " + base + " does not follow offset " + expectedBase);
      }
      entries.add(new Entry(sid, base, count, maxTs, range.slice(index, length)));
      index += length;
      expectedBase = base + count;
    }
    return entries;
  }

  /** A WAL object's bytes do not match its framing or its index. */
  public static final class CorruptWalObjectException extends RuntimeException {
    public CorruptWalObjectException(String message) {
      super("Corrupt WAL object: " + message);
    }
  }
}
