package io.floe.broker.group;

import io.floe.storage.metadata.GroupOffsetStore;
import io.floe.storage.metadata.OwnerFence;
import io.floe.storage.metadata.StaleOwnerException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A {@link GroupOffsetStore} in memory, shared across coordinator instances to stand for a restart. */
final class InMemoryGroupOffsetStore implements GroupOffsetStore {

  private final Map<String, Map<String, Map<Integer, CommittedOffset>>> offsets = new TreeMap<>();
  private boolean failWrites;
  private boolean staleFence;

  /** While set, every fenced write is refused, as after the coordinator moved to another broker. */
  synchronized void staleFence(boolean stale) {
    this.staleFence = stale;
  }

  /** While set, every write throws, as a store whose disk is gone would. */
  synchronized void failWrites(boolean fail) {
    this.failWrites = fail;
  }

  @Override
  public synchronized void commitOffsets(String group, List<CommittedOffset> committed, OwnerFence fence) {
    checkFence(fence);
    commitOffsets(group, committed);
  }

  @Override
  public synchronized void deleteOffsets(String group, String topic, int partition, OwnerFence fence) {
    checkFence(fence);
    deleteOffsets(group, topic, partition);
  }

  @Override
  public synchronized void deleteGroup(String group, OwnerFence fence) {
    checkFence(fence);
    deleteGroup(group);
  }

  private void checkFence(OwnerFence fence) {
    if (staleFence) {
      throw new StaleOwnerException("node " + fence.nodeId() + " no longer owns " + fence.resource());
    }
  }

  @Override
  public synchronized void commitOffsets(String group, List<CommittedOffset> committed) {
    checkWritable();
    for (CommittedOffset o : committed) {
      offsets
          .computeIfAbsent(group, g -> new TreeMap<>())
          .computeIfAbsent(o.topic(), t -> new TreeMap<>())
          .put(o.partition(), o);
    }
  }

  @Override
  public synchronized Map<String, Map<Integer, CommittedOffset>> fetchOffsets(String group) {
    Map<String, Map<Integer, CommittedOffset>> copy = new TreeMap<>();
    offsets.getOrDefault(group, Map.of()).forEach((topic, byPartition) -> copy.put(topic, new TreeMap<>(byPartition)));
    return copy;
  }

  @Override
  public synchronized List<String> groupsWithOffsets() {
    return new ArrayList<>(offsets.keySet());
  }

  @Override
  public synchronized void deleteOffsets(String group, String topic, int partition) {
    checkWritable();
    Map<String, Map<Integer, CommittedOffset>> byTopic = offsets.get(group);
    if (byTopic == null || !byTopic.containsKey(topic)) {
      return;
    }
    byTopic.get(topic).remove(partition);
    if (byTopic.get(topic).isEmpty()) {
      byTopic.remove(topic);
    }
    if (byTopic.isEmpty()) {
      offsets.remove(group);
    }
  }

  @Override
  public synchronized void deleteGroup(String group) {
    checkWritable();
    offsets.remove(group);
  }

  @Override
  public synchronized void deleteTopicOffsets(String topic) {
    checkWritable();
    offsets.values().forEach(byTopic -> byTopic.remove(topic));
    offsets.values().removeIf(Map::isEmpty);
  }

  private void checkWritable() {
    if (failWrites) {
      throw new IllegalStateException("injected offset store failure");
    }
  }
}
