package io.floe.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Command line of {@link BrokerBench}. */
final class BenchOptions {

    static final long DEFAULT_RECORDS = 3_000_000L;
    static final long QUICK_RECORDS = 100_000L;
    static final long DEFAULT_WARMUP_RECORDS = 300_000L;

    boolean help;
    boolean runKafka = true;
    boolean runFloe = true;
    String kafkaBootstrap;
    String floeBootstrap;
    Path floeConfig;
    final List<String> floeOverrides = new ArrayList<>();
    final Map<String, String> kafkaOverrides = new LinkedHashMap<>();
    final Map<String, String> producerProps = new LinkedHashMap<>();
    long records = DEFAULT_RECORDS;
    int recordSize = 1024;
    List<Integer> partitions = List.of(1, 6);
    List<String> acks = List.of("all", "1");
    long warmupRecords = DEFAULT_WARMUP_RECORDS;
    String heap = "1g";
    long caseTimeoutSec = 300;
    int repeat = 1;
    long waitIdleSec = 0;
    long consumerTimeoutMs = 30_000;
    Path outDir;
    boolean keepData;

    static String usage() {
        return """
                floe-bench: Floe vs Apache Kafka, side by side, with kafka-tools' own ProducerPerformance and
                ConsumerPerformance (both run as child JVMs).

                For each broker (Apache Kafka %1$s first, then Floe), one after the other on this machine:
                  - starts it as a child JVM with -Xmx<heap> on a free 127.0.0.1 port and a fresh temp dir
                    (Apache Kafka: KRaft combined broker+controller, formatted with kafka.tools.StorageTool;
                     Floe: io.floe.broker.FloeBroker --override listeners=... --override floe.data.dir=...),
                    unless --kafka-bootstrap / --floe-bootstrap name an already running broker;
                  - a warm-up produce and read (not measured), then for each partition count (topic created via Admin):
                    ProducerPerformance --record-size <size> --throughput -1 --num-records <n> with acks=all and
                    acks=1 (one topic each), then ConsumerPerformance --messages <n> over the acks=all topic;
                  - stops it and deletes its temp dir.
                Then prints the table (MB/s, records/s, p50/p99 produce latency, consumer MB/s, Floe/Kafka ratio
                against the 0.8x goal) and writes <out>/bench-results.md and <out>/bench-results.json.
                Every child process is bounded by --case-timeout and killed on exit.

                Usage:
                  bin/floe-bench [options]                     (builds bench and its upstream modules first)
                  bin/floe-bench --no-build [options]          (reuses the last build)
                  bin/floe-bench s3 [--help]                   Floe on S3 (S3Proxy) beside the local store and
                                                               Apache Kafka: latency, PUTs/GETs and $ per GB
                  mvn -q -pl bench -Dmaven.test.skip package exec:java -Dexec.args="..."
                                                               (floe-* modules from ~/.m2: `mvn install` them first)

                Options:
                  --brokers kafka,floe      which brokers to measure (default: both; Floe is skipped with a note
                                            when io.floe.broker.FloeBroker is not on the classpath and no
                                            --floe-bootstrap is given)
                  --kafka-bootstrap H:P     measure an already running Apache Kafka instead of starting one
                  --floe-bootstrap H:P      measure an already running Floe instead of starting one
                  --floe-config FILE        server.properties handed to FloeBroker
                  --floe-override K=V       extra FloeBroker --override (repeatable)
                  --kafka-override K=V      extra/overriding Apache Kafka server property (repeatable)
                  --records N               records per produce case and per consume case (default %2$d,
                                            about 20-30 s per case against Apache Kafka on a 2-core machine)
                  --record-size BYTES       record size (default 1024)
                  --partitions LIST         partition counts, one topic each (default 1,6)
                  --acks LIST               producer acks cases (default all,1)
                  --warmup-records N        unmeasured warm-up produce and read per broker (default %3$d; 0 = none)
                  --producer-prop K=V       extra producer property for every produce case (repeatable)
                  --repeat N                run every case N times (fresh topic and group each time) and
                                            report the run of median MB/s (default 1)
                  --wait-idle SECONDS       before each broker, wait up to this long for other processes to
                                            use under 0.25 cores over 5 s (default 0: don't wait). The
                                            report flags a broker whose run shared the CPU that much anyway
                  --heap SIZE               -Xmx/-Xms of the broker JVMs (default 1g)
                  --case-timeout SECONDS    kill a perf tool still running after this (default 300)
                  --consumer-timeout MS     ConsumerPerformance --timeout between records (default 30000)
                  --quick                   smoke run: --records %4$d --warmup-records 0
                  --out DIR                 where the results go (default bench/target)
                  --keep-data               keep the brokers' temp dirs
                  -h, --help                this help
                """.formatted(kafkaVersion(), DEFAULT_RECORDS, DEFAULT_WARMUP_RECORDS, QUICK_RECORDS);
    }

    static String kafkaVersion() {
        try {
            return org.apache.kafka.common.utils.AppInfoParser.getVersion();
        } catch (Throwable t) {
            return "4.x";
        }
    }

    static BenchOptions parse(String[] args) {
        BenchOptions o = new BenchOptions();
        Long records = null;
        Long warmup = null;
        boolean quick = false;
        for (ArgReader r = new ArgReader(args); r.next(); ) {
            String a = r.name();
            switch (a) {
                case "-h", "--help" -> o.help = true;
                case "--quick" -> quick = true;
                case "--keep-data" -> o.keepData = true;
                case "--no-build" -> { /* handled by bin/floe-bench */ }
                default -> {
                    String v = r.value();
                    o.set(a, v);
                    if (a.equals("--records")) {
                        records = o.records;
                    }
                    if (a.equals("--warmup-records")) {
                        warmup = o.warmupRecords;
                    }
                }
            }
        }
        if (quick) {
            o.records = records != null ? records : QUICK_RECORDS;
            o.warmupRecords = warmup != null ? warmup : 0;
        }
        if (o.outDir == null) {
            String prop = System.getProperty("floe.bench.outputDir");
            if (prop != null && !prop.isBlank()) {
                o.outDir = Path.of(prop);
            } else if (Files.isDirectory(Path.of("bench"))) {
                o.outDir = Path.of("bench", "target");
            } else {
                o.outDir = Path.of("target");
            }
        }
        if (o.records <= 0 || o.recordSize <= 0 || o.partitions.isEmpty() || o.acks.isEmpty()) {
            throw new IllegalArgumentException("--records, --record-size, --partitions and --acks must be positive/non-empty");
        }
        if (!o.runKafka && !o.runFloe) {
            throw new IllegalArgumentException("--brokers names no broker (kafka, floe)");
        }
        return o;
    }

    private void set(String opt, String v) {
        switch (opt) {
            case "--brokers" -> {
                runKafka = false;
                runFloe = false;
                for (String b : v.split(",")) {
                    switch (b.strip().toLowerCase()) {
                        case "kafka", "apache-kafka" -> runKafka = true;
                        case "floe" -> runFloe = true;
                        case "" -> { }
                        default -> throw new IllegalArgumentException("unknown broker '" + b + "' (kafka, floe)");
                    }
                }
            }
            case "--kafka-bootstrap" -> kafkaBootstrap = v;
            case "--floe-bootstrap" -> floeBootstrap = v;
            case "--floe-config" -> floeConfig = Path.of(v);
            case "--floe-override" -> floeOverrides.add(requireKv(opt, v));
            case "--kafka-override" -> putKv(kafkaOverrides, opt, v);
            case "--producer-prop" -> putKv(producerProps, opt, v);
            case "--records" -> records = Long.parseLong(v.replace("_", ""));
            case "--record-size" -> recordSize = Integer.parseInt(v);
            case "--partitions" -> partitions = parseInts(v);
            case "--acks" -> acks = parseList(v);
            case "--warmup-records" -> warmupRecords = Long.parseLong(v.replace("_", ""));
            case "--heap" -> heap = v;
            case "--wait-idle" -> waitIdleSec = Long.parseLong(v);
            case "--repeat" -> {
                repeat = Integer.parseInt(v);
                if (repeat < 1) {
                    throw new IllegalArgumentException("--repeat must be at least 1");
                }
            }
            case "--case-timeout" -> caseTimeoutSec = Long.parseLong(v);
            case "--consumer-timeout" -> consumerTimeoutMs = Long.parseLong(v);
            case "--out" -> outDir = Path.of(v);
            default -> throw new IllegalArgumentException("unknown option " + opt + " (see --help)");
        }
    }

    private static String requireKv(String opt, String v) {
        if (v.indexOf('=') <= 0) {
            throw new IllegalArgumentException(opt + " wants KEY=VALUE, got '" + v + "'");
        }
        return v;
    }

    private static void putKv(Map<String, String> m, String opt, String v) {
        requireKv(opt, v);
        int eq = v.indexOf('=');
        m.put(v.substring(0, eq), v.substring(eq + 1));
    }

    private static List<Integer> parseInts(String v) {
        List<Integer> out = new ArrayList<>();
        for (String s : parseList(v)) {
            int n = Integer.parseInt(s);
            if (n <= 0) {
                throw new IllegalArgumentException("partition count must be positive: " + s);
            }
            out.add(n);
        }
        return out;
    }

    private static List<String> parseList(String v) {
        List<String> out = new ArrayList<>();
        for (String s : v.split(",")) {
            if (!s.isBlank()) {
                out.add(s.strip());
            }
        }
        return out;
    }
}
