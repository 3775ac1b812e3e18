package io.floe.broker.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import io.floe.tabletopic.commit.TableCommitter;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.rest.RESTCatalog;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * {@code bin/floe-admin}: table topics from the command line, with kafka-clients' Admin and the Iceberg REST
 * catalog only (no Kafka installation needed).
 *
 * <pre>
 * floe-admin [--bootstrap-server host:port] [--catalog-uri http://host:port] COMMAND
 *   create-table-topic TOPIC [--partitions N] [--config KEY=VALUE ...]
 *   list-table-topics
 *   dead-letters TOPIC [--max N]
 *   redrive TOPIC
 * </pre>
 *
 * {@code list-table-topics} shows, per table topic, how far its table is behind the log (records and seconds),
 * its last commit, rows, files, and the records its table skipped or stopped at, so nobody needs the logs to
 * know whether a table is fresh.
 */
public final class FloeAdmin {

  static final String ENABLE = "automq.table.topic.enable";
  static final String NAMESPACE = "automq.table.topic.namespace";
  static final String DEAD_LETTER_TOPIC = "automq.table.topic.errors.deadletterqueue.topic.name";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final String bootstrap;
  private final URI catalogUri;
  private final PrintStream out;

  FloeAdmin(String bootstrap, URI catalogUri, PrintStream out) {
    this.bootstrap = bootstrap;
    this.catalogUri = catalogUri;
    this.out = out;
  }

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs a command line; returns the exit code (0 done, 1 failed, 2 usage). */
  static int run(String[] args, PrintStream out, PrintStream err) {
    String bootstrap = "127.0.0.1:9092";
    String catalog = "http://127.0.0.1:8181";
    List<String> rest = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--bootstrap-server" -> bootstrap = value(args, ++i);
        case "--catalog-uri" -> catalog = value(args, ++i);
        default -> rest.add(args[i]);
      }
    }
    if (rest.isEmpty() || rest.get(0).equals("--help") || rest.get(0).equals("-h")) {
      err.println(usage());
      return 2;
    }
    FloeAdmin admin = new FloeAdmin(bootstrap, URI.create(catalog.replaceAll("/+$", "")), out);
    try {
      List<String> cmd = rest.subList(1, rest.size());
      switch (rest.get(0)) {
        case "create-table-topic" -> admin.createTableTopic(cmd);
        case "list-table-topics" -> admin.listTableTopics();
        case "dead-letters" -> admin.deadLetters(cmd);
        case "redrive" -> admin.redrive(cmd);
        default -> {
          err.println("Unknown command " + rest.get(0) + "\n" + usage());
          return 2;
        }
      }
      return 0;
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage() + "\n" + usage());
      return 2;
    } catch (Exception e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      err.println("floe-admin: " + cause.getMessage());
      return 1;
    }
  }

  static String usage() {
    return String.join("\n",
        "Usage: floe-admin [--bootstrap-server host:port] [--catalog-uri http://host:port] COMMAND",
        "  create-table-topic TOPIC [--partitions N] [--config KEY=VALUE ...]",
        "      a topic with automq.table.topic.enable=true and the given configs",
        "  list-table-topics",
        "      every table topic: its table's lag behind the log (records, seconds), last commit, rows, files,",
        "      and records skipped or partitions stopped (from the broker's metrics)",
        "  dead-letters TOPIC [--max N]",
        "      the records TOPIC's table left out, from its dead-letter topic, with why",
        "  redrive TOPIC",
        "      after a fix, the partitions errors.tolerance=none stopped try their record again",
        "      (ask the broker that writes the table: its --catalog-uri)",
        "Defaults: --bootstrap-server 127.0.0.1:9092 --catalog-uri http://127.0.0.1:8181");
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) {
      throw new IllegalArgumentException("Missing value for " + args[i - 1]);
    }
    return args[i];
  }

  private Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis()));
  }

  // ------------------------------------------------------------------ create-table-topic

  void createTableTopic(List<String> args) throws Exception {
    if (args.isEmpty()) {
      throw new IllegalArgumentException("create-table-topic needs a topic name");
    }
    String topic = args.get(0);
    int partitions = 1;
    Map<String, String> configs = new LinkedHashMap<>();
    configs.put(ENABLE, "true");
    for (int i = 1; i < args.size(); i++) {
      switch (args.get(i)) {
        case "--partitions" -> partitions = Integer.parseInt(value(args.toArray(String[]::new), ++i));
        case "--config" -> {
          String kv = value(args.toArray(String[]::new), ++i);
          int eq = kv.indexOf('=');
          if (eq <= 0) {
            throw new IllegalArgumentException("Expected --config KEY=VALUE, got " + kv);
          }
          configs.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        default -> throw new IllegalArgumentException("Unknown option " + args.get(i));
      }
    }
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(configs))).all().get();
    }
    out.printf("Created table topic %s with %d partition(s); its table is %s.%s%n", topic, partitions,
        configs.getOrDefault(NAMESPACE, "default"), topic);
  }

  // ------------------------------------------------------------------ list-table-topics

  /** What list-table-topics shows of one table topic. */
  record Status(String topic, String table, int partitions, long logEnd, long committed, long lagRecords,
      Long lagSeconds, Instant lastCommit, Long rows, Long files, Long skipped, Long blocked) {}

  void listTableTopics() throws Exception {
    List<Status> statuses = tableTopicStatus();
    String format = "%-28s %-36s %5s %12s %12s %10s %8s %-24s %12s %6s %8s %8s%n";
    out.printf(format, "TOPIC", "TABLE", "PARTS", "LOG-END", "COMMITTED", "LAG", "LAG-S", "LAST-COMMIT", "ROWS",
        "FILES", "SKIPPED", "BLOCKED");
    for (Status s : statuses) {
      out.printf(format, s.topic(), s.table(), s.partitions(), s.logEnd(), s.committed(), s.lagRecords(),
          s.lagSeconds() == null ? "-" : s.lagSeconds().toString(), s.lastCommit() == null ? "never" : s.lastCommit(),
          orDash(s.rows()), orDash(s.files()), orDash(s.skipped()), orDash(s.blocked()));
    }
  }

  private static String orDash(Long v) {
    return v == null ? "-" : v.toString();
  }

  /** The status of every table topic, by topic name. */
  List<Status> tableTopicStatus() throws Exception {
    Map<String, Map<String, Long>> metrics = metrics();
    List<Status> out = new ArrayList<>();
    try (Admin admin = admin(); RESTCatalog catalog = new RESTCatalog()) {
      catalog.initialize("floe", Map.of(CatalogProperties.URI, catalogUri.toString()));
      List<ConfigResource> resources = admin.listTopics().names().get().stream().sorted()
          .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
      Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get();
      for (ConfigResource r : resources) {
        Config c = configs.get(r);
        ConfigEntry enable = c.get(ENABLE);
        if (enable == null || !"true".equalsIgnoreCase(enable.value())) {
          continue;
        }
        ConfigEntry ns = c.get(NAMESPACE);
        String namespace = ns == null || ns.value() == null ? "default" : ns.value();
        out.add(status(admin, catalog, r.name(), namespace, metrics));
      }
    }
    return out;
  }

  private Status status(Admin admin, RESTCatalog catalog, String topic, String namespace,
      Map<String, Map<String, Long>> metrics) throws Exception {
    TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    d.partitions().forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get();
    TableIdentifier id = TableIdentifier.of(Namespace.of(namespace), topic);
    Map<Integer, Long> committed = Map.of();
    Instant lastCommit = null;
    Long rows = null;
    Long files = null;
    if (catalog.tableExists(id)) {
      Table table = catalog.loadTable(id);
      Snapshot s = table.currentSnapshot();
      if (s != null) {
        lastCommit = Instant.ofEpochMilli(s.timestampMillis());
        rows = longOrNull(s.summary().get("total-records"));
        files = longOrNull(s.summary().get("total-data-files"));
        committed = TableCommitter.load(table).offsets();
      }
    }
    long logEnd = 0;
    long done = 0;
    long lag = 0;
    Map<TopicPartition, Long> behind = new HashMap<>();
    for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e : ends.entrySet()) {
      long end = e.getValue().offset();
      long at = committed.getOrDefault(e.getKey().partition(), 0L);
      logEnd += end;
      done += Math.min(at, end);
      if (end > at) {
        lag += end - at;
        behind.put(e.getKey(), at);
      }
    }
    Map<String, Long> m = metrics.getOrDefault(topic, Map.of());
    return new Status(topic, namespace + "." + topic, d.partitions().size(), logEnd, done, lag,
        behind.isEmpty() ? Long.valueOf(0) : secondsBehind(behind), lastCommit, rows, files,
        m.get("floe_table_topic_records_skipped_total"), m.get("floe_table_topic_blocked_partitions"));
  }

  /**
   * How old the oldest record the table does not hold yet is: the log's timestamp of the first record after
   * each partition's committed offset, read with a consumer; null if none could be read.
   */
  private Long secondsBehind(Map<TopicPartition, Long> from) {
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.assign(from.keySet());
      from.forEach(consumer::seek);
      Long oldest = null;
      Map<TopicPartition, Boolean> seen = new HashMap<>();
      long deadline = System.currentTimeMillis() + 5_000;
      while (seen.size() < from.size() && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          TopicPartition tp = new TopicPartition(r.topic(), r.partition());
          if (seen.putIfAbsent(tp, true) == null) {
            oldest = oldest == null ? r.timestamp() : Math.min(oldest, r.timestamp());
          }
        }
      }
      return oldest == null ? null : Math.max(0, (System.currentTimeMillis() - oldest) / 1000);
    }
  }

  /** The broker's table-topic metrics by topic (family -> value), from {@code <catalog-uri>/metrics}. */
  private Map<String, Map<String, Long>> metrics() {
    Map<String, Map<String, Long>> out = new HashMap<>();
    try {
      HttpResponse<String> r = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(catalogUri + "/metrics")).timeout(TIMEOUT).build(),
          HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      if (r.statusCode() != 200) {
        return out;
      }
      for (String line : r.body().split("\n")) {
        int brace = line.indexOf("{topic=\"");
        if (!line.startsWith("floe_table_topic_") || brace < 0) {
          continue;
        }
        int end = line.indexOf("\"}", brace);
        String topic = line.substring(brace + 8, end);
        String value = line.substring(end + 2).trim();
        try {
          out.computeIfAbsent(topic, t -> new HashMap<>()).put(line.substring(0, brace),
              (long) Double.parseDouble(value));
        } catch (NumberFormatException e) {
          // not a sample line
        }
      }
    } catch (IOException e) {
      // no metrics from this catalog: the columns show "-"
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return out;
  }

  private static Long longOrNull(String v) {
    try {
      return v == null ? null : Long.parseLong(v);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  // ------------------------------------------------------------------ redrive

  void redrive(List<String> args) throws Exception {
    if (args.size() != 1) {
      throw new IllegalArgumentException("redrive needs a table topic's name");
    }
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create(catalogUri + "/floe/v1/table-topics/redrive?topic="
                + java.net.URLEncoder.encode(args.get(0), StandardCharsets.UTF_8)))
        .timeout(TIMEOUT.plusSeconds(5)).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    if (r.statusCode() != 200) {
      throw new IllegalStateException("the broker answered " + r.statusCode() + ": " + r.body());
    }
    int stopped = JSON.readTree(r.body()).path("stoppedPartitions").asInt();
    out.printf("Re-driving %s: %d stopped partition(s) try their record again%n", args.get(0), stopped);
  }

  // ------------------------------------------------------------------ dead-letters

  void deadLetters(List<String> args) throws Exception {
    if (args.isEmpty()) {
      throw new IllegalArgumentException("dead-letters needs a table topic's name");
    }
    String topic = args.get(0);
    int max = args.size() > 2 && args.get(1).equals("--max") ? Integer.parseInt(args.get(2)) : 100;
    String dlq;
    try (Admin admin = admin()) {
      ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      ConfigEntry e = admin.describeConfigs(List.of(r)).all().get().get(r).get(DEAD_LETTER_TOPIC);
      dlq = e == null ? null : e.value();
    }
    if (dlq == null || dlq.isBlank()) {
      out.printf("Table topic %s has no dead-letter topic (%s): the records it skips are only logged and counted%n",
          topic, DEAD_LETTER_TOPIC);
      return;
    }
    int shown = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(dlq).stream()
          .map(p -> new TopicPartition(dlq, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      long deadline = System.currentTimeMillis() + TIMEOUT.toMillis();
      while (shown < max && System.currentTimeMillis() < deadline
          && partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          if (shown++ >= max) {
            break;
          }
          Map<String, String> why = new LinkedHashMap<>();
          for (Header h : r.headers()) {
            if (h.key().startsWith("__floe.errors.")) {
              why.put(h.key().substring("__floe.errors.".length()),
                  h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8));
            }
          }
          out.printf("%s-%d@%d from %s-%s@%s: %s: %s%n  value: %s%n", dlq, r.partition(), r.offset(), why.get("topic"),
              why.get("partition"), why.get("offset"), why.get("reason"), why.get("message"),
              r.value() == null ? "null" : abbreviate(new String(r.value(), StandardCharsets.UTF_8)));
        }
      }
    }
    out.printf("%d dead letter(s) shown from %s%n", Math.min(shown, max), dlq);
  }

  private static String abbreviate(String s) {
    return s.length() <= 200 ? s : s.substring(0, 200) + "...";
  }

}
