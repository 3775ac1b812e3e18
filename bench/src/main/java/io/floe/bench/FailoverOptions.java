package io.floe.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Command line of {@link FailoverBench} ({@code bin/floe-bench failover ...}). */
final class FailoverOptions {

    /** The goal: a killed broker's partitions serve produces again within this, with the default session timeout. */
    static final long GOAL_MS = 10_000;

    boolean help;
    int brokers = 3;
    int rounds = 3;
    int partitions = 6;
    /** Records a second the producer offers, spread evenly over the partitions. */
    long rate = 1_000;
    int recordSize = 1024;
    /** broker.session.timeout.ms and broker.heartbeat.interval.ms: the brokers' defaults unless given. */
    long sessionTimeoutMs = 6_000;
    long heartbeatMs = 500;
    /** How long a round waits for the moved partitions, and the restarted broker for partitions of its own. */
    long roundTimeoutSec = 60;
    String heap = "1g";
    final List<String> floeOverrides = new ArrayList<>();
    /** Producer settings over {@link FailoverWorkload#PRODUCER_PROPS}. */
    final Map<String, String> producerProps = new LinkedHashMap<>();
    Path outDir;

    static String usage() {
        return """
                floe-bench failover: how long a Floe broker's partitions take to move after kill -9.

                Starts S3Proxy (one bucket), PostgreSQL (the shared metadata store) and <brokers> Floe brokers as
                child JVMs (node.id 1..N, one metadata.store.url, one bucket), creates a topic and runs an
                idempotent acks=all producer on every partition throughout. Then, <rounds> times: SIGKILLs the
                broker leading partitions (node 1, 2, 3, ... in turn, the next one leading something otherwise),
                and for each partition it led measures the time from the kill until Metadata names a new leader
                and until the first produce sent after the kill is acknowledged; restarts it and waits until it
                leads partitions again. At the end it reads the topic back and checks that every acknowledged
                record is there, at its acknowledged offset, once.
                Results: <out>/failover-results.md; broker logs in <out>/bench-logs/.

                Usage: bin/floe-bench failover [--no-build] [options]

                Options:
                  --rounds N              kills (default 3)
                  --brokers N             brokers in the cluster (default 3)
                  --partitions N          partitions of the topic (default 6)
                  --rate N                records/s the producer offers (default 1000)
                  --record-size BYTES     record size (default 1024)
                  --session-timeout-ms MS broker.session.timeout.ms (default 6000, the broker's default)
                  --heartbeat-ms MS       broker.heartbeat.interval.ms (default 500, the broker's default)
                  --round-timeout SEC     longest wait for the moved partitions, and for the restarted broker
                                          to lead again (default 60)
                  --floe-override K=V     extra FloeBroker --override for every broker (repeatable)
                  --producer-prop K=V     producer setting over the bench's (repeatable), e.g.
                                          retry.backoff.max.ms=200
                  --heap SIZE             -Xmx/-Xms of each broker JVM (default 1g)
                  --out DIR               where the results go (default bench/target)
                  -h, --help              this help
                """;
    }

    static FailoverOptions parse(String[] args) {
        FailoverOptions o = new FailoverOptions();
        for (ArgReader r = new ArgReader(args); r.next(); ) {
            String a = r.name();
            switch (a) {
                case "-h", "--help" -> o.help = true;
                case "--no-build" -> { /* handled by bin/floe-bench */ }
                default -> {
                    String v = r.value();
                    switch (a) {
                        case "--rounds" -> o.rounds = (int) positive(a, Long.parseLong(v));
                        case "--brokers" -> o.brokers = (int) positive(a, Long.parseLong(v));
                        case "--partitions" -> o.partitions = (int) positive(a, Long.parseLong(v));
                        case "--rate" -> o.rate = positive(a, Long.parseLong(v.replace("_", "")));
                        case "--record-size" -> o.recordSize = (int) positive(a, Long.parseLong(v));
                        case "--session-timeout-ms" -> o.sessionTimeoutMs = positive(a, Long.parseLong(v));
                        case "--heartbeat-ms" -> o.heartbeatMs = positive(a, Long.parseLong(v));
                        case "--round-timeout" -> o.roundTimeoutSec = positive(a, Long.parseLong(v));
                        case "--floe-override" -> {
                            if (v.indexOf('=') <= 0) {
                                throw new IllegalArgumentException(a + " wants KEY=VALUE, got '" + v + "'");
                            }
                            o.floeOverrides.add(v);
                        }
                        case "--producer-prop" -> {
                            if (v.indexOf('=') <= 0) {
                                throw new IllegalArgumentException(a + " wants KEY=VALUE, got '" + v + "'");
                            }
                            o.producerProps.put(v.substring(0, v.indexOf('=')), v.substring(v.indexOf('=') + 1));
                        }
                        case "--heap" -> o.heap = v;
                        case "--out" -> o.outDir = Path.of(v);
                        default -> throw new IllegalArgumentException("unknown option " + a + " (see --help)");
                    }
                }
            }
        }
        if (o.brokers < 2) {
            throw new IllegalArgumentException("--brokers must be at least 2: a killed broker's partitions need "
                    + "another broker to move to");
        }
        if (o.recordSize < 32) {
            throw new IllegalArgumentException("--record-size must be at least 32: a record carries its sequence number");
        }
        if (o.outDir == null) {
            String prop = System.getProperty("floe.bench.outputDir");
            o.outDir = prop != null && !prop.isBlank() ? Path.of(prop)
                    : Files.isDirectory(Path.of("bench")) ? Path.of("bench", "target") : Path.of("target");
        }
        return o;
    }

    private static long positive(String opt, long v) {
        if (v <= 0) {
            throw new IllegalArgumentException(opt + " must be positive, got " + v);
        }
        return v;
    }
}
