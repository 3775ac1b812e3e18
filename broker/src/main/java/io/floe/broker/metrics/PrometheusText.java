package io.floe.broker.metrics;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds the Prometheus text exposition format (version 0.0.4): one HELP and TYPE line per metric
 * family, then its samples.
 */
public final class PrometheusText {

  private final StringBuilder out = new StringBuilder(4096);
  private final Map<String, Boolean> declared = new LinkedHashMap<>();

  /** Declares a family once; {@code type} is counter or gauge. */
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

  private static String escape(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  @Override
  public String toString() {
    return out.toString();
  }
}
