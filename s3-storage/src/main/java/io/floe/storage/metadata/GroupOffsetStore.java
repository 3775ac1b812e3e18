package io.floe.storage.metadata;

import java.util.List;
import java.util.Map;

/** Durable committed offsets of consumer groups. */
public interface GroupOffsetStore {

  /** Commits the given offsets of {@code group} atomically (insert or replace). */
  void commitOffsets(String group, List<CommittedOffset> offsets);

  /**
   * Commits the given offsets of {@code group} atomically (insert or replace) if {@code fence} still holds in the
   * same transaction; otherwise throws {@link StaleOwnerException} and writes nothing.
   */
  void commitOffsets(String group, List<CommittedOffset> offsets, OwnerFence fence);

  /** All committed offsets of {@code group}, keyed by topic then partition. */
  Map<String, Map<Integer, CommittedOffset>> fetchOffsets(String group);

  /** Every group with at least one committed offset. */
  List<String> groupsWithOffsets();

  void deleteOffsets(String group, String topic, int partition);

  /**
   * Deletes one committed offset of {@code group} if {@code fence} still holds in the same transaction; otherwise
   * throws {@link StaleOwnerException} and deletes nothing.
   */
  void deleteOffsets(String group, String topic, int partition, OwnerFence fence);

  void deleteGroup(String group);

  /**
   * Deletes every committed offset of {@code group} if {@code fence} still holds in the same transaction; otherwise
   * throws {@link StaleOwnerException} and deletes nothing.
   */
  void deleteGroup(String group, OwnerFence fence);

  /** Removes the offsets of every group for {@code topic} (when the topic is deleted). */
  void deleteTopicOffsets(String topic);

  record CommittedOffset(
      String topic, int partition, long offset, int leaderEpoch, String metadata, long commitTimestampMs) {}
}
