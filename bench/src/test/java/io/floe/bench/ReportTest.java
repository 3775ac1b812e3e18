package io.floe.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.bench.PerfOutputParser.ConsumerSummary;
import io.floe.bench.PerfOutputParser.ProducerSummary;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ratios and the goal verdict of the side-by-side table. */
class ReportTest {

    private static CaseResult produce(int p, String acks, double mb, String status) {
        return new CaseResult(CaseResult.produceId(p, acks), CaseResult.Kind.PRODUCE, p, acks, "t",
                new ProducerSummary(1000, mb * 1024, mb, 5.0, 9.0, 4, 6, 8, 9), null, status, "log");
    }

    private static CaseResult consume(int p, double mb) {
        return new CaseResult(CaseResult.consumeId(p), CaseResult.Kind.CONSUME, p, null, "t", null,
                new ConsumerSummary("a", "b", 1.0, mb, 1000, mb * 1024, 10, 90, mb * 1.1, mb * 1100, true),
                "ok", "log");
    }

    private static BenchOptions opts() {
        return BenchOptions.parse(new String[] {"--out", "target"});
    }

    @Test
    void ratiosAndVerdict() {
        BrokerRun kafka = new BrokerRun("Apache Kafka");
        kafka.cases.addAll(List.of(produce(1, "all", 100, "ok"), produce(1, "1", 120, "ok"), consume(1, 400)));
        BrokerRun floe = new BrokerRun("Floe");
        floe.cases.addAll(List.of(produce(1, "all", 90, "ok"), produce(1, "1", 84, "ok"), consume(1, 360)));
        Report r = new Report(opts(), List.of(kafka, floe), "");
        assertEquals(0.9, r.ratio("produce p=1 acks=all"), 1e-9);
        assertEquals(0.7, r.ratio("produce p=1 acks=1"), 1e-9);
        assertEquals(0.7, r.minRatio(CaseResult.Kind.PRODUCE), 1e-9);
        assertEquals(0.9, r.minRatio(CaseResult.Kind.CONSUME), 1e-9);
        String table = r.consoleTable();
        assertTrue(table.contains("0.70x"), table);
        assertTrue(table.contains("NOT MET"), table);
        assertTrue(r.markdown().contains("| produce p=1 acks=all | 100.00 | 90.00 | 0.90x |"), r.markdown());
        assertTrue(r.json().contains("\"minProduceRatio\": 0.7000"), r.json());
    }

    @Test
    void aRatioJustUnderTheGoalIsNotShownAsTheGoal() {
        assertEquals("0.79x", Report.ratioText(0.7999));
        assertEquals("0.80x", Report.ratioText(0.8));
        assertEquals("1.12x", Report.ratioText(1.1219));
    }

    @Test
    void noRatioWithoutFloeOrWhenACaseFailed() {
        BrokerRun kafka = new BrokerRun("Apache Kafka");
        kafka.cases.addAll(List.of(produce(6, "all", 100, "ok"), consume(6, 400)));
        BrokerRun floe = new BrokerRun("Floe");
        floe.cases.add(produce(6, "all", 10, "TIMEOUT after 300 s (partial figures from its progress lines)"));
        Report r = new Report(opts(), List.of(kafka, floe), "");
        assertTrue(Double.isNaN(r.ratio("produce p=6 acks=all")));
        assertTrue(Double.isNaN(r.minRatio(CaseResult.Kind.PRODUCE)));
        assertTrue(r.consoleTable().contains("10.00 (timeout)"), r.consoleTable());
        assertTrue(r.json().contains("\"minProduceRatio\": null"), r.json());

        BrokerRun skipped = new BrokerRun("Floe");
        skipped.error = "not on the classpath";
        Report alone = new Report(opts(), List.of(kafka, skipped), "");
        assertTrue(alone.consoleTable().contains("note: Floe: not on the classpath"), alone.consoleTable());
    }

    @Test
    void repeatedRunsReportTheMedianAndNeverHideAFailure() {
        CaseResult m = CaseResult.median("produce p=1 acks=all", List.of(
                produce(1, "all", 90, "ok"), produce(1, "all", 70, "ok"), produce(1, "all", 80, "ok")));
        assertEquals(80, m.mbPerSec(), 1e-9);
        assertEquals(List.of(90.0, 70.0, 80.0), m.repeatMbPerSec());
        assertEquals("produce p=1 acks=all", m.caseId());
        CaseResult lowerMedian = CaseResult.median("x", List.of(produce(1, "all", 90, "ok"), produce(1, "all", 70, "ok")));
        assertEquals(70, lowerMedian.mbPerSec(), 1e-9);
        CaseResult failed = CaseResult.median("x", List.of(produce(1, "all", 90, "ok"), produce(1, "all", 10, "TIMEOUT")));
        assertEquals("TIMEOUT", failed.status());

        BrokerRun kafka = new BrokerRun("Apache Kafka");
        kafka.cases.add(m);
        Report r = new Report(opts(), List.of(kafka), "");
        assertTrue(r.markdown().contains("| 90.00, 70.00, 80.00 |"), r.markdown());
        assertTrue(r.json().contains("\"repeatMbPerSec\": [90.0000, 70.0000, 80.0000]"), r.json());
    }
}
