package io.floe.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericFileWriterFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.hadoop.HadoopTables;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.io.UnpartitionedWriter;
import org.apache.iceberg.rest.RESTCatalog;
import org.apache.iceberg.types.Types;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Table Topic figures, against a Floe child JVM (1 GiB heap) on this machine:
 *
 * <ul>
 *   <li>Freshness: time from a record's produce acknowledgement to the commit time of the first snapshot
 *       holding it, p50/p99/max, at {@code commit.interval.ms=1000} (and the 60000 default with
 *       {@code --default-interval}), at a steady produce rate.
 *   <li>Ingest, per format (JSON; Avro and Protobuf in Confluent's wire format, schemas in the built-in
 *       registry): 1 KiB records already in a topic, then the flag turned on: table rows/s and MB/s until the
 *       table holds them all, and rows per broker CPU-second (per core), beside Iceberg's own Parquet writer
 *       writing the same records in this JVM on one thread, fed by each format's own decoder.
 *   <li>Conversion only, per format: bytes to table rows with Floe's converters on one thread ({@link
 *       ConversionBench}).
 * </ul>
 *
 * <p>Usage: {@code bin/floe-bench table-topic [--records N] [--rate R] [--seconds S] [--default-interval]}
 */
public final class TableTopicBench {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String classpath;
  private final PrintStream out;
  private final Path logsDir;
  private int records = 300_000;
  private int rate = 2_000;
  private int seconds = 20;
  private boolean defaultInterval;
  private int registryPort;
  private List<BenchRecords.Format> formats = List.of(BenchRecords.Format.values());

  TableTopicBench(String classpath, PrintStream out, Path logsDir) {
    this.classpath = classpath;
    this.out = out;
    this.logsDir = logsDir;
  }

  public static void main(String[] args) throws Exception {
    BenchSetup setup = BenchSetup.prepare();
    TableTopicBench b = new TableTopicBench(setup.classpath(), System.out, setup.logsDir());
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--records" -> b.records = Integer.parseInt(args[++i]);
        case "--rate" -> b.rate = Integer.parseInt(args[++i]);
        case "--seconds" -> b.seconds = Integer.parseInt(args[++i]);
        case "--default-interval" -> b.defaultInterval = true;
        case "--formats" -> b.formats = Arrays.stream(args[++i].split(","))
            .map(f -> BenchRecords.Format.valueOf(f.trim().toUpperCase(java.util.Locale.ROOT))).toList();
        case "--help", "-h" -> {
          System.out.println("bin/floe-bench table-topic [--records N (ingest, default 300000)] [--rate R (freshness "
              + "records/s, default 2000)] [--seconds S (freshness run, default 20)] [--default-interval (also at "
              + "commit.interval.ms=60000, ~3 min)] [--formats json,avro,protobuf (ingest and conversion, default all)]");
          return;
        }
        default -> throw new IllegalArgumentException("Unknown option " + args[i]);
      }
    }
    setup.publish(b.run(), "table-topic-results.md");
    System.exit(0);
  }

  String run() throws Exception {
    StringBuilder md = new StringBuilder("# Table Topic bench\n\n");
    int restPort = BrokerProcess.freePort();
    registryPort = BrokerProcess.freePort();
    BrokerProcess.Floe floe = BrokerProcess.Floe.start(classpath, logsDir, "1g", null,
        List.of("floe.rest.catalog.listeners=http://127.0.0.1:" + restPort,
            "floe.schema.registry.listeners=http://127.0.0.1:" + registryPort), false, "floe", out);
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, floe.bootstrap()));
         RESTCatalog catalog = new RESTCatalog()) {
      catalog.initialize("floe", Map.of(CatalogProperties.URI, "http://127.0.0.1:" + restPort));
      md.append("Floe child JVM -Xmx1g; 1 KiB JSON records (json + flatten); ").append(Runtime.getRuntime()
          .availableProcessors()).append(" cores.\n\n## Freshness (produce ack -> committed snapshot)\n\n")
          .append("| commit.interval.ms | records | rate rec/s | p50 ms | p99 ms | max ms | goal p99 < interval + 1000 |\n")
          .append("| --- | --- | --- | --- | --- | --- | --- |\n");
      md.append(freshness(floe, admin, catalog, 1000, seconds));
      if (defaultInterval) {
        md.append(freshness(floe, admin, catalog, 60_000, Math.max(seconds, 180)));
      }
      md.append("\n## Ingest (flag turned on over records already in the topic)\n\n");
      md.append("| format | what | rows | seconds | rows/s | MB/s | broker CPU s | rows per broker CPU-second |\n")
          .append("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
      StringBuilder ratios = new StringBuilder();
      for (BenchRecords.Format format : formats) {
        md.append(ingest(floe, admin, catalog, format, ratios));
      }
      md.append(ratios);
      md.append("\n## Conversion only (bytes to rows, in this JVM, one thread)\n\n");
      md.append(ConversionBench.run(formats, records, out));
    } finally {
      floe.close();
    }
    return md.toString();
  }

  // ------------------------------------------------------------------ freshness

  private String freshness(BrokerProcess.Floe floe, Admin admin, RESTCatalog catalog, int intervalMs, int runSeconds)
      throws Exception {
    String topic = "fresh-" + intervalMs;
    admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1).configs(tableConfigs(intervalMs)))).all().get();
    Map<String, Long> ackAt = new ConcurrentHashMap<>(); // "p:offset" -> ack ms
    AtomicLong sent = new AtomicLong();
    TableIdentifier id = TableIdentifier.of(Namespace.of("default"), topic);
    out.printf("freshness at commit.interval.ms=%d: %d s at %d records/s...%n", intervalMs, runSeconds, rate);
    try (KafkaProducer<byte[], byte[]> p = producer(floe, 5)) {
      // Warm-up: the first records create the table and its columns; steady state is what is measured.
      for (int i = 0; i < 100; i++) {
        p.send(new ProducerRecord<>(topic, record(-1 - i)));
      }
      p.flush();
      long warm = System.currentTimeMillis() + 60_000;
      while (!catalog.tableExists(id) && System.currentTimeMillis() < warm) {
        Thread.sleep(100);
      }
      Thread.sleep(intervalMs + 500L);
      long start = System.currentTimeMillis();
      long end = start + runSeconds * 1000L;
      while (System.currentTimeMillis() < end) {
        long due = (System.currentTimeMillis() - start) * rate / 1000;
        while (sent.get() < due) {
          long i = sent.getAndIncrement();
          p.send(new ProducerRecord<>(topic, record(i)), (m, e) -> {
            if (e == null) {
              ackAt.put(m.partition() + ":" + m.offset(), System.currentTimeMillis());
            }
          });
        }
        Thread.sleep(5);
      }
      p.flush();
    }
    // Wait for the table to hold everything, then read when each offset first became visible.
    long deadline = System.currentTimeMillis() + intervalMs * 3L + 60_000;
    Table t = null;
    while (System.currentTimeMillis() < deadline) {
      if (catalog.tableExists(id)) {
        t = catalog.loadTable(id);
        String offsets = t.currentSnapshot() == null ? null : t.currentSnapshot().summary().get("floe.kafka.offsets");
        if (offsets != null && totalOffsets(offsets) >= ackAt.size() + 100) {
          break;
        }
      }
      Thread.sleep(500);
    }
    if (t == null) {
      return "| " + intervalMs + " | no table | | | | | |\n";
    }
    List<Long> lags = visibilityLags(t, ackAt);
    long[] sorted = lags.stream().mapToLong(Long::longValue).sorted().toArray();
    if (sorted.length == 0) {
      return "| " + intervalMs + " | 0 (expired snapshots?) | | | | | |\n";
    }
    long p50 = sorted[sorted.length / 2];
    long p99 = sorted[Math.min(sorted.length - 1, (int) (sorted.length * 0.99))];
    long max = sorted[sorted.length - 1];
    return String.format("| %d | %d | %d | %d | %d | %d | %s |%n", intervalMs, sorted.length, rate, p50, p99, max,
        p99 < intervalMs + 1000 ? "met" : "NOT met");
  }

  /**
   * For every acknowledged record of {@code ackAt} ("partition:offset" -> ack time), the time from its ack to
   * the commit of the first snapshot that holds it.
   */
  static List<Long> visibilityLags(Table t, Map<String, Long> ackAt) throws IOException {
    // Snapshots oldest first; each makes visible the offsets up to its summary's.
    List<Snapshot> snaps = new ArrayList<>();
    t.snapshots().forEach(snaps::add);
    snaps.sort((a, b) -> Long.compare(a.timestampMillis(), b.timestampMillis()));
    Map<Integer, Long> visibleUpTo = new HashMap<>();
    List<Long> lags = new ArrayList<>();
    for (Snapshot s : snaps) {
      String offsets = s.summary().get("floe.kafka.offsets");
      if (offsets == null) {
        continue;
      }
      JsonNode node = JSON.readTree(offsets);
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        int part = Integer.parseInt(e.getKey());
        long next = e.getValue().asLong();
        for (long o = visibleUpTo.getOrDefault(part, 0L); o < next; o++) {
          Long ack = ackAt.get(part + ":" + o);
          if (ack != null) {
            lags.add(Math.max(0, s.timestampMillis() - ack));
          }
        }
        visibleUpTo.put(part, Math.max(visibleUpTo.getOrDefault(part, 0L), next));
      }
    }
    return lags;
  }

  static long totalOffsets(String json) throws IOException {
    long sum = 0;
    for (JsonNode n : JSON.readTree(json)) {
      sum += n.asLong();
    }
    return sum;
  }

  // ------------------------------------------------------------------ ingest

  private String ingest(BrokerProcess.Floe floe, Admin admin, RESTCatalog catalog, BenchRecords.Format format,
      StringBuilder ratios) throws Exception {
    String topic = "ingest-" + format.name().toLowerCase(java.util.Locale.ROOT);
    int schemaId = register(format, topic + "-value");
    admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
    out.printf("ingest %s: producing %d records...%n", format, records);
    long bytes = 0;
    try (KafkaProducer<byte[], byte[]> p = producer(floe, 20)) {
      for (int i = 0; i < records; i++) {
        byte[] v = BenchRecords.record(format, i, schemaId);
        bytes += v.length;
        p.send(new ProducerRecord<>(topic, v));
      }
      p.flush();
    }
    long pid = floe.jvm.pid();
    long cpuBefore = cpuMillis(pid);
    long t0 = System.currentTimeMillis();
    List<AlterConfigOp> ops = new ArrayList<>();
    tableConfigs(1000, format).forEach((k, v) ->
        ops.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET)));
    admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topic), ops)).all().get();
    TableIdentifier id = TableIdentifier.of(Namespace.of("default"), topic);
    long rows = 0;
    long deadline = t0 + 600_000;
    while (System.currentTimeMillis() < deadline && rows < records) {
      Thread.sleep(200);
      if (catalog.tableExists(id)) {
        Table t = catalog.loadTable(id);
        Snapshot s = t.currentSnapshot();
        rows = s == null ? 0 : Long.parseLong(s.summary().getOrDefault("total-records", "0"));
      }
    }
    long elapsed = System.currentTimeMillis() - t0;
    double cpuSeconds = (cpuMillis(pid) - cpuBefore) / 1000.0;
    long hwmKb = rssHighWaterKb(pid);
    double rowsPerSec = rows * 1000.0 / elapsed;
    double mbPerSec = bytes / 1048576.0 * 1000.0 / elapsed;
    double rowsPerCpuSecond = cpuSeconds > 0 ? rows / cpuSeconds : Double.NaN;

    out.printf("ingest %s: Iceberg's own Parquet writer on the same records...%n", format);
    double rawRowsPerSec = rawWriter(format);
    StringBuilder md = new StringBuilder();
    String name = format.name().toLowerCase(java.util.Locale.ROOT);
    md.append(String.format("| %s | Floe table topic (%s, flatten) | %d | %.1f | %.0f | %.1f | %.1f | %.0f |%n", name,
        format == BenchRecords.Format.JSON ? "json" : "by_schema_id", rows, elapsed / 1000.0, rowsPerSec, mbPerSec,
        cpuSeconds, rowsPerCpuSecond));
    md.append(String.format("| %s | Iceberg Parquet writer, 1 thread (%s + GenericRecord + write) | %d | | %.0f |"
        + " %.1f | | %.0f |%n", name, rawDecoder(format), records, rawRowsPerSec,
        rawRowsPerSec * bytes / records / 1048576.0, rawRowsPerSec));
    ratios.append(String.format("%n%s: Floe per broker core / raw writer on one core: **%.2fx** (goal >= 0.7x);"
        + " broker peak RSS %d MiB (heap cap 1 GiB).%n", name, rowsPerCpuSecond / rawRowsPerSec, hwmKb / 1024));
    return md.toString();
  }

  /** Registers the format's schema with the broker's built-in registry; its id (0 for JSON, which has none). */
  private int register(BenchRecords.Format format, String subject) throws Exception {
    if (format == BenchRecords.Format.JSON) {
      return 0;
    }
    com.fasterxml.jackson.databind.node.ObjectNode body = JSON.createObjectNode();
    body.put("schema", format == BenchRecords.Format.AVRO ? BenchRecords.AVRO_SCHEMA : BenchRecords.PROTO_SCHEMA);
    if (format == BenchRecords.Format.PROTOBUF) {
      body.put("schemaType", "PROTOBUF");
    }
    java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(
            "http://127.0.0.1:" + registryPort + "/subjects/" + subject + "/versions"))
            .header("Content-Type", "application/vnd.schemaregistry.v1+json")
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("Cannot register the bench schema: " + r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body()).get("id").asInt();
  }

  private static String rawDecoder(BenchRecords.Format format) {
    return switch (format) {
      case JSON -> "Jackson tree";
      case AVRO -> "Avro GenericDatumReader";
      case PROTOBUF -> "protobuf-java DynamicMessage";
    };
  }

  /**
   * Iceberg's own writer: decode each record with its format's own library (Jackson, Avro's GenericDatumReader,
   * protobuf-java's DynamicMessage), copy it into a GenericRecord and write Parquet, on one thread.
   */
  private double rawWriter(BenchRecords.Format format) throws Exception {
    Schema schema = BenchRecords.icebergSchema();
    Path dir = Files.createTempDirectory("floe-raw-writer-");
    Cleanup.registerDir(dir, false);
    Table table = new HadoopTables().create(schema, PartitionSpec.unpartitioned(),
        Map.of("write.parquet.compression-codec", "zstd"), dir.toUri().toString());
    GenericFileWriterFactory factory = new GenericFileWriterFactory.Builder(table).dataFileFormat(FileFormat.PARQUET).build();
    OutputFileFactory files = OutputFileFactory.builderFor(table, 0, 0).format(FileFormat.PARQUET).build();
    RawDecoder decoder = RawDecoder.of(format, schema);
    List<byte[]> pool = BenchRecords.pool(format, 1);
    long t0 = System.nanoTime();
    try (UnpartitionedWriter<Record> w = new UnpartitionedWriter<>(table.spec(), FileFormat.PARQUET, factory, files,
        table.io(), 512L << 20)) {
      for (int i = 0; i < records; i++) {
        w.write(decoder.decode(pool.get(i % pool.size())));
      }
      w.complete();
    }
    return records * 1e9 / (System.nanoTime() - t0);
  }

  // ------------------------------------------------------------------ helpers

  private static Map<String, String> tableConfigs(int intervalMs) {
    return tableConfigs(intervalMs, BenchRecords.Format.JSON);
  }

  private static Map<String, String> tableConfigs(int intervalMs, BenchRecords.Format format) {
    return Map.of("automq.table.topic.enable", "true",
        "automq.table.topic.commit.interval.ms", String.valueOf(intervalMs),
        "automq.table.topic.convert.value.type", format == BenchRecords.Format.JSON ? "json" : "by_schema_id",
        "automq.table.topic.transform.value.type", "flatten");
  }

  static KafkaProducer<byte[], byte[]> producer(BrokerProcess.Floe floe, int lingerMs) {
    return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, floe.bootstrap(),
        ProducerConfig.LINGER_MS_CONFIG, lingerMs, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
        ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
  }

  /** A 1 KiB JSON record. */
  static byte[] record(long i) {
    return BenchRecords.json(i);
  }

  /** CPU time (user + system) of a process, from /proc, in milliseconds. */
  static long cpuMillis(long pid) {
    try {
      String[] f = Files.readString(Path.of("/proc", String.valueOf(pid), "stat")).split("\\) ")[1].split(" ");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
      return ticks * 10; // USER_HZ is 100 on Linux
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  static long rssHighWaterKb(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException e) {
      // not Linux
    }
    return 0;
  }
}
