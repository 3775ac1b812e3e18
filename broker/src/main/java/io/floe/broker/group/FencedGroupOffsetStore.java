package io.floe.broker.group;

import io.floe.storage.metadata.GroupOffsetStore;
import io.floe.storage.metadata.OwnerFence;
import java.util.List;
import java.util.Map;

/**
 * A coordinator's view of the offset store that checks its owner fence on every write a group operation makes
 * (commits, offset deletes, group deletes), so the coordinator's code has one path with or without a fence.
 * Removing a deleted topic's offsets is not a group operation and stays unchecked.
 */
final class FencedGroupOffsetStore implements GroupOffsetStore {

  private final GroupOffsetStore store;
  private final OwnerFence fence;

  FencedGroupOffsetStore(GroupOffsetStore store, OwnerFence fence) {
    this.store = store;
    this.fence = fence;
  }

  @Override
  public void commitOffsets(String group, List<CommittedOffset> offsets) {
    store.commitOffsets(group, offsets, fence);
  }

  @Override
  public void commitOffsets(String group, List<CommittedOffset> offsets, OwnerFence fence) {
    store.commitOffsets(group, offsets, fence);
  }

  @Override
  public Map<String, Map<Integer, CommittedOffset>> fetchOffsets(String group) {
    return store.fetchOffsets(group);
  }

  @Override
  public List<String> groupsWithOffsets() {
    return store.groupsWithOffsets();
  }

  @Override
  public void deleteOffsets(String group, String topic, int partition) {
    store.deleteOffsets(group, topic, partition, fence);
  }

  @Override
  public void deleteOffsets(String group, String topic, int partition, OwnerFence fence) {
    store.deleteOffsets(group, topic, partition, fence);
  }

  @Override
  public void deleteGroup(String group) {
    store.deleteGroup(group, fence);
  }

  @Override
  public void deleteGroup(String group, OwnerFence fence) {
    store.deleteGroup(group, fence);
  }

  @Override
  public void deleteTopicOffsets(String topic) {
    store.deleteTopicOffsets(topic);
  }
}
