package io.floe.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.bench.PerfOutputParser.ConsumerSummary;
import io.floe.bench.PerfOutputParser.ProducerSummary;
import io.floe.bench.PerfOutputParser.ProducerWindow;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The parsers against real output of kafka-tools 4.1.1's ProducerPerformance and ConsumerPerformance, as captured
 * from the bench's child JVMs (bench/target/bench-logs/*.log), so a format change in the tools fails the build
 * instead of silently emptying the bench's table.
 */
class PerfOutputParserTest {

    // ProducerPerformance --topic t --num-records 100000 --record-size 1024 --throughput -1 --producer-props acks=all ...
    static final List<String> PRODUCER_OUTPUT = List.of(
            "SLF4J(I): Attempting to load provider \"org.apache.logging.slf4j.SLF4JServiceProvider\" specified via \"slf4j.provider\" system property",
            "86296 records sent, 17259.2 records/sec (16.85 MB/sec), 1446.5 ms avg latency, 2144.0 ms max latency.",
            "[2026-11-25 13:20:30,001] WARN [Producer clientId=perf-producer-client] Got error produce response (org.apache.kafka.clients.producer.internals.Sender)",
            "100000 records sent, 18311.7 records/sec (17.88 MB/sec), 1381.56 ms avg latency, 2144.00 ms max latency, 1428 ms 50th, 2015 ms 95th, 2118 ms 99th, 2142 ms 99.9th.");

    // ConsumerPerformance --bootstrap-server ... --topic t --messages 100000 --group g --timeout 30000
    static final List<String> CONSUMER_OUTPUT = List.of(
            "SLF4J(I): Attempting to load provider \"org.apache.logging.slf4j.SLF4JServiceProvider\" specified via \"slf4j.provider\" system property",
            "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec",
            "2026-11-25 13:20:43:330, 2026-11-25 13:20:43:952, 97.6563, 157.0036, 100000, 160771.7042, 242, 380, 256.9901, 263157.8947");

    @Test
    void producerSummaryLine() {
        ProducerSummary s = PerfOutputParser.parseProducerOutput(PRODUCER_OUTPUT).orElseThrow();
        assertEquals(100_000, s.records());
        assertEquals(18311.7, s.recordsPerSec(), 1e-9);
        assertEquals(17.88, s.mbPerSec(), 1e-9);
        assertEquals(1381.56, s.avgLatencyMs(), 1e-9);
        assertEquals(2144.0, s.maxLatencyMs(), 1e-9);
        assertEquals(1428, s.p50Ms());
        assertEquals(2015, s.p95Ms());
        assertEquals(2118, s.p99Ms());
        assertEquals(2142, s.p999Ms());
    }

    @Test
    void producerWindowLinesAreNotTakenForTheSummary() {
        assertTrue(PerfOutputParser.parseProducerSummaryLine(PRODUCER_OUTPUT.get(1)).isEmpty());
        List<ProducerWindow> windows = PerfOutputParser.parseProducerWindows(PRODUCER_OUTPUT);
        assertEquals(1, windows.size());
        ProducerWindow w = windows.get(0);
        assertEquals(86296, w.records());
        assertEquals(17259.2, w.recordsPerSec(), 1e-9);
        assertEquals(16.85, w.mbPerSec(), 1e-9);
        assertEquals(1446.5, w.avgLatencyMs(), 1e-9);
        assertEquals(2144.0, w.maxLatencyMs(), 1e-9);
    }

    @Test
    void producerWithoutSummary() {
        assertTrue(PerfOutputParser.parseProducerOutput(PRODUCER_OUTPUT.subList(0, 3)).isEmpty());
        assertTrue(PerfOutputParser.parseProducerOutput(List.of()).isEmpty());
    }

    @Test
    void producerSummaryWithCommaDecimalsAndNaN() {
        // what %.1f prints under a de-DE default locale, and the all-failed case (0 records: NaN average)
        ProducerSummary de = PerfOutputParser.parseProducerSummaryLine(
                "2000000 records sent, 101010,1 records/sec (98,64 MB/sec), 302,11 ms avg latency, 900,00 ms max latency, 290 ms 50th, 500 ms 95th, 700 ms 99th, 850 ms 99.9th.")
                .orElseThrow();
        assertEquals(101010.1, de.recordsPerSec(), 1e-9);
        assertEquals(98.64, de.mbPerSec(), 1e-9);
        assertEquals(700, de.p99Ms());
        ProducerSummary none = PerfOutputParser.parseProducerSummaryLine(
                "0 records sent, 0.0 records/sec (0.00 MB/sec), NaN ms avg latency, 0.00 ms max latency, 0 ms 50th, 0 ms 95th, 0 ms 99th, 0 ms 99.9th.")
                .orElseThrow();
        assertEquals(0, none.records());
        assertTrue(Double.isNaN(none.avgLatencyMs()));
    }

    @Test
    void partialFiguresFromWindows() {
        List<ProducerWindow> windows = List.of(
                new ProducerWindow(100_000, 20_000.0, 19.53, 10.0, 50.0),
                new ProducerWindow(50_000, 10_000.0, 9.77, 20.0, 80.0));
        ProducerSummary s = BrokerBench.partialFromWindows(windows, 1024);
        assertNotNull(s);
        assertEquals(150_000, s.records());
        assertEquals(15_000.0, s.recordsPerSec(), 1e-6); // 150k records over 5 s + 5 s
        assertEquals(15_000.0 * 1024 / (1024 * 1024), s.mbPerSec(), 1e-9);
        assertEquals(80.0, s.maxLatencyMs(), 1e-9);
        assertEquals(-1, s.p99Ms());
        assertNull(BrokerBench.partialFromWindows(List.of(), 1024));
    }

    @Test
    void consumerRow() {
        ConsumerSummary s = PerfOutputParser.parseConsumerOutput(CONSUMER_OUTPUT).orElseThrow();
        assertEquals("2026-11-25 13:20:43:330", s.startTime());
        assertEquals("2026-11-25 13:20:43:952", s.endTime());
        assertEquals(97.6563, s.mbConsumed(), 1e-9);
        assertEquals(157.0036, s.mbPerSec(), 1e-9);
        assertEquals(100_000, s.records());
        assertEquals(160771.7042, s.recordsPerSec(), 1e-9);
        assertEquals(242, s.rebalanceTimeMs());
        assertEquals(380, s.fetchTimeMs());
        assertEquals(256.9901, s.fetchMbPerSec(), 1e-9);
        assertEquals(263157.8947, s.fetchRecordsPerSec(), 1e-9);
        assertTrue(s.complete());
    }

    @Test
    void consumerTimeoutWarningMarksTheRowIncomplete() {
        List<String> lines = List.of(
                CONSUMER_OUTPUT.get(1),
                "WARNING: Exiting before consuming the expected number of messages: timeout (30000 ms) exceeded. You can use the --timeout option to increase the timeout.",
                "2026-11-25 13:22:00:000, 2026-11-25 13:22:40:000, 48.8281, 1.2207, 50000, 1250.0000, 3012, 36988, 1.3201, 1351.7897");
        ConsumerSummary s = PerfOutputParser.parseConsumerOutput(lines).orElseThrow();
        assertFalse(s.complete());
        assertEquals(50_000, s.records());
        assertEquals(3012, s.rebalanceTimeMs());
    }

    @Test
    void consumerOutputWithoutRow() {
        assertTrue(PerfOutputParser.parseConsumerOutput(CONSUMER_OUTPUT.subList(0, 2)).isEmpty());
        assertTrue(PerfOutputParser.parseConsumerOutput(List.of(
                "org.apache.kafka.common.errors.TimeoutException: Timeout expired while fetching topic metadata")).isEmpty());
    }

    @Test
    void consumerRowWithNaNAndInfinity() {
        // nothing consumed: MB.sec 0/elapsed, fetch rates 0/0 and x/0
        ConsumerSummary s = PerfOutputParser.parseConsumerOutput(List.of(
                CONSUMER_OUTPUT.get(1),
                "2026-11-25 13:22:00:000, 2026-11-25 13:22:10:000, 0.0000, 0.0000, 0, 0.0000, 10000, 0, NaN, Infinity"))
                .orElseThrow();
        assertEquals(0, s.records());
        assertTrue(Double.isNaN(s.fetchMbPerSec()));
        assertTrue(Double.isInfinite(s.fetchRecordsPerSec()));
    }
}
