package io.floe.storage.metadata;

import static io.floe.storage.internal.Preconditions.checkArgument;

/**
 * The batches of one stream covering offsets {@code [startOffset, endOffset)} that are stored contiguously at
 * bytes {@code [position, position + length)} of object {@code objectKey}. {@code maxTimestamp} is the largest
 * max timestamp of those batches.
 */
public record StreamRange(
    long streamId,
    long startOffset,
    long endOffset,
    long objectId,
    String objectKey,
    long position,
    long length,
    long maxTimestamp) {

  public StreamRange {
    checkArgument(endOffset > startOffset, "Cannot create range of stream %s: it covers no offsets [%s, %s)",
        streamId, startOffset, endOffset);
    checkArgument(position >= 0 && length > 0, "Cannot create range of stream %s: invalid bytes at %s+%s",
        streamId, position, length);
  }
}
