package io.floe.storage.metadata;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A topic as stored: its id, one stream per partition (index = partition number) and the configs set on it
 * (only explicitly set keys; defaults live in the broker).
 */
public record TopicRecord(String name, UUID topicId, List<Long> streamIds, Map<String, String> configs) {

  public TopicRecord {
    streamIds = List.copyOf(streamIds);
    configs = Map.copyOf(configs);
  }

  public int partitions() {
    return streamIds.size();
  }

  public long streamId(int partition) {
    return streamIds.get(partition);
  }
}
