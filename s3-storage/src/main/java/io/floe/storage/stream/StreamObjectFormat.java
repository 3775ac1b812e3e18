package io.floe.storage.stream;

import io.floe.storage.wal.WalObjectFormat;

/**
 * The layout of a stream object, written by compaction ({@link StreamObjectCompactor}): the entries of one stream
 * over a run of consecutive offsets, in the WAL's entry framing ({@link WalObjectFormat}) and nothing else, so the
 * whole object is one index range that {@link DefaultStream} reads exactly as it reads a range of a WAL object.
 *
 * <p>Keys are {@code streams/<streamId>/<objectId>}, the object id zero-padded so that one stream's objects list in
 * id order: a prefix per stream spreads the objects over S3's key space and lets an operator see a partition's
 * objects at a glance.
 */
public final class StreamObjectFormat {
  private static final String KEY_PREFIX = "streams/";

  private StreamObjectFormat() {}

  /** The key of stream object {@code objectId} of stream {@code streamId}. */
  public static String objectKey(long streamId, long objectId) {
    return String.format("%s%d/%019d", KEY_PREFIX, streamId, objectId);
  }

  /** The prefix every stream object key starts with. */
  public static String keyPrefix() {
    return KEY_PREFIX;
  }

  /** The object id of a stream object key, or -1 if the key is not a stream object key. */
  public static long objectId(String key) {
    if (!key.startsWith(KEY_PREFIX)) {
      return -1;
    }
    int slash = key.indexOf('/', KEY_PREFIX.length());
    if (slash <= KEY_PREFIX.length() || key.length() != slash + 1 + 19) {
      return -1;
    }
    try {
      Long.parseLong(key.substring(KEY_PREFIX.length(), slash));
      return Long.parseLong(key.substring(slash + 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
