package io.floe.storage.metadata;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Durable catalog of topics. All writes are transactional. */
public interface TopicStore {

  /** Creates the topic with new stream ids. Throws {@link MetadataConflictException} if it exists. */
  TopicRecord createTopic(String name, int partitions, Map<String, String> configs);

  Optional<TopicRecord> topic(String name);

  List<TopicRecord> topics();

  /** Removes the topic and returns it (its streams are then deleted by the caller), or empty if absent. */
  Optional<TopicRecord> deleteTopic(String name);

  /** Grows the topic to {@code totalPartitions}. Throws {@link MetadataConflictException} if not larger. */
  TopicRecord addPartitions(String name, int totalPartitions);

  /** Sets and removes config keys atomically. Throws {@link MetadataConflictException} if no such topic. */
  TopicRecord alterConfigs(String name, Map<String, String> set, Set<String> remove);

  /** Replaces the whole set of explicitly-set configs. */
  TopicRecord replaceConfigs(String name, Map<String, String> configs);
}
