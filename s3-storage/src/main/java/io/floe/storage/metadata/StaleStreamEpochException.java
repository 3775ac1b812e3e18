package io.floe.storage.metadata;

import java.util.Set;

/**
 * An index commit was rejected because some of its streams have a newer owner epoch, were deleted, or do not
 * continue at their stored end offset. Nothing of the commit was applied. {@link #streamIds()} names those
 * streams, so the writer can fence them and commit the rest.
 */
public class StaleStreamEpochException extends MetadataConflictException {
  private final Set<Long> streamIds;

  public StaleStreamEpochException(Set<Long> streamIds, String message) {
    super(message);
    this.streamIds = Set.copyOf(streamIds);
  }

  public Set<Long> streamIds() {
    return streamIds;
  }
}
