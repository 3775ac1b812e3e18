package io.floe.broker.log;

import io.floe.storage.metadata.TopicRecord;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;

/**
 * An immutable view of one topic on this broker: its stored record and the partitions this broker owns and
 * serves ({@code local}, by partition index). In a cluster the other partitions are served by other brokers.
 */
public record TopicState(TopicRecord record, Uuid topicId, Map<Integer, PartitionLog> local) {

  public TopicState {
    local = Map.copyOf(local);
  }

  public String name() {
    return record.name();
  }

  public Map<String, String> configs() {
    return record.configs();
  }

  /** Partitions of the topic in the whole cluster. */
  public int partitionCount() {
    return record.partitions();
  }

  /** The partition if this broker serves it, else null. */
  public PartitionLog partition(int p) {
    return local.get(p);
  }

  /** The partitions this broker serves, in partition order. */
  public List<PartitionLog> localPartitions() {
    return List.copyOf(new TreeMap<>(local).values());
  }

  /** Whether this broker serves every partition of the topic. */
  public boolean allLocal() {
    return local.size() == record.partitions();
  }

  /**
   * The error for a partition this broker does not serve: NOT_LEADER_OR_FOLLOWER if the topic has it (clients
   * refresh metadata and go to its owner), UNKNOWN_TOPIC_OR_PARTITION if it does not exist.
   */
  public Errors notServedError(int p) {
    return p >= 0 && p < record.partitions() ? Errors.NOT_LEADER_OR_FOLLOWER : Errors.UNKNOWN_TOPIC_OR_PARTITION;
  }

  static Uuid toKafka(java.util.UUID id) {
    return new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits());
  }
}
