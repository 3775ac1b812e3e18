package io.floe.broker.e2e;

import io.floe.broker.testing.EmbeddedFloe;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
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

  /** Reads every partition of {@code topic} from the beginning without a group until {@code expected} arrive. */
  static List<ConsumerRecord<byte[], byte[]>> consumeAllFrom(EmbeddedFloe floe, Admin admin, String topic, int expected)
      throws Exception {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = floe.consumer(null, Map.of())) {
      List<TopicPartition> parts = new ArrayList<>();
      admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
          .forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
      c.assign(parts);
      c.seekToBeginning(parts);
      long deadline = System.currentTimeMillis() + 30_000;
      while (out.size() < expected && System.currentTimeMillis() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
      // A little longer, to catch any record read twice.
      c.poll(Duration.ofMillis(300)).forEach(out::add);
    }
    return out;
  }

}
