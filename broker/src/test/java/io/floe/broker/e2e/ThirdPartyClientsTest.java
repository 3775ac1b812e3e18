package io.floe.broker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.broker.testing.FloeExtension;
import io.floe.broker.testing.ExternalProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Independent client implementations against Floe: kcat (librdkafka) and kafkajs, each reading what
 * kafka-clients wrote and the other way round. CI installs both (.ci/run); they are required, not optional.
 */
class ThirdPartyClientsTest {

  static final Path JS_DIR = Path.of("src/test/js").toAbsolutePath();
  @RegisterExtension
  static final FloeExtension broker = new FloeExtension();

  @Test
  void kcatListsMetadataProducesAndConsumes() throws Exception {
    broker.admin().createTopics(List.of(new NewTopic("kcat-topic", 2, (short) 1))).all().get();

    // kcat -L sees the broker and the topic
    ExternalProcess.Result meta = ExternalProcess.run(List.of("kcat", "-b", broker.floe().bootstrap(), "-L", "-t", "kcat-topic"), null, null, 30);
    assertEquals(0, meta.exitCode(), meta.stderr());
    assertTrue(meta.stdout().contains("topic \"kcat-topic\" with 2 partitions"), meta.stdout());

    // kcat -P writes keyed messages (gzip) that kafka-clients reads
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < 50; i++) {
      lines.append("key").append(i).append(':').append("from-kcat-").append(i).append('\n');
    }
    ExternalProcess.Result produced = ExternalProcess.run(List.of("kcat", "-b", broker.floe().bootstrap(), "-P", "-t", "kcat-topic",
        "-K", ":", "-z", "gzip", "-X", "enable.idempotence=true"), null, lines.toString(), 30);
    assertEquals(0, produced.exitCode(), produced.stderr());
    Set<String> values = new HashSet<>();
    for (ConsumerRecord<byte[], byte[]> r : ProduceConsumeTestSupport.consumeAllFrom(broker.floe(), broker.admin(), "kcat-topic", 50)) {
      values.add(new String(r.key(), StandardCharsets.UTF_8) + "=" + new String(r.value(), StandardCharsets.UTF_8));
    }
    assertEquals(50, values.size());
    assertTrue(values.contains("key7=from-kcat-7"));

    // kcat -C reads what kafka-clients wrote (lz4), to the end and exits
    broker.admin().createTopics(List.of(new NewTopic("to-kcat", 1, (short) 1))).all().get();
    try (KafkaProducer<byte[], byte[]> p = broker.floe().producer(Map.of("compression.type", "lz4"))) {
      for (int i = 0; i < 40; i++) {
        p.send(new ProducerRecord<>("to-kcat", ("k" + i).getBytes(StandardCharsets.UTF_8), ("java-" + i).getBytes(StandardCharsets.UTF_8)));
      }
    }
    ExternalProcess.Result consumed = ExternalProcess.run(List.of("kcat", "-b", broker.floe().bootstrap(), "-C", "-t", "to-kcat",
        "-o", "beginning", "-e", "-f", "%k=%s@%o\\n"), null, null, 30);
    assertEquals(0, consumed.exitCode(), consumed.stderr());
    List<String> got = consumed.stdout().lines().toList();
    assertEquals(40, got.size(), consumed.stdout());
    assertEquals("k0=java-0@0", got.get(0));
    assertEquals("k39=java-39@39", got.get(39));
  }

  @Test
  void kafkajsGroupReadsKafkaClientsAndKafkaClientsReadsKafkajs() throws Exception {
    assertTrue(Files.isDirectory(JS_DIR.resolve("node_modules/kafkajs")), "run npm ci in " + JS_DIR);
    broker.admin().createTopics(List.of(new NewTopic("java-to-js", 3, (short) 1), new NewTopic("js-to-java", 3, (short) 1))).all().get();

    // Given kafka-clients wrote 300 records
    try (KafkaProducer<byte[], byte[]> p = broker.floe().producer(Map.of())) {
      for (int i = 0; i < 300; i++) {
        p.send(new ProducerRecord<>("java-to-js", ("k" + i).getBytes(StandardCharsets.UTF_8), ("java-" + i).getBytes(StandardCharsets.UTF_8)));
      }
    }
    // When a kafkajs consumer group reads them
    ExternalProcess.Result js = ExternalProcess.run(List.of("node", "consume-group.js", broker.floe().bootstrap(), "java-to-js",
        "js-group", "300", "60000"), JS_DIR, null, 90);
    assertEquals(0, js.exitCode(), js.stderr());
    // Then it saw each exactly once
    Set<String> values = new HashSet<>();
    List<String> lines = js.stdout().lines().filter(l -> l.startsWith("{")).toList();
    lines.forEach(l -> values.add(l.replaceAll(".*\"value\":\"([^\"]+)\".*", "$1")));
    assertEquals(300, lines.size());
    assertEquals(300, values.size());

    // And the group's commits are visible to kafka-clients' Admin
    assertTrue(broker.admin().listConsumerGroups().all().get().stream().anyMatch(g -> g.groupId().equals("js-group")));

    // When kafkajs produces (idempotent), kafka-clients in a group reads it all
    ExternalProcess.Result produced = ExternalProcess.run(List.of("node", "produce.js", broker.floe().bootstrap(), "js-to-java",
        "200", "js"), JS_DIR, null, 60);
    assertEquals(0, produced.exitCode(), produced.stderr());
    Set<String> fromJs = new HashSet<>();
    try (KafkaConsumer<byte[], byte[]> c = broker.floe().consumer("java-group", Map.of())) {
      c.subscribe(List.of("js-to-java"));
      long deadline = System.currentTimeMillis() + 30_000;
      while (fromJs.size() < 200 && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          fromJs.add(new String(r.value(), StandardCharsets.UTF_8));
        }
      }
    }
    assertEquals(200, fromJs.size());
    assertTrue(fromJs.contains("js-v199"));
  }
}
