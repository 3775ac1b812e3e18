package io.floe.bench;

import io.floe.bench.PerfOutputParser.ConsumerSummary;
import io.floe.bench.PerfOutputParser.ProducerSummary;
import io.floe.bench.PerfOutputParser.ProducerWindow;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * The Floe vs Apache Kafka benchmark: kafka-tools' ProducerPerformance and ConsumerPerformance against an Apache
 * Kafka broker and against Floe, one after the other, each broker a child JVM with the same capped heap; prints
 * the side-by-side table with Floe/Kafka ratios and writes bench-results.md / bench-results.json. See
 * {@link BenchOptions#usage()}.
 */
public final class BrokerBench {

    static final String PRODUCER_PERF = "org.apache.kafka.tools.ProducerPerformance";
    static final String CONSUMER_PERF = "org.apache.kafka.tools.ConsumerPerformance";

    private final BenchOptions opts;
    private final String classpath;
    private final PrintStream out;
    private final Path logsDir;
    private final String runId;
    private final Path toolLog4j;
    /** Which floe-broker artifact the child classpath has (for the report). */
    String floeBuild = "unknown";

    BrokerBench(BenchOptions opts, String classpath, PrintStream out) throws IOException {
        this.opts = opts;
        this.classpath = classpath;
        this.out = out;
        this.logsDir = opts.outDir.resolve("bench-logs");
        Files.createDirectories(logsDir);
        this.runId = Long.toString(System.currentTimeMillis() / 1000 % 1_000_000, 36)
                + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36), 36);
        this.toolLog4j = logsDir.resolve("log4j2-tools.properties");
        Files.writeString(toolLog4j, """
                status = warn
                appender.console.type = Console
                appender.console.name = STDOUT
                appender.console.layout.type = PatternLayout
                appender.console.layout.pattern = [%d] %p %m (%c)%n
                rootLogger.level = WARN
                rootLogger.appenderRef.stdout.ref = STDOUT
                """);
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("s3")) { // bin/floe-bench s3 ...
            S3Bench.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length > 0 && args[0].equals("failover")) { // bin/floe-bench failover ...
            FailoverBench.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        quietLogging();
        BenchOptions opts;
        try {
            opts = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("floe-bench: " + e.getMessage());
            System.err.println();
            System.err.println(BenchOptions.usage());
            System.exit(2);
            return;
        }
        if (opts.help) {
            System.out.println(BenchOptions.usage());
            return;
        }
        Cleanup.install();
        String original = childClasspath();
        String cp = snapshotMutableEntries(original);
        BrokerBench bench = new BrokerBench(opts, cp, System.out);
        bench.floeBuild = floeBuild(original);
        List<BrokerRun> runs = bench.runAll();
        Report report = new Report(opts, runs, String.join(" ", args));
        System.out.println();
        System.out.print(report.consoleTable());
        Path md = opts.outDir.resolve("bench-results.md");
        Path json = opts.outDir.resolve("bench-results.json");
        Files.writeString(md, report.markdown());
        Files.writeString(json, report.json());
        System.out.println("results: " + md.toAbsolutePath() + " and " + json.getFileName()
                + "; child logs in " + bench.logsDir.toAbsolutePath());
        boolean anyMeasured = runs.stream().anyMatch(r -> r.cases.stream().anyMatch(CaseResult::ok));
        System.exit(anyMeasured ? 0 : 1);
    }

    /** This JVM only runs Admin clients: keeps their logging quiet whatever bindings the classpath has. */
    static void quietLogging() {
        if (System.getProperty("slf4j.provider") == null) {
            System.setProperty("slf4j.provider", "org.slf4j.helpers.NOP_FallbackServiceProvider");
        }
        if (System.getProperty("slf4j.internal.verbosity") == null) {
            System.setProperty("slf4j.internal.verbosity", "WARN");
        }
    }

    /**
     * The classpath of the child JVMs: the file written by the bench module's build (maven-dependency-plugin
     * build-classpath), else this JVM's own classpath.
     */
    static String childClasspath() throws IOException {
        List<Path> candidates = new ArrayList<>();
        String prop = System.getProperty("floe.bench.classpathFile");
        if (prop != null && !prop.isBlank()) {
            candidates.add(Path.of(prop));
        }
        candidates.add(Path.of("bench", "target", "bench-classpath.txt"));
        candidates.add(Path.of("target", "bench-classpath.txt"));
        for (Path p : candidates) {
            if (Files.isRegularFile(p)) {
                String cp = Files.readString(p).strip();
                if (!cp.isEmpty()) {
                    return cp;
                }
            }
        }
        String own = System.getProperty("java.class.path", "");
        if (own.contains("kafka-tools") && own.contains("kafka_2.13")) {
            return own;
        }
        throw new IllegalStateException("no bench classpath: build the bench module first "
                + "(mvn -pl bench -am package -DskipTests writes bench/target/bench-classpath.txt)");
    }

    /**
     * Copies the classpath entries that a concurrent build may rewrite while the children run (class directories
     * and -SNAPSHOT jars: the floe-* modules, from the reactor's target dirs or ~/.m2) into a temp dir deleted at
     * exit, and returns the classpath over the copies. A jar rewritten under a running JVM makes its next class
     * load fail ("Truncated class file"). Released artifacts in ~/.m2 are used in place.
     */
    static String snapshotMutableEntries(String classpath) throws IOException {
        Path dir = Files.createTempDirectory("floe-bench-cp-");
        Cleanup.registerDir(dir, false);
        List<String> out = new ArrayList<>();
        int i = 0;
        for (String e : classpath.split(File.pathSeparator)) {
            if (e.isBlank()) {
                continue;
            }
            Path src = Path.of(e);
            String name = src.getFileName() == null ? "entry" : src.getFileName().toString();
            boolean mutable = Files.isDirectory(src) || name.contains("-SNAPSHOT");
            if (!mutable || !Files.exists(src)) {
                out.add(e);
                continue;
            }
            Path dst = dir.resolve((i++) + "-" + name);
            if (Files.isDirectory(src)) {
                try (var walk = Files.walk(src)) {
                    for (Path f : (Iterable<Path>) walk::iterator) {
                        Path t = dst.resolve(src.relativize(f).toString());
                        if (Files.isDirectory(f)) {
                            Files.createDirectories(t);
                        } else {
                            Files.copy(f, t);
                        }
                    }
                }
            } else {
                Files.copy(src, dst);
            }
            out.add(dst.toString());
        }
        return String.join(File.pathSeparator, out);
    }

    /** "floe-broker-0.1.0-SNAPSHOT.jar of 2026-11-25T13:40:00Z" for the report: which Floe build was measured. */
    static String floeBuild(String originalClasspath) {
        for (String e : originalClasspath.split(File.pathSeparator)) {
            Path p = Path.of(e);
            if (p.getFileName() != null && p.getFileName().toString().startsWith("floe-broker")) {
                try {
                    return p + " of " + Files.getLastModifiedTime(p).toInstant().truncatedTo(
                            java.time.temporal.ChronoUnit.SECONDS);
                } catch (IOException ex) {
                    return p.toString();
                }
            }
        }
        return "unknown";
    }

    static boolean onClasspath(String classpath, String className) {
        List<URL> urls = new ArrayList<>();
        for (String e : classpath.split(File.pathSeparator)) {
            if (e.isBlank()) {
                continue;
            }
            try {
                urls.add(Path.of(e).toUri().toURL());
            } catch (MalformedURLException ex) {
                // skip
            }
        }
        try (URLClassLoader cl = new URLClassLoader(urls.toArray(URL[]::new), null)) {
            return cl.findResource(className.replace('.', '/') + ".class") != null;
        } catch (IOException e) {
            return false;
        }
    }

    List<BrokerRun> runAll() {
        List<BrokerRun> runs = new ArrayList<>();
        out.printf("floe-bench: %,d records of %d B per case, partitions %s, acks %s, broker heap %s, run %s%n",
                opts.records, opts.recordSize, opts.partitions, opts.acks, opts.heap, runId);
        if (opts.runKafka) {
            runs.add(runBroker("Apache Kafka", () -> opts.kafkaBootstrap != null
                    ? new BrokerProcess.External("Apache Kafka", opts.kafkaBootstrap)
                    : BrokerProcess.ApacheKafka.start(classpath, logsDir, opts.heap, opts.kafkaOverrides,
                    opts.keepData, out)));
        }
        if (opts.runFloe) {
            if (opts.floeBootstrap != null) {
                runs.add(runBroker("Floe", () -> new BrokerProcess.External("Floe", opts.floeBootstrap)));
            } else if (onClasspath(classpath, BrokerProcess.Floe.MAIN_CLASS)) {
                runs.add(runBroker("Floe", () -> BrokerProcess.Floe.start(classpath, logsDir, opts.heap,
                        opts.floeConfig, opts.floeOverrides, opts.keepData, floeBuild, out)));
            } else {
                BrokerRun skipped = new BrokerRun("Floe");
                skipped.error = BrokerProcess.Floe.MAIN_CLASS + " is not on the bench classpath yet: "
                        + "Floe not measured (give --floe-bootstrap host:port to measure a running Floe)";
                out.println();
                out.println("== Floe: skipped: " + skipped.error);
                runs.add(skipped);
            }
        }
        return runs;
    }

    interface BrokerStarter {
        BrokerProcess start() throws Exception;
    }

    private BrokerRun runBroker(String label, BrokerStarter starter) {
        BrokerRun run = new BrokerRun(label);
        out.println();
        out.println("== " + label + ": starting");
        long t0 = System.nanoTime();
        BrokerProcess broker = null;
        waitIdle(label);
        HostLoad.Sample load0 = HostLoad.sample();
        try {
            broker = starter.start();
            run.description = broker.description();
            out.printf("== %s: up in %.1f s: %s%n", label, (System.nanoTime() - t0) / 1e9, run.description);
            runCases(broker, run);
            run.foreignCores = HostLoad.foreignCores(load0, HostLoad.sample()).orElse(Double.NaN);
            if (!Double.isNaN(run.foreignCores)) {
                out.printf("== %s: other processes on this machine used %.2f of %d cores on average meanwhile%s%n",
                        label, run.foreignCores, Runtime.getRuntime().availableProcessors(),
                        run.foreignCores > Report.FOREIGN_LOAD_WARN ? ": figures disturbed" : "");
            }
        } catch (Exception e) {
            run.error = e.getMessage();
            out.println("== " + label + ": FAILED: " + e);
        } finally {
            if (broker != null) {
                out.println("== " + label + ": stopping");
                try {
                    broker.close();
                } catch (RuntimeException e) {
                    out.println("== " + label + ": cleanup problem: " + e.getMessage());
                }
            }
        }
        return run;
    }

    /** --wait-idle: waits until other processes use less than the warning threshold over 5 s windows. */
    void waitIdle(String label) {
        if (opts.waitIdleSec <= 0) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(opts.waitIdleSec);
        double last = Double.NaN;
        try {
            while (System.nanoTime() < deadline) {
                HostLoad.Sample a = HostLoad.sample();
                Thread.sleep(5_000);
                last = HostLoad.foreignCores(a, HostLoad.sample()).orElse(0);
                if (last < Report.FOREIGN_LOAD_WARN) {
                    return;
                }
                out.printf("== %s: waiting for an idle machine: other processes use %.2f cores%n", label, last);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        out.printf("== %s: machine still busy after %d s (%.2f cores used by others): measuring anyway%n",
                label, opts.waitIdleSec, last);
    }

    private void runCases(BrokerProcess broker, BrokerRun run) throws Exception {
        String bootstrap = broker.bootstrap();
        List<String> topics = new ArrayList<>();
        try (Admin admin = admin(bootstrap)) {
            try {
                if (opts.warmupRecords > 0) {
                    String topic = topicName("warmup", opts.partitions.get(opts.partitions.size() - 1), "1");
                    createTopic(admin, topic, opts.partitions.get(opts.partitions.size() - 1));
                    topics.add(topic);
                    out.printf("-- %s: warm-up, %,d records (not measured)%n", run.label, opts.warmupRecords);
                    CaseResult w = produce(run.label, "warm-up", topic, bootstrap,
                            opts.partitions.get(opts.partitions.size() - 1), "1", opts.warmupRecords);
                    if (!w.ok()) {
                        out.println("-- warm-up: " + w.status());
                    } else {
                        // Read it back too, so neither broker's fetch path is compiled during a measured case.
                        CaseResult r = consume(run.label, "warm-up read", topic, bootstrap,
                                opts.partitions.get(opts.partitions.size() - 1), opts.warmupRecords);
                        if (!r.ok()) {
                            out.println("-- warm-up read: " + r.status());
                        }
                    }
                }
                for (int p : opts.partitions) {
                    String consumeTopic = null;
                    for (String acks : opts.acks) {
                        String id = CaseResult.produceId(p, acks);
                        List<CaseResult> reps = new ArrayList<>();
                        for (int rep = 1; rep <= opts.repeat; rep++) {
                            String topic = topicName(opts.repeat > 1 ? "case" + rep : "case", p, acks);
                            createTopic(admin, topic, p);
                            topics.add(topic);
                            out.printf("-- %s: %s: ProducerPerformance, %,d records%s%n", run.label, id,
                                    opts.records, repeatSuffix(rep));
                            CaseResult r = produce(run.label, id + repeatLogSuffix(rep), topic, bootstrap, p, acks,
                                    opts.records);
                            reps.add(r);
                            out.printf("-- %s: %s: %s%n", run.label, id, describe(r));
                            if (r.ok() && (consumeTopic == null || "all".equals(acks))) {
                                consumeTopic = topic;
                            }
                        }
                        run.cases.add(CaseResult.median(id, reps));
                    }
                    String id = CaseResult.consumeId(p);
                    if (consumeTopic == null) {
                        run.cases.add(new CaseResult(id, CaseResult.Kind.CONSUME, p, null, null, null, null,
                                "skipped: no produce case succeeded on a " + p + "-partition topic", null));
                        continue;
                    }
                    List<CaseResult> reps = new ArrayList<>();
                    for (int rep = 1; rep <= opts.repeat; rep++) {
                        out.printf("-- %s: %s: ConsumerPerformance, %,d records from %s%s%n", run.label, id,
                                opts.records, consumeTopic, repeatSuffix(rep));
                        CaseResult c = consume(run.label, id + repeatLogSuffix(rep), consumeTopic, bootstrap, p,
                                opts.records);
                        reps.add(c);
                        out.printf("-- %s: %s: %s%n", run.label, id, describe(c));
                    }
                    run.cases.add(CaseResult.median(id, reps));
                }
            } finally {
                if (broker instanceof BrokerProcess.External && !topics.isEmpty()) {
                    try {
                        admin.deleteTopics(topics).all().get(30, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        out.println("-- could not delete the bench topics: " + e);
                    }
                }
            }
        }
    }

    private String repeatSuffix(int rep) {
        return opts.repeat > 1 ? " (run " + rep + " of " + opts.repeat + ")" : "";
    }

    private String repeatLogSuffix(int rep) {
        return opts.repeat > 1 ? " run" + rep : "";
    }

    private String topicName(String what, int partitions, String acks) {
        return "floe-bench-" + runId + "-" + what + "-p" + partitions + "-acks" + acks;
    }

    static String describe(CaseResult r) {
        if (r.producer() != null) {
            ProducerSummary s = r.producer();
            return String.format("%s: %.2f MB/s, %.0f records/s, p50 %d ms, p99 %d ms", r.status(),
                    s.mbPerSec(), s.recordsPerSec(), s.p50Ms(), s.p99Ms());
        }
        if (r.consumer() != null) {
            ConsumerSummary s = r.consumer();
            return String.format("%s: %.2f MB/s, %.0f records/s (fetch-only %.2f MB/s, rebalance %d ms)",
                    r.status(), s.mbPerSec(), s.recordsPerSec(), s.fetchMbPerSec(), s.rebalanceTimeMs());
        }
        return r.status();
    }

    static Admin admin(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        return Admin.create(p);
    }

    /** Creates the topic (broker-default replication factor) and waits until every partition has a leader. */
    static void createTopic(Admin admin, String topic, int partitions)
            throws InterruptedException, ExecutionException, TimeoutException {
        createTopic(admin, topic, partitions, Map.of());
    }

    /** {@link #createTopic(Admin, String, int)} with topic configs. */
    static void createTopic(Admin admin, String topic, int partitions, Map<String, String> configs)
            throws InterruptedException, ExecutionException, TimeoutException {
        admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty()).configs(configs)))
                .all().get(60, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames()
                        .get(10, TimeUnit.SECONDS).get(topic);
                if (d != null && d.partitions().size() == partitions
                        && d.partitions().stream().map(TopicPartitionInfo::leader).allMatch(l -> l != null && !l.isEmpty())) {
                    return;
                }
            } catch (ExecutionException e) {
                last = e;
            }
            Thread.sleep(200);
        }
        throw new TimeoutException("topic " + topic + " has no leader for all " + partitions
                + " partitions after 60 s" + (last != null ? " (" + last.getCause() + ")" : ""));
    }

    private List<String> toolJvmArgs() {
        List<String> a = new ArrayList<>(BrokerProcess.brokerJvmArgs("512m")); // kafka-*-perf-test.sh: -Xmx512M
        a.add("-Dslf4j.provider=org.apache.logging.slf4j.SLF4JServiceProvider");
        a.add("-Dlog4j2.configurationFile=" + toolLog4j.toAbsolutePath());
        return a;
    }

    private static boolean echoToolLine(String l) {
        return l.contains("records sent") || l.startsWith(PerfOutputParser.CONSUMER_HEADER_PREFIX)
                || l.startsWith(PerfOutputParser.CONSUMER_TIMEOUT_WARNING) || l.contains(" ERROR ")
                || l.startsWith("Exception") || l.startsWith("Error") || l.matches("^\\d{4}-\\d\\d-\\d\\d .*");
    }

    Path logsDir() {
        return logsDir;
    }

    private Path caseLog(String broker, String caseId) {
        String b = broker.toLowerCase().replaceAll("[^a-z0-9]+", "-");
        String c = caseId.toLowerCase().replaceAll("[^a-z0-9]+", "-");
        return logsDir.resolve(b + "-" + c + ".log");
    }

    CaseResult produce(String broker, String caseId, String topic, String bootstrap, int partitions, String acks,
                       long records) throws IOException, InterruptedException {
        return produce(broker, caseId, topic, bootstrap, partitions, acks, records, -1);
    }

    /** ProducerPerformance capped at {@code recordsPerSec} records a second ({@code -1}: as fast as it can). */
    CaseResult produce(String broker, String caseId, String topic, String bootstrap, int partitions, String acks,
                       long records, long recordsPerSec) throws IOException, InterruptedException {
        return produce(broker, caseId, topic, bootstrap, partitions, acks, records, recordsPerSec, Map.of());
    }

    /** Like the other, with {@code extraProps} after --producer-prop's (a key in both takes this value). */
    CaseResult produce(String broker, String caseId, String topic, String bootstrap, int partitions, String acks,
                       long records, long recordsPerSec, Map<String, String> extraProps)
            throws IOException, InterruptedException {
        Map<String, String> props = new LinkedHashMap<>(opts.producerProps);
        props.putAll(extraProps);
        List<String> args = new ArrayList<>(List.of(
                "--topic", topic,
                "--num-records", Long.toString(records),
                "--record-size", Integer.toString(opts.recordSize),
                "--throughput", Long.toString(recordsPerSec),
                "--producer-props", "acks=" + acks, "bootstrap.servers=" + bootstrap));
        props.forEach((k, v) -> args.add(k + "=" + v));
        Path log = caseLog(broker, caseId);
        ChildJvm tool = ChildJvm.start("producer-perf", classpath, toolJvmArgs(), PRODUCER_PERF, args, log,
                BrokerBench::echoToolLine, out);
        OptionalInt rc = tool.awaitExit(Duration.ofSeconds(opts.caseTimeoutSec));
        List<String> lines = tool.lines();
        Optional<ProducerSummary> summary = PerfOutputParser.parseProducerOutput(lines);
        String status;
        ProducerSummary s = summary.orElse(null);
        if (rc.isEmpty()) {
            s = partialFromWindows(PerfOutputParser.parseProducerWindows(lines), opts.recordSize);
            status = "TIMEOUT after " + opts.caseTimeoutSec + " s" + (s != null ? " (partial figures from its progress lines)" : "");
        } else if (s == null) {
            status = "FAILED (exit " + rc.getAsInt() + ", no summary line; see " + log + ")";
        } else if (rc.getAsInt() != 0) {
            status = "FAILED (exit " + rc.getAsInt() + "; see " + log + ")";
        } else if (s.records() < records) {
            status = "INCOMPLETE (" + s.records() + " of " + records + " acknowledged)";
        } else {
            status = "ok";
        }
        if (!status.equals("ok") && !lines.isEmpty()) {
            out.println("    last output of " + log.getFileName() + ":\n" + indent(tool.tail(15)));
        }
        return new CaseResult(caseId, CaseResult.Kind.PRODUCE, partitions, acks, topic, s, null, status,
                log.toString());
    }

    CaseResult consume(String broker, String caseId, String topic, String bootstrap, int partitions, long records)
            throws IOException, InterruptedException {
        List<String> args = List.of(
                "--bootstrap-server", bootstrap,
                "--topic", topic,
                "--messages", Long.toString(records),
                "--group", "floe-bench-" + runId + "-" + caseId.replaceAll("[^a-zA-Z0-9]+", "-"), // one per run
                "--timeout", Long.toString(opts.consumerTimeoutMs));
        Path log = caseLog(broker, caseId);
        ChildJvm tool = ChildJvm.start("consumer-perf", classpath, toolJvmArgs(), CONSUMER_PERF, args, log,
                BrokerBench::echoToolLine, out);
        OptionalInt rc = tool.awaitExit(Duration.ofSeconds(opts.caseTimeoutSec));
        List<String> lines = tool.lines();
        ConsumerSummary s = PerfOutputParser.parseConsumerOutput(lines).orElse(null);
        String status;
        if (rc.isEmpty()) {
            status = "TIMEOUT after " + opts.caseTimeoutSec + " s";
        } else if (s == null) {
            status = "FAILED (exit " + rc.getAsInt() + ", no result line; see " + log + ")";
        } else if (rc.getAsInt() != 0) {
            status = "FAILED (exit " + rc.getAsInt() + "; see " + log + ")";
        } else if (!s.complete() || s.records() < records) {
            status = "INCOMPLETE (" + s.records() + " of " + records + " consumed before its --timeout)";
        } else {
            status = "ok";
        }
        if (!status.equals("ok") && !lines.isEmpty()) {
            out.println("    last output of " + log.getFileName() + ":\n" + indent(tool.tail(15)));
        }
        return new CaseResult(caseId, CaseResult.Kind.CONSUME, partitions, null, topic, null, s, status,
                log.toString());
    }

    /** Aggregate of the 5-second progress lines of a producer killed before it printed its summary. */
    static ProducerSummary partialFromWindows(List<ProducerWindow> windows, int recordSize) {
        long recs = 0;
        double secs = 0;
        double maxLat = 0;
        double latSum = 0;
        for (ProducerWindow w : windows) {
            if (w.records() <= 0 || !(w.recordsPerSec() > 0)) {
                continue;
            }
            recs += w.records();
            secs += w.records() / w.recordsPerSec();
            latSum += w.avgLatencyMs() * w.records();
            maxLat = Math.max(maxLat, w.maxLatencyMs());
        }
        if (recs == 0 || secs <= 0) {
            return null;
        }
        double rps = recs / secs;
        return new ProducerSummary(recs, rps, rps * recordSize / (1024.0 * 1024.0), latSum / recs, maxLat,
                -1, -1, -1, -1);
    }

    private static String indent(String s) {
        return "      " + s.replace("\n", "\n      ");
    }
}
