package io.floe.broker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.broker.testing.FloeExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** retention.ms, retention.bytes, DeleteRecords and ListOffsets as kafka-clients use them. */
class RetentionAndOffsetsTest {

  @RegisterExtension
  static final FloeExtension broker = new FloeExtension(Map.of("log.retention.check.interval.ms", "200"));

  @Test
  void retentionMsDeletesRecordsOlderThanTheLimit() throws Exception {
    // Given a topic keeping one minute, holding 100 records from an hour ago and 10 from now
    broker.admin().createTopics(List.of(new NewTopic("by-time", 1, (short) 1).configs(Map.of("retention.ms", "60000")))).all().get();
    long now = System.currentTimeMillis();
    try (KafkaProducer<byte[], byte[]> p = broker.floe().producer(Map.of("linger.ms", 0))) {
      for (int i = 0; i < 100; i++) {
        p.send(new ProducerRecord<>("by-time", 0, now - 3_600_000, null, new byte[100])).get();
      }
      for (int i = 0; i < 10; i++) {
        p.send(new ProducerRecord<>("by-time", 0, now, null, new byte[100])).get();
      }
    }
    // When retention runs, then the old records are gone and the new ones stay
    assertEquals(100, awaitEarliest("by-time", 100));
    assertEquals(110, ProduceConsumeTestSupport.endOffset(broker.admin(), "by-time", 0));
    assertEquals(10, readFromBeginning("by-time").size());
  }

  @Test
  void retentionBytesKeepsThePartitionUnderTheLimit() throws Exception {
    // Given a topic limited to ~20 KB per partition and 100 KB of records written one per batch
    broker.admin().createTopics(List.of(new NewTopic("by-size", 1, (short) 1).configs(Map.of("retention.bytes", "20000")))).all().get();
    try (KafkaProducer<byte[], byte[]> p = broker.floe().producer(Map.of("linger.ms", 0))) {
      for (int i = 0; i < 100; i++) {
        p.send(new ProducerRecord<>("by-size", new byte[1000])).get();
      }
    }
    // When retention runs, then only the newest ~20 batches remain
    long earliest = awaitEarliest("by-size", 75);
    assertTrue(earliest >= 75 && earliest < 100, "earliest " + earliest);
    assertEquals(100 - earliest, readFromBeginning("by-size").size());
  }

  @Test
  void deleteRecordsRaisesTheLowWatermarkAndConsumersStartThere() throws Exception {
    broker.admin().createTopics(List.of(new NewTopic("trimmed", 1, (short) 1))).all().get();
    ProduceConsumeTestSupport.produce(broker.floe(), "trimmed", 100);
    TopicPartition tp = new TopicPartition("trimmed", 0);

    long low = broker.admin().deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(60))).lowWatermarks().get(tp).get().lowWatermark();

    assertEquals(60, low);
    assertEquals(60, broker.admin().listOffsets(Map.of(tp, OffsetSpec.earliest())).partitionResult(tp).get().offset());
    List<ConsumerRecord<byte[], byte[]>> rest = readFromBeginning("trimmed");
    assertEquals(40, rest.size());
    assertEquals(60, rest.get(0).offset());
  }

  @Test
  void listOffsetsFindsRecordsByTimestamp() throws Exception {
    // Given records 1 s apart, several per batch
    broker.admin().createTopics(List.of(new NewTopic("timed", 1, (short) 1))).all().get();
    long t0 = System.currentTimeMillis() - 60_000; // recent: the default retention must keep them
    try (KafkaProducer<byte[], byte[]> p = broker.floe().producer(Map.of("linger.ms", 50))) {
      for (int i = 0; i < 20; i++) {
        p.send(new ProducerRecord<>("timed", 0, t0 + i * 1000L, null, new byte[10]));
      }
    }
    TopicPartition tp = new TopicPartition("timed", 0);
    try (KafkaConsumer<byte[], byte[]> c = broker.floe().consumer(null, Map.of())) {
      // When offsets are looked up by timestamp, then the first record at or after it is found
      OffsetAndTimestamp at = c.offsetsForTimes(Map.of(tp, t0 + 5500)).get(tp);
      assertEquals(6, at.offset());
      assertEquals(t0 + 6000, at.timestamp());
      assertEquals(0, c.offsetsForTimes(Map.of(tp, 0L)).get(tp).offset());
      assertEquals(null, c.offsetsForTimes(Map.of(tp, t0 + 60_000)).get(tp));
    }
    assertEquals(19, broker.admin().listOffsets(Map.of(tp, OffsetSpec.maxTimestamp())).partitionResult(tp).get().offset());
    assertEquals(20, broker.admin().listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get().offset());
  }

  private static long awaitEarliest(String topic, long atLeast) throws Exception {
    TopicPartition tp = new TopicPartition(topic, 0);
    long deadline = System.currentTimeMillis() + 20_000;
    long earliest = 0;
    while (System.currentTimeMillis() < deadline) {
      earliest = broker.admin().listOffsets(Map.of(tp, OffsetSpec.earliest())).partitionResult(tp).get().offset();
      if (earliest >= atLeast) {
        return earliest;
      }
      Thread.sleep(100);
    }
    return earliest;
  }

  private static List<ConsumerRecord<byte[], byte[]>> readFromBeginning(String topic) throws Exception {
    TopicPartition tp = new TopicPartition(topic, 0);
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = broker.floe().consumer(null, Map.of())) {
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long end = ProduceConsumeTestSupport.endOffset(broker.admin(), topic, 0);
      long deadline = System.currentTimeMillis() + 20_000;
      while (c.position(tp) < end && System.currentTimeMillis() < deadline) {
        c.poll(Duration.ofMillis(100)).forEach(out::add);
      }
    }
    return out;
  }
}
