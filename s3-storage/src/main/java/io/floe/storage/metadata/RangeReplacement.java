package io.floe.storage.metadata;

import static io.floe.storage.internal.Preconditions.checkArgument;

import java.util.List;

/**
 * A compaction's commit: {@code replaced}, consecutive ranges of one stream as the index holds them, give way to
 * {@code replacement}, a newly written object holding one range of that stream over exactly the same offsets.
 * {@code replacement.streamEpochs()} names the epoch of the stream's owner, which the commit is fenced on.
 */
public record RangeReplacement(List<StreamRange> replaced, ObjectCommit replacement) {

  public RangeReplacement {
    replaced = List.copyOf(replaced);
    checkArgument(!replaced.isEmpty(), "Cannot replace ranges with object %s: no range given", replacement.objectId());
    checkArgument(replacement.ranges().size() == 1,
        "Cannot replace ranges with object %s: it must hold exactly one range, has %s",
        replacement.objectId(), replacement.ranges().size());
    StreamRange merged = replacement.ranges().get(0);
    long streamId = merged.streamId();
    long next = merged.startOffset();
    long maxTimestamp = Long.MIN_VALUE;
    for (StreamRange r : replaced) {
      checkArgument(r.streamId() == streamId,
          "Cannot replace ranges of stream %s: range %s belongs to another stream", streamId, r);
      checkArgument(r.startOffset() == next,
          "Cannot replace ranges of stream %s: range %s does not start at offset %s", streamId, r, next);
      checkArgument(r.objectId() != replacement.objectId(),
          "Cannot replace ranges of stream %s: range %s is already in the new object", streamId, r);
      next = r.endOffset();
      maxTimestamp = Math.max(maxTimestamp, r.maxTimestamp());
    }
    checkArgument(next == merged.endOffset(),
        "Cannot replace ranges of stream %s: they end at %s, the new range at %s", streamId, next, merged.endOffset());
    checkArgument(merged.maxTimestamp() == maxTimestamp,
        "Cannot replace ranges of stream %s: the new range's max timestamp %s is not theirs, %s",
        streamId, merged.maxTimestamp(), maxTimestamp);
  }

  public long streamId() {
    return replacement.ranges().get(0).streamId();
  }

  /** The owner epoch the replacement is fenced on. */
  public long epoch() {
    return replacement.streamEpochs().get(streamId());
  }

  /** The one range of the new object. */
  public StreamRange mergedRange() {
    return replacement.ranges().get(0);
  }
}
