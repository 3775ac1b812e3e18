package io.floe.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Command line of {@link S3Bench} ({@code bin/floe-bench s3 ...}). */
final class S3BenchOptions {

    static final long DEFAULT_RATE = 10_000;
    static final int DEFAULT_SECONDS = 30;
    static final int QUICK_SECONDS = 10;
    static final long DEFAULT_RECORDS = 3_000_000L;
    static final long QUICK_RECORDS = 300_000L;

    /**
     * Producer settings of the Floe-on-S3 runs, over --producer-prop. A broker on S3 makes at most one PUT per
     * s3.wal.upload.interval.ms, so an acks=all request waits up to the interval plus a PUT and a commit, and an
     * idempotent producer has at most 5 requests in flight per connection: it carries at most 5 requests per
     * interval (Little's law). Without keys, kafka-clients' sticky partitioner fills one partition's batch at a
     * time, so a request holds about two batches, whatever the partition count. With 1 MiB batches that caps a
     * producer near 50 MB/s at 250 ms, and well below it records already queue for a free request slot (p99 1.7x
     * the interval at 40 MB/s). 4 MiB batches lift the cap fourfold; a batch fills in 100 ms at 40 MB/s, and
     * linger.ms=50 bounds what a record waits for it. The topics of these runs take batches that large (see
     * {@link #topicConfigs}).
     */
    static final Map<String, String> DEFAULT_S3_PRODUCER_PROPS = defaultS3ProducerProps();
    /** s3.wal.upload.bytes unless overridden: a WAL object is sealed at this size even before the interval. */
    static final long DEFAULT_WAL_UPLOAD_BYTES = 8L << 20;
    /** Kafka's message.max.bytes default, the max.message.bytes of a topic that sets none. */
    static final long KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

    boolean help;
    boolean runKafka = true;
    boolean runLocal = true;
    boolean runS3 = true;
    List<Long> intervalsMs = List.of(100L, 250L, 500L);
    /** Records a second of the rate-limited produce run, where latency is read. */
    long rate = DEFAULT_RATE;
    int seconds = DEFAULT_SECONDS;
    /** Records of the unthrottled produce run, where the maximum MB/s is read. */
    long records = DEFAULT_RECORDS;
    int partitions = 6;
    /** How long to wait after the produce runs for compaction to rewrite what they wrote; 0: not at all. */
    long compactionWaitSec;
    final List<String> floeOverrides = new ArrayList<>();
    /** {@link #DEFAULT_S3_PRODUCER_PROPS} with --s3-producer-prop applied: what the S3 runs' producers add. */
    final Map<String, String> s3ProducerProps = new LinkedHashMap<>(DEFAULT_S3_PRODUCER_PROPS);
    /** What {@link BrokerBench}'s tool runner reads: record size, heap, timeouts, output dir, warm-up, idle wait. */
    final BenchOptions common = new BenchOptions();

    static String usage() {
        return """
                floe-bench s3: Floe with its log in S3 (S3Proxy on loopback) beside Floe on the local store and
                beside Apache Kafka %1$s, in one run, one broker at a time, each a child JVM with -Xmx<heap>:

                  Apache Kafka; Floe on the local store; Floe on an S3Proxy bucket for each --intervals value
                  (s3.wal.upload.interval.ms). S3Proxy (filesystem blob store in a temp dir) runs throughout.

                Per broker, on one topic each (--partitions, created with Admin), ProducerPerformance with
                --record-size <size> acks=all:
                  - rate:      --throughput <rate> for <seconds> s: MB/s, p50/p99 latency, p99 / interval;
                  - unlimited: --throughput -1, <records> records: the maximum MB/s;
                and from Floe's /metrics: WAL objects per GB of each run, then, once compaction has rewritten
                what the runs wrote (--compaction-wait), S3 PUTs (WAL and compaction), GETs and other requests
                per GB written and their cost at AWS S3 Standard list prices.
                Then catch-up reads: Floe is restarted (empty caches) and ConsumerPerformance reads each topic
                from offset 0: MB/s and GETs per GB read. Apache Kafka's topics are read without a restart.
                Results: <out>/s3-results.md; child logs in <out>/bench-logs/.

                Usage: bin/floe-bench s3 [--no-build] [options]

                Options:
                  --intervals LIST        s3.wal.upload.interval.ms values, one Floe-on-S3 broker each
                                          (default 100,250,500)
                  --rate N                records/s of the rate-limited run (default %2$d)
                  --seconds S             length of the rate-limited run (default %3$d; --quick %4$d)
                  --records N             records of the unthrottled run (default %5$d; --quick %6$d)
                  --partitions N          partitions of each topic (default 6)
                  --record-size BYTES     record size (default 1024)
                  --brokers LIST          rows to run: kafka, local, s3 (default all three)
                  --floe-override K=V     extra FloeBroker --override for every Floe broker (repeatable)
                  --producer-prop K=V     extra producer property of every produce run (repeatable)
                                          (default: the producer's defaults)
                  --s3-producer-prop K=V  producer property of the Floe-on-S3 runs only, over --producer-prop
                                          (repeatable; K= drops a default); defaults:
                                          %8$s
                  --warmup-records N      unmeasured unthrottled produce per broker first (default %7$d;
                                          --quick 0)
                  --compaction-wait SEC   after the produce runs, wait up to this long for Floe's compaction
                                          to rewrite what they wrote before counting the write path's
                                          requests and reading back (default 300; --quick 180;
                                          0: don't wait)
                  --heap SIZE             -Xmx/-Xms of the broker JVMs (default 1g)
                  --wait-idle SECONDS     before each broker, wait for other processes to use under 0.25 cores
                  --case-timeout SECONDS  kill a perf tool still running after this (default 300)
                  --consumer-timeout MS   ConsumerPerformance --timeout between records (default 30000)
                  --quick                 smoke run: shorter runs, no warm-up
                  --out DIR               where the results go (default bench/target)
                  -h, --help              this help
                """.formatted(BenchOptions.kafkaVersion(), DEFAULT_RATE, DEFAULT_SECONDS, QUICK_SECONDS,
                DEFAULT_RECORDS, QUICK_RECORDS, BenchOptions.DEFAULT_WARMUP_RECORDS,
                propsText(DEFAULT_S3_PRODUCER_PROPS));
    }

    static S3BenchOptions parse(String[] args) {
        S3BenchOptions o = new S3BenchOptions();
        boolean quick = false;
        Integer seconds = null;
        Long records = null;
        Long warmup = null;
        Long compactionWait = null;
        for (ArgReader r = new ArgReader(args); r.next(); ) {
            String a = r.name();
            switch (a) {
                case "-h", "--help" -> o.help = true;
                case "--quick" -> quick = true;
                case "--no-build" -> { /* handled by bin/floe-bench */ }
                default -> {
                    String v = r.value();
                    switch (a) {
                        case "--intervals" -> o.intervalsMs = parseLongs(a, v);
                        case "--rate" -> o.rate = positive(a, Long.parseLong(v.replace("_", "")));
                        case "--seconds" -> seconds = (int) positive(a, Integer.parseInt(v));
                        case "--records" -> records = positive(a, Long.parseLong(v.replace("_", "")));
                        case "--partitions" -> o.partitions = (int) positive(a, Integer.parseInt(v));
                        case "--record-size" -> o.common.recordSize = (int) positive(a, Integer.parseInt(v));
                        case "--brokers" -> o.setBrokers(v);
                        case "--producer-prop" -> {
                            if (v.indexOf('=') <= 0) {
                                throw new IllegalArgumentException(a + " wants KEY=VALUE, got '" + v + "'");
                            }
                            o.common.producerProps.put(v.substring(0, v.indexOf('=')), v.substring(v.indexOf('=') + 1));
                        }
                        case "--s3-producer-prop" -> {
                            int at = v.indexOf('=');
                            if (at <= 0) {
                                throw new IllegalArgumentException(a + " wants KEY=VALUE, got '" + v + "'");
                            }
                            if (at == v.length() - 1) {
                                o.s3ProducerProps.remove(v.substring(0, at));
                            } else {
                                o.s3ProducerProps.put(v.substring(0, at), v.substring(at + 1));
                            }
                        }
                        case "--floe-override" -> {
                            if (v.indexOf('=') <= 0) {
                                throw new IllegalArgumentException(a + " wants KEY=VALUE, got '" + v + "'");
                            }
                            o.floeOverrides.add(v);
                        }
                        case "--warmup-records" -> warmup = Long.parseLong(v.replace("_", ""));
                        case "--compaction-wait" -> compactionWait = Long.parseLong(v);
                        case "--heap" -> o.common.heap = v;
                        case "--wait-idle" -> o.common.waitIdleSec = Long.parseLong(v);
                        case "--case-timeout" -> o.common.caseTimeoutSec = positive(a, Long.parseLong(v));
                        case "--consumer-timeout" -> o.common.consumerTimeoutMs = positive(a, Long.parseLong(v));
                        case "--out" -> o.common.outDir = Path.of(v);
                        default -> throw new IllegalArgumentException("unknown option " + a + " (see --help)");
                    }
                }
            }
        }
        o.seconds = seconds != null ? seconds : quick ? QUICK_SECONDS : DEFAULT_SECONDS;
        o.records = records != null ? records : quick ? QUICK_RECORDS : DEFAULT_RECORDS;
        o.compactionWaitSec = compactionWait != null ? compactionWait : quick ? 180 : 300;
        o.common.warmupRecords = warmup != null ? warmup : quick ? 0 : BenchOptions.DEFAULT_WARMUP_RECORDS;
        o.common.records = o.records;
        o.common.partitions = List.of(o.partitions);
        o.common.acks = List.of("all");
        if (o.common.outDir == null) {
            String prop = System.getProperty("floe.bench.outputDir");
            o.common.outDir = prop != null && !prop.isBlank() ? Path.of(prop)
                    : Files.isDirectory(Path.of("bench")) ? Path.of("bench", "target") : Path.of("target");
        }
        if (o.runS3 && o.intervalsMs.isEmpty()) {
            throw new IllegalArgumentException("--intervals names no interval");
        }
        return o;
    }

    /** s3.wal.upload.bytes as the Floe brokers get it: the last --floe-override of it, else the default. */
    long walUploadBytes() {
        long bytes = DEFAULT_WAL_UPLOAD_BYTES;
        for (String o : floeOverrides) {
            if (o.startsWith("s3.wal.upload.bytes=")) {
                bytes = Long.parseLong(o.substring(o.indexOf('=') + 1).strip());
            }
        }
        return bytes;
    }

    /**
     * Configs of the topics the S3 runs produce to: max.message.bytes as large as the producers' requests when
     * their batches exceed Kafka's default limit (1 MiB). A batch above max.message.bytes is refused with
     * MESSAGE_TOO_LARGE, and kafka-clients splits it into batches of batch.size again, forever.
     */
    Map<String, String> topicConfigs() {
        long batch = Long.parseLong(s3ProducerProps.getOrDefault("batch.size", "16384"));
        if (batch <= KAFKA_DEFAULT_MAX_MESSAGE_BYTES) {
            return Map.of();
        }
        long request = Long.parseLong(s3ProducerProps.getOrDefault("max.request.size", "1048576"));
        return Map.of("max.message.bytes", String.valueOf(Math.max(batch, request)));
    }

    static String propsText(Map<String, String> props) {
        if (props.isEmpty()) {
            return "none";
        }
        List<String> kv = new ArrayList<>();
        props.forEach((k, v) -> kv.add(k + "=" + v));
        return String.join(" ", kv);
    }

    private static Map<String, String> defaultS3ProducerProps() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("batch.size", "4194304");
        m.put("linger.ms", "50");
        m.put("max.request.size", "16777216");
        m.put("buffer.memory", "134217728");
        return java.util.Collections.unmodifiableMap(m);
    }

    private void setBrokers(String v) {
        runKafka = false;
        runLocal = false;
        runS3 = false;
        for (String b : v.split(",")) {
            switch (b.strip().toLowerCase()) {
                case "kafka", "apache-kafka" -> runKafka = true;
                case "local" -> runLocal = true;
                case "s3" -> runS3 = true;
                case "" -> { }
                default -> throw new IllegalArgumentException("unknown broker '" + b + "' (kafka, local, s3)");
            }
        }
        if (!runKafka && !runLocal && !runS3) {
            throw new IllegalArgumentException("--brokers names no broker (kafka, local, s3)");
        }
    }

    private static long positive(String opt, long v) {
        if (v <= 0) {
            throw new IllegalArgumentException(opt + " must be positive, got " + v);
        }
        return v;
    }

    private static List<Long> parseLongs(String opt, String v) {
        List<Long> out = new ArrayList<>();
        for (String s : v.split(",")) {
            if (!s.isBlank()) {
                out.add(positive(opt, Long.parseLong(s.strip())));
            }
        }
        return out;
    }
}
