package io.floe.broker.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.broker.testing.FloeProcess;
import io.floe.broker.testing.TestBackends;
import io.floe.storage.metadata.JdbcMetadataStore;
import io.floe.storage.metadata.ObjectCommit;
import io.floe.storage.metadata.StaleStreamEpochException;
import io.floe.storage.metadata.StreamMetadata;
import io.floe.storage.metadata.StreamRange;
import io.floe.storage.metadata.TopicRecord;
import io.floe.storage.testing.PostgresServer;
import io.floe.storage.testing.S3ProxyServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Three brokers on one S3 bucket (S3Proxy) and one PostgreSQL database, with the default session timeout: a
 * producer and a consumer group run while one broker is killed with SIGKILL. Its partitions are served again by
 * the others within the session timeout plus a few seconds, every acknowledged record is consumed, the killed
 * broker's old epochs can commit nothing, and once restarted it takes a share of the partitions again.
 */
class ClusterFailoverTest {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterFailoverTest.class);
  private static final String TOPIC = "orders";
  private static final int PARTITIONS = 6;
  private static final long SESSION_TIMEOUT_MS = 6_000;

  private static PostgresServer postgres;
  private static S3ProxyServer s3;
  private final List<FloeProcess> brokers = new ArrayList<>();
  private final List<AutoCloseable> clients = new ArrayList<>();

  @BeforeAll
  static void startBackends() {
    postgres = PostgresServer.start();
    s3 = S3ProxyServer.start();
  }

  @AfterAll
  static void stopBackends() {
    if (s3 != null) {
      s3.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  @AfterEach
  void stopAll() throws Exception {
    for (AutoCloseable c : clients) {
      c.close();
    }
    for (FloeProcess b : brokers) {
      b.close();
    }
  }

  private Map<String, String> sharedBackends(String jdbcUrl, String bucket) {
    Map<String, String> m = new HashMap<>(TestBackends.s3Properties(s3, bucket));
    m.put("metadata.store.url", jdbcUrl);
    return m;
  }

  private FloeProcess broker(int nodeId, Map<String, String> shared) throws Exception {
    Map<String, String> overrides = new HashMap<>(shared);
    overrides.put("node.id", String.valueOf(nodeId));
    FloeProcess p = new FloeProcess(overrides);
    brokers.add(p);
    return p.start();
  }

  private Map<Integer, Integer> leaders(Admin admin) throws Exception {
    return leadersOf(admin, TOPIC);
  }

  private static void await(String what, long timeoutMs, java.util.concurrent.Callable<Boolean> condition)
      throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (System.currentTimeMillis() < deadline) {
      try {
        if (condition.call()) {
          return;
        }
      } catch (Exception e) {
        LOG.debug("Not yet: {}", what, e);
      }
      Thread.sleep(100);
    }
    throw new AssertionError("Timed out after " + timeoutMs + " ms waiting for " + what);
  }

  /**
   * A producer (idempotent, acks=all) writing round-robin over the partitions and a consumer group member
   * reading, each on a thread of its own, recording what was acknowledged and what was consumed.
   */
  private final class Workload implements AutoCloseable {
    final Map<String, Long> acked = new ConcurrentHashMap<>();
    final Set<String> consumed = ConcurrentHashMap.newKeySet();
    final List<Throwable> sendErrors = new java.util.concurrent.CopyOnWriteArrayList<>();
    final AtomicLong markMs = new AtomicLong(Long.MAX_VALUE);
    /** Per partition, the first acknowledgement after {@link #mark()}. */
    final Map<Integer, Long> firstAckAfterMark = new ConcurrentHashMap<>();
    private final AtomicBoolean producing = new AtomicBoolean(true);
    private final AtomicBoolean consuming = new AtomicBoolean(true);
    private final KafkaProducer<String, String> producer;
    private final Thread producerThread;
    private final Thread consumerThread;

    Workload(String bootstrap) {
      Properties pp = new Properties();
      pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      pp.put(ProducerConfig.ACKS_CONFIG, "all");
      pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
      pp.put(ProducerConfig.LINGER_MS_CONFIG, "5");
      pp.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
      pp.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
      pp.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "50");
      pp.put(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "200");
      producer = new KafkaProducer<>(pp, new StringSerializer(), new StringSerializer());
      producerThread = new Thread(() -> {
        long i = 0;
        while (producing.get()) {
          String value = "record-" + i;
          producer.send(new ProducerRecord<>(TOPIC, (int) (i % PARTITIONS), null, value), (md, e) -> {
            if (e != null) {
              sendErrors.add(e);
              return;
            }
            acked.put(value, md.offset());
            long now = System.currentTimeMillis();
            if (now > markMs.get()) {
              firstAckAfterMark.putIfAbsent(md.partition(), now);
            }
          });
          i++;
          try {
            Thread.sleep(i % 10 == 0 ? 5 : 0);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "test-producer");
      consumerThread = new Thread(() -> {
        Properties cp = new Properties();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        cp.put(ConsumerConfig.GROUP_ID_CONFIG, "failover-readers");
        cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        cp.put(ConsumerConfig.AUTO_COMMIT_INTERVAL_MS_CONFIG, "500");
        try (KafkaConsumer<String, String> consumer =
            new KafkaConsumer<>(cp, new StringDeserializer(), new StringDeserializer())) {
          consumer.subscribe(List.of(TOPIC));
          while (consuming.get()) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
              consumed.add(r.value());
            }
          }
        }
      }, "test-consumer");
      producerThread.start();
      consumerThread.start();
    }

    long mark() {
      long now = System.currentTimeMillis();
      markMs.set(now);
      return now;
    }

    /** Milliseconds from the mark until every one of {@code partitions} had an acknowledgement again. */
    long servedAgainMs(Set<Integer> partitions) throws Exception {
      await("produces acknowledged again on partitions " + partitions, 30_000,
          () -> firstAckAfterMark.keySet().containsAll(partitions));
      return partitions.stream().mapToLong(firstAckAfterMark::get).max().getAsLong() - markMs.get();
    }

    /** Stops producing, then waits until every acknowledged record was consumed. */
    int finish() throws Exception {
      producing.set(false);
      producerThread.join(10_000);
      producer.flush();
      assertTrue(sendErrors.isEmpty(), "sends failed: " + sendErrors.stream().limit(3).toList());
      Set<String> expected = new HashSet<>(acked.keySet());
      await("every acknowledged record consumed", 60_000, () -> consumed.containsAll(expected));
      return expected.size();
    }

    @Override
    public void close() throws InterruptedException {
      producing.set(false);
      consuming.set(false);
      producerThread.join(10_000);
      consumerThread.join(10_000);
      producer.close(Duration.ofSeconds(5));
    }
  }

  private String startCluster(Map<String, String> shared) throws Exception {
    String bootstrap = broker(1, shared).bootstrap() + "," + broker(2, shared).bootstrap() + ","
        + broker(3, shared).bootstrap();
    Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    clients.add(admin);
    admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 3))).all().get();
    await("partitions spread over three brokers", 30_000,
        () -> new HashSet<>(leaders(admin).values()).equals(Set.of(1, 2, 3)));
    assertEquals(3, admin.describeCluster().nodes().get().size());
    return bootstrap;
  }

  private static boolean movedTo(Map<Integer, Integer> leaders, Set<Integer> partitions, Set<Integer> nodes) {
    return partitions.stream().allMatch(p -> nodes.contains(leaders.get(p)));
  }

  private Set<Integer> ledBy(Admin admin, int node) throws Exception {
    return leaders(admin).entrySet().stream().filter(e -> e.getValue() == node).map(Map.Entry::getKey)
        .collect(Collectors.toSet());
  }

  @Test
  void killedBrokersPartitionsMoveAndEveryAcknowledgedRecordIsConsumed() throws Exception {
    // Given three brokers sharing one bucket and one database, a topic spread over them, a producer and a group
    String jdbcUrl = postgres.newDatabase();
    s3.createBucket("floe-kill");
    Map<String, String> shared = sharedBackends(jdbcUrl, "floe-kill");
    String bootstrap = startCluster(shared);
    Admin admin = (Admin) clients.get(0);
    Workload work = new Workload(bootstrap);
    clients.add(work);
    await("records flowing", 30_000, () -> work.consumed.size() > 2_000);

    // When broker 1 (the controller) is killed with SIGKILL
    Set<Integer> moved = ledBy(admin, 1);
    assertTrue(!moved.isEmpty(), "broker 1 leads some partitions");
    Map<Long, Long> oldEpochs = streamEpochs(jdbcUrl, readTopic(jdbcUrl), moved);
    work.mark();
    brokers.get(0).kill9();

    // Then its partitions are led by the live brokers and take produces again within the bound
    await("partitions of broker 1 moved", SESSION_TIMEOUT_MS + 10_000,
        () -> movedTo(leaders(admin), moved, Set.of(2, 3)));
    long servedAgainMs = work.servedAgainMs(moved);
    LOG.info("Failover: partitions {} of broker 1 took produces again {} ms after its kill -9", moved, servedAgainMs);
    assertTrue(servedAgainMs < SESSION_TIMEOUT_MS + 5_000, "failover took " + servedAgainMs + " ms");

    // And the killed broker's streams, reopened by the others with new epochs, refuse a commit under its old epoch
    try (JdbcMetadataStore store = JdbcMetadataStore.open(jdbcUrl)) {
      for (Map.Entry<Long, Long> e : oldEpochs.entrySet()) {
        StreamMetadata now = store.stream(e.getKey());
        assertTrue(now.epoch() > e.getValue(), "stream " + e.getKey() + " has a new owner epoch");
        long objectId = store.allocateObjectIds(1);
        ObjectCommit zombie = new ObjectCommit(objectId, "wal/zombie-" + objectId, 10,
            List.of(new StreamRange(e.getKey(), now.endOffset(), now.endOffset() + 1, objectId, "wal/zombie-" + objectId,
                0, 10, 0)),
            Map.of(e.getKey(), e.getValue()));
        assertThrows(StaleStreamEpochException.class, () -> store.commitObjects(List.of(zombie)));
      }
    }

    // When the killed broker is started again (a new process, a new broker epoch)
    FloeProcess restarted = broker(1, shared);
    // Then it takes a share of the partitions back: ownership moves, data does not
    await("broker 1 leads partitions again", 30_000, () -> !ledBy(admin, 1).isEmpty());
    Thread.sleep(2_000);

    // And every acknowledged record is consumed, none failed
    int records = work.finish();
    LOG.info("{} records acknowledged and consumed across the failover and the rebalance", records);
    assertTrue(records > 5_000, "acknowledged " + records);
    assertTrue(restarted.isAlive());
  }

  @Test
  void aPausedBrokerThatResumesCommitsNothingAfterItsPartitionsMoved() throws Exception {
    // Given three brokers and a running workload
    String jdbcUrl = postgres.newDatabase();
    s3.createBucket("floe-pause");
    String bootstrap = startCluster(sharedBackends(jdbcUrl, "floe-pause"));
    Admin admin = (Admin) clients.get(0);
    Workload work = new Workload(bootstrap);
    clients.add(work);
    await("records flowing", 30_000, () -> work.consumed.size() > 2_000);

    // When broker 2 freezes (SIGSTOP) past its session timeout, with produce requests in flight
    FloeProcess zombie = brokers.get(1);
    Set<Integer> moved = ledBy(admin, 2);
    zombie.pause();
    long pausedAt = System.currentTimeMillis();
    await("partitions of the frozen broker moved", SESSION_TIMEOUT_MS + 10_000,
        () -> movedTo(leaders(admin), moved, Set.of(1, 3)));
    LOG.info("Partitions {} of a frozen broker had new leaders {} ms after SIGSTOP", moved,
        System.currentTimeMillis() - pausedAt);

    // And it resumes, unaware of the time it lost
    zombie.resume();
    await("the resumed broker is live again", 30_000, () -> admin.describeCluster().nodes().get().size() == 3);
    Thread.sleep(2_000);

    // Then every acknowledged record is consumed, and each partition's log holds every record at most once:
    // whatever the frozen broker still tried to commit under its old epochs was refused
    int records = work.finish();
    Map<String, Integer> copies = readAll(bootstrap);
    copies.forEach((value, n) -> assertEquals(1, n, value + " is in the log once"));
    assertTrue(copies.keySet().containsAll(work.acked.keySet()));
    assertTrue(zombie.isAlive());
    assertTrue(zombie.log().contains("fenced") || zombie.log().contains("another broker"),
        "the resumed broker noticed it lost its partitions");
    LOG.info("{} records acknowledged; no record twice after the frozen broker resumed", records);
  }

  @Test
  void aTableTopicMovesWithItsPartitionsAndItsTableStaysExactlyOnce() throws Exception {
    // Given three brokers sharing one bucket and one database (so one Iceberg catalog), and a table topic
    String jdbcUrl = postgres.newDatabase();
    s3.createBucket("floe-tables");
    Map<String, String> shared = sharedBackends(jdbcUrl, "floe-tables");
    String bootstrap = broker(1, shared).bootstrap() + "," + broker(2, shared).bootstrap() + ","
        + broker(3, shared).bootstrap();
    Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    clients.add(admin);
    String topic = "tt-cluster";
    admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1).configs(Map.of(
        "automq.table.topic.enable", "true",
        "automq.table.topic.commit.interval.ms", "1000",
        "automq.table.topic.convert.value.type", "string")))).all().get();
    // Its partitions have one owner, which writes the table
    await("the table topic's partitions led by one broker", 30_000, () -> {
      Set<Integer> owners = new HashSet<>(leadersOf(admin, topic).values());
      return owners.size() == 1 && !owners.contains(-1);
    });
    int writer = leadersOf(admin, topic).get(0);

    // When records are produced, and the writing broker is killed midway
    Properties pp = new Properties();
    pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    pp.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
    pp.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(pp, new StringSerializer(), new StringSerializer())) {
      for (int i = 0; i < 6_000; i++) {
        producer.send(new ProducerRecord<>(topic, i % 3, null, "row-" + i));
        if (i == 3_000) {
          producer.flush();
          Thread.sleep(1_500); // at least one table commit on the first writer
          brokers.get(writer - 1).kill9();
        }
        if (i % 100 == 0) {
          Thread.sleep(5);
        }
      }
      producer.flush();
    }
    await("the partitions moved to a live broker", SESSION_TIMEOUT_MS + 10_000,
        () -> leadersOf(admin, topic).values().stream().noneMatch(l -> l == writer || l == -1));

    // Then the table, read through a live broker's REST catalog, holds every offset of the log exactly once
    long logEnd = 0;
    for (int p = 0; p < 3; p++) {
      logEnd += admin.listOffsets(Map.of(new org.apache.kafka.common.TopicPartition(topic, p),
          org.apache.kafka.clients.admin.OffsetSpec.latest())).all().get().values().iterator().next().offset();
    }
    assertEquals(6_000, logEnd, "every record was acknowledged once (idempotent producer)");
    String restUri = brokers.get(writer == 1 ? 1 : 0).restCatalogUri();
    Map<String, Integer> seen = awaitTableRows(restUri, topic, logEnd);
    assertEquals(logEnd, seen.size(), "rows by partition:offset");
    seen.forEach((k, n) -> assertEquals(1, n, k + " is in the table once"));
  }

  private Map<Integer, Integer> leadersOf(Admin admin, String topic) throws Exception {
    TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
    Map<Integer, Integer> out = new HashMap<>();
    for (TopicPartitionInfo p : d.partitions()) {
      out.put(p.partition(), p.leader() == null ? -1 : p.leader().id());
    }
    return out;
  }

  /** Reads the table through the REST catalog (files from the bucket) until it has {@code expected} rows. */
  private static Map<String, Integer> awaitTableRows(String restUri, String topic, long expected) throws Exception {
    org.apache.iceberg.rest.RESTCatalog catalog = new org.apache.iceberg.rest.RESTCatalog();
    // The client reads the data files from the bucket with the same S3 settings the brokers write them with.
    Map<String, String> props = new HashMap<>(io.floe.catalog.S3Warehouse.builder("floe-tables", "warehouse")
        .endpoint(s3.endpoint().toString()).region("us-east-1").pathStyleAccess(true)
        .credentials(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY).build().fileIoProperties());
    props.put(org.apache.iceberg.CatalogProperties.URI, restUri);
    catalog.initialize("floe", props);
    try {
      org.apache.iceberg.catalog.TableIdentifier id =
          org.apache.iceberg.catalog.TableIdentifier.of(org.apache.iceberg.catalog.Namespace.of("default"), topic);
      Map<String, Integer> seen = new HashMap<>();
      long deadline = System.currentTimeMillis() + 60_000;
      while (System.currentTimeMillis() < deadline) {
        seen.clear();
        if (catalog.tableExists(id)) {
          try (org.apache.iceberg.io.CloseableIterable<org.apache.iceberg.data.Record> rows =
              org.apache.iceberg.data.IcebergGenerics.read(catalog.loadTable(id)).build()) {
            for (org.apache.iceberg.data.Record r : rows) {
              org.apache.iceberg.data.Record m = (org.apache.iceberg.data.Record) r.getField("_kafka_metadata");
              seen.merge(m.getField("partition") + ":" + m.getField("offset"), 1, Integer::sum);
            }
          }
          if (seen.values().stream().mapToLong(Integer::longValue).sum() >= expected) {
            return seen;
          }
        }
        Thread.sleep(500);
      }
      return seen;
    } finally {
      catalog.close();
    }
  }

  /** Every record of the topic from the start, counted by value. */
  private static Map<String, Integer> readAll(String bootstrap) {
    Properties cp = new Properties();
    cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    Map<String, Integer> counts = new HashMap<>();
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(cp, new StringDeserializer(), new StringDeserializer())) {
      List<org.apache.kafka.common.TopicPartition> tps = new ArrayList<>();
      for (int p = 0; p < PARTITIONS; p++) {
        tps.add(new org.apache.kafka.common.TopicPartition(TOPIC, p));
      }
      c.assign(tps);
      c.seekToBeginning(tps);
      Map<org.apache.kafka.common.TopicPartition, Long> end = c.endOffsets(tps);
      long deadline = System.currentTimeMillis() + 60_000;
      while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
          counts.merge(r.value(), 1, Integer::sum);
        }
      }
    }
    return counts;
  }

  private static TopicRecord readTopic(String jdbcUrl) {
    try (JdbcMetadataStore store = JdbcMetadataStore.open(jdbcUrl)) {
      return store.topic(TOPIC).orElseThrow();
    }
  }

  private static Map<Long, Long> streamEpochs(String jdbcUrl, TopicRecord t, Set<Integer> partitions) {
    try (JdbcMetadataStore store = JdbcMetadataStore.open(jdbcUrl)) {
      Map<Long, Long> out = new HashMap<>();
      for (int p : partitions) {
        out.put(t.streamId(p), store.stream(t.streamId(p)).epoch());
      }
      return out;
    }
  }
}
