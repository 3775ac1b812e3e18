package io.floe.bench;

import io.floe.bench.PerfOutputParser.ConsumerSummary;
import io.floe.bench.PerfOutputParser.ProducerSummary;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * One measured case against one broker: a ProducerPerformance run (producer != null) or a ConsumerPerformance run
 * (consumer != null). {@code status} is "ok", or says why the figures are missing or partial.
 */
record CaseResult(String caseId, Kind kind, int partitions, String acks, String topic,
                  ProducerSummary producer, ConsumerSummary consumer, String status, String log,
                  List<Double> repeatMbPerSec) {

    CaseResult(String caseId, Kind kind, int partitions, String acks, String topic, ProducerSummary producer,
               ConsumerSummary consumer, String status, String log) {
        this(caseId, kind, partitions, acks, topic, producer, consumer, status, log, List.of());
    }

    /**
     * The run of median MB/s among repeated runs of one case (the lower median for an even count), carrying the
     * MB/s of every run; the first failed run instead when any run failed, so a failure is never hidden.
     */
    static CaseResult median(String caseId, List<CaseResult> runs) {
        if (runs.size() == 1) {
            CaseResult only = runs.get(0);
            return only.caseId().equals(caseId) ? only : only.renamed(caseId, List.of());
        }
        List<Double> all = runs.stream().map(CaseResult::mbPerSec).toList();
        Optional<CaseResult> failed = runs.stream().filter(r -> !r.ok()).findFirst();
        if (failed.isPresent()) {
            return failed.get().renamed(caseId, all);
        }
        List<CaseResult> sorted = new ArrayList<>(runs);
        sorted.sort(Comparator.comparingDouble(CaseResult::mbPerSec));
        return sorted.get((sorted.size() - 1) / 2).renamed(caseId, all);
    }

    private CaseResult renamed(String id, List<Double> repeats) {
        return new CaseResult(id, kind, partitions, acks, topic, producer, consumer, status, log, repeats);
    }

    enum Kind { PRODUCE, CONSUME }

    boolean ok() {
        return "ok".equals(status);
    }

    /** MB/s (MiB/s, as the tools print it), NaN when not measured. */
    double mbPerSec() {
        if (producer != null) {
            return producer.mbPerSec();
        }
        if (consumer != null) {
            return consumer.mbPerSec();
        }
        return Double.NaN;
    }

    double recordsPerSec() {
        if (producer != null) {
            return producer.recordsPerSec();
        }
        if (consumer != null) {
            return consumer.recordsPerSec();
        }
        return Double.NaN;
    }

    static String produceId(int partitions, String acks) {
        return "produce p=" + partitions + " acks=" + acks;
    }

    static String consumeId(int partitions) {
        return "consume p=" + partitions;
    }
}
