package io.floe.broker.tabletopic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.broker.testing.FloeProcess;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.rest.RESTCatalog;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Exactly once after any crash: the broker is killed with SIGKILL at several points of the table's
 * write/commit cycle while producers run; after restarts the table holds every record of the log once.
 */
class TableTopicCrashTest {

  static final String TOPIC = "tt-crash";

  @Test
  void tableHoldsEveryRecordExactlyOnceAfterKillNineAtAnyPoint() throws Exception {
    try (FloeProcess broker = new FloeProcess(Map.of()).start()) {
      try (Admin admin = admin(broker)) {
        admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1).configs(Map.of(
            "automq.table.topic.enable", "true",
            "automq.table.topic.commit.interval.ms", "1000",
            "automq.table.topic.convert.value.type", "string")))).all().get();
      }
      // Kill at different phases of the 1 s commit cycle: mid-write, around the commit, right after it.
      Random random = new Random(42);
      int[] killAfterMs = {700, 1000 + random.nextInt(300), 1900, 2450, 3100};
      int produced = 0;
      for (int round = 0; round < killAfterMs.length; round++) {
        produced += produceFor(broker, 600 + round * 100, killAfterMs[round], round);
        broker.kill9();
        broker.start();
      }
      // Then, with the broker up, the table converges to exactly the log
      long logEnd;
      try (Admin admin = admin(broker)) {
        Map<TopicPartition, OffsetSpec> req = Map.of(new TopicPartition(TOPIC, 0), OffsetSpec.latest(),
            new TopicPartition(TOPIC, 1), OffsetSpec.latest());
        logEnd = admin.listOffsets(req).all().get().values().stream().mapToLong(o -> o.offset()).sum();
      }
      assertTrue(logEnd > 0 && logEnd <= produced, "log end " + logEnd + " of " + produced + " sent");
      Map<String, Integer> seen = awaitTable(broker, logEnd);
      assertEquals(logEnd, seen.size(), () -> "every logged record is in the table; broker log tail:\n" + tail(broker));
      seen.forEach((k, n) -> assertEquals(1, n, "record " + k + " is in the table once"));
    }
  }

  /** Sends records for about {@code millis} then returns how many were sent (acknowledged or not). */
  private static int produceFor(FloeProcess broker, int perBurst, long millis, int round) throws Exception {
    Map<String, Object> props = new HashMap<>();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 3000);
    props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
    int sent = 0;
    long end = System.currentTimeMillis() + millis;
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(props)) {
      while (System.currentTimeMillis() < end) {
        for (int i = 0; i < perBurst / 10; i++) {
          p.send(new ProducerRecord<>(TOPIC, ("r" + round + "-" + sent).getBytes(StandardCharsets.UTF_8)));
          sent++;
        }
        Thread.sleep(10);
      }
      p.flush();
    }
    return sent;
  }

  private static Map<String, Integer> awaitTable(FloeProcess broker, long expected) throws Exception {
    // Through the broker's Iceberg REST catalog, as an engine reads it, whichever database the catalog is in.
    RESTCatalog catalog = new RESTCatalog();
    catalog.initialize("floe", Map.of(CatalogProperties.URI, broker.restCatalogUri()));
    try {
      long deadline = System.currentTimeMillis() + 60_000;
      Map<String, Integer> seen = new ConcurrentHashMap<>();
      while (System.currentTimeMillis() < deadline) {
        seen.clear();
        TableIdentifier id = TableIdentifier.of(Namespace.of("default"), TOPIC);
        if (!catalog.tableExists(id)) {
          Thread.sleep(500);
          continue;
        }
        Table t = catalog.loadTable(id);
        List<Record> rows = new ArrayList<>();
        try (CloseableIterable<Record> it = IcebergGenerics.read(t).build()) {
          it.forEach(rows::add);
        }
        for (Record r : rows) {
          Record m = (Record) r.getField("_kafka_metadata");
          seen.merge(m.getField("partition") + ":" + m.getField("offset"), 1, Integer::sum);
        }
        if (rows.size() >= expected) {
          return seen;
        }
        Thread.sleep(500);
      }
      return seen;
    } finally {
      catalog.close();
    }
  }

  private static String tail(FloeProcess broker) {
    try {
      String log = broker.log();
      return log.lines().filter(l -> l.contains("WARN") || l.contains("ERROR") || l.contains("able"))
          .reduce("", (a, b) -> (a + "\n" + b).length() > 20_000 ? a : a + "\n" + b);
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }

  private static Admin admin(FloeProcess broker) {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()));
  }
}
