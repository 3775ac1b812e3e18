package io.floe.broker.metrics;

import io.floe.storage.stats.LatencyHistogram;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds the Prometheus text exposition format (version 0.0.4): one HELP and TYPE line per metric
 * family, then its samples.
 */
public final class PrometheusText {

  private final StringBuilder out = new StringBuilder(4096);
  private final Map<String, Boolean> declared = new LinkedHashMap<>();

  /** Declares a family once; {@code type} is counter, gauge or histogram. */
  public PrometheusText family(String name, String type, String help) {
    if (declared.putIfAbsent(name, true) == null) {
      out.append("# HELP ").append(name).append(' ').append(help).append('\n');
      out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }
    return this;
  }

  public PrometheusText sample(String name, double value, String... labels) {
    out.append(name);
    if (labels.length > 0) {
      out.append('{');
      for (int i = 0; i + 1 < labels.length; i += 2) {
        if (i > 0) {
          out.append(',');
        }
        out.append(labels[i]).append("=\"").append(escape(labels[i + 1])).append('"');
      }
      out.append('}');
    }
    out.append(' ');
    if (value == Math.rint(value) && !Double.isInfinite(value)) {
      out.append((long) value);
    } else {
      out.append(value);
    }
    out.append('\n');
    return this;
  }

  /**
   * Writes one {@code histogram} family from a latency histogram: cumulative {@code _bucket} samples with
   * {@code le} in seconds, {@code _sum} in seconds and {@code _count}.
   */
  public PrometheusText histogram(String name, String help, LatencyHistogram.Snapshot h) {
    family(name, "histogram", help);
    return histogramSamples(name, h);
  }

  /**
   * Writes one histogram's samples, with {@code labels} (name, value pairs) on each, in a family declared with
   * {@link #family} and type histogram.
   */
  public PrometheusText histogramSamples(String name, LatencyHistogram.Snapshot h, String... labels) {
    String[] withLe = java.util.Arrays.copyOf(labels, labels.length + 2);
    withLe[labels.length] = "le";
    for (int i = 0; i < LatencyHistogram.BOUNDS_MS.length; i++) {
      withLe[labels.length + 1] = String.valueOf(LatencyHistogram.BOUNDS_MS[i] / 1000);
      sample(name + "_bucket", h.cumulative(i), withLe);
    }
    withLe[labels.length + 1] = "+Inf";
    sample(name + "_bucket", h.count(), withLe);
    sample(name + "_sum", h.sumSeconds(), labels);
    sample(name + "_count", h.count(), labels);
    return this;
  }

  private static String escape(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  @Override
  public String toString() {
    return out.toString();
  }
}
