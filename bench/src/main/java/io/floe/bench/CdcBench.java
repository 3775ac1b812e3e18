package io.floe.bench;

import io.floe.broker.testing.TrinoServer;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericFileWriterFactory;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.io.UnpartitionedWriter;
import org.apache.iceberg.rest.RESTCatalog;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;

/**
 * Change-data-capture figures against a Floe child JVM (1 GiB heap):
 *
 * <ul>
 *   <li>Upserts: Debezium change events (JSON, as the PostgreSQL connector writes them) for {@code --keys}
 *       (1,000,000) inserts and then 10% as many updates and deletes of random keys, already in a topic; the
 *       {@code flatten_debezium} flag turned on; changes per second and per broker CPU-second until the table
 *       holds them all.
 *   <li>Read cost: a full read of the table (Iceberg's generic reader in this JVM, and Trino 476 on Floe's
 *       REST catalog; deletes applied) after the upserts, again after the maintenance rewrite, beside a table
 *       holding the same rows written fresh by Iceberg's own writer.
 *   <li>Freshness: updates of random keys at {@code --rate} per second for {@code --seconds} at
 *       {@code commit.interval.ms=1000}: time from each produce acknowledgement to the commit of the first
 *       snapshot holding it.
 * </ul>
 *
 * <p>Usage: {@code bin/floe-bench cdc [--keys N] [--rate R] [--seconds S]}
 */
public final class CdcBench {

  private static final String TOPIC = "shop.public.customers";
  private static final TableIdentifier TABLE = TableIdentifier.of(Namespace.of("default"), TOPIC);
  private static final TableIdentifier FRESH = TableIdentifier.of(Namespace.of("default"), "cdc_fresh");
  /** The Trino release the bench build unpacks (bench.trino.version). */
  private static final String TRINO_VERSION = "476";

  private final String classpath;
  private final PrintStream out;
  private final Path logsDir;
  private int keys = 1_000_000;
  private int rate = 2_000;
  private int seconds = 20;
  private long lsn = 1;

  CdcBench(String classpath, PrintStream out, Path logsDir) {
    this.classpath = classpath;
    this.out = out;
    this.logsDir = logsDir;
  }

  public static void main(String[] args) throws Exception {
    BenchSetup setup = BenchSetup.prepare();
    CdcBench b = new CdcBench(setup.classpath(), System.out, setup.logsDir());
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--keys" -> b.keys = Integer.parseInt(args[++i]);
        case "--rate" -> b.rate = Integer.parseInt(args[++i]);
        case "--seconds" -> b.seconds = Integer.parseInt(args[++i]);
        case "--help", "-h" -> {
          System.out.println("bin/floe-bench cdc [--keys N (default 1000000)] [--rate R (freshness updates/s, default"
              + " 2000)] [--seconds S (freshness run, default 20)]");
          return;
        }
        default -> throw new IllegalArgumentException("Unknown option " + args[i]);
      }
    }
    setup.publish(b.run(), "cdc-results.md");
    System.exit(0);
  }

  String run() throws Exception {
    StringBuilder md = new StringBuilder("# CDC bench\n\n");
    int restPort = BrokerProcess.freePort();
    BrokerProcess.Floe floe = BrokerProcess.Floe.start(classpath, logsDir, "1g", null,
        List.of("floe.rest.catalog.listeners=http://127.0.0.1:" + restPort,
            "floe.schema.registry.listeners=http://127.0.0.1:" + BrokerProcess.freePort()), false, "floe", out);
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, floe.bootstrap()));
         RESTCatalog catalog = new RESTCatalog()) {
      catalog.initialize("floe", Map.of(CatalogProperties.URI, "http://127.0.0.1:" + restPort));
      md.append("Floe child JVM -Xmx1g; Debezium JSON change events (no schema), ").append(keys)
          .append(" keys; ").append(Runtime.getRuntime().availableProcessors()).append(" cores.\n\n");
      md.append(upserts(floe, admin, catalog));
      md.append(readCost(admin, catalog, "http://127.0.0.1:" + restPort));
      md.append(freshness(floe, admin, catalog));
    } finally {
      floe.close();
    }
    return md.toString();
  }

  // ------------------------------------------------------------------ upserts

  private String upserts(BrokerProcess.Floe floe, Admin admin, RESTCatalog catalog) throws Exception {
    admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1))).all().get();
    int changes = keys / 10;
    out.printf("cdc: producing %d inserts and %d updates and deletes...%n", keys, changes);
    long records = 0;
    Random random = new Random(1);
    boolean[] deleted = new boolean[keys];
    try (KafkaProducer<byte[], byte[]> p = TableTopicBench.producer(floe, 20)) {
      for (int id = 0; id < keys; id++) {
        p.send(new ProducerRecord<>(TOPIC, key(id), envelope("c", null, row(id, 0), lsn++)));
        records++;
      }
      for (int i = 0; i < changes; i++) {
        int id = random.nextInt(keys);
        if (deleted[id]) {
          p.send(new ProducerRecord<>(TOPIC, key(id), envelope("c", null, row(id, i), lsn++)));
          deleted[id] = false;
          records++;
        } else if (random.nextInt(4) == 0) {
          p.send(new ProducerRecord<>(TOPIC, key(id), envelope("d", row(id, 0), null, lsn++)));
          p.send(new ProducerRecord<>(TOPIC, key(id), null));
          deleted[id] = true;
          records += 2;
        } else {
          p.send(new ProducerRecord<>(TOPIC, key(id), envelope("u", null, row(id, i), lsn++)));
          records++;
        }
      }
      p.flush();
    }
    long pid = floe.jvm.pid();
    long cpuBefore = TableTopicBench.cpuMillis(pid);
    long t0 = System.currentTimeMillis();
    setConfigs(admin, Map.of("automq.table.topic.enable", "true",
        "automq.table.topic.commit.interval.ms", "1000",
        "automq.table.topic.convert.value.type", "json",
        "automq.table.topic.transform.value.type", "flatten_debezium",
        "automq.table.topic.id.columns", "[id]",
        // maintenance is measured on its own below
        "automq.table.topic.maintenance.enable", "false"));
    awaitOffsets(catalog, records, 900_000);
    long elapsed = System.currentTimeMillis() - t0;
    double cpuSeconds = (TableTopicBench.cpuMillis(pid) - cpuBefore) / 1000.0;
    long changesTotal = keys + changes;
    double perSecond = changesTotal * 1000.0 / elapsed;
    double perCpuSecond = changesTotal / cpuSeconds;
    Table t = catalog.loadTable(TABLE);
    int[] files = files(t);
    return String.format("## Upserts%n%n| changes | of which updates and deletes | seconds | changes/s | broker CPU s"
        + " | changes per broker CPU-second | goal >= 50,000 | data files | delete files | broker peak RSS MiB |%n"
        + "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |%n"
        + "| %d | %d | %.1f | %.0f | %.1f | %.0f | %s | %d | %d | %d |%n%n", changesTotal, changes, elapsed / 1000.0,
        perSecond, cpuSeconds, perCpuSecond, perCpuSecond >= 50_000 ? "met" : "NOT met", files[0], files[1],
        TableTopicBench.rssHighWaterKb(pid) / 1024);
  }

  // ------------------------------------------------------------------ read cost

  private String readCost(Admin admin, RESTCatalog catalog, String restUri) throws Exception {
    out.println("cdc: starting Trino...");
    try (TrinoServer trino = startTrino(restUri)) {
      return readCost(admin, catalog, trino);
    }
  }

  private String readCost(Admin admin, RESTCatalog catalog, TrinoServer trino) throws Exception {
    out.println("cdc: reading the upsert table...");
    Table upserted = catalog.loadTable(TABLE);
    int[] before = files(upserted);
    long[] readBefore = timedRead(upserted);
    long trinoBefore = timedTrinoRead(trino, TOPIC);

    out.println("cdc: maintenance rewrite...");
    long snapshotBefore = upserted.currentSnapshot().snapshotId();
    long t0 = System.currentTimeMillis();
    setConfigs(admin, Map.of("automq.table.topic.maintenance.enable", "true",
        "automq.table.topic.maintenance.interval.ms", "1000",
        "automq.table.topic.rewrite.delete.file.threshold", "1"));
    Table rewritten = null;
    while (System.currentTimeMillis() - t0 < 600_000) {
      Thread.sleep(500);
      Table t = catalog.loadTable(TABLE);
      Snapshot s = t.currentSnapshot();
      if (s.snapshotId() != snapshotBefore && "rewrite".equals(s.summary().get("floe.maintenance"))) {
        rewritten = t;
        break;
      }
    }
    if (rewritten == null) {
      return "## Read cost\n\nThe maintenance rewrite did not happen within 600 s.\n\n";
    }
    long rewriteMs = System.currentTimeMillis() - t0;
    int[] after = files(rewritten);
    long[] readAfter = timedRead(rewritten);
    long trinoAfter = timedTrinoRead(trino, TOPIC);

    out.println("cdc: the same rows written fresh with Iceberg's writer...");
    // in the same catalog and warehouse, so Trino reads it the same way
    Table fresh = catalog.buildTable(FRESH, rewritten.schema()).withPartitionSpec(rewritten.spec())
        .withProperty("write.parquet.compression-codec", "zstd").withProperty("format-version", "2").create();
    GenericFileWriterFactory factory = new GenericFileWriterFactory.Builder(fresh).dataFileFormat(FileFormat.PARQUET).build();
    OutputFileFactory outFiles = OutputFileFactory.builderFor(fresh, 0, 0).format(FileFormat.PARQUET).build();
    try (UnpartitionedWriter<Record> w = new UnpartitionedWriter<>(fresh.spec(), FileFormat.PARQUET, factory, outFiles,
        fresh.io(), 512L << 20);
         CloseableIterable<Record> rows = IcebergGenerics.read(rewritten).build()) {
      for (Record r : rows) {
        w.write(r);
      }
      org.apache.iceberg.AppendFiles append = fresh.newAppend();
      for (org.apache.iceberg.DataFile f : w.complete().dataFiles()) {
        append.appendFile(f);
      }
      append.commit();
    }
    long[] readFresh = timedRead(fresh);
    long trinoFresh = timedTrinoRead(trino, FRESH.name());
    return String.format("## Read cost (full read, best of 3: Iceberg's generic reader in this JVM; Trino 476)%n%n"
        + "| table | rows | data files | delete files | generic reader ms | vs fresh | Trino ms | vs fresh | goal |%n"
        + "| --- | --- | --- | --- | --- | --- | --- | --- | --- |%n"
        + "| after the upserts | %d | %d | %d | %d | %.2fx | %d | %.2fx | <= 1.5x: %s |%n"
        + "| after the maintenance rewrite (%d ms after it was enabled) | %d | %d | %d | %d | %.2fx | %d | %.2fx |"
        + " <= 1.1x: %s |%n"
        + "| the same rows written fresh | %d | %d | 0 | %d | 1.00x | %d | 1.00x | |%n%n",
        readBefore[1], before[0], before[1], readBefore[0], (double) readBefore[0] / readFresh[0], trinoBefore,
        (double) trinoBefore / trinoFresh,
        met(readBefore[0] <= 1.5 * readFresh[0], trinoBefore <= 1.5 * trinoFresh),
        rewriteMs, readAfter[1], after[0], after[1], readAfter[0], (double) readAfter[0] / readFresh[0], trinoAfter,
        (double) trinoAfter / trinoFresh, met(readAfter[0] <= 1.1 * readFresh[0], trinoAfter <= 1.1 * trinoFresh),
        readFresh[1], files(fresh)[0], readFresh[0], trinoFresh);
  }

  private static String met(boolean generic, boolean trino) {
    return "generic reader " + (generic ? "met" : "NOT met") + ", Trino " + (trino ? "met" : "NOT met");
  }

  /** Trino from the bench build's target/trino (unpacked there by the build), on Floe's REST catalog. */
  private static TrinoServer startTrino(String restUri) throws Exception {
    Path trino = Path.of(System.getProperty("floe.bench.outputDir", "bench/target"), "trino");
    System.setProperty("trino.home", System.getProperty("trino.home",
        trino.resolve("trino-server-core-" + TRINO_VERSION).toString()));
    System.setProperty("trino.plugin.dir", System.getProperty("trino.plugin.dir", trino.resolve("plugins").toString()));
    System.setProperty("trino.java", System.getProperty("trino.java", "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java"));
    return TrinoServer.start(restUri);
  }

  /**
   * Best of 3 (after one unmeasured run) of a Trino query that reads every data column of {@code table}, deletes
   * applied, in ms.
   */
  private static long timedTrinoRead(TrinoServer trino, String table) throws Exception {
    String sql = "SELECT count(*), count(name), count(email), count(balance), sum(tier), count(updated_at),"
        + " count(_cdc.op), max(_kafka_metadata.offset) FROM floe.\"default\".\"" + table + "\"";
    trino.query(sql);
    long best = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      long t0 = System.nanoTime();
      trino.query(sql);
      best = Math.min(best, (System.nanoTime() - t0) / 1_000_000);
    }
    return best;
  }

  /** [best ms of 3 full reads, rows]. */
  private static long[] timedRead(Table t) throws Exception {
    long best = Long.MAX_VALUE;
    long rows = 0;
    for (int i = 0; i < 3; i++) {
      long t0 = System.nanoTime();
      rows = 0;
      try (CloseableIterable<Record> it = IcebergGenerics.read(t).build()) {
        for (Record r : it) {
          rows++;
        }
      }
      best = Math.min(best, (System.nanoTime() - t0) / 1_000_000);
    }
    return new long[] {best, rows};
  }

  /** [data files, distinct delete files] the current snapshot reads. */
  private static int[] files(Table t) throws Exception {
    int data = 0;
    java.util.Set<String> deletes = new java.util.HashSet<>();
    try (CloseableIterable<FileScanTask> tasks = t.newScan().planFiles()) {
      for (FileScanTask task : tasks) {
        data++;
        task.deletes().forEach(d -> deletes.add(d.location()));
      }
    }
    return new int[] {data, deletes.size()};
  }

  // ------------------------------------------------------------------ freshness

  private String freshness(BrokerProcess.Floe floe, Admin admin, RESTCatalog catalog) throws Exception {
    // back to the default maintenance settings (the table restarts and reads its key index again)
    List<AlterConfigOp> ops = new ArrayList<>();
    for (String k : List.of("automq.table.topic.maintenance.interval.ms",
        "automq.table.topic.rewrite.delete.file.threshold")) {
      ops.add(new AlterConfigOp(new ConfigEntry(k, ""), AlterConfigOp.OpType.DELETE));
    }
    admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, TOPIC), ops)).all().get();
    Thread.sleep(10_000);
    long baseline = TableTopicBench.totalOffsets(
        catalog.loadTable(TABLE).currentSnapshot().summary().get("floe.kafka.offsets"));
    out.printf("cdc: freshness, %d updates/s for %d s...%n", rate, seconds);
    Map<String, Long> ackAt = new ConcurrentHashMap<>();
    Random random = new Random(2);
    long sent = 0;
    try (KafkaProducer<byte[], byte[]> p = TableTopicBench.producer(floe, 5)) {
      long start = System.currentTimeMillis();
      long end = start + seconds * 1000L;
      while (System.currentTimeMillis() < end) {
        long due = (System.currentTimeMillis() - start) * rate / 1000;
        for (; sent < due; sent++) {
          int id = random.nextInt(keys);
          p.send(new ProducerRecord<>(TOPIC, key(id), envelope("u", null, row(id, (int) sent), lsn++)), (m, e) -> {
            if (e == null) {
              ackAt.put(m.partition() + ":" + m.offset(), System.currentTimeMillis());
            }
          });
        }
        Thread.sleep(5);
      }
      p.flush();
    }
    Table t = awaitOffsets(catalog, baseline + ackAt.size(), 120_000);
    long[] sorted = TableTopicBench.visibilityLags(t, ackAt).stream().mapToLong(Long::longValue).sorted().toArray();
    if (sorted.length == 0) {
      return "## Freshness\n\nNo change became visible.\n";
    }
    long p99 = sorted[Math.min(sorted.length - 1, (int) (sorted.length * 0.99))];
    return String.format("## Freshness of changes (produce ack -> committed snapshot), commit.interval.ms=1000%n%n"
        + "| changes | rate/s | p50 ms | p99 ms | max ms | goal p99 < 2000 |%n| --- | --- | --- | --- | --- | --- |%n"
        + "| %d | %d | %d | %d | %d | %s |%n", sorted.length, rate, sorted[sorted.length / 2], p99,
        sorted[sorted.length - 1], p99 < 2000 ? "met" : "NOT met");
  }

  // ------------------------------------------------------------------ helpers

  private static void setConfigs(Admin admin, Map<String, String> configs) throws Exception {
    List<AlterConfigOp> ops = new ArrayList<>();
    configs.forEach((k, v) -> ops.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET)));
    admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, TOPIC), ops)).all().get();
  }

  /** Waits until the table's snapshot has moved past {@code records} offsets in all; returns the table. */
  private static Table awaitOffsets(RESTCatalog catalog, long records, long timeoutMs) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (System.currentTimeMillis() < deadline) {
      Thread.sleep(200);
      if (catalog.tableExists(TABLE)) {
        Table t = catalog.loadTable(TABLE);
        Snapshot s = t.currentSnapshot();
        String offsets = s == null ? null : s.summary().get("floe.kafka.offsets");
        if (offsets != null && TableTopicBench.totalOffsets(offsets) >= records) {
          return t;
        }
      }
    }
    throw new IllegalStateException("The table did not reach " + records + " offsets within " + timeoutMs + " ms");
  }

  private static byte[] key(int id) {
    return ("{\"id\":" + id + "}").getBytes(StandardCharsets.UTF_8);
  }

  private static String row(int id, int version) {
    return "{\"id\":" + id + ",\"name\":\"customer-" + id + "\",\"email\":\"c" + id + "." + version
        + "@example.com\",\"balance\":\"" + (id % 100_000) + "." + (version % 100) + "\",\"tier\":" + (id % 7)
        + ",\"updated_at\":\"2026-12-07T10:00:00." + String.format("%06d", version % 1_000_000) + "Z\"}";
  }

  /** A change event as Debezium's PostgreSQL connector writes it with JsonConverter and schemas off. */
  private static byte[] envelope(String op, String before, String after, long lsn) {
    return ("{\"before\":" + before + ",\"after\":" + after + ",\"source\":{\"version\":\"3.6.1.Final\","
        + "\"connector\":\"postgresql\",\"name\":\"shop\",\"ts_ms\":" + System.currentTimeMillis()
        + ",\"snapshot\":\"false\",\"db\":\"shop\",\"schema\":\"public\",\"table\":\"customers\",\"txId\":" + lsn
        + ",\"lsn\":" + lsn + "},\"op\":\"" + op + "\",\"ts_ms\":" + System.currentTimeMillis() + "}")
        .getBytes(StandardCharsets.UTF_8);
  }
}
