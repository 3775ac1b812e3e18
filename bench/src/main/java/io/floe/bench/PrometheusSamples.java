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

    /** How much each series of {@code this} grew since {@code before} (a series new since then counts from 0). */
    PrometheusSamples minus(PrometheusSamples before) {
        Map<String, Double> d = new LinkedHashMap<>();
        values.forEach((k, v) -> d.put(k, v - before.values.getOrDefault(k, 0.0)));
        return new PrometheusSamples(Map.copyOf(d));
    }
}
