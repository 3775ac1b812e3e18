package io.floe.bench;

import static io.floe.bench.Report.fmt;
import static io.floe.bench.S3Bench.PRODUCE_API;
import static io.floe.bench.S3Bench.PRODUCE_LATENCY;

import io.floe.bench.PerfOutputParser.ConsumerSummary;
import io.floe.bench.PerfOutputParser.ProducerSummary;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The tables of {@link S3Bench}: produce (throughput, latency against the upload interval, S3 requests and their
 * cost per GB written) and catch-up reads (MB/s, GETs and their cost per GB read), console and Markdown.
 */
final class S3Report {

    /** Goal: p99 produce latency at most this many times s3.wal.upload.interval.ms. */
    static final double P99_GOAL = 1.5;
    /** Goal: at most this many PUTs per GB written. */
    static final double PUTS_PER_GB_GOAL = 150;
    /** AWS S3 Standard list prices, US East (N. Virginia): PUT, COPY, POST, LIST requests, $ per 1,000. */
    static final double PUT_LIST_PER_1000 = 0.005;
    /** GET, SELECT and all other requests (HEAD), $ per 1,000. DELETE requests are free. */
    static final double GET_HEAD_PER_1000 = 0.0004;
    static final double GB = 1L << 30;
    static final double MB = 1L << 20;

    static final String PUTS = "floe_s3_requests_total{type=\"put\"}";
    static final String GETS = "floe_s3_requests_total{type=\"get\"}";
    static final String HEADS = "floe_s3_requests_total{type=\"head\"}";
    static final String LISTS = "floe_s3_requests_total{type=\"list\"}";
    static final String DELETES = "floe_s3_requests_total{type=\"delete\"}";
    static final String S3_FAILURES = "floe_s3_request_failures_total";
    static final String S3_READ_BYTES = "floe_s3_read_bytes_total";
    static final String WAL_BYTES = "floe_wal_bytes_committed_total";
    static final String WAL_OBJECTS = "floe_wal_objects_committed_total";
    static final String COMPACTION_OBJECTS = "floe_compaction_objects_written_total";
    static final String COMPACTION_BYTES = "floe_compaction_bytes_rewritten_total";

    enum Store { KAFKA, LOCAL, S3 }

    /** One broker configuration; {@code intervalMs} is s3.wal.upload.interval.ms, or -1 when not set. */
    record Setup(String label, Store store, long intervalMs) {
    }

    enum Phase {
        RATE("produce, rate-limited"),
        UNLIMITED("produce, unthrottled"),
        CATCH_UP_RATE("catch-up read of the rate-limited run"),
        CATCH_UP_UNLIMITED("catch-up read of the unthrottled run");

        final String text;

        Phase(String text) {
            this.text = text;
        }

        boolean produce() {
            return this == RATE || this == UNLIMITED;
        }
    }

    /** A measured case; {@code delta} is how Floe's counters grew over it (null: not scraped). */
    record Row(Setup setup, Phase phase, CaseResult result, PrometheusSamples delta) {
    }

    /**
     * Floe's counters from before its first produce run until compaction rewrote what the runs wrote (or gave up):
     * the whole write path's requests, WAL uploads and compaction alike.
     *
     * @param compactedShare compaction's rewritten bytes over the WAL's committed bytes in the window; NaN if unknown
     * @param waitedSec how long the bench waited for compaction after the last produce run
     */
    record WriteWindow(Setup setup, PrometheusSamples delta, double compactedShare, long waitedSec) {
    }

    private final S3BenchOptions opts;
    private final String commandLine;
    private final String when = Instant.now().toString();
    final List<BrokerRun> brokers = new ArrayList<>();
    final List<Row> rows = new ArrayList<>();
    final List<WriteWindow> writes = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    String s3Description = "";

    S3Report(S3BenchOptions opts, String commandLine) {
        this.opts = opts;
        this.commandLine = commandLine;
    }

    boolean anyMeasured() {
        return rows.stream().anyMatch(r -> r.result().ok());
    }

    // ------------------------------------------------------------------------------------------ figures

    /** Request dollars of a delta at the list prices. */
    static double requestDollars(PrometheusSamples d) {
        return (n(d, PUTS) + n(d, LISTS)) * PUT_LIST_PER_1000 / 1000 + (n(d, GETS) + n(d, HEADS)) * GET_HEAD_PER_1000 / 1000;
    }

    private static double n(PrometheusSamples d, String series) {
        double v = d.get(series);
        return Double.isNaN(v) ? 0 : v;
    }

    /** GB written over a produce case: the record batches the WAL committed. */
    static double gbWritten(Row r) {
        return r.delta() == null ? Double.NaN : r.delta().get(WAL_BYTES) / GB;
    }

    /** GB read over a catch-up case: what the consumer received. */
    static double gbRead(Row r) {
        ConsumerSummary c = r.result().consumer();
        return c == null ? Double.NaN : c.mbConsumed() * MB / GB;
    }

    private static double perGb(Row r, double count) {
        double gb = r.phase().produce() ? gbWritten(r) : gbRead(r);
        return gb > 0 ? count / gb : Double.NaN;
    }

    static double getsPerGb(Row r) {
        return s3(r) ? perGb(r, r.delta().get(GETS)) : Double.NaN;
    }

    static double dollarsPerGb(Row r) {
        return s3(r) ? perGb(r, requestDollars(r.delta())) : Double.NaN;
    }

    /** WAL objects committed per GB written: on S3, the WAL's PUTs per GB. */
    static double walObjectsPerGb(Row r) {
        return r.delta() == null || r.setup().store() == Store.KAFKA ? Double.NaN : perGb(r, r.delta().get(WAL_OBJECTS));
    }

    /** {@code series}' growth over a write window, per GB the WAL committed in it. */
    static double perGbWritten(WriteWindow w, double count) {
        double gb = w.delta().get(WAL_BYTES) / GB;
        return gb > 0 ? count / gb : Double.NaN;
    }

    static double putsPerGb(WriteWindow w) {
        return w.setup().store() == Store.S3 ? perGbWritten(w, w.delta().get(PUTS)) : Double.NaN;
    }

    static double dollarsPerGb(WriteWindow w) {
        return w.setup().store() == Store.S3 ? perGbWritten(w, requestDollars(w.delta())) : Double.NaN;
    }

    /** The average WAL object (MiB) of a Floe produce case: its batches' bytes over the objects committed. */
    static double avgObjectMb(Row r) {
        if (r.delta() == null || r.setup().store() == Store.KAFKA) {
            return Double.NaN;
        }
        double objects = r.delta().get(WAL_OBJECTS);
        return objects > 0 ? r.delta().get(WAL_BYTES) / objects / MB : Double.NaN;
    }

    /**
     * WAL PUTs per GB at the run's MB/s if each object holds one upload interval of data, sealed early at
     * s3.wal.upload.bytes: what the interval allows. Well above {@link #PUTS_PER_GB_GOAL}, the goal is out of reach at
     * this throughput and interval (objects hold a little more than an interval, as the seal comes after it).
     */
    static double walPutsFloorPerGb(Row r, long uploadBytes) {
        ProducerSummary p = r.result().producer();
        if (r.setup().store() != Store.S3 || p == null || !(p.mbPerSec() > 0) || r.setup().intervalMs() <= 0) {
            return Double.NaN;
        }
        double objectMb = Math.min(uploadBytes / MB, p.mbPerSec() * r.setup().intervalMs() / 1000.0);
        return GB / MB / objectMb;
    }

    /** p99 over the upload interval, for Floe on S3 (locally the interval is a millisecond: no goal there). */
    static double p99OverInterval(Row r) {
        ProducerSummary p = r.result().producer();
        if (r.setup().store() != Store.S3 || p == null || p.p99Ms() < 0 || r.setup().intervalMs() <= 0) {
            return Double.NaN;
        }
        return (double) p.p99Ms() / r.setup().intervalMs();
    }

    /**
     * The broker's own {@code q} latency of the run's Produce requests (arrival to response, from
     * {@code floe_request_latency_seconds}), in ms; NaN for Apache Kafka or without a scrape.
     */
    static double brokerProduceMs(Row r, double q) {
        if (r.delta() == null || r.setup().store() == Store.KAFKA) {
            return Double.NaN;
        }
        return r.delta().histogramQuantileMs(PRODUCE_LATENCY, PRODUCE_API, q);
    }

    /** The broker's p99 Produce latency over the upload interval, for Floe on S3. */
    static double brokerP99OverInterval(Row r) {
        if (r.setup().store() != Store.S3 || r.setup().intervalMs() <= 0) {
            return Double.NaN;
        }
        return brokerProduceMs(r, 0.99) / r.setup().intervalMs();
    }

    private static String goal(Row r, double ratio) {
        // latency is judged at the fixed rate: unthrottled, it is time queued in the producer's buffer
        return r.phase() != Phase.RATE || Double.isNaN(ratio) || !r.result().ok() ? "-"
                : ratio <= P99_GOAL ? "met" : "NOT met";
    }

    private static boolean s3(Row r) {
        return r.setup().store() == Store.S3 && r.delta() != null;
    }

    // ------------------------------------------------------------------------------------------ tables

    private static String[] produceHeader() {
        return new String[] {"broker", "run", "MB/s", "records/s", "client p50 / p99 ms", "broker p50 / p99 ms",
            "p99 / interval (client, broker)", "WAL objects/GB", "WAL object MiB", "PUTs/GB at 1 per interval",
            "p99 <= " + fmt(P99_GOAL, 1) + "x (client, broker)"};
    }

    private List<String[]> produceRows() {
        List<String[]> out = new ArrayList<>();
        for (Row r : rows) {
            if (!r.phase().produce()) {
                continue;
            }
            ProducerSummary p = r.result().producer();
            double ratio = p99OverInterval(r);
            double brokerRatio = brokerP99OverInterval(r);
            double brokerP50 = brokerProduceMs(r, 0.5);
            boolean ok = r.result().ok();
            out.add(new String[] {
                r.setup().label(),
                r.phase() == Phase.RATE ? String.format(Locale.ROOT, "%,d rec/s", opts.rate) : "unthrottled",
                p == null ? shortStatus(r.result()) : fmt(p.mbPerSec(), 1) + (ok ? "" : " (" + shortStatus(r.result()) + ")"),
                p == null ? "-" : String.format(Locale.ROOT, "%,.0f", p.recordsPerSec()),
                p == null || p.p50Ms() < 0 ? "-" : p.p50Ms() + " / " + p.p99Ms(),
                Double.isNaN(brokerP50) ? "-" : fmt(brokerP50, 0) + " / " + fmt(brokerProduceMs(r, 0.99), 0),
                Double.isNaN(ratio) ? "-" : fmt(ratio, 2) + "x, " + (Double.isNaN(brokerRatio) ? "-" : fmt(brokerRatio, 2) + "x"),
                count(walObjectsPerGb(r)),
                fmt(avgObjectMb(r), 2),
                count(walPutsFloorPerGb(r, opts.walUploadBytes())),
                goal(r, ratio) + ", " + goal(r, brokerRatio)
            });
        }
        return out;
    }

    private static String[] writeHeader() {
        return new String[] {"broker", "GB written", "PUTs/GB (all)", "WAL PUTs/GB", "compaction PUTs/GB",
            "other PUTs/GB", "GETs/GB", "LIST+HEAD+DEL/GB", "requests $/GB written", "compacted",
            "PUTs <= " + (int) PUTS_PER_GB_GOAL + "/GB"};
    }

    private List<String[]> writeRows() {
        List<String[]> out = new ArrayList<>();
        for (WriteWindow w : writes) {
            PrometheusSamples d = w.delta();
            boolean s3 = w.setup().store() == Store.S3;
            double puts = putsPerGb(w);
            out.add(new String[] {
                w.setup().label(),
                fmt(d.get(WAL_BYTES) / GB, 2),
                count(puts),
                count(perGbWritten(w, d.get(WAL_OBJECTS))),
                count(perGbWritten(w, d.get(COMPACTION_OBJECTS))),
                s3 ? count(perGbWritten(w, n(d, PUTS) - n(d, WAL_OBJECTS) - n(d, COMPACTION_OBJECTS))) : "-",
                s3 ? count(perGbWritten(w, d.get(GETS))) : "-",
                s3 ? count(perGbWritten(w, n(d, LISTS) + n(d, HEADS) + n(d, DELETES))) : "-",
                dollars(dollarsPerGb(w)),
                Double.isNaN(w.compactedShare()) ? "-"
                        : String.format(Locale.ROOT, "%.0f%% (waited %d s)", 100 * w.compactedShare(), w.waitedSec()),
                Double.isNaN(puts) ? "-" : puts <= PUTS_PER_GB_GOAL ? "met" : "NOT met"
            });
        }
        return out;
    }

    private static String[] readHeader() {
        return new String[] {"broker", "reads", "MB/s", "fetch MB/s", "records/s", "GETs/GB read",
            "GET KiB avg", "requests $/GB read"};
    }

    private List<String[]> readRows() {
        List<String[]> out = new ArrayList<>();
        for (Row r : rows) {
            if (r.phase().produce()) {
                continue;
            }
            ConsumerSummary c = r.result().consumer();
            double gets = s3(r) ? r.delta().get(GETS) : Double.NaN;
            double avgGetKib = gets > 0 ? r.delta().get(S3_READ_BYTES) / gets / 1024 : Double.NaN;
            out.add(new String[] {
                r.setup().label(),
                (r.phase() == Phase.CATCH_UP_RATE ? "rate-limited run" : "unthrottled run")
                        + (r.setup().store() == Store.KAFKA ? " (no restart)" : " (after restart)"),
                c == null ? shortStatus(r.result())
                        : fmt(c.mbPerSec(), 1) + (r.result().ok() ? "" : " (" + shortStatus(r.result()) + ")"),
                c == null ? "-" : fmt(c.fetchMbPerSec(), 1),
                c == null ? "-" : String.format(Locale.ROOT, "%,.0f", c.recordsPerSec()),
                count(getsPerGb(r)),
                fmt(avgGetKib, 0),
                dollars(dollarsPerGb(r))
            });
        }
        return out;
    }

    private static String count(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%,.0f", v);
    }

    private static String dollars(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "$%.5f", v);
    }

    private static String shortStatus(CaseResult c) {
        String s = c.status();
        int sp = s.indexOf(' ');
        return (sp > 0 ? s.substring(0, sp) : s).toLowerCase(Locale.ROOT);
    }

    private String settingsLine() {
        return String.format(Locale.ROOT,
                "%d B records, acks=all, %d partitions per topic, producer %s, on S3 adding %s (topics %s); rate-limited run: "
                        + "%,d records/s for %d s; unthrottled run: %,d records; broker heap %s; %d cores, Java %s, "
                        + "kafka-tools %s, commit %s",
                opts.common.recordSize, opts.partitions,
                opts.common.producerProps.isEmpty() ? "defaults" : S3BenchOptions.propsText(opts.common.producerProps),
                S3BenchOptions.propsText(opts.s3ProducerProps),
                opts.topicConfigs().isEmpty() ? "with default configs" : S3BenchOptions.propsText(opts.topicConfigs()),
                opts.rate, opts.seconds, opts.records, opts.common.heap,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                BenchOptions.kafkaVersion(), Report.gitRev());
    }

    private static String pricesLine() {
        return "Request cost at AWS S3 Standard list prices (US East): PUT, COPY, POST, LIST $"
                + BigDecimal.valueOf(PUT_LIST_PER_1000).stripTrailingZeros().toPlainString() + " per 1,000; GET and other requests (HEAD) $"
                + BigDecimal.valueOf(GET_HEAD_PER_1000).stripTrailingZeros().toPlainString() + " per 1,000; DELETE free. Storage and "
                + "transfer are not included. GB = 2^30 bytes, MB = MiB as the tools print them.";
    }

    private List<String> allNotes() {
        List<String> all = new ArrayList<>(notes);
        for (BrokerRun b : brokers) {
            if (b.error != null) {
                all.add(b.label + ": " + b.error);
            }
            if (b.foreignCores > Report.FOREIGN_LOAD_WARN) {
                all.add(String.format(Locale.ROOT, "%s: other processes used %.2f cores on average during its run: "
                        + "its figures are disturbed", b.label, b.foreignCores));
            }
        }
        for (Row r : rows) {
            if (!r.result().ok()) {
                all.add(r.setup().label() + ", " + r.phase().text + ": " + r.result().status());
            }
            if (r.delta() != null && r.delta().get(S3_FAILURES) > 0) {
                all.add(String.format(Locale.ROOT, "%s, %s: %.0f S3 requests failed (retried; counted above)",
                        r.setup().label(), r.phase().text, r.delta().get(S3_FAILURES)));
            }
        }
        return all;
    }

    String consoleText() {
        StringBuilder sb = new StringBuilder();
        sb.append("floe-bench s3 results (").append(when).append(")\n").append(settingsLine()).append('\n');
        sb.append("  S3: ").append(s3Description).append('\n');
        for (BrokerRun b : brokers) {
            sb.append("  ").append(b.label).append(": ").append(b.error != null ? "not measured" : b.description)
                    .append(foreign(b)).append('\n');
        }
        sb.append("\nProduce\n").append(Report.alignedTable(produceHeader(), produceRows()));
        sb.append("\nS3 requests per GB written (produce runs and their compaction)\n")
                .append(Report.alignedTable(writeHeader(), writeRows()));
        sb.append("\nCatch-up reads\n").append(Report.alignedTable(readHeader(), readRows()));
        sb.append('\n').append(pricesLine()).append('\n');
        for (String n : allNotes()) {
            sb.append("note: ").append(n).append('\n');
        }
        return sb.toString();
    }

    String markdown() {
        StringBuilder sb = new StringBuilder("# floe-bench s3 results\n\n");
        sb.append("Run ").append(when).append(": `bin/floe-bench s3 ").append(commandLine).append("`\n\n");
        sb.append(settingsLine()).append(".\n\n");
        sb.append("- **S3**: ").append(s3Description).append('\n');
        for (BrokerRun b : brokers) {
            sb.append("- **").append(b.label).append("**: ")
                    .append(b.error != null ? "not measured: " + b.error : b.description).append(foreign(b))
                    .append('\n');
        }
        sb.append("\n## Produce\n\n").append(Report.markdownTable(produceHeader(), produceRows()));
        sb.append("""

                Client p50/p99: ProducerPerformance's, acks=all, from `send()` to the callback: the producer's
                `linger.ms` and its wait for one of its 5 in-flight requests per connection included. Broker p50/p99:
                the broker's own, from a Produce request's arrival to its response
                (`floe_request_latency_seconds{api="Produce"}`, Kafka's `TotalTimeMs`; interpolated within the
                histogram's buckets as Prometheus' `histogram_quantile` does). p99 / interval: against
                s3.wal.upload.interval.ms (goal <= 1.5x, judged on the rate-limited run; unthrottled, latency is time
                queued in the producer's buffer). WAL objects per GB: the growth of `floe_wal_objects_committed_total` over the run (one PUT
                each on S3) over the growth of `floe_wal_bytes_committed_total` (the record batches made durable);
                WAL object MiB: the average object. PUTs/GB at 1 per interval: what one WAL object per interval (of
                at most `s3.wal.upload.bytes`, 8 MiB) comes to at the run's MB/s: well above 150, the goal is out
                of reach at that throughput and interval. The producers on S3 add
                the settings above: acks=all waits up to one interval plus a PUT and a commit, and a producer has
                at most 5 requests in flight per connection, each holding about two batches (kafka-clients' sticky
                partitioner fills one partition at a time), so only large batches carry the throughput without
                records queueing in the producer for a request slot. The S3 topics take batches that large
                (max.message.bytes as in the settings line).
                """);
        sb.append("\n## S3 requests per GB written\n\n").append(Report.markdownTable(writeHeader(), writeRows()));
        sb.append("""

                From before Floe's first produce run (the warm-up, if any) until compaction has rewritten at least
                95% of what was written into per-partition objects (it leaves data younger than
                `s3.stream.object.compaction.min.age.ms` alone; the bench runs it every minute, not every 5), or
                until it made no progress for 90 s, or `--compaction-wait` passed: the growth of
                `floe_s3_requests_total{type=...}` over the
                GB committed to the WAL. PUTs (all): `floe_s3_requests_total{type="put"}`; WAL PUTs:
                `floe_wal_objects_committed_total`; compaction PUTs: `floe_compaction_objects_written_total`; other
                PUTs: the rest (retried or abandoned uploads); compaction's GETs read the WAL objects back. The goal
                of at most 150 PUTs per GB counts them all. On the local store the same objects are files (no requests).
                """);
        sb.append("\n## Catch-up reads\n\n").append(Report.markdownTable(readHeader(), readRows()));
        sb.append("""

                ConsumerPerformance from offset 0 over each produce run's topic, after the wait for compaction.
                Floe is restarted first, so its tail and block caches are empty and every byte comes from the
                objects (S3Proxy serves them from its filesystem, i.e. the OS page cache); Apache Kafka is read
                without a restart (its page cache).
                MB/s counts from before the group join; fetch MB/s leaves the join out. GETs per GB read: the
                growth of `floe_s3_requests_total{type="get"}` over the GB consumed.
                """);
        sb.append('\n').append(pricesLine()).append('\n');
        List<String> notes = allNotes();
        if (!notes.isEmpty()) {
            sb.append("\n## Notes\n\n");
            notes.forEach(n -> sb.append("- ").append(n).append('\n'));
        }
        return sb.toString();
    }

    private static String foreign(BrokerRun b) {
        return Double.isNaN(b.foreignCores) ? ""
                : String.format(Locale.ROOT, "; other processes used %.2f cores meanwhile", b.foreignCores);
    }
}
