package io.floe.bench;

import io.floe.bench.FailoverReport.Move;
import io.floe.bench.FailoverReport.Round;
import io.floe.storage.testing.PostgresServer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * How long a killed broker's partitions take to serve produces again: a cluster of Floe brokers (child JVMs) on one
 * S3Proxy bucket and one PostgreSQL metadata store, an idempotent producer on every partition, and rounds of
 * kill -9, measure, restart. See {@link FailoverOptions#usage()}.
 */
public final class FailoverBench {

    static final String BUCKET = "floe-failover";
    static final String TOPIC = "failover";
    /** Before a kill, every partition must have acknowledged a produce this recently. */
    private static final long SERVING_WITHIN_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** Before a kill, no partition may have changed leader for this long. */
    private static final long SETTLED_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final FailoverOptions opts;
    private final String classpath;
    private final String floeBuild;
    private final PrintStream out;
    private final Path logsDir;
    private final String runId;
    /** The running brokers by node id. */
    private final Map<Integer, BrokerProcess.Floe> live = new TreeMap<>();
    private final Map<Integer, Integer> starts = new HashMap<>();
    private final List<String> shared = new ArrayList<>();

    FailoverBench(FailoverOptions opts, String classpath, String floeBuild, PrintStream out) throws IOException {
        this.opts = opts;
        this.classpath = classpath;
        this.floeBuild = floeBuild;
        this.out = out;
        this.logsDir = opts.outDir.resolve("bench-logs");
        Files.createDirectories(logsDir);
        this.runId = Long.toString(System.currentTimeMillis() / 1000 % 1_000_000, 36)
                + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36), 36);
    }

    public static void main(String[] args) throws Exception {
        BrokerBench.quietLogging();
        FailoverOptions opts;
        try {
            opts = FailoverOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("floe-bench failover: " + e.getMessage());
            System.err.println();
            System.err.println(FailoverOptions.usage());
            System.exit(2);
            return;
        }
        if (opts.help) {
            System.out.println(FailoverOptions.usage());
            return;
        }
        Cleanup.install();
        String original = BrokerBench.childClasspath();
        FailoverBench bench = new FailoverBench(opts, BrokerBench.snapshotMutableEntries(original),
                BrokerBench.floeBuild(original), System.out);
        FailoverReport report = bench.run(String.join(" ", args));
        String md = report.markdown();
        System.out.println();
        System.out.print(md);
        Path file = opts.outDir.resolve("failover-results.md");
        Files.writeString(file, md);
        System.out.println("results: " + file.toAbsolutePath() + "; broker logs in " + bench.logsDir.toAbsolutePath());
        System.exit(report.measured() && report.verification != null && report.verification.nothingLost() ? 0 : 1);
    }

    FailoverReport run(String commandLine) {
        FailoverReport report = new FailoverReport(opts, commandLine);
        opts.floeOverrides.stream().filter(o -> o.startsWith("s3.wal.upload.interval.ms="))
                .reduce((a, b) -> b).ifPresent(o -> report.walInterval = o.substring(o.indexOf('=') + 1) + " ms");
        HostLoad.Sample load0 = HostLoad.sample();
        S3ProxyProcess s3 = null;
        PostgresServer postgres = null;
        FailoverWorkload workload = null;
        Thread stopPostgres = null;
        try {
            s3 = S3ProxyProcess.start(S3ProxyProcess.locateJar(opts.outDir), logsDir, out);
            s3.createBucket(BUCKET);
            out.println("== " + s3.description());
            postgres = PostgresServer.start();
            PostgresServer pg = postgres;
            stopPostgres = new Thread(pg::close, "floe-bench-postgres-stop"); // Ctrl-C: not left running
            Runtime.getRuntime().addShutdownHook(stopPostgres);
            String db = postgres.newDatabase();
            out.println("== PostgreSQL at 127.0.0.1:" + postgres.port() + " in " + postgres.directory());
            report.backends = s3.description() + ", bucket " + BUCKET + "; PostgreSQL 14 (zonky binaries, "
                    + "testing.PostgresServer, fsync off) at 127.0.0.1:" + postgres.port();

            shared.add("metadata.store.url=" + db);
            shared.addAll(s3.floeOverrides(BUCKET, runId + "/"));
            shared.add("broker.session.timeout.ms=" + opts.sessionTimeoutMs);
            shared.add("broker.heartbeat.interval.ms=" + opts.heartbeatMs);
            shared.addAll(opts.floeOverrides);
            for (int node = 1; node <= opts.brokers; node++) {
                startBroker(node);
            }
            report.brokers = "Floe (" + BrokerProcess.Floe.MAIN_CLASS + " from " + floeBuild + "), node.id 1.."
                    + opts.brokers + ", each with its own listener and floe.rest.catalog.listeners port";
            try (Admin admin = pollingAdmin()) {
                admin.createTopics(List.of(new NewTopic(TOPIC, opts.partitions, (short) 3))).all()
                        .get(60, TimeUnit.SECONDS);
                if (!await(Duration.ofSeconds(opts.roundTimeoutSec),
                        () -> new HashSet<>(leaders(admin).values()).containsAll(live.keySet()))) {
                    report.notes.add("the topic's partitions were not spread over every broker after "
                            + opts.roundTimeoutSec + " s");
                }
                out.println("== topic " + TOPIC + " created");
            }
            workload = new FailoverWorkload(bootstrap(), TOPIC, opts.partitions, opts.rate, opts.recordSize,
                    opts.producerProps);
            for (int round = 1; round <= opts.rounds; round++) {
                report.rounds.add(round(round, workload, report));
            }
            out.println("== stopping the producer and reading the topic back");
            report.verification = workload.stopAndVerify(bootstrap(), Duration.ofSeconds(180));
        } catch (Exception e) {
            report.error = String.valueOf(e);
            out.println("== FAILED: " + e);
        } finally {
            if (workload != null) {
                try {
                    workload.close();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            live.values().forEach(BrokerProcess::close);
            live.clear();
            if (postgres != null) {
                postgres.close();
                try {
                    Runtime.getRuntime().removeShutdownHook(stopPostgres);
                } catch (IllegalStateException e) {
                    // shutting down already
                }
            }
            if (s3 != null) {
                s3.close();
            }
        }
        report.foreignCores = HostLoad.foreignCores(load0, HostLoad.sample()).orElse(Double.NaN);
        return report;
    }

    /**
     * One kill: waits until every partition serves produces, kills a broker that leads some, measures each moved
     * partition until it has a new leader and serves produces again, then restarts the broker and waits until it
     * leads partitions again.
     */
    private Round round(int round, FailoverWorkload workload, FailoverReport report) throws Exception {
        Map<Integer, Integer> before = settled(round, workload, report);
        int victim = victim(round, before);
        boolean controller = victim == live.keySet().iterator().next();
        Set<Integer> moved = new TreeSet<>();
        before.forEach((p, l) -> {
            if (l == victim) {
                moved.add(p);
            }
        });
        out.printf("-- kill %d: kill -9 of node %d%s, leading partitions %s (leaders %s; %,d acknowledged so far)%n",
                round, victim, controller ? " (the controller)" : "", moved, before, workload.acknowledged());

        BrokerProcess.Floe broker = live.remove(victim);
        long killNanos = System.nanoTime();
        workload.markKill(killNanos);
        broker.killForcibly();
        broker.close();

        Map<Integer, Long> leaderMs = new TreeMap<>();
        Map<Integer, Integer> newLeader = new HashMap<>();
        long deadline = killNanos + TimeUnit.SECONDS.toNanos(opts.roundTimeoutSec);
        try (Admin admin = pollingAdmin()) {
            while (System.nanoTime() < deadline) {
                try {
                    Map<Integer, Integer> now = leaders(admin);
                    long t = System.nanoTime();
                    for (int p : moved) {
                        Integer l = now.get(p);
                        if (!leaderMs.containsKey(p) && l != null && l >= 0 && l != victim) {
                            leaderMs.put(p, TimeUnit.NANOSECONDS.toMillis(t - killNanos));
                            newLeader.put(p, l);
                        }
                    }
                } catch (Exception e) {
                    // a request that went to the dead broker: ask again
                }
                if (leaderMs.keySet().containsAll(moved) && workload.firstAckAfterKill().keySet().containsAll(moved)) {
                    break;
                }
                Thread.sleep(50);
            }
        }
        Map<Integer, Long> firstAck = workload.firstAckAfterKill();
        List<Move> moves = new ArrayList<>();
        for (int p : moved) {
            Long ack = firstAck.get(p);
            moves.add(new Move(p, leaderMs.getOrDefault(p, -1L),
                    ack == null ? -1 : TimeUnit.NANOSECONDS.toMillis(ack - killNanos), newLeader.getOrDefault(p, -1)));
        }
        out.printf("-- kill %d: per partition (ms to new leader / to served again): %s%n", round, moves.stream()
                .map(m -> m.partition() + ": " + m.leaderMs() + " / " + m.servedMs() + " -> node " + m.newLeader())
                .collect(Collectors.joining("; ")));

        out.printf("-- kill %d: restarting node %d%n", round, victim);
        long restartNanos = System.nanoTime();
        startBroker(victim);
        long leadsAgainMs = -1;
        try (Admin admin = pollingAdmin()) {
            if (await(Duration.ofSeconds(opts.roundTimeoutSec), () -> leaders(admin).containsValue(victim))) {
                leadsAgainMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restartNanos);
            }
            out.printf("-- kill %d: node %d leads %s%n", round, victim,
                    leadsAgainMs < 0 ? "nothing after " + opts.roundTimeoutSec + " s"
                            : String.format(Locale.ROOT, "again %.1f s after its restart", leadsAgainMs / 1000.0));
        }
        return new Round(round, victim, controller, moves, leadsAgainMs);
    }

    /**
     * Waits until no partition changed leader for {@link #SETTLED_NANOS} (the controller may still be balancing
     * after a restart: a kill then would catch partitions already on their way) and every partition serves
     * produces; returns the leaders.
     */
    private Map<Integer, Integer> settled(int round, FailoverWorkload workload, FailoverReport report)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(opts.roundTimeoutSec);
        try (Admin admin = pollingAdmin()) {
            Map<Integer, Integer> last = Map.of();
            long since = System.nanoTime();
            while (System.nanoTime() < deadline) {
                Thread.sleep(200);
                Map<Integer, Integer> now;
                try {
                    now = leaders(admin);
                } catch (Exception e) {
                    continue;
                }
                if (!now.equals(last)) {
                    last = now;
                    since = System.nanoTime();
                } else if (System.nanoTime() - since >= SETTLED_NANOS && !now.containsValue(-1)
                        && workload.allPartitionsServing(SERVING_WITHIN_NANOS)) {
                    return now;
                }
            }
            report.notes.add("kill " + round + ": leaders still changing, or a partition not serving produces, "
                    + opts.roundTimeoutSec + " s after the previous round: killed anyway");
            return last;
        }
    }

    /** Node 1, 2, 3, ... in turn, if it leads a partition; else the next node that does. */
    private int victim(int round, Map<Integer, Integer> leaders) {
        List<Integer> nodes = new ArrayList<>(live.keySet());
        for (int i = 0; i < nodes.size(); i++) {
            int node = nodes.get((round - 1 + i) % nodes.size());
            if (leaders.containsValue(node)) {
                return node;
            }
        }
        throw new IllegalStateException("no live broker leads a partition of " + TOPIC + ": " + leaders);
    }

    private void startBroker(int node) throws IOException, InterruptedException {
        int n = starts.merge(node, 1, Integer::sum);
        List<String> overrides = new ArrayList<>(shared);
        overrides.add("node.id=" + node);
        overrides.add("floe.rest.catalog.listeners=http://127.0.0.1:" + BrokerProcess.freePort());
        long t0 = System.nanoTime();
        BrokerProcess.Floe f = BrokerProcess.Floe.start(classpath, logsDir, opts.heap, null, overrides, false,
                floeBuild, "failover-node" + node + "-start" + n + ".log", out);
        live.put(node, f);
        out.printf("== node %d up at %s in %.1f s%n", node, f.bootstrap(), (System.nanoTime() - t0) / 1e9);
    }

    private String bootstrap() {
        return live.values().stream().map(BrokerProcess::bootstrap).collect(Collectors.joining(","));
    }

    /** An Admin over the live brokers with short timeouts, for polling. */
    private Admin pollingAdmin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "200");
        return Admin.create(p);
    }

    /** Each partition's leader as Metadata reports it; -1 for none. */
    private static Map<Integer, Integer> leaders(Admin admin) throws Exception {
        TopicDescription d = admin.describeTopics(List.of(TOPIC)).allTopicNames().get(5, TimeUnit.SECONDS).get(TOPIC);
        Map<Integer, Integer> out = new TreeMap<>();
        for (TopicPartitionInfo p : d.partitions()) {
            out.put(p.partition(), p.leader() == null || p.leader().isEmpty() ? -1 : p.leader().id());
        }
        return out;
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    /** Polls {@code condition} every 100 ms; false if it did not hold within {@code timeout}. */
    private static boolean await(Duration timeout, Condition condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (condition.holds()) {
                    return true;
                }
            } catch (Exception e) {
                // not yet
            }
            Thread.sleep(100);
        }
        return false;
    }
}
