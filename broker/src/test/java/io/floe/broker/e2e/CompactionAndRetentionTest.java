package io.floe.broker.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.broker.testing.FloeExtension;
import io.floe.storage.metadata.StreamIndexStore;
import io.floe.storage.metadata.TopicRecord;
import io.floe.storage.objectstore.ObjectStorage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Small WAL objects, each holding a slice of several partitions, are compacted into per-partition objects
 * while clients read on unchanged; retention then deletes the expired partitions' objects from the store.
 * Runs on the local store, and with the log in an S3Proxy bucket in the S3 suite.
 */
class CompactionAndRetentionTest {

  @RegisterExtension
  static final FloeExtension broker = new FloeExtension(Map.of(
      // many small WAL objects, with a WAL file too (which otherwise makes objects of 250 ms)
      "s3.wal.upload.interval.ms", "1",
      "s3.stream.object.compaction.interval.ms", "300",
      "s3.stream.object.compaction.min.age.ms", "0",
      "s3.object.delete.grace.ms", "200",
      "s3.object.cleanup.interval.ms", "200",
      "log.retention.check.interval.ms", "200"));

  private static List<String> keys(String prefix) throws Exception {
    ObjectStorage objects = broker.floe().server().storage().objectStorage();
    return objects.list(prefix).get().stream().map(ObjectStorage.ObjectInfo::key).toList();
  }

  /** The key prefix of each partition's per-partition objects. */
  private static Set<String> streamPrefixes(String topic) {
    TopicRecord t = broker.floe().server().storage().metadataStore().topic(topic).orElseThrow();
    Set<String> out = new HashSet<>();
    for (int p = 0; p < t.partitions(); p++) {
      out.add("streams/" + t.streamId(p) + "/");
    }
    return out;
  }

  private static void await(String what, Callable<Boolean> condition) throws Exception {
    await(what, condition, () -> "");
  }

  private static void await(String what, Callable<Boolean> condition, Callable<String> state) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (!condition.call()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("Timed out waiting for " + what + "; " + state.call());
      }
      Thread.sleep(100);
    }
  }

  private static Map<TopicPartition, List<byte[]>> readAll(String topic, int partitions) {
    Map<TopicPartition, List<byte[]>> out = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> c = broker.floe().consumer(null, Map.of())) {
      List<TopicPartition> tps = new ArrayList<>();
      for (int p = 0; p < partitions; p++) {
        tps.add(new TopicPartition(topic, p));
        out.put(tps.get(p), new ArrayList<>());
      }
      c.assign(tps);
      c.seekToBeginning(tps);
      Map<TopicPartition, Long> end = c.endOffsets(tps);
      long deadline = System.currentTimeMillis() + 30_000;
      while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          out.get(new TopicPartition(r.topic(), r.partition())).add(r.value());
        }
      }
    }
    return out;
  }

  @Test
  void smallObjectsAreCompactedReadsAreUnchangedAndExpiredDataLeavesTheStore() throws Exception {
    // Given two topics written in many small WAL objects: one flush per send, each object holding 3 partitions
    String kept = "compact-kept";
    String expiring = "compact-expiring";
    broker.admin().createTopics(List.of(new NewTopic(kept, 3, (short) 1), new NewTopic(expiring, 3, (short) 1)))
        .all().get();
    try (KafkaProducer<byte[], byte[]> p = broker.floe().producer(Map.of("linger.ms", 0))) {
      for (int i = 0; i < 300; i++) {
        byte[] value = ("record-" + i + "-" + "x".repeat(200)).getBytes(StandardCharsets.UTF_8);
        for (int part = 0; part < 3; part++) {
          p.send(new ProducerRecord<>(kept, part, null, value));
          p.send(new ProducerRecord<>(expiring, part, null, value));
        }
        if (i % 10 == 0) {
          p.flush();
        }
      }
      p.flush();
    }
    Map<TopicPartition, List<byte[]>> before = readAll(kept, 3);
    long walWritten = broker.floe().server().storage().streamStore().walStats().objectsCommitted();

    // When compaction runs and the compacted WAL objects' grace period passes
    StreamIndexStore index = (StreamIndexStore) broker.floe().server().storage().metadataStore();
    await("every WAL object compacted away", () -> index.objectKeys("wal/").isEmpty() && keys("wal/").isEmpty(),
        () -> "WAL objects in the store: " + keys("wal/") + ", in the index: " + index.objectKeys("wal/"));

    // Then a few objects per partition remain of the many small ones, and every record reads back the same
    assertTrue(walWritten > 20, "many small WAL objects were written: " + walWritten);
    assertTrue(keys("streams/").size() <= 2 * 6, "a few objects per partition: " + keys("streams/"));
    Map<TopicPartition, List<byte[]>> after = readAll(kept, 3);
    for (TopicPartition tp : before.keySet()) {
      assertEquals(300, after.get(tp).size(), tp.toString());
      for (int i = 0; i < 300; i++) {
        assertArrayEquals(before.get(tp).get(i), after.get(tp).get(i), tp + " record " + i);
      }
    }

    // When the second topic's records expire
    broker.admin().incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, expiring),
        List.of(new AlterConfigOp(new ConfigEntry("retention.ms", "1"), AlterConfigOp.OpType.SET)))).all().get();

    // Then its objects are deleted from the store and the first topic's stay and read the same
    Set<String> expiredPrefixes = streamPrefixes(expiring);
    Set<String> keptPrefixes = streamPrefixes(kept);
    await("the expired topic's objects deleted",
        () -> keys("streams/").stream().noneMatch(k -> expiredPrefixes.stream().anyMatch(k::startsWith)));
    assertTrue(keys("streams/").stream().allMatch(k -> keptPrefixes.stream().anyMatch(k::startsWith)));
    assertEquals(before.get(new TopicPartition(kept, 1)).size(), readAll(kept, 3).get(new TopicPartition(kept, 1)).size());
    assertTrue(readAll(expiring, 3).values().stream().allMatch(List::isEmpty));
  }
}
