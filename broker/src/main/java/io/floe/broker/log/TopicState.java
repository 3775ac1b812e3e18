package io.floe.broker.log;

import io.floe.storage.metadata.TopicRecord;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;

/** An immutable view of one topic on this broker: its stored record and its open partitions. */
public record TopicState(TopicRecord record, Uuid topicId, List<PartitionLog> partitions) {

  public TopicState {
    partitions = List.copyOf(partitions);
  }

  public String name() {
    return record.name();
  }

  public Map<String, String> configs() {
    return record.configs();
  }

  public PartitionLog partition(int p) {
    return p >= 0 && p < partitions.size() ? partitions.get(p) : null;
  }

  static Uuid toKafka(java.util.UUID id) {
    return new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits());
  }
}
