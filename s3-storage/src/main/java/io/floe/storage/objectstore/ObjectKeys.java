package io.floe.storage.objectstore;

import static io.floe.storage.internal.Preconditions.checkArgument;

/**
 * The keys every {@link ObjectStorage} accepts: non-empty '/'-separated relative paths without empty, {@code .},
 * {@code ..} or {@code .tmp} segments. They are the keys {@link LocalFileObjectStorage} can map to files, so an
 * object layout that works on S3 also works on the local store, and the reverse.
 */
final class ObjectKeys {
  /** The local store's directory for files being written; never part of a key. */
  static final String RESERVED_SEGMENT = ".tmp";

  private ObjectKeys() {}

  /** Returns {@code key}, or throws {@link IllegalArgumentException} saying what is wrong with it. */
  static String check(String key) {
    checkArgument(
        key != null && !key.isEmpty() && !key.startsWith("/") && !key.endsWith("/"),
        "Cannot use object key '%s': it must be a non-empty relative path",
        key);
    for (String part : key.split("/", -1)) {
      checkArgument(
          !part.isEmpty() && !part.equals(".") && !part.equals("..") && !part.equals(RESERVED_SEGMENT),
          "Cannot use object key '%s': segment '%s' is not allowed",
          key,
          part);
    }
    return key;
  }
}
