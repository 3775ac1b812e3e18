package io.floe.broker.metrics;

import io.floe.storage.stats.LatencyHistogram;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Requests served and failed, per Kafka API, and how long each took (Kafka's {@code TotalTimeMs}), counted by
 * the network layer.
 */
public final class RequestMetrics {

  private static final int SLOTS = 128;
  private final AtomicLongArray requests = new AtomicLongArray(SLOTS);
  private final AtomicLongArray errors = new AtomicLongArray(SLOTS);
  private final AtomicLongArray closedConnections = new AtomicLongArray(1);
  private final AtomicReferenceArray<LatencyHistogram> latencies = new AtomicReferenceArray<>(SLOTS);

  public void request(ApiKeys key) {
    if (key.id >= 0 && key.id < SLOTS) {
      requests.incrementAndGet(key.id);
    }
  }

  public void error(ApiKeys key) {
    if (key.id >= 0 && key.id < SLOTS) {
      errors.incrementAndGet(key.id);
    }
  }

  /**
   * A request answered: from when its frame was read until its response was handed to the connection (after
   * every earlier response on it, as Kafka answers in order).
   */
  public void latency(ApiKeys key, long nanos) {
    if (key.id >= 0 && key.id < SLOTS) {
      LatencyHistogram h = latencies.get(key.id);
      if (h == null) {
        latencies.compareAndSet(key.id, null, new LatencyHistogram());
        h = latencies.get(key.id);
      }
      h.recordNanos(nanos);
    }
  }

  /** A connection closed by the broker because of bad input. */
  public void rejectedConnection() {
    closedConnections.incrementAndGet(0);
  }

  public void writeTo(PrometheusText text) {
    // Prometheus wants each family's samples together.
    text.family("floe_requests_total", "counter", "Kafka requests served, by API");
    for (ApiKeys k : ApiKeys.values()) {
      if (k.id < SLOTS && requests.get(k.id) > 0) {
        text.sample("floe_requests_total", requests.get(k.id), "api", k.name);
      }
    }
    text.family("floe_request_errors_total", "counter", "Kafka requests that failed inside the broker, by API");
    for (ApiKeys k : ApiKeys.values()) {
      if (k.id < SLOTS && requests.get(k.id) > 0) {
        text.sample("floe_request_errors_total", errors.get(k.id), "api", k.name);
      }
    }
    text.family("floe_request_latency_seconds", "histogram",
        "Time from a request's arrival until its response was sent, by API (acks=all produces wait for the WAL)");
    for (ApiKeys k : ApiKeys.values()) {
      LatencyHistogram h = k.id < SLOTS ? latencies.get(k.id) : null;
      if (h != null) {
        text.histogramSamples("floe_request_latency_seconds", h.snapshot(), "api", k.name);
      }
    }
    text.family("floe_rejected_connections_total", "counter",
        "Connections closed for bad input (oversized frame, garbage, unsupported API)");
    text.sample("floe_rejected_connections_total", closedConnections.get(0));
  }
}
