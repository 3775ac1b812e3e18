package io.floe.bench;

import io.floe.bench.PerfOutputParser.ConsumerSummary;
import io.floe.bench.PerfOutputParser.ProducerSummary;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** The side-by-side table (console and Markdown) and the JSON of a bench run. */
final class Report {

    static final double GOAL = 0.8;
    /** Above this average number of cores used by other processes during a broker's run, its figures are flagged. */
    static final double FOREIGN_LOAD_WARN = 0.25;

    private final BenchOptions opts;
    private final List<BrokerRun> runs;
    private final String commandLine;
    private final String when = Instant.now().toString();

    Report(BenchOptions opts, List<BrokerRun> runs, String commandLine) {
        this.opts = opts;
        this.runs = runs;
        this.commandLine = commandLine;
    }

    private Optional<BrokerRun> run(String label) {
        return runs.stream().filter(r -> r.label.equals(label)).findFirst();
    }

    /** Case ids in run order (the union over brokers). */
    private List<String> caseIds() {
        Set<String> ids = new LinkedHashSet<>();
        for (BrokerRun r : runs) {
            r.cases.forEach(c -> ids.add(c.caseId()));
        }
        return new ArrayList<>(ids);
    }

    private Optional<CaseResult> find(String broker, String caseId) {
        return run(broker).flatMap(r -> r.find(caseId));
    }

    /** Floe MB/s over Kafka MB/s for one case, NaN when either is missing. */
    double ratio(String caseId) {
        Optional<CaseResult> k = find("Apache Kafka", caseId);
        Optional<CaseResult> f = find("Floe", caseId);
        if (k.isEmpty() || f.isEmpty() || !k.get().ok() || !f.get().ok()) {
            return Double.NaN;
        }
        double km = k.get().mbPerSec();
        return km > 0 ? f.get().mbPerSec() / km : Double.NaN;
    }

    /** Minimum ratio over the cases of one kind; NaN when some case has no ratio (or there is none). */
    double minRatio(CaseResult.Kind kind) {
        double min = Double.NaN;
        for (String id : caseIds()) {
            boolean ofKind = runs.stream().flatMap(r -> r.cases.stream())
                    .anyMatch(c -> c.caseId().equals(id) && c.kind() == kind);
            if (!ofKind) {
                continue;
            }
            double r = ratio(id);
            if (Double.isNaN(r)) {
                return Double.NaN;
            }
            min = Double.isNaN(min) ? r : Math.min(min, r);
        }
        return min;
    }

    private static String[] header() {
        return new String[] {"case", "Kafka MB/s", "Floe MB/s", "Floe/Kafka", "Kafka rec/s", "Floe rec/s",
            "Kafka p50/p99 ms", "Floe p50/p99 ms", "goal " + fmt(GOAL, 1) + "x"};
    }

    private List<String[]> rows() {
        List<String[]> rows = new ArrayList<>();
        for (String id : caseIds()) {
            Optional<CaseResult> k = find("Apache Kafka", id);
            Optional<CaseResult> f = find("Floe", id);
            double ratio = ratio(id);
            rows.add(new String[] {
                id,
                mb(k), mb(f),
                Double.isNaN(ratio) ? "-" : ratioText(ratio),
                rps(k), rps(f),
                lat(k), lat(f),
                Double.isNaN(ratio) ? "-" : ratio >= GOAL ? "met" : "NOT met"
            });
        }
        return rows;
    }

    private static String mb(Optional<CaseResult> c) {
        if (c.isEmpty() || c.get().producer() == null && c.get().consumer() == null) {
            return c.isPresent() ? shortStatus(c.get()) : "-";
        }
        String v = fmt(c.get().mbPerSec(), 2);
        return c.get().ok() ? v : v + " (" + shortStatus(c.get()) + ")";
    }

    private static String shortStatus(CaseResult c) {
        String s = c.status();
        int sp = s.indexOf(' ');
        return (sp > 0 ? s.substring(0, sp) : s).toLowerCase(Locale.ROOT);
    }

    private static String rps(Optional<CaseResult> c) {
        if (c.isEmpty() || Double.isNaN(c.get().recordsPerSec())) {
            return "-";
        }
        return String.format(Locale.ROOT, "%,.0f", c.get().recordsPerSec());
    }

    private static String lat(Optional<CaseResult> c) {
        if (c.isEmpty() || c.get().producer() == null || c.get().producer().p50Ms() < 0) {
            return "-";
        }
        return c.get().producer().p50Ms() + " / " + c.get().producer().p99Ms();
    }

    private String verdictLine() {
        double p = minRatio(CaseResult.Kind.PRODUCE);
        double c = minRatio(CaseResult.Kind.CONSUME);
        if (Double.isNaN(p) && Double.isNaN(c)) {
            return "Floe/Kafka ratio: n/a (both brokers must complete every case; see the notes)";
        }
        String ps = Double.isNaN(p) ? "n/a" : ratioText(p);
        String cs = Double.isNaN(c) ? "n/a" : ratioText(c);
        boolean met = !Double.isNaN(p) && !Double.isNaN(c) && p >= GOAL && c >= GOAL;
        return "Floe/Kafka ratio (worst case): produce " + ps + ", consume " + cs + "; goal >= " + fmt(GOAL, 1)
                + "x for both: " + (met ? "MET" : "NOT MET");
    }

    private List<String> notes() {
        List<String> notes = new ArrayList<>();
        for (BrokerRun r : runs) {
            if (r.error != null) {
                notes.add(r.label + ": " + r.error);
            }
            if (r.foreignCores > FOREIGN_LOAD_WARN) {
                notes.add(String.format(Locale.ROOT, "%s: other processes used %.2f cores on average during its run:"
                        + " its figures are disturbed, rerun on an idle machine", r.label, r.foreignCores));
            }
            for (CaseResult c : r.cases) {
                if (!c.ok()) {
                    notes.add(r.label + ", " + c.caseId() + ": " + c.status());
                }
            }
        }
        return notes;
    }

    private String settingsLine() {
        return String.format(Locale.ROOT,
                "%,d records of %d B per case (--throughput -1)%s, partitions %s, acks %s, broker heap %s, "
                        + "%d cores, Java %s, kafka-clients/kafka-tools %s, commit %s; MB = MiB as the tools print it",
                opts.records, opts.recordSize,
                opts.repeat > 1 ? ", median of " + opts.repeat + " runs" : "", opts.partitions, opts.acks, opts.heap,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                BenchOptions.kafkaVersion(), gitRev());
    }

    String consoleTable() {
        StringBuilder sb = new StringBuilder();
        sb.append("floe-bench results (").append(when).append(")\n");
        sb.append(settingsLine()).append('\n');
        for (BrokerRun r : runs) {
            sb.append("  ").append(r.label).append(": ")
                    .append(r.error != null ? "not measured" : r.description + foreign(r)).append('\n');
        }
        sb.append('\n').append(alignedTable(header(), rows()));
        sb.append('\n').append(verdictLine()).append('\n');
        for (String n : notes()) {
            sb.append("note: ").append(n).append('\n');
        }
        return sb.toString();
    }

    /** A plain-text table for the console: the first column left-aligned, the others right-aligned. */
    static String alignedTable(String[] header, List<String[]> rows) {
        StringBuilder sb = new StringBuilder();
        List<String[]> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        int[] w = new int[header.length];
        for (String[] row : all) {
            for (int i = 0; i < row.length; i++) {
                w[i] = Math.max(w[i], row[i].length());
            }
        }
        for (int r = 0; r < all.size(); r++) {
            String[] row = all.get(r);
            for (int i = 0; i < row.length; i++) {
                if (i == 0) {
                    sb.append(String.format("%-" + w[i] + "s", row[i]));
                } else {
                    sb.append("  ").append(String.format("%" + w[i] + "s", row[i]));
                }
            }
            sb.append('\n');
            if (r == 0) {
                int total = 0;
                for (int x : w) {
                    total += x + 2;
                }
                sb.append("-".repeat(total - 2)).append('\n');
            }
        }
        return sb.toString();
    }

    /** A Markdown table. */
    static String markdownTable(String[] header, List<String[]> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("| ").append(String.join(" | ", header)).append(" |\n");
        sb.append("|").append(" --- |".repeat(header.length)).append('\n');
        for (String[] row : rows) {
            sb.append("| ").append(String.join(" | ", row)).append(" |\n");
        }
        return sb.toString();
    }

    String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("# floe-bench results\n\n");
        sb.append("Run ").append(when).append(": `bin/floe-bench ").append(commandLine).append("`\n\n");
        sb.append(settingsLine()).append(".\n\n");
        for (BrokerRun r : runs) {
            sb.append("- **").append(r.label).append("**: ")
                    .append(r.error != null ? "not measured: " + r.error : r.description + foreign(r)).append('\n');
        }
        sb.append("\n## Side by side\n\n");
        sb.append(markdownTable(header(), rows()));
        sb.append('\n').append(verdictLine()).append("\n");
        List<String> notes = notes();
        if (!notes.isEmpty()) {
            sb.append("\n## Notes\n\n");
            notes.forEach(n -> sb.append("- ").append(n).append('\n'));
        }
        sb.append("\n## Details\n\n");
        sb.append("Producer: ProducerPerformance's summary line. Consumer: ConsumerPerformance's row; its MB/s "
                + "counts from before the group join, fetch MB/s excludes the rebalance time.\n\n");
        sb.append("| broker | case | status | records | MB/s | records/s | avg ms | p50 ms | p95 ms | p99 ms | "
                + "p99.9 ms | max ms | fetch MB/s | rebalance ms | MB/s of each run |\n");
        sb.append("|").append(" --- |".repeat(15)).append('\n');
        for (BrokerRun r : runs) {
            for (CaseResult c : r.cases) {
                ProducerSummary p = c.producer();
                ConsumerSummary k = c.consumer();
                String[] cells;
                if (p != null) {
                    cells = new String[] {r.label, c.caseId(), c.status(), Long.toString(p.records()),
                        fmt(p.mbPerSec(), 2), fmt(p.recordsPerSec(), 1), fmt(p.avgLatencyMs(), 2),
                        ms(p.p50Ms()), ms(p.p95Ms()), ms(p.p99Ms()), ms(p.p999Ms()), fmt(p.maxLatencyMs(), 0),
                        "", ""};
                } else if (k != null) {
                    cells = new String[] {r.label, c.caseId(), c.status(), Long.toString(k.records()),
                        fmt(k.mbPerSec(), 2), fmt(k.recordsPerSec(), 1), "", "", "", "", "", "",
                        fmt(k.fetchMbPerSec(), 2), Long.toString(k.rebalanceTimeMs())};
                } else {
                    cells = new String[] {r.label, c.caseId(), c.status(), "", "", "", "", "", "", "", "", "",
                        "", ""};
                }
                sb.append("| ").append(String.join(" | ", cells)).append(" | ")
                        .append(String.join(", ", c.repeatMbPerSec().stream().map(v -> fmt(v, 2)).toList()))
                        .append(" |\n");
            }
        }
        return sb.toString();
    }

    String json() {
        StringBuilder sb = new StringBuilder();
        sb.append("{\n");
        sb.append("  \"when\": ").append(q(when)).append(",\n");
        sb.append("  \"command\": ").append(q(commandLine)).append(",\n");
        sb.append("  \"records\": ").append(opts.records).append(",\n");
        sb.append("  \"recordSize\": ").append(opts.recordSize).append(",\n");
        sb.append("  \"repeat\": ").append(opts.repeat).append(",\n");
        sb.append("  \"gitRev\": ").append(q(gitRev())).append(",\n");
        sb.append("  \"brokerHeap\": ").append(q(opts.heap)).append(",\n");
        sb.append("  \"cores\": ").append(Runtime.getRuntime().availableProcessors()).append(",\n");
        sb.append("  \"javaVersion\": ").append(q(System.getProperty("java.version"))).append(",\n");
        sb.append("  \"kafkaVersion\": ").append(q(BenchOptions.kafkaVersion())).append(",\n");
        sb.append("  \"goalRatio\": ").append(GOAL).append(",\n");
        sb.append("  \"minProduceRatio\": ").append(jnum(minRatio(CaseResult.Kind.PRODUCE))).append(",\n");
        sb.append("  \"minConsumeRatio\": ").append(jnum(minRatio(CaseResult.Kind.CONSUME))).append(",\n");
        sb.append("  \"ratios\": {");
        List<String> ids = caseIds();
        for (int i = 0; i < ids.size(); i++) {
            sb.append(i == 0 ? "\n" : ",\n").append("    ").append(q(ids.get(i))).append(": ")
                    .append(jnum(ratio(ids.get(i))));
        }
        sb.append(ids.isEmpty() ? "},\n" : "\n  },\n");
        sb.append("  \"brokers\": [");
        for (int b = 0; b < runs.size(); b++) {
            BrokerRun r = runs.get(b);
            sb.append(b == 0 ? "\n" : ",\n");
            sb.append("    {\"broker\": ").append(q(r.label)).append(", \"description\": ").append(q(r.description))
                    .append(", \"error\": ").append(r.error == null ? "null" : q(r.error))
                    .append(", \"foreignCores\": ").append(jnum(r.foreignCores)).append(", \"cases\": [");
            for (int i = 0; i < r.cases.size(); i++) {
                CaseResult c = r.cases.get(i);
                sb.append(i == 0 ? "\n" : ",\n").append("      {\"case\": ").append(q(c.caseId()))
                        .append(", \"kind\": ").append(q(c.kind().name().toLowerCase(Locale.ROOT)))
                        .append(", \"partitions\": ").append(c.partitions())
                        .append(", \"acks\": ").append(c.acks() == null ? "null" : q(c.acks()))
                        .append(", \"status\": ").append(q(c.status()));
                if (c.producer() != null) {
                    ProducerSummary p = c.producer();
                    sb.append(", \"records\": ").append(p.records())
                            .append(", \"mbPerSec\": ").append(jnum(p.mbPerSec()))
                            .append(", \"recordsPerSec\": ").append(jnum(p.recordsPerSec()))
                            .append(", \"avgLatencyMs\": ").append(jnum(p.avgLatencyMs()))
                            .append(", \"maxLatencyMs\": ").append(jnum(p.maxLatencyMs()))
                            .append(", \"p50Ms\": ").append(p.p50Ms())
                            .append(", \"p95Ms\": ").append(p.p95Ms())
                            .append(", \"p99Ms\": ").append(p.p99Ms())
                            .append(", \"p999Ms\": ").append(p.p999Ms());
                }
                if (c.consumer() != null) {
                    ConsumerSummary k = c.consumer();
                    sb.append(", \"records\": ").append(k.records())
                            .append(", \"mbPerSec\": ").append(jnum(k.mbPerSec()))
                            .append(", \"recordsPerSec\": ").append(jnum(k.recordsPerSec()))
                            .append(", \"fetchMbPerSec\": ").append(jnum(k.fetchMbPerSec()))
                            .append(", \"fetchRecordsPerSec\": ").append(jnum(k.fetchRecordsPerSec()))
                            .append(", \"rebalanceTimeMs\": ").append(k.rebalanceTimeMs())
                            .append(", \"fetchTimeMs\": ").append(k.fetchTimeMs());
                }
                if (!c.repeatMbPerSec().isEmpty()) {
                    sb.append(", \"repeatMbPerSec\": [").append(String.join(", ",
                            c.repeatMbPerSec().stream().map(Report::jnum).toList())).append("]");
                }
                sb.append("}");
            }
            sb.append(r.cases.isEmpty() ? "]}" : "\n    ]}");
        }
        sb.append(runs.isEmpty() ? "]\n" : "\n  ]\n");
        sb.append("}\n");
        return sb.toString();
    }

    /** The commit bin/floe-bench ran from (-Dfloe.bench.gitRev), "+dirty" when the tree had changes. */
    static String gitRev() {
        String rev = System.getProperty("floe.bench.gitRev");
        return rev == null || rev.isBlank() ? "unknown" : rev;
    }

    private static String foreign(BrokerRun r) {
        return Double.isNaN(r.foreignCores) ? ""
                : String.format(Locale.ROOT, "; other processes used %.2f cores meanwhile", r.foreignCores);
    }

    private static String ms(long v) {
        return v < 0 ? "-" : Long.toString(v);
    }

    /** Truncated, not rounded, to 2 decimals: a ratio shown as 0.80x is never below the 0.8x goal. */
    static String ratioText(double ratio) {
        return fmt(Math.floor(ratio * 100 + 1e-9) / 100, 2) + "x";
    }

    static String fmt(double v, int decimals) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "-";
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static String jnum(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "null" : String.format(Locale.ROOT, "%.4f", v);
    }

    private static String q(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (ch < 0x20) {
                        sb.append(String.format("\\u%04x", (int) ch));
                    } else {
                        sb.append(ch);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
