package io.floe.broker.e2e;

import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/** Small queries shared by the end-to-end tests. */
final class ProduceConsumeTestSupport {

  private ProduceConsumeTestSupport() {}

  static long endOffset(Admin admin, String topic, int partition) throws Exception {
    TopicPartition tp = new TopicPartition(topic, partition);
    return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get().offset();
  }
}
