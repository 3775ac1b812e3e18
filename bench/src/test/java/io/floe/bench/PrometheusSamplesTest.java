package io.floe.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PrometheusSamplesTest {

    private static final String HISTOGRAM = """
            # TYPE floe_request_latency_seconds histogram
            floe_request_latency_seconds_bucket{api="Produce",le="0.1"} 10
            floe_request_latency_seconds_bucket{api="Produce",le="0.25"} 60
            floe_request_latency_seconds_bucket{api="Produce",le="0.3"} 100
            floe_request_latency_seconds_bucket{api="Produce",le="+Inf"} 100
            floe_request_latency_seconds_sum{api="Produce"} 20
            floe_request_latency_seconds_count{api="Produce"} 100
            floe_wal_seal_age_seconds_bucket{le="0.25"} 0
            floe_wal_seal_age_seconds_bucket{le="+Inf"} 4
            """;

    @Test
    void aQuantileIsInterpolatedWithinItsBucketAsPrometheusDoes() {
        PrometheusSamples s = PrometheusSamples.parse(HISTOGRAM);
        // rank 50 of 100 is 40 of the 50 in (0.1, 0.25]: 100 + 150 * 40/50 ms
        assertEquals(220, s.histogramQuantileMs("floe_request_latency_seconds", "api=\"Produce\"", 0.5), 1e-9);
        // rank 99: 39 of the 40 in (0.25, 0.3]
        assertEquals(250 + 50 * 39.0 / 40, s.histogramQuantileMs("floe_request_latency_seconds", "api=\"Produce\"", 0.99),
                1e-9);
        // all above the last bound: that bound is all that is known
        assertEquals(250, s.histogramQuantileMs("floe_wal_seal_age_seconds", 0.5), 1e-9);
    }

    @Test
    void aDeltaGivesTheQuantileOfWhatWasRecordedInBetween() {
        PrometheusSamples before = PrometheusSamples.parse(HISTOGRAM);
        PrometheusSamples after = PrometheusSamples.parse(HISTOGRAM.replace("le=\"0.3\"} 100", "le=\"0.3\"} 200")
                .replace("le=\"+Inf\"} 100", "le=\"+Inf\"} 200"));
        // the 100 new requests all took (0.25, 0.3]
        double p50 = after.minus(before).histogramQuantileMs("floe_request_latency_seconds", "api=\"Produce\"", 0.5);
        assertEquals(275, p50, 1e-9);
    }

    @Test
    void anAbsentOrEmptyHistogramHasNoQuantileOrMean() {
        PrometheusSamples s = PrometheusSamples.parse(HISTOGRAM);
        assertTrue(Double.isNaN(s.histogramQuantileMs("floe_nothing_seconds", 0.5)));
        assertTrue(Double.isNaN(s.minus(s).histogramQuantileMs("floe_request_latency_seconds", "api=\"Produce\"", 0.5)));
        assertTrue(Double.isNaN(s.histogramMeanMs("floe_nothing_seconds")));
    }
}
