package io.floe.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the standard output of kafka-tools' {@code org.apache.kafka.tools.ProducerPerformance} and
 * {@code org.apache.kafka.tools.ConsumerPerformance} (Kafka 4.1). The formats are the tools' {@code printf}s:
 *
 * <pre>
 * ProducerPerformance, every 5 s:
 *   "%d records sent, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max latency."
 * ProducerPerformance, at the end:
 *   "%d records sent, %.1f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency,
 *    %d ms 50th, %d ms 95th, %d ms 99th, %d ms 99.9th."
 * ConsumerPerformance (without --show-detailed-stats):
 *   "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms,
 *    fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec"
 *   "%s, %s, %.4f, %.4f, %d, %.4f, %d, %d, %.4f, %.4f"
 * </pre>
 *
 * The child JVMs are started with an en-US locale so decimals use '.', but a ',' decimal separator is tolerated.
 * MB in both tools means 1024*1024 bytes.
 */
public final class PerfOutputParser {

    private PerfOutputParser() {
    }

    /** The final summary line of ProducerPerformance. Latencies in ms. */
    public record ProducerSummary(long records, double recordsPerSec, double mbPerSec, double avgLatencyMs,
                                  double maxLatencyMs, long p50Ms, long p95Ms, long p99Ms, long p999Ms) {
    }

    /** One 5-second progress line of ProducerPerformance. */
    public record ProducerWindow(long records, double recordsPerSec, double mbPerSec, double avgLatencyMs,
                                 double maxLatencyMs) {
    }

    /** The result line of ConsumerPerformance. {@code complete} is false when it printed its timeout warning. */
    public record ConsumerSummary(String startTime, String endTime, double mbConsumed, double mbPerSec,
                                  long records, double recordsPerSec, long rebalanceTimeMs, long fetchTimeMs,
                                  double fetchMbPerSec, double fetchRecordsPerSec, boolean complete) {
    }

    // a number as printed by %d / %.Nf (NaN and Infinity included, ',' tolerated as the decimal separator)
    private static final String NUM = "(-?(?:[0-9]+(?:[.,][0-9]+)?|NaN|Infinity))";

    private static final Pattern PRODUCER_SUMMARY = Pattern.compile(
            "^\\s*" + NUM + " records sent, " + NUM + " records/sec \\(" + NUM + " MB/sec\\), "
                    + NUM + " ms avg latency, " + NUM + " ms max latency, "
                    + NUM + " ms 50th, " + NUM + " ms 95th, " + NUM + " ms 99th, " + NUM + " ms 99\\.9th\\.?\\s*$");

    private static final Pattern PRODUCER_WINDOW = Pattern.compile(
            "^\\s*" + NUM + " records sent, " + NUM + " records/sec \\(" + NUM + " MB/sec\\), "
                    + NUM + " ms avg latency, " + NUM + " ms max latency\\.?\\s*$");

    static final String CONSUMER_HEADER_PREFIX = "start.time, end.time, data.consumed.in.MB, MB.sec";
    static final String CONSUMER_TIMEOUT_WARNING = "WARNING: Exiting before consuming the expected number of messages";

    /** Parses a single line as the final ProducerPerformance summary. */
    public static Optional<ProducerSummary> parseProducerSummaryLine(String line) {
        Matcher m = PRODUCER_SUMMARY.matcher(line);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new ProducerSummary(
                (long) num(m.group(1)), num(m.group(2)), num(m.group(3)), num(m.group(4)), num(m.group(5)),
                (long) num(m.group(6)), (long) num(m.group(7)), (long) num(m.group(8)), (long) num(m.group(9))));
    }

    /** Parses a single line as a ProducerPerformance progress (window) line. */
    public static Optional<ProducerWindow> parseProducerWindowLine(String line) {
        Matcher m = PRODUCER_WINDOW.matcher(line);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new ProducerWindow(
                (long) num(m.group(1)), num(m.group(2)), num(m.group(3)), num(m.group(4)), num(m.group(5))));
    }

    /** The last summary line in a ProducerPerformance output (log lines interleaved are ignored). */
    public static Optional<ProducerSummary> parseProducerOutput(List<String> lines) {
        ProducerSummary last = null;
        for (String line : lines) {
            Optional<ProducerSummary> s = parseProducerSummaryLine(line);
            if (s.isPresent()) {
                last = s.get();
            }
        }
        return Optional.ofNullable(last);
    }

    /** All progress lines in a ProducerPerformance output. */
    public static List<ProducerWindow> parseProducerWindows(List<String> lines) {
        List<ProducerWindow> windows = new ArrayList<>();
        for (String line : lines) {
            parseProducerWindowLine(line).ifPresent(windows::add);
        }
        return windows;
    }

    /**
     * The result row of a ConsumerPerformance output: the first 10-field row after its header (or, if the header
     * was hidden, any 10-field row whose numeric columns parse).
     */
    public static Optional<ConsumerSummary> parseConsumerOutput(List<String> lines) {
        boolean complete = true;
        ConsumerSummary found = null;
        boolean hasHeader = lines.stream().anyMatch(l -> l.strip().startsWith(CONSUMER_HEADER_PREFIX));
        boolean headerSeen = false;
        for (String raw : lines) {
            String line = raw.strip();
            if (line.startsWith(CONSUMER_TIMEOUT_WARNING)) {
                complete = false;
            } else if (line.startsWith(CONSUMER_HEADER_PREFIX)) {
                headerSeen = true;
            } else if (found == null && (headerSeen || !hasHeader)) {
                found = parseConsumerRow(line, true);
            }
        }
        if (found == null) {
            return Optional.empty();
        }
        if (!complete) {
            found = new ConsumerSummary(found.startTime(), found.endTime(), found.mbConsumed(), found.mbPerSec(),
                    found.records(), found.recordsPerSec(), found.rebalanceTimeMs(), found.fetchTimeMs(),
                    found.fetchMbPerSec(), found.fetchRecordsPerSec(), false);
        }
        return Optional.of(found);
    }

    private static final Pattern CONSUMER_SPLIT = Pattern.compile(",\\s+");

    private static ConsumerSummary parseConsumerRow(String line, boolean complete) {
        // the separator is ", " (comma + space); a ',' decimal separator has no space after it
        String[] f = CONSUMER_SPLIT.split(line);
        if (f.length != 10) {
            return null;
        }
        try {
            return new ConsumerSummary(f[0], f[1], num(f[2]), num(f[3]), (long) num(f[4]), num(f[5]),
                    (long) num(f[6]), (long) num(f[7]), num(f[8]), num(f[9]), complete);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static double num(String s) {
        String t = s.strip();
        if (t.indexOf(',') >= 0 && t.indexOf('.') < 0) {
            t = t.replace(',', '.');
        }
        return Double.parseDouble(t);
    }
}
