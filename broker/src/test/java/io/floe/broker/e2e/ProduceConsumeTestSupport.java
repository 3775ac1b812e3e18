package io.floe.broker.e2e;

import io.floe.broker.testing.EmbeddedFloe;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/** Small queries shared by the end-to-end tests. */
final class ProduceConsumeTestSupport {

  private ProduceConsumeTestSupport() {}

  /** Writes {@code n} keyed records with an acks=all producer and waits for every acknowledgement. */
  static void produce(EmbeddedFloe floe, String topic, int n) throws Exception {
    try (KafkaProducer<byte[], byte[]> producer = floe.producer(Map.of())) {
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        sent.add(producer.send(new ProducerRecord<>(topic, bytes("k" + i), bytes("v" + i))));
      }
      for (Future<RecordMetadata> f : sent) {
        f.get();
      }
    }
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static long endOffset(Admin admin, String topic, int partition) throws Exception {
    TopicPartition tp = new TopicPartition(topic, partition);
    return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get().offset();
  }
}
