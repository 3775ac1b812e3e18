package io.floe.broker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.broker.testing.FloeExtension;
import io.floe.broker.testing.TestBackends;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Prometheus scrapes /metrics on the REST catalog's port. */
class MetricsTest {

  @RegisterExtension
  static final FloeExtension broker = new FloeExtension();

  @Test
  void metricsShowRequestsPartitionsAndTheWal() throws Exception {
    broker.admin().createTopics(List.of(new NewTopic("metered", 2, (short) 1))).all().get();
    ProduceConsumeTestSupport.produce(broker.floe(), "metered", 50);

    URI uri = broker.floe().server().tableTopics().restCatalog().uri().resolve("/metrics");
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).GET().build(),
        HttpResponse.BodyHandlers.ofString());

    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
    String body = r.body();
    assertTrue(body.contains("# TYPE floe_requests_total counter"), body);
    assertTrue(body.contains("floe_requests_total{api=\"Produce\"}"), body);
    long end = body.lines().filter(l -> l.startsWith("floe_partition_log_end_offset{topic=\"metered\""))
        .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(' ') + 1))).sum();
    assertEquals(50, end);
    assertTrue(body.contains("floe_wal_objects_committed_total"), body);
    if (TestBackends.walFile()) {
      // produces were acknowledged once in the WAL file
      assertTrue(sample(body, "floe_wal_file_records_total") >= 1, body);
      // each record's write timed on its own histogram
      assertEquals(sample(body, "floe_wal_file_records_total"), sample(body, "floe_wal_file_write_latency_seconds_count"));
    } else {
      // without s3.wal.path nothing goes through a WAL file, and each WAL object had one upload
      assertEquals(0, sample(body, "floe_wal_file_records_total"));
      assertEquals(sample(body, "floe_wal_objects_committed_total"),
          sample(body, "floe_wal_upload_latency_seconds_count"), "one upload timed per WAL object");
    }
    // and how long produces took, in the broker and in the WAL: histograms with every produce counted
    assertTrue(body.contains("# TYPE floe_request_latency_seconds histogram"), body);
    assertTrue(sample(body, "floe_request_latency_seconds_count{api=\"Produce\"}") >= 1, body);
    assertTrue(sample(body, "floe_wal_append_latency_seconds_bucket{le=\"+Inf\"}") >= 1, body);
    double seals = 0;
    for (String reason : List.of("size", "interval", "idle", "flush")) {
      seals += sample(body, "floe_wal_seals_total{reason=\"" + reason + "\"}");
    }
    assertTrue(seals >= sample(body, "floe_wal_objects_committed_total"), "every committed object was sealed once");
  }

  private static double sample(String body, String series) {
    return body.lines().filter(l -> l.startsWith(series + " ")).mapToDouble(l -> Double.parseDouble(l.substring(
        series.length() + 1))).findFirst().orElseThrow(() -> new AssertionError("no " + series + " in\n" + body));
  }
}
