package io.floe.broker.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.storage.stats.LatencyHistogram;
import java.util.List;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {

  @Test
  void aHistogramHasCumulativeBucketsInSecondsThenSumAndCount() {
    // Given two recorded durations, 3 ms and 2 s
    LatencyHistogram h = new LatencyHistogram();
    h.recordNanos(3_000_000);
    h.recordNanos(2_000_000_000L);

    // When rendered
    String text = new PrometheusText().histogram("x_seconds", "help", h.snapshot()).toString();

    // Then it is one histogram family in the text format
    List<String> lines = text.lines().toList();
    assertEquals("# HELP x_seconds help", lines.get(0));
    assertEquals("# TYPE x_seconds histogram", lines.get(1));
    assertTrue(lines.contains("x_seconds_bucket{le=\"0.001\"} 0"), text);
    assertTrue(lines.contains("x_seconds_bucket{le=\"0.005\"} 1"), text);
    assertTrue(lines.contains("x_seconds_bucket{le=\"1.5\"} 1"), text);
    assertTrue(lines.contains("x_seconds_bucket{le=\"2.5\"} 2"), text);
    assertTrue(lines.contains("x_seconds_bucket{le=\"+Inf\"} 2"), text);
    assertTrue(lines.contains("x_seconds_sum 2.003"), text);
    assertTrue(lines.contains("x_seconds_count 2"), text);
  }

  @Test
  void requestLatenciesAreOneFamilyLabelledByApi() {
    // Given produce and fetch requests answered
    RequestMetrics m = new RequestMetrics();
    m.request(ApiKeys.PRODUCE);
    m.latency(ApiKeys.PRODUCE, 260_000_000L);
    m.request(ApiKeys.FETCH);
    m.latency(ApiKeys.FETCH, 1_000_000L);
    PrometheusText t = new PrometheusText();
    m.writeTo(t);
    String text = t.toString();

    // Then each API's series carries its label, and the family is declared once
    assertEquals(1, text.lines().filter(l -> l.equals("# TYPE floe_request_latency_seconds histogram")).count());
    assertTrue(text.contains("floe_request_latency_seconds_bucket{api=\"Produce\",le=\"0.25\"} 0"), text);
    assertTrue(text.contains("floe_request_latency_seconds_bucket{api=\"Produce\",le=\"0.3\"} 1"), text);
    assertTrue(text.contains("floe_request_latency_seconds_count{api=\"Fetch\"} 1"), text);
  }
}
