package io.floe.bench;

import io.floe.bench.FailoverWorkload.Verification;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The figures of {@link FailoverBench}: per kill, per moved partition, over all kills; and the read-back check. */
final class FailoverReport {

    /**
     * A partition the killed broker led: milliseconds from the kill until Metadata named {@code newLeader}, and until
     * the first produce sent after the kill was acknowledged; -1 when it did not happen within the round's timeout.
     */
    record Move(int partition, long leaderMs, long servedMs, int newLeader) {
    }

    /**
     * One kill of node {@code killed} ({@code controller}: it was the live broker with the lowest node id, the one
     * that moves partitions); {@code leadsAgainMs}: from the restart until it led a partition again, -1 if not
     * within the timeout.
     */
    record Round(int round, int killed, boolean controller, List<Move> moves, long leadsAgainMs) {
        /** When every moved partition had a new leader in Metadata; -1 if one never did. */
        long allLeadersMs() {
            return max(moves.stream().mapToLong(Move::leaderMs).toArray());
        }

        /** When every moved partition served produces again; -1 if one never did. */
        long allServedMs() {
            return max(moves.stream().mapToLong(Move::servedMs).toArray());
        }

        private static long max(long[] v) {
            long m = v.length == 0 ? -1 : 0;
            for (long x : v) {
                if (x < 0) {
                    return -1;
                }
                m = Math.max(m, x);
            }
            return m;
        }
    }

    private final FailoverOptions opts;
    private final String commandLine;
    private final String when = Instant.now().toString();
    final List<Round> rounds = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    String backends = "";
    String brokers = "";
    String walInterval = "broker default";
    Verification verification;
    double foreignCores = Double.NaN;
    String error;

    FailoverReport(FailoverOptions opts, String commandLine) {
        this.opts = opts;
        this.commandLine = commandLine;
    }

    boolean measured() {
        return !rounds.isEmpty() && rounds.stream().allMatch(r -> r.allServedMs() >= 0);
    }

    /** The nearest-rank percentile of {@code values} (all >= 0), or -1 if a value is missing (-1) or none. */
    static long percentile(List<Long> values, double pct) {
        if (values.isEmpty() || values.stream().anyMatch(v -> v < 0)) {
            return -1;
        }
        List<Long> sorted = values.stream().sorted().toList();
        int rank = (int) Math.ceil(pct / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    private String producerSettings() {
        Map<String, String> all = new TreeMap<>(FailoverWorkload.PRODUCER_PROPS);
        all.putAll(opts.producerProps);
        return all.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
    }

    private static String ms(long v) {
        return v < 0 ? "not within the timeout" : String.format(Locale.ROOT, "%,d", v);
    }

    String markdown() {
        StringBuilder sb = new StringBuilder("# floe-bench failover results\n\n");
        sb.append("Run ").append(when).append(": `bin/floe-bench failover ").append(commandLine).append("`\n\n");
        sb.append(String.format(Locale.ROOT, "%d Floe brokers (child JVMs, -Xmx%s), one topic of %d partitions; "
                        + "broker.session.timeout.ms=%d, broker.heartbeat.interval.ms=%d, s3.wal.upload.interval.ms %s; "
                        + "producer: %,d records/s of %d B over all partitions, %s (client defaults otherwise); "
                        + "%d cores, Java %s, commit %s.%n%n",
                opts.brokers, opts.heap, opts.partitions, opts.sessionTimeoutMs, opts.heartbeatMs, walInterval,
                opts.rate, opts.recordSize, producerSettings(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), Report.gitRev()));
        sb.append("- **Backends**: ").append(backends).append('\n');
        sb.append("- **Brokers**: ").append(brokers).append('\n');
        if (!Double.isNaN(foreignCores)) {
            sb.append(String.format(Locale.ROOT, "- **Other load**: processes other than the bench and its children "
                    + "used %.2f of %d cores on average during the run%s%n", foreignCores,
                    Runtime.getRuntime().availableProcessors(),
                    foreignCores > Report.FOREIGN_LOAD_WARN ? " (figures disturbed)" : ""));
        }

        sb.append("\n## Over all kills\n\n");
        List<Long> served = rounds.stream().map(Round::allServedMs).toList();
        List<Long> leaders = rounds.stream().map(Round::allLeadersMs).toList();
        long p50 = percentile(served, 50);
        long max = percentile(served, 100);
        sb.append(Report.markdownTable(new String[] {"from kill -9 until", "kills", "p50 ms", "max ms",
            "under " + FailoverOptions.GOAL_MS / 1000 + " s"}, List.of(
                new String[] {"all moved partitions serve produces again", Integer.toString(rounds.size()), ms(p50),
                    ms(max), max < 0 ? "NO (a partition was not served again)"
                            : max < FailoverOptions.GOAL_MS ? "yes, every kill" : "NO"},
                new String[] {"Metadata names a new leader for all of them", Integer.toString(rounds.size()),
                    ms(percentile(leaders, 50)), ms(percentile(leaders, 100)), "-"})));

        sb.append("\n## Per kill\n\n");
        List<String[]> rows = new ArrayList<>();
        for (Round r : rounds) {
            rows.add(new String[] {
                Integer.toString(r.round()),
                r.killed() + (r.controller() ? " (controller)" : ""),
                r.moves().stream().map(m -> Integer.toString(m.partition())).collect(Collectors.joining(", ")),
                ms(r.allLeadersMs()),
                ms(r.allServedMs()),
                r.moves().stream().map(m -> m.partition() + ": " + (m.servedMs() < 0 ? "-" : m.servedMs())
                        + (m.newLeader() >= 0 ? " (to " + m.newLeader() + ")" : "")).collect(Collectors.joining("; ")),
                r.leadsAgainMs() < 0 ? "not within the timeout"
                        : String.format(Locale.ROOT, "%.1f s", r.leadsAgainMs() / 1000.0)
            });
        }
        sb.append(Report.markdownTable(new String[] {"kill", "killed node", "partitions moved",
            "new leaders in Metadata, ms", "all served again, ms", "per partition: served again, ms (new leader)",
            "restarted broker leads again after"}, rows));

        sb.append("\n## Acknowledged records\n\n");
        if (verification == null) {
            sb.append("Not checked (the run failed before the read-back).\n");
        } else {
            Verification v = verification;
            sb.append(String.format(Locale.ROOT, "Sent %,d, acknowledged %,d, failed sends %,d. Read back from offset 0 "
                            + "to the end offsets: %,d records%s. Acknowledged but missing: **%,d**; at another "
                            + "offset or partition than acknowledged: **%,d**; read twice: %,d; present but never "
                            + "acknowledged (sent before the producer stopped waiting, or failed after being "
                            + "written): %,d. **%s**%n",
                    v.sent(), v.acked(), v.sendErrors(), v.consumed(), v.readToEnd() ? "" : " (NOT to the end: timeout)",
                    v.lost(), v.misplaced(), v.duplicates(), v.presentNotAcked(),
                    v.nothingLost() ? "No acknowledged record was lost." : "ACKNOWLEDGED RECORDS WERE LOST OR MOVED."));
            for (String e : v.firstErrors()) {
                sb.append("- send error: ").append(e).append('\n');
            }
        }

        sb.append("""

                How it is measured: the kill is `Process.destroyForcibly()` (SIGKILL) of the broker's JVM, timed just
                before the signal. Served again: the first acknowledgement of a record *sent* after the kill, so no
                answer of the dead broker can count; it includes the produce's own latency (about one WAL upload
                interval plus a PUT and a commit). New leader: the first Admin describeTopics (polled every 50 ms
                from the live brokers) naming a live broker as the partition's leader. The killed broker is then
                restarted with the same node.id (a new port) and the next kill waits until no partition changed
                leader for 5 s and every partition has acknowledged produces within the last 2 s. The read-back is a plain consumer assigned to every
                partition from offset 0.
                """);
        List<String> all = new ArrayList<>(notes);
        if (error != null) {
            all.add(0, "the run failed: " + error);
        }
        if (!all.isEmpty()) {
            sb.append("\n## Notes\n\n");
            all.forEach(n -> sb.append("- ").append(n).append('\n'));
        }
        return sb.toString();
    }
}
