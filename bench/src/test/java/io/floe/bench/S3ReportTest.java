package io.floe.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.bench.PerfOutputParser.ConsumerSummary;
import io.floe.bench.PerfOutputParser.ProducerSummary;
import io.floe.bench.S3Report.Phase;
import io.floe.bench.S3Report.Row;
import io.floe.bench.S3Report.Setup;
import io.floe.bench.S3Report.Store;
import org.junit.jupiter.api.Test;

/** Floe's counters scraped around a run, and the per-GB figures and goals of the S3 table. */
class S3ReportTest {

    private static final Setup S3_250 = new Setup("Floe S3 250 ms", Store.S3, 250);

    @Test
    void aScrapeIsReadAndTwoScrapesGiveTheGrowth() {
        // Given two scrapes of Floe's /metrics around a run
        PrometheusSamples before = PrometheusSamples.parse("""
                # HELP floe_s3_requests_total S3 requests
                # TYPE floe_s3_requests_total counter
                floe_s3_requests_total{type="put"} 10
                floe_s3_requests_total{type="get"} 4
                floe_wal_bytes_committed_total 1.5E9
                """);
        PrometheusSamples after = PrometheusSamples.parse("""
                floe_s3_requests_total{type="put"} 310
                floe_s3_requests_total{type="get"} 4
                floe_s3_requests_total{type="list"} 1
                floe_wal_bytes_committed_total 3.6474836E9 1700000000000
                floe_partition_log_end_offset{topic="a b",partition="0"} 7
                """);

        // When the first is taken from the second
        PrometheusSamples d = after.minus(before);

        // Then each series holds its growth, one new since the first counting from zero
        assertEquals(300, d.get(S3Report.PUTS));
        assertEquals(0, d.get(S3Report.GETS));
        assertEquals(1, d.get(S3Report.LISTS));
        assertEquals(2_147_483_600, d.get(S3Report.WAL_BYTES), 1);
        assertEquals(7, after.get("floe_partition_log_end_offset{topic=\"a b\",partition=\"0\"}"));
        assertTrue(Double.isNaN(d.get(S3Report.HEADS)));
    }

    @Test
    void latencyAgainstTheIntervalAndWalObjectsPerGb() {
        // Given a rate-limited run that committed 2 GiB in 600 WAL objects, with a p99 of 400 ms at 250 ms as the
        // producer saw it, and 100 Produce requests the broker answered within 250 ms (60) or 300 ms (40)
        PrometheusSamples delta = PrometheusSamples.parse(
                delta(600, 0, 0, 2L << 30, 600, 0).values().entrySet().stream()
                        .map(e -> e.getKey() + " " + e.getValue()).collect(java.util.stream.Collectors.joining("\n"))
                        + "\nfloe_request_latency_seconds_bucket{api=\"Produce\",le=\"0.25\"} 60"
                        + "\nfloe_request_latency_seconds_bucket{api=\"Produce\",le=\"0.3\"} 100"
                        + "\nfloe_request_latency_seconds_bucket{api=\"Produce\",le=\"+Inf\"} 100\n");
        Row row = new Row(S3_250, Phase.RATE, produce(400), delta);

        // Then p99 is 1.6x the interval for the client (goal not met) and 1.2x for the broker (its p99 is 39 of the
        // 40 in (250, 300] ms: met), 300 WAL objects per GB of 2048 / 600 MiB each, and at 20 MiB/s one object per
        // 250 ms holds 5 MiB: 1024 / 5 WAL PUTs per GB
        assertEquals(1.6, S3Report.p99OverInterval(row), 1e-9);
        assertEquals(298.75, S3Report.brokerProduceMs(row, 0.99), 1e-9);
        assertEquals(1.195, S3Report.brokerP99OverInterval(row), 1e-9);
        assertEquals(204.8, S3Report.walPutsFloorPerGb(row, 8L << 20), 1e-9);
        assertEquals(256, S3Report.walPutsFloorPerGb(row, 4L << 20), 1e-9); // sealed at 4 MiB first
        assertEquals(300, S3Report.walObjectsPerGb(row), 1e-9);
        assertEquals(2048.0 / 600, S3Report.avgObjectMb(row), 1e-9);
        S3Report report = new S3Report(S3BenchOptions.parse(new String[] {"--out", "target"}), "");
        report.rows.add(row);
        String md = report.markdown();
        assertTrue(md.contains("| Floe S3 250 ms | 10,000 rec/s | 20.0 | 20,480 | 100 / 400 | 208 / 299 | 1.60x, 1.19x"
                + " | 300 | 3.41 | 205 | NOT met, met |"), md);
    }

    @Test
    void writeRequestsPerGbCountWalAndCompactionAndTheirCostAtListPrices() {
        // Given a write window that committed 2 GiB: 200 WAL PUTs, 100 compaction PUTs, 10 GETs, 2 LISTs
        S3Report.WriteWindow w = new S3Report.WriteWindow(S3_250, delta(300, 10, 2, 2L << 30, 200, 100), 0.97, 140);

        // Then 150 PUTs per GB (the goal, met), and (150 + 1) * $0.005 / 1000 + 5 * $0.0004 / 1000 per GB
        assertEquals(150, S3Report.putsPerGb(w), 1e-9);
        assertEquals(151 * 0.005 / 1000 + 5 * 0.0004 / 1000, S3Report.dollarsPerGb(w), 1e-12);
        S3Report report = new S3Report(S3BenchOptions.parse(new String[] {"--out", "target"}), "");
        report.writes.add(w);
        String md = report.markdown();
        assertTrue(md.contains("| Floe S3 250 ms | 2.00 | 150 | 100 | 50 | 0 | 5 | 1 | $0.00076 | 97% (waited 140 s) | met |"),
                md);
        assertTrue(md.contains("$0.005 per 1,000"), md);
        assertTrue(md.contains("$0.0004 per 1,000"), md);
    }

    @Test
    void getsPerGbReadAreCountedOverWhatTheConsumerReceived() {
        // Given a catch-up read of 512 MiB that took 64 GETs of 8 MiB
        CaseResult read = new CaseResult("c", CaseResult.Kind.CONSUME, 6, null, "t", null,
                new ConsumerSummary("a", "b", 512, 200, 524_288, 204_800, 10, 2500, 205, 209_715, true), "ok", "log");
        PrometheusSamples d = PrometheusSamples.parse("floe_s3_requests_total{type=\"get\"} 64\n"
                + "floe_s3_read_bytes_total " + (512L << 20) + "\n");
        Row row = new Row(S3_250, Phase.CATCH_UP_RATE, read, d);

        assertEquals(128, S3Report.getsPerGb(row), 1e-9);
        assertEquals(128 * 0.0004 / 1000, S3Report.dollarsPerGb(row), 1e-12);
        S3Report report = new S3Report(S3BenchOptions.parse(new String[] {"--out", "target"}), "");
        report.rows.add(row);
        assertTrue(report.consoleText().contains("8192"), report.consoleText());
    }

    @Test
    void noS3FiguresForTheLocalStoreOrKafka() {
        Row local = new Row(new Setup("Floe local", Store.LOCAL, -1), Phase.RATE, produce(5),
                delta(0, 0, 0, 1L << 30, 4000, 0));
        assertTrue(Double.isNaN(S3Report.dollarsPerGb(local)));
        assertTrue(Double.isNaN(S3Report.p99OverInterval(local)));
        assertEquals(0.256, S3Report.avgObjectMb(local), 1e-9);
        Row kafka = new Row(new Setup("Apache Kafka", Store.KAFKA, -1), Phase.RATE, produce(5), null);
        assertTrue(Double.isNaN(S3Report.dollarsPerGb(kafka)));
    }

    private static CaseResult produce(long p99) {
        return new CaseResult("p", CaseResult.Kind.PRODUCE, 6, "all", "t",
                new ProducerSummary(600_000, 20_480, 20.0, 120, 900, 100, 300, p99, 800), null, "ok", "log");
    }

    private static PrometheusSamples delta(long puts, long gets, long lists, long walBytes, long walObjects,
                                           long compactionObjects) {
        return PrometheusSamples.parse("floe_s3_requests_total{type=\"put\"} " + puts + "\n"
                + "floe_s3_requests_total{type=\"get\"} " + gets + "\n"
                + "floe_s3_requests_total{type=\"list\"} " + lists + "\n"
                + "floe_wal_bytes_committed_total " + walBytes + "\n"
                + "floe_wal_objects_committed_total " + walObjects + "\n"
                + "floe_compaction_objects_written_total " + compactionObjects + "\n");
    }
}
