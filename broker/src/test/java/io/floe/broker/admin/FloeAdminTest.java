package io.floe.broker.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.broker.testing.EmbeddedFloe;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** bin/floe-admin against a real broker: creating table topics, their lag and errors, their dead letters. */
class FloeAdminTest {

  static EmbeddedFloe floe;

  @BeforeAll
  static void start() {
    floe = EmbeddedFloe.start();
  }

  @AfterAll
  static void stop() {
    floe.close();
  }

  /** Runs a command line; returns [exit code, stdout, stderr]. */
  static Object[] admin(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String[] all = new String[args.length + 4];
    all[0] = "--bootstrap-server";
    all[1] = floe.bootstrap();
    all[2] = "--catalog-uri";
    all[3] = catalogUri().toString();
    System.arraycopy(args, 0, all, 4, args.length);
    int code = FloeAdmin.run(all, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Object[] {code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
  }

  static URI catalogUri() {
    return floe.server().tableTopics().restCatalog().uri();
  }

  /** The broker's floe_table_topic_lag_records gauge of {@code topic}, from its Prometheus endpoint. */
  static long lagMetric(String topic) throws Exception {
    String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
        catalogUri().resolve("/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    String prefix = "floe_table_topic_lag_records{topic=\"" + topic + "\"} ";
    return metrics.lines().filter(l -> l.startsWith(prefix)).mapToLong(l -> (long) Double.parseDouble(
        l.substring(prefix.length()).trim())).findFirst().orElseThrow(() -> new AssertionError("no " + prefix));
  }

  static void produce(String topic, String... values) throws Exception {
    try (KafkaProducer<byte[], byte[]> p = floe.producer(Map.of())) {
      for (String v : values) {
        p.send(new ProducerRecord<>(topic, v.getBytes(StandardCharsets.UTF_8))).get();
      }
    }
  }

  private static FloeAdmin.Status status(String topic) throws Exception {
    FloeAdmin a = new FloeAdmin(floe.bootstrap(), URI.create(catalogUri().toString().replaceAll("/+$", "")),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    return a.tableTopicStatus().stream().filter(s -> s.topic().equals(topic)).findFirst().orElse(null);
  }

  private static FloeAdmin.Status awaitStatus(String topic, java.util.function.Predicate<FloeAdmin.Status> done)
      throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    FloeAdmin.Status s = status(topic);
    while ((s == null || !done.test(s)) && System.currentTimeMillis() < deadline) {
      Thread.sleep(300);
      s = status(topic);
    }
    return s;
  }

  @Test
  void aTableTopicCreatedHereCatchesUpAndShowsNoLag() throws Exception {
    Object[] r = admin("create-table-topic", "clicks", "--partitions", "2",
        "--config", "automq.table.topic.commit.interval.ms=1000",
        "--config", "automq.table.topic.convert.value.type=json",
        "--config", "automq.table.topic.transform.value.type=flatten");
    assertEquals(0, r[0], (String) r[2]);
    assertTrue(((String) r[1]).contains("default.clicks"), (String) r[1]);
    produce("clicks", "{\"page\":\"/a\"}", "{\"page\":\"/b\"}", "{\"page\":\"/c\"}");

    FloeAdmin.Status s = awaitStatus("clicks", st -> st.lagRecords() == 0 && st.rows() != null && st.rows() == 3);
    assertEquals(3, s.logEnd());
    assertEquals(3, s.committed());
    assertEquals(0, s.lagRecords());
    assertEquals(0L, s.lagSeconds());
    assertNotNull(s.lastCommit());
    assertEquals(0L, s.skipped());

    Object[] list = admin("list-table-topics");
    assertEquals(0, list[0], (String) list[2]);
    assertTrue(((String) list[1]).lines().anyMatch(l -> l.startsWith("clicks ") && l.contains("default.clicks")),
        (String) list[1]);
  }

  @Test
  void aTableStoppedAtABadRecordShowsItsLagAndTheStoppedPartition() throws Exception {
    assertEquals(0, admin("create-table-topic", "payments",
        "--config", "automq.table.topic.commit.interval.ms=1000",
        "--config", "automq.table.topic.convert.value.type=json",
        "--config", "automq.table.topic.transform.value.type=flatten",
        "--config", "automq.table.topic.errors.tolerance=none")[0]);
    produce("payments", "{\"amount\":1}", "not json", "{\"amount\":2}");

    FloeAdmin.Status s = awaitStatus("payments", st -> st.blocked() != null && st.blocked() == 1 && st.rows() != null);
    assertEquals(1L, s.blocked());
    assertEquals(1, s.committed());
    assertEquals(2, s.lagRecords());
    assertNotNull(s.lagSeconds());
  }

  @Test
  void aRedriveAfterTheFixWritesTheRecordTheTableStoppedAt() throws Exception {
    io.floe.schema.registry.SchemaRegistry registry = floe.server().schemaRegistry().registry();
    String avro = "{\"type\":\"record\",\"name\":\"Refund\",\"fields\":[{\"name\":\"amount\",\"type\":\"long\"}]}";
    // ids are handed out in order: the next schema registered gets the one after this
    int nextId = registry.register("refunds-scratch-value", new io.floe.schema.registry.SchemaRegistry.SchemaText(
        io.floe.schema.registry.SchemaType.AVRO, "\"string\"", List.of())).id() + 1;
    assertEquals(0, admin("create-table-topic", "refunds",
        "--config", "automq.table.topic.commit.interval.ms=1000",
        "--config", "automq.table.topic.convert.value.type=by_schema_id",
        "--config", "automq.table.topic.transform.value.type=flatten",
        "--config", "automq.table.topic.errors.tolerance=none")[0]);
    // a record whose schema the producer has not registered yet: the table stops at it
    byte[] value = java.nio.ByteBuffer.allocate(6).put((byte) 0).putInt(nextId).put((byte) 84).array(); // 42
    try (KafkaProducer<byte[], byte[]> p = floe.producer(Map.of())) {
      p.send(new ProducerRecord<>("refunds", value)).get();
    }
    FloeAdmin.Status stopped = awaitStatus("refunds", st -> st.blocked() != null && st.blocked() == 1);
    assertEquals(1L, stopped.blocked());
    assertEquals(1, stopped.lagRecords());
    assertEquals(1, lagMetric("refunds"), "the broker's lag gauge rises while the table is stopped");

    // the fix: the schema is registered (and gets that id); the re-drive writes the record
    assertEquals(nextId, registry.register("refunds-value", new io.floe.schema.registry.SchemaRegistry.SchemaText(
        io.floe.schema.registry.SchemaType.AVRO, avro, List.of())).id());
    // a schema id the registry did not have is asked for again only after 10 s (the converter's negative cache)
    Thread.sleep(10_500);
    Object[] r = admin("redrive", "refunds");
    assertEquals(0, r[0], (String) r[2]);
    assertTrue(((String) r[1]).contains("1 stopped partition(s)"), (String) r[1]);
    FloeAdmin.Status s = awaitStatus("refunds", st -> st.lagRecords() == 0 && st.rows() != null && st.rows() == 1);
    assertEquals(0L, s.blocked());
    assertEquals(1L, s.rows());
    assertEquals(0, lagMetric("refunds"), "and falls when it resumes");

    Object[] unknown = admin("redrive", "no-such-topic");
    assertEquals(1, unknown[0]);
    assertTrue(((String) unknown[2]).contains("404"), (String) unknown[2]);
  }

  @Test
  void deadLettersShowWhatTheTableLeftOutAndWhy() throws Exception {
    assertEquals(0, admin("create-table-topic", "signups",
        "--config", "automq.table.topic.commit.interval.ms=1000",
        "--config", "automq.table.topic.convert.value.type=json",
        "--config", "automq.table.topic.transform.value.type=flatten",
        "--config", "automq.table.topic.errors.deadletterqueue.topic.name=signups-dlq")[0]);
    produce("signups", "{\"user\":\"ada\"}", "{broken");
    awaitStatus("signups", st -> st.lagRecords() == 0 && st.rows() != null && st.rows() == 1);

    Object[] r = admin("dead-letters", "signups");
    assertEquals(0, r[0], (String) r[2]);
    String out = (String) r[1];
    assertTrue(out.contains("from signups-0@1: INVALID_DATA"), out);
    assertTrue(out.contains("value: {broken"), out);
    assertTrue(out.contains("1 dead letter(s) shown from signups-dlq"), out);
  }

  @Test
  void aWrongCommandLineGetsTheUsage() {
    Object[] r = admin("frobnicate");
    assertEquals(2, r[0]);
    assertTrue(((String) r[2]).contains("Usage: floe-admin"), (String) r[2]);
  }
}
