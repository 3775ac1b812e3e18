package io.floe.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One scrape of a Prometheus text endpoint (Floe's {@code /metrics}): each sample's value keyed by its series as
 * written, name and labels, e.g. {@code floe_s3_requests_total{type="put"}}. Two scrapes around a run give the
 * counters' increase over it.
 */
record PrometheusSamples(Map<String, Double> values) {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static PrometheusSamples fetch(URI metrics) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + metrics + " answered " + r.statusCode() + ": " + r.body());
        }
        return parse(r.body());
    }

    /** Parses the text format: comments skipped, a sample's optional timestamp ignored. */
    static PrometheusSamples parse(String text) {
        Map<String, Double> values = new LinkedHashMap<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            // the series ends at the closing brace of its labels (label values may hold spaces), else at a space
            int close = line.lastIndexOf('}');
            int sp = line.indexOf(' ', close < 0 ? 0 : close);
            if (sp <= 0) {
                continue;
            }
            String series = line.substring(0, sp);
            String[] rest = line.substring(sp + 1).strip().split("\\s+");
            try {
                values.put(series, Double.parseDouble(rest[0]));
            } catch (NumberFormatException e) {
                // not a sample line
            }
        }
        return new PrometheusSamples(Map.copyOf(values));
    }

    /** The sample's value; NaN when the scrape has no such series. */
    double get(String series) {
        Double v = values.get(series);
        return v == null ? Double.NaN : v;
    }

    /**
     * The {@code q} quantile of histogram {@code name} in milliseconds, as Prometheus' {@code histogram_quantile}
     * estimates it (linear within the bucket it falls in); NaN when the histogram is absent or empty. On a delta
     * it is the quantile of what was recorded in between.
     */
    double histogramQuantileMs(String name, double q) {
        return histogramQuantileMs(name, "", q);
    }

    /** As {@link #histogramQuantileMs(String, double)}, of the series with {@code labels} ({@code api="PRODUCE"}). */
    double histogramQuantileMs(String name, String labels, double q) {
        java.util.TreeMap<Double, Double> cumulative = new java.util.TreeMap<>();
        String prefix = name + "_bucket{" + (labels.isEmpty() ? "" : labels + ",") + "le=\"";
        values.forEach((series, v) -> {
            if (series.startsWith(prefix)) {
                String le = series.substring(prefix.length(), series.length() - 2);
                cumulative.put(le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le), v);
            }
        });
        Double total = cumulative.get(Double.POSITIVE_INFINITY);
        if (total == null || total <= 0) {
            return Double.NaN;
        }
        double rank = q * total;
        double lowerBound = 0;
        double lowerCount = 0;
        for (Map.Entry<Double, Double> e : cumulative.entrySet()) {
            if (e.getValue() >= rank) {
                if (e.getKey().isInfinite()) {
                    return lowerBound * 1000; // above the last bound: that bound is all that is known
                }
                double inBucket = e.getValue() - lowerCount;
                double fraction = inBucket <= 0 ? 1 : (rank - lowerCount) / inBucket;
                return (lowerBound + (e.getKey() - lowerBound) * fraction) * 1000;
            }
            lowerBound = e.getKey();
            lowerCount = e.getValue();
        }
        return Double.NaN;
    }

    /** The mean of histogram {@code name} in milliseconds ({@code _sum / _count}); NaN when empty. */
    double histogramMeanMs(String name) {
        double count = get(name + "_count");
        return count > 0 ? get(name + "_sum") / count * 1000 : Double.NaN;
    }

    /** How much each series of {@code this} grew since {@code before} (a series new since then counts from 0). */
    PrometheusSamples minus(PrometheusSamples before) {
        Map<String, Double> d = new LinkedHashMap<>();
        values.forEach((k, v) -> d.put(k, v - before.values.getOrDefault(k, 0.0)));
        return new PrometheusSamples(Map.copyOf(d));
    }
}
