package io.floe.storage.metadata;

import static io.floe.storage.internal.Preconditions.checkArgument;

import java.util.List;
import java.util.Map;

/**
 * One written object and the stream ranges it holds, to be committed to the index. {@code streamEpochs} gives
 * the epoch of the writer of each stream in {@code ranges}; the commit is fenced on it.
 */
public record ObjectCommit(
    long objectId, String objectKey, long sizeBytes, List<StreamRange> ranges, Map<Long, Long> streamEpochs) {

  public ObjectCommit {
    ranges = List.copyOf(ranges);
    streamEpochs = Map.copyOf(streamEpochs);
    for (StreamRange r : ranges) {
      checkArgument(r.objectId() == objectId && r.objectKey().equals(objectKey),
          "Cannot commit object %s: range %s belongs to another object", objectId, r);
      checkArgument(r.position() + r.length() <= sizeBytes,
          "Cannot commit object %s: range %s ends beyond its size %s", objectId, r, sizeBytes);
      checkArgument(streamEpochs.containsKey(r.streamId()),
          "Cannot commit object %s: no epoch given for stream %s", objectId, r.streamId());
    }
  }
}
