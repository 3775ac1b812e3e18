package io.floe.broker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.broker.testing.FloeProcess;
import io.floe.broker.testing.TestBackends;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kill -9 mid-stream loses nothing that was acknowledged, and no offset is ever handed out twice: with the default WAL
 * (acknowledged once in an object and the index) and with a WAL file ({@code s3.wal.path}: acknowledged once in the
 * file, put into objects on restart).
 */
class CrashDurabilityTest {

  /** The WAL settings each test runs with: none (objects only), or a WAL file under the data directory. */
  private static Map<String, String> wal(String walPath) {
    return walPath.isEmpty() ? Map.of() : Map.of("s3.wal.path", walPath);
  }

  /**
   * With a shared (PostgreSQL) metadata store a WAL file is refused at start, with the reason, since another broker
   * could take over partitions whose acknowledged records are in this broker's file: there the case checks that.
   */
  private static boolean refusedWithSharedMetadata(String walPath) throws Exception {
    if (walPath.isEmpty() || !TestBackends.postgres()) {
      return false;
    }
    try (FloeProcess broker = new FloeProcess(wal(walPath))) {
      IllegalStateException refused = assertThrows(IllegalStateException.class, broker::start);
      assertTrue(refused.getMessage().contains("a WAL file (s3.wal.path) needs the embedded SQLite metadata store"),
          refused.getMessage());
    }
    return true;
  }

  @ParameterizedTest(name = "s3.wal.path=''{0}''")
  @ValueSource(strings = {"", "wal"})
  void everyAcknowledgedRecordSurvivesKillNine(String walPath) throws Exception {
    if (refusedWithSharedMetadata(walPath)) {
      return;
    }
    try (FloeProcess broker = new FloeProcess(wal(walPath)).start()) {
      // Given a topic with two partitions and a producer streaming acks=all records into it
      try (Admin admin = admin(broker)) {
        admin.createTopics(List.of(new NewTopic("durable", 2, (short) 1))).all().get();
      }
      StreamingWriter writer = new StreamingWriter(broker);

      // When the broker is killed with SIGKILL while records are in flight
      writer.awaitAcknowledged(5000);
      broker.kill9();
      int ackedAtKill = writer.acked.size();
      writer.stop();
      assertTrue(writer.sent.get() > ackedAtKill, "records were still in flight at the kill");

      // And restarted on the same data
      broker.start();
      if (!walPath.isEmpty()) {
        // What was acknowledged in the last interval before the kill was in the WAL file only
        assertTrue(broker.log().contains("Recovered the WAL file"), "the restart recovered the WAL file");
      }

      // Then every acknowledged record is there, at its offset, in order, with no gap before it
      Map<String, String> stored = readAll(broker);
      for (Map.Entry<String, String> e : writer.acked.entrySet()) {
        assertEquals(e.getValue(), stored.get(e.getKey()), "acknowledged record at " + e.getKey());
      }
      Map<Integer, Long> end = new HashMap<>();
      stored.keySet().forEach(k -> end.merge(Integer.parseInt(k.split(":")[0]), Long.parseLong(k.split(":")[1]) + 1, Math::max));
      for (Map.Entry<Integer, Long> e : end.entrySet()) {
        for (long o = 0; o < e.getValue(); o++) {
          assertTrue(stored.containsKey(e.getKey() + ":" + o), "no gap at " + e.getKey() + ":" + o);
        }
      }

      // And new records get new offsets: none is reused
      try (KafkaProducer<byte[], byte[]> after = new KafkaProducer<>(Map.of(
          ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
          ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
          ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
        for (int p = 0; p < 2; p++) {
          long offset = after.send(new ProducerRecord<>("durable", p, null, "after".getBytes(StandardCharsets.UTF_8)))
              .get(30, TimeUnit.SECONDS).offset();
          assertEquals(end.getOrDefault(p, 0L), offset);
        }
      }
    }
  }

  @ParameterizedTest(name = "s3.wal.path=''{0}''")
  @ValueSource(strings = {"", "wal"})
  void sigtermFinishesOrFailsInFlightProducesAndLosesNothingAcknowledged(String walPath) throws Exception {
    if (refusedWithSharedMetadata(walPath)) {
      return;
    }
    try (FloeProcess broker = new FloeProcess(wal(walPath)).start()) {
      try (Admin admin = admin(broker)) {
        admin.createTopics(List.of(new NewTopic("durable", 2, (short) 1))).all().get();
      }
      StreamingWriter writer = new StreamingWriter(broker);
      writer.awaitAcknowledged(3000);

      // When the broker gets SIGTERM mid-stream
      int exit = broker.terminate();
      writer.stop();

      // Then it stops by itself, says so, and after a restart every acknowledged record is there
      assertTrue(exit == 0 || exit == 143, "exit code " + exit);
      assertTrue(broker.log().contains("stopped"), "the broker logs its clean stop");
      broker.start();
      Map<String, String> stored = readAll(broker);
      for (Map.Entry<String, String> e : writer.acked.entrySet()) {
        assertEquals(e.getValue(), stored.get(e.getKey()), "acknowledged record at " + e.getKey());
      }
    }
  }

  /** An acks=all producer streaming records to "durable" from its own thread, recording what was acknowledged. */
  private static final class StreamingWriter {
    final Map<String, String> acked = new ConcurrentHashMap<>(); // "partition:offset" -> value
    final AtomicInteger sent = new AtomicInteger();
    final KafkaProducer<byte[], byte[]> producer;
    final Thread thread;

    StreamingWriter(FloeProcess broker) {
      producer = new KafkaProducer<>(Map.of(
          ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
          ProducerConfig.ACKS_CONFIG, "all",
          ProducerConfig.LINGER_MS_CONFIG, 2,
          ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 5000,
          ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
          ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
          ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
      thread = new Thread(this::run, "streaming-writer");
      thread.start();
    }

    private void run() {
      for (int i = 0; i < 200_000 && !Thread.currentThread().isInterrupted(); i++) {
        String value = "record-" + i;
        try {
          producer.send(new ProducerRecord<>("durable", value.getBytes(StandardCharsets.UTF_8)), (m, e) -> {
            if (e == null) {
              acked.put(m.partition() + ":" + m.offset(), value);
            }
          });
          sent.incrementAndGet();
        } catch (RuntimeException e) {
          return;
        }
      }
    }

    void awaitAcknowledged(int count) throws InterruptedException {
      long deadline = System.currentTimeMillis() + 30_000;
      while (acked.size() < count && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      assertTrue(acked.size() >= count, "the producer made progress: " + acked.size() + " acknowledged");
    }

    void stop() throws InterruptedException {
      thread.interrupt();
      thread.join(10_000);
      producer.close(Duration.ofSeconds(10));
    }
  }

  private static Admin admin(FloeProcess broker) {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()));
  }

  private static Map<String, String> readAll(FloeProcess broker) throws Exception {
    Map<String, String> out = new HashMap<>();
    List<TopicPartition> parts = List.of(new TopicPartition("durable", 0), new TopicPartition("durable", 1));
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> ends = c.endOffsets(parts);
      long deadline = System.currentTimeMillis() + 60_000;
      List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
      while (System.currentTimeMillis() < deadline
          && parts.stream().anyMatch(tp -> c.position(tp) < ends.get(tp))) {
        c.poll(Duration.ofMillis(200)).forEach(records::add);
      }
      for (ConsumerRecord<byte[], byte[]> r : records) {
        String previous = out.put(r.partition() + ":" + r.offset(), new String(r.value(), StandardCharsets.UTF_8));
        assertEquals(null, previous, "offset read twice");
      }
    }
    return out;
  }
}
