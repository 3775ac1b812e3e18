package io.floe.broker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.broker.testing.FloeExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The kafka-clients producer and consumer, idempotent and in groups, against Floe. */
class ProduceConsumeTest {

  @RegisterExtension
  static final FloeExtension broker = new FloeExtension();

  @ParameterizedTest
  @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
  void idempotentProducerRecordsReadBackInOrderWithEveryCodec(String codec) throws Exception {
    // Given a topic with three partitions
    String topic = "codec-" + codec;
    broker.admin().createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
    int n = 3000;

    // When an idempotent acks=all producer sends keyed records with headers using the codec
    Map<Integer, List<Long>> ackedOffsets = new HashMap<>();
    try (KafkaProducer<byte[], byte[]> producer = broker.floe().producer(Map.of(
        ProducerConfig.COMPRESSION_TYPE_CONFIG, codec,
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
        ProducerConfig.LINGER_MS_CONFIG, 5))) {
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, i % 3, bytes("k" + i), bytes("value-" + i));
        r.headers().add(new RecordHeader("h", bytes("x" + i)));
        sent.add(producer.send(r));
      }
      for (Future<RecordMetadata> f : sent) {
        RecordMetadata m = f.get();
        ackedOffsets.computeIfAbsent(m.partition(), p -> new ArrayList<>()).add(m.offset());
      }
    }

    // Then every partition's offsets are 0..n/3-1 with no gap
    for (int p = 0; p < 3; p++) {
      List<Long> offsets = ackedOffsets.get(p);
      assertEquals(n / 3, offsets.size());
      for (int i = 0; i < offsets.size(); i++) {
        assertEquals(i, offsets.get(i));
      }
    }

    // And a consumer reads every record once, in order per partition, with key, value and header
    List<ConsumerRecord<byte[], byte[]>> read = consumeAll(topic, n);
    assertEquals(n, read.size());
    Map<Integer, Long> next = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : read) {
      long expected = next.getOrDefault(r.partition(), 0L);
      assertEquals(expected, r.offset());
      next.put(r.partition(), expected + 1);
      int i = Integer.parseInt(new String(r.value(), StandardCharsets.UTF_8).substring("value-".length()));
      assertEquals(i % 3, r.partition());
      assertEquals("k" + i, new String(r.key(), StandardCharsets.UTF_8));
      assertEquals("x" + i, new String(r.headers().lastHeader("h").value(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void consumerGroupOfThreeReadsEveryRecordOnceAcrossRebalances() throws Exception {
    // Given 6 partitions holding 6000 records
    String topic = "group-topic";
    broker.admin().createTopics(List.of(new NewTopic(topic, 6, (short) 1))).all().get();
    int n = 6000;
    produce(topic, n);

    // When one consumer starts, then two more join (rebalances); each commits what it processed after
    // every poll and, as Kafka's docs advise, in onPartitionsRevoked before giving partitions up
    Set<String> seen = ConcurrentHashMap.newKeySet();
    AtomicInteger duplicates = new AtomicInteger();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> members = new ArrayList<>();
    List<Set<TopicPartition>> everAssigned = new ArrayList<>();
    try {
      for (int m = 0; m < 3; m++) {
        Set<TopicPartition> assigned = ConcurrentHashMap.newKeySet();
        everAssigned.add(assigned);
        Thread t = new Thread(() -> runMember(topic, seen, duplicates, assigned, stop), "member-" + m);
        members.add(t);
        t.start();
        long joinAfter = System.currentTimeMillis() + 10_000;
        while (seen.size() < (m + 1) * 1500 && System.currentTimeMillis() < joinAfter) {
          Thread.sleep(20);
        }
      }
      long deadline = System.currentTimeMillis() + 60_000;
      while (seen.size() < n && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      Thread.sleep(500); // any record delivered twice would show up now
    } finally {
      stop.set(true);
      for (Thread t : members) {
        t.join(30_000);
      }
    }

    // Then every record was read exactly once, and every member got partitions at some point
    assertEquals(n, seen.size());
    assertEquals(0, duplicates.get());
    for (Set<TopicPartition> a : everAssigned) {
      assertFalse(a.isEmpty());
    }
  }

  private static void runMember(String topic, Set<String> seen, AtomicInteger duplicates,
      Set<TopicPartition> everAssigned, AtomicBoolean stop) {
    Map<String, Object> props = Map.of(
        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50,
        ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 300,
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, "org.apache.kafka.clients.consumer.RangeAssignor");
    try (KafkaConsumer<byte[], byte[]> c = broker.floe().consumer("g3", props)) {
      Map<TopicPartition, OffsetAndMetadata> pending = new HashMap<>();
      c.subscribe(List.of(topic), new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
          c.commitSync(pending);
          pending.clear();
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
          everAssigned.addAll(partitions);
        }
      });
      while (!stop.get()) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
          if (!seen.add(r.partition() + ":" + r.offset())) {
            duplicates.incrementAndGet();
          }
          pending.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
        }
        try {
          Thread.sleep(40); // "processing", so the group still has work when the others join
        } catch (InterruptedException e) {
          return;
        }
        try {
          c.commitSync(pending);
          pending.clear();
        } catch (RebalanceInProgressException e) {
          // Kept pending: committed in onPartitionsRevoked or after the rebalance.
        }
      }
    }
  }

  @Test
  void committedOffsetsSurviveABrokerRestart() throws Exception {
    // Given a group that consumed and committed part of a topic
    String topic = "restart-offsets";
    broker.admin().createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
    produce(topic, 100);
    TopicPartition tp0 = new TopicPartition(topic, 0);
    try (KafkaConsumer<byte[], byte[]> c = broker.floe().consumer("survivor", Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false))) {
      c.subscribe(List.of(topic));
      int read = 0;
      long deadline = System.currentTimeMillis() + 30_000;
      while (read < 100 && System.currentTimeMillis() < deadline) {
        read += c.poll(Duration.ofMillis(200)).count();
      }
      assertEquals(100, read);
      c.commitSync(Map.of(tp0, new OffsetAndMetadata(17, "meta")));
    }

    // When the broker restarts
    broker.restart();

    // Then the group's committed offset is still there and a new member resumes from it
    Map<TopicPartition, OffsetAndMetadata> committed =
        broker.admin().listConsumerGroupOffsets("survivor").partitionsToOffsetAndMetadata().get();
    assertEquals(17, committed.get(tp0).offset());
    assertEquals("meta", committed.get(tp0).metadata());
    try (KafkaConsumer<byte[], byte[]> c = broker.floe().consumer("survivor", Map.of())) {
      c.assign(List.of(tp0));
      List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
      long deadline = System.currentTimeMillis() + 20_000;
      while (records.isEmpty() && System.currentTimeMillis() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(records::add);
      }
      assertTrue(!records.isEmpty());
      assertEquals(17, records.get(0).offset());
    }
  }

  static void produce(String topic, int n) throws Exception {
    ProduceConsumeTestSupport.produce(broker.floe(), topic, n);
  }

  static List<ConsumerRecord<byte[], byte[]>> consumeAll(String topic, int expected) throws Exception {
    return ProduceConsumeTestSupport.consumeAllFrom(broker.floe(), broker.admin(), topic, expected);
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
