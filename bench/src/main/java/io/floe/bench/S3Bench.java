package io.floe.bench;

import io.floe.bench.S3Report.Phase;
import io.floe.bench.S3Report.Row;
import io.floe.bench.S3Report.Setup;
import io.floe.bench.S3Report.Store;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;

/**
 * The S3 figures: Floe with its log in S3 (S3Proxy on loopback, one broker per {@code s3.wal.upload.interval.ms})
 * beside Floe on the local store and beside Apache Kafka, in one run: produce MB/s and p50/p99 latency at a fixed
 * rate and unthrottled, S3 requests (WAL uploads and compaction) and their cost per GB written, from Floe's
 * {@code /metrics}, then catch-up reads from cold objects after a restart. See {@link S3BenchOptions#usage()}.
 *
 * <p>The perf tools run through {@link BrokerBench}, the brokers through {@link BrokerProcess}.
 */
public final class S3Bench {

    static final String BUCKET = "floe-bench";

    private final S3BenchOptions opts;
    private final String classpath;
    private final PrintStream out;
    private final BrokerBench tools;
    private final String floeBuild;
    private final String runId;
    private S3ProxyProcess s3;

    S3Bench(S3BenchOptions opts, String classpath, PrintStream out, String floeBuild) throws IOException {
        this.opts = opts;
        this.classpath = classpath;
        this.out = out;
        this.tools = new BrokerBench(opts.common, classpath, out);
        this.floeBuild = floeBuild;
        this.runId = Long.toString(System.currentTimeMillis() / 1000 % 1_000_000, 36)
                + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36), 36);
    }

    public static void main(String[] args) throws Exception {
        BrokerBench.quietLogging();
        S3BenchOptions opts;
        try {
            opts = S3BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("floe-bench s3: " + e.getMessage());
            System.err.println();
            System.err.println(S3BenchOptions.usage());
            System.exit(2);
            return;
        }
        if (opts.help) {
            System.out.println(S3BenchOptions.usage());
            return;
        }
        Cleanup.install();
        String original = BrokerBench.childClasspath();
        S3Bench bench = new S3Bench(opts, BrokerBench.snapshotMutableEntries(original), System.out,
                BrokerBench.floeBuild(original));
        S3Report report = bench.run(String.join(" ", args));
        System.out.println();
        System.out.print(report.consoleText());
        Path md = opts.common.outDir.resolve("s3-results.md");
        Files.writeString(md, report.markdown());
        System.out.println("results: " + md.toAbsolutePath() + "; child logs in "
                + bench.tools.logsDir().toAbsolutePath());
        System.exit(report.anyMeasured() ? 0 : 1);
    }

    S3Report run(String commandLine) throws Exception {
        S3Report report = new S3Report(opts, commandLine);
        out.printf("floe-bench s3: %d B records, acks=all, %d partitions; %,d records/s for %d s, then %,d records "
                        + "unthrottled; intervals %s ms; S3 producers add %s; run %s%n", opts.common.recordSize,
                opts.partitions, opts.rate, opts.seconds, opts.records, opts.intervalsMs,
                S3BenchOptions.propsText(opts.s3ProducerProps), runId);
        try {
            if (opts.runS3) {
                s3 = S3ProxyProcess.start(S3ProxyProcess.locateJar(opts.common.outDir), tools.logsDir(), out);
                s3.createBucket(BUCKET);
                report.s3Description = s3.description() + ", bucket " + BUCKET;
                out.println("== " + report.s3Description);
            } else {
                report.s3Description = "not run (--brokers without s3)";
            }
            if (opts.runKafka) {
                Setup setup = new Setup("Apache Kafka", Store.KAFKA, -1);
                measure(setup, report, logName -> new Started(BrokerProcess.ApacheKafka.start(classpath,
                        tools.logsDir(), opts.common.heap, Map.of(), false, out), null), false);
            }
            if (opts.runLocal) {
                measureFloe(new Setup("Floe local", Store.LOCAL, -1), List.of(), report);
            }
            if (opts.runS3) {
                for (long interval : opts.intervalsMs) {
                    String prefix = runId + "-i" + interval + "/";
                    List<String> overrides = new ArrayList<>(s3.floeOverrides(BUCKET, prefix));
                    overrides.add("s3.wal.upload.interval.ms=" + interval);
                    measureFloe(new Setup("Floe S3 " + interval + " ms", Store.S3, interval), overrides, report);
                    s3.deletePrefix(BUCKET, prefix);
                }
            }
        } finally {
            if (s3 != null) {
                s3.close();
            }
        }
        return report;
    }

    /** A started broker, and Floe's metrics endpoint (null for Apache Kafka). */
    record Started(BrokerProcess broker, URI metrics) {
    }

    interface Starter {
        Started start(String logName) throws Exception;
    }

    /** Floe with its data dir (metadata and, locally, objects) kept across the restart before the catch-up reads. */
    private void measureFloe(Setup setup, List<String> storeOverrides, S3Report report) throws IOException {
        Path data = Files.createTempDirectory("floe-bench-s3data-");
        Cleanup.registerDir(data, false);
        // Compaction every minute (not the default 5), so that the bench sees it rewrite what was written.
        List<String> base = new ArrayList<>(List.of("s3.stream.object.compaction.interval.ms=60000"));
        base.addAll(opts.floeOverrides);
        base.addAll(storeOverrides);
        base.add("floe.data.dir=" + data); // after the bench's own floe.data.dir: this one wins
        String slug = setup.label().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
        try {
            measure(setup, report, logName -> {
                int metricsPort = BrokerProcess.freePort();
                List<String> overrides = new ArrayList<>(base);
                overrides.add("floe.rest.catalog.listeners=http://127.0.0.1:" + metricsPort);
                BrokerProcess.Floe f = BrokerProcess.Floe.start(classpath, tools.logsDir(), opts.common.heap, null,
                        overrides, false, floeBuild, slug + "-" + logName + ".log", out);
                URI metrics = URI.create("http://127.0.0.1:" + metricsPort + "/metrics");
                awaitMetrics(metrics);
                return new Started(f, metrics);
            }, true);
        } finally {
            BrokerProcess.deleteRecursively(data);
            Cleanup.unregisterDir(data);
        }
    }

    /**
     * Produce at the fixed rate, then unthrottled, each on a fresh topic; for Floe, wait for compaction to rewrite
     * what they wrote and count the write path's requests; then a catch-up read of each topic, after a restart when
     * {@code restartBeforeReads}.
     */
    private void measure(Setup setup, S3Report report, Starter starter, boolean restartBeforeReads) {
        BrokerRun run = new BrokerRun(setup.label());
        report.brokers.add(run);
        out.println();
        out.println("== " + setup.label() + ": starting");
        tools.waitIdle(setup.label());
        HostLoad.Sample load0 = HostLoad.sample();
        Started started = null;
        try {
            started = starter.start("broker");
            run.description = describe(setup, started.broker());
            out.println("== " + setup.label() + ": " + run.description);
            String bootstrap = started.broker().bootstrap();
            PrometheusSamples first = scrape(started);
            String rateTopic = "s3bench-" + runId + "-rate";
            String unlimitedTopic = "s3bench-" + runId + "-unthrottled";
            try (Admin admin = BrokerBench.admin(bootstrap)) {
                if (opts.common.warmupRecords > 0) {
                    String warm = "s3bench-" + runId + "-warmup";
                    BrokerBench.createTopic(admin, warm, opts.partitions, topicConfigs(setup));
                    out.printf("-- %s: warm-up, %,d records (not measured)%n", setup.label(), opts.common.warmupRecords);
                    tools.produce(setup.label(), "s3 warm-up", warm, bootstrap, opts.partitions, "all",
                            opts.common.warmupRecords, -1, producerProps(setup));
                }
                BrokerBench.createTopic(admin, rateTopic, opts.partitions, topicConfigs(setup));
                BrokerBench.createTopic(admin, unlimitedTopic, opts.partitions, topicConfigs(setup));
            }
            long rateRecords = opts.rate * opts.seconds;
            Row rate = produce(setup, started, Phase.RATE, rateTopic, rateRecords, opts.rate);
            report.rows.add(rate);
            Row unlimited = produce(setup, started, Phase.UNLIMITED, unlimitedTopic, opts.records, -1);
            report.rows.add(unlimited);
            if (first != null) {
                report.writes.add(awaitCompaction(setup, started, first));
            }

            if (restartBeforeReads) {
                out.println("== " + setup.label() + ": restarting (empty caches) for the catch-up reads");
                started.broker().close();
                started = null; // not closed again if the restart fails
                started = starter.start("restarted");
            }
            report.rows.add(catchUp(setup, started, Phase.CATCH_UP_RATE, rateTopic, rate));
            report.rows.add(catchUp(setup, started, Phase.CATCH_UP_UNLIMITED, unlimitedTopic, unlimited));
            run.foreignCores = HostLoad.foreignCores(load0, HostLoad.sample()).orElse(Double.NaN);
            if (!Double.isNaN(run.foreignCores)) {
                out.printf("== %s: other processes on this machine used %.2f of %d cores on average meanwhile%n",
                        setup.label(), run.foreignCores, Runtime.getRuntime().availableProcessors());
            }
        } catch (Exception e) {
            run.error = String.valueOf(e.getMessage());
            out.println("== " + setup.label() + ": FAILED: " + e);
        } finally {
            if (started != null) {
                out.println("== " + setup.label() + ": stopping");
                try {
                    started.broker().close();
                } catch (RuntimeException e) {
                    out.println("== " + setup.label() + ": cleanup problem: " + e.getMessage());
                }
            }
        }
    }

    private Row produce(Setup setup, Started started, Phase phase, String topic, long records, long rate)
            throws IOException, InterruptedException {
        String caseId = phase == Phase.RATE ? "s3 produce " + rate + " rps" : "s3 produce unthrottled";
        out.printf("-- %s: %s: ProducerPerformance, %,d records%s%n", setup.label(), phase.text, records,
                rate > 0 ? String.format(Locale.ROOT, " at %,d records/s", rate) : "");
        PrometheusSamples before = scrape(started);
        CaseResult r = tools.produce(setup.label(), caseId, topic, started.broker().bootstrap(), opts.partitions,
                "all", records, rate, producerProps(setup));
        PrometheusSamples delta = delta(started, before);
        out.printf("-- %s: %s: %s%s%n", setup.label(), phase.text, BrokerBench.describe(r), s3Summary(delta, true));
        walSummary(delta).ifPresent(s -> out.printf("-- %s: %s: %s%n", setup.label(), phase.text, s));
        return new Row(setup, phase, r, delta);
    }

    /** What a setup's producers add to --producer-prop: the S3 settings on S3, nothing elsewhere. */
    private Map<String, String> producerProps(Setup setup) {
        return setup.store() == Store.S3 ? opts.s3ProducerProps : Map.of();
    }

    /** Configs of a setup's topics: on S3, room for the S3 producers' batches; elsewhere the defaults. */
    private Map<String, String> topicConfigs(Setup setup) {
        return setup.store() == Store.S3 ? opts.topicConfigs() : Map.of();
    }

    private Row catchUp(Setup setup, Started started, Phase phase, String topic, Row written)
            throws IOException, InterruptedException {
        String caseId = phase == Phase.CATCH_UP_RATE ? "s3 catch-up rate" : "s3 catch-up unthrottled";
        if (written.result().producer() == null || written.result().producer().records() <= 0) {
            return new Row(setup, phase, new CaseResult(caseId, CaseResult.Kind.CONSUME, opts.partitions, null, topic,
                    null, null, "skipped: nothing was acknowledged on " + topic, null), null);
        }
        long records = written.result().producer().records();
        out.printf("-- %s: %s: ConsumerPerformance, %,d records from offset 0%n", setup.label(), phase.text, records);
        PrometheusSamples before = scrape(started);
        CaseResult r = tools.consume(setup.label(), caseId, topic, started.broker().bootstrap(), opts.partitions,
                records);
        PrometheusSamples delta = delta(started, before);
        out.printf("-- %s: %s: %s%s%n", setup.label(), phase.text, BrokerBench.describe(r), s3Summary(delta, false));
        return new Row(setup, phase, r, delta);
    }

    /** The broker answers Kafka requests a moment before its /metrics route is added: waits for that too. */
    private static void awaitMetrics(URI metrics) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                PrometheusSamples.fetch(metrics);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no metrics at " + metrics + " after 30 s: " + e.getMessage(), e);
                }
                Thread.sleep(100);
            }
        }
    }

    /**
     * Waits until compaction has rewritten 95% of what the WAL committed since {@code first}, or made no progress
     * for 90 s once the newest data is old enough for it, or {@code --compaction-wait} passed; returns the counters'
     * growth since {@code first}.
     */
    private S3Report.WriteWindow awaitCompaction(Setup setup, Started started, PrometheusSamples first)
            throws InterruptedException {
        long t0 = System.nanoTime();
        long deadline = t0 + TimeUnit.SECONDS.toNanos(opts.compactionWaitSec);
        long minWait = t0 + TimeUnit.SECONDS.toNanos(Math.min(opts.compactionWaitSec, 130));
        if (opts.compactionWaitSec > 0) {
            out.printf("-- %s: waiting up to %d s for compaction to rewrite what was written%n", setup.label(),
                    opts.compactionWaitSec);
        }
        double lastRewritten = -1;
        long lastProgress = t0;
        PrometheusSamples delta = null;
        double share = Double.NaN;
        while (true) {
            PrometheusSamples now = scrape(started);
            if (now != null) {
                delta = now.minus(first);
                double written = delta.get(S3Report.WAL_BYTES);
                double rewritten = delta.get(S3Report.COMPACTION_BYTES);
                share = written > 0 && !Double.isNaN(rewritten) ? rewritten / written : Double.NaN;
                if (rewritten != lastRewritten) {
                    lastRewritten = rewritten;
                    lastProgress = System.nanoTime();
                }
            }
            long t = System.nanoTime();
            if (opts.compactionWaitSec <= 0 || Double.isNaN(share) || share >= 0.95 || t >= deadline
                    || t >= minWait && t - lastProgress >= TimeUnit.SECONDS.toNanos(90)) {
                break;
            }
            Thread.sleep(2_000);
        }
        long waited = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
        if (delta == null) {
            delta = new PrometheusSamples(Map.of());
        }
        out.printf("-- %s: compaction rewrote %s of the %.1f MiB written (waited %d s)%s%n", setup.label(),
                Double.isNaN(share) ? "?" : String.format(Locale.ROOT, "%.0f%%", 100 * share),
                delta.get(S3Report.WAL_BYTES) / S3Report.MB, waited, s3Summary(delta, true));
        return new S3Report.WriteWindow(setup, delta, share, opts.compactionWaitSec > 0 ? waited : 0);
    }

    private PrometheusSamples scrape(Started started) {
        if (started.metrics() == null) {
            return null;
        }
        try {
            return PrometheusSamples.fetch(started.metrics());
        } catch (IOException e) {
            out.println("    could not scrape " + started.metrics() + ": " + e.getMessage());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private PrometheusSamples delta(Started started, PrometheusSamples before) {
        PrometheusSamples now = before == null ? null : scrape(started);
        return now == null ? null : now.minus(before);
    }

    static final String PRODUCE_LATENCY = "floe_request_latency_seconds";
    static final String PRODUCE_API = "api=\"Produce\"";

    /** Where the broker's time went, from its WAL histograms: what a produce waits for inside the broker. */
    static java.util.Optional<String> walSummary(PrometheusSamples d) {
        if (d == null || Double.isNaN(d.histogramQuantileMs("floe_wal_append_latency_seconds", 0.5))) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(String.format(Locale.ROOT,
                "broker Produce request p50/p99 %.0f/%.0f ms; WAL append to commit p50/p99 %.0f/%.0f ms; buffer open p50/p99 %.0f/%.0f ms; upload mean %.0f ms, "
                        + "p99 %.0f ms; index commit mean %.1f ms; seals: %.0f interval, %.0f size, %.0f idle",
                d.histogramQuantileMs(PRODUCE_LATENCY, PRODUCE_API, 0.5),
                d.histogramQuantileMs(PRODUCE_LATENCY, PRODUCE_API, 0.99),
                d.histogramQuantileMs("floe_wal_append_latency_seconds", 0.5),
                d.histogramQuantileMs("floe_wal_append_latency_seconds", 0.99),
                d.histogramQuantileMs("floe_wal_seal_age_seconds", 0.5),
                d.histogramQuantileMs("floe_wal_seal_age_seconds", 0.99),
                d.histogramMeanMs("floe_wal_upload_latency_seconds"),
                d.histogramQuantileMs("floe_wal_upload_latency_seconds", 0.99),
                d.histogramMeanMs("floe_wal_commit_latency_seconds"),
                d.get("floe_wal_seals_total{reason=\"interval\"}"), d.get("floe_wal_seals_total{reason=\"size\"}"),
                d.get("floe_wal_seals_total{reason=\"idle\"}")));
    }

    private static String s3Summary(PrometheusSamples d, boolean written) {
        if (d == null || Double.isNaN(d.get(S3Report.PUTS))) {
            return "";
        }
        return String.format(Locale.ROOT, "; S3: %.0f PUTs (%.0f WAL objects), %.0f GETs, %.0f other; %.1f MiB %s",
                d.get(S3Report.PUTS), d.get(S3Report.WAL_OBJECTS), d.get(S3Report.GETS),
                d.get(S3Report.LISTS) + d.get(S3Report.HEADS) + d.get(S3Report.DELETES),
                (written ? d.get(S3Report.WAL_BYTES) : d.get(S3Report.S3_READ_BYTES)) / S3Report.MB,
                written ? "committed" : "read from S3");
    }

    private String describe(Setup setup, BrokerProcess broker) {
        return switch (setup.store()) {
            case KAFKA -> broker.description();
            case LOCAL -> "Floe (" + BrokerProcess.Floe.MAIN_CLASS + " from " + floeBuild + "), child JVM -Xmx"
                    + opts.common.heap + " at " + broker.bootstrap() + ", local object store, "
                    + "s3.wal.upload.interval.ms default (1 ms locally)";
            case S3 -> "Floe (" + BrokerProcess.Floe.MAIN_CLASS + " from " + floeBuild + "), child JVM -Xmx"
                    + opts.common.heap + " at " + broker.bootstrap() + ", log in S3Proxy bucket " + BUCKET
                    + ", s3.wal.upload.interval.ms=" + setup.intervalMs();
        };
    }
}
