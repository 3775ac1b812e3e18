package io.floe.bench;

import io.floe.bench.PerfOutputParser.ConsumerSummary;
import io.floe.bench.PerfOutputParser.ProducerSummary;

/**
 * One measured case against one broker: a ProducerPerformance run (producer != null) or a ConsumerPerformance run
 * (consumer != null). {@code status} is "ok", or says why the figures are missing or partial.
 */
record CaseResult(String caseId, Kind kind, int partitions, String acks, String topic,
                  ProducerSummary producer, ConsumerSummary consumer, String status, String log) {

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
