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

  /**
   * One decoded entry; {@code batch} is a slice of the parsed buffer (not retained), and {@code frameOffset}
   * is where the entry's header starts, relative to the parsed buffer's reader index.
   */
  public record Entry(long streamId, long baseOffset, int count, long maxTimestamp, ByteBuf batch, int frameOffset) {
    public long endOffset() {
      return baseOffset + count;
    }

    /** Where the next entry starts, relative to the parsed buffer's reader index. */
    public int frameEnd() {
      return frameOffset + ENTRY_HEADER_BYTES + batch.readableBytes();
    }
  }

  /**
   * The whole entries at the start of a buffer. {@code incompleteEntryBytes} is the framed size of the entry
   * cut off at the end (0 if the buffer ends on an entry boundary, or cuts even the header, -1).
   */
  public record Prefix(List<Entry> entries, int incompleteEntryBytes) {}

  /**
   * Decodes the entries in the readable bytes of {@code range}, which must be exactly a sequence of whole
   * entries of {@code streamId}. Slices share {@code range}'s memory and reference count; retain what you keep.
   *
   * @throws CorruptWalObjectException if the framing is inconsistent
   */
  public static List<Entry> parse(ByteBuf range, long streamId) {
    Prefix p = parsePrefix(range, streamId);
    if (p.incompleteEntryBytes() != 0) {
      throw new CorruptWalObjectException("the last entry of a range of stream " + streamId + " is truncated");
    }
    return p.entries();
  }

  /**
   * Like {@link #parse} for a buffer that starts on an entry boundary but may end inside an entry (a chunk of a
   * range): decodes the whole entries and reports the size of the cut one.
   */
  public static Prefix parsePrefix(ByteBuf chunk, long streamId) {
    List<Entry> entries = new ArrayList<>();
    int begin = chunk.readerIndex();
    int index = begin;
    int end = chunk.writerIndex();
    long expectedBase = -1;
    while (index < end) {
      if (end - index < ENTRY_HEADER_BYTES) {
        return new Prefix(entries, -1);
      }
      long sid = chunk.getLong(index);
      long base = chunk.getLong(index + 8);
      int count = chunk.getInt(index + 16);
      long maxTs = chunk.getLong(index + 20);
      int length = chunk.getInt(index + 28);
      if (sid != streamId) {
        throw new CorruptWalObjectException("entry of stream " + sid + " inside a range of stream " + streamId);
      }
      if (count <= 0 || length < 0) {
        throw new CorruptWalObjectException("entry at offset " + base + " has count " + count + " and length " + length);
      }
      if (expectedBase >= 0 && base != expectedBase) {
        throw new CorruptWalObjectException("entry at offset " + base + " does not follow offset " + expectedBase);
      }
      if (length > end - index - ENTRY_HEADER_BYTES) {
        return new Prefix(entries, ENTRY_HEADER_BYTES + length);
      }
      entries.add(new Entry(sid, base, count, maxTs, chunk.slice(index + ENTRY_HEADER_BYTES, length), index - begin));
      index += ENTRY_HEADER_BYTES + length;
      expectedBase = base + count;
    }
    return new Prefix(entries, 0);
  }

  /**
   * Decodes a whole WAL object (or journal record): entries of any streams, each stream's contiguous and in offset
   * order. Slices share {@code object}'s memory and reference count.
   *
   * @throws CorruptWalObjectException if the framing is inconsistent
   */
  public static List<Entry> parseAll(ByteBuf object) {
    List<Entry> entries = new ArrayList<>();
    int begin = object.readerIndex();
    int end = object.writerIndex();
    int index = begin;
    while (index < end) {
      if (end - index < ENTRY_HEADER_BYTES) {
        throw new CorruptWalObjectException("the object ends inside an entry header");
      }
      long streamId = object.getLong(index);
      int length = object.getInt(index + 28);
      if (length < 0 || length > end - index - ENTRY_HEADER_BYTES) {
        throw new CorruptWalObjectException("the entry at byte " + (index - begin) + " is truncated");
      }
      List<Entry> run = parse(object.slice(index, ENTRY_HEADER_BYTES + length), streamId);
      Entry e = run.get(0);
      entries.add(new Entry(e.streamId(), e.baseOffset(), e.count(), e.maxTimestamp(), e.batch(), index - begin));
      index += ENTRY_HEADER_BYTES + length;
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
