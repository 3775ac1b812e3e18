package io.floe.catalog.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A GET route that the broker adds to one of Floe's HTTP servers with
 * {@link HttpApiServer#addRoute(String, ExtraRoute)}, such as Prometheus {@code /metrics}. It runs
 * on the server's request threads, so it must not block for long.
 */
@FunctionalInterface
public interface ExtraRoute {

  /**
   * Answers a GET (or HEAD, whose body is dropped) on the route's path.
   *
   * @param query the decoded query parameters (first value of each)
   * @throws IOException to answer 500
   */
  Reply handle(Map<String, String> query) throws IOException;

  /**
   * What an {@link ExtraRoute} answers.
   *
   * @param status HTTP status
   * @param contentType the Content-Type header
   * @param body the body bytes
   */
  record Reply(int status, String contentType, byte[] body) {
    public Reply {
      body = body.clone();
    }

    @Override
    public byte[] body() {
      return body.clone();
    }

    /** A 200 text answer, e.g. Prometheus' {@code text/plain; version=0.0.4; charset=utf-8}. */
    public static Reply text(String contentType, String body) {
      return new Reply(200, contentType, body.getBytes(StandardCharsets.UTF_8));
    }
  }
}
