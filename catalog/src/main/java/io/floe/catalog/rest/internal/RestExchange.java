package io.floe.catalog.rest.internal;

import java.util.Map;
import java.util.Optional;

/**
 * One REST call, independent of the HTTP server: what {@link CatalogRequestHandler} reads and answers.
 */
public final class RestExchange {
  private RestExchange() {}

  /**
   * A request.
   *
   * @param method upper-case HTTP method
   * @param rawPath the path, still percent-encoded (namespace levels are split on the encoded separator)
   * @param query decoded query parameters (the first value of each)
   * @param headers request headers, looked up case-insensitively by the caller's map
   * @param body the request body (empty array if none)
   */
  public record Request(String method, String rawPath, Map<String, String> query, Map<String, String> headers,
      byte[] body) {
    public Optional<String> header(String name) {
      for (Map.Entry<String, String> e : headers.entrySet()) {
        if (e.getKey().equalsIgnoreCase(name)) {
          return Optional.ofNullable(e.getValue());
        }
      }
      return Optional.empty();
    }
  }

  /**
   * A response.
   *
   * @param status HTTP status
   * @param body what to serialize as JSON, or null for no body (204, 304, HEAD)
   * @param headers extra response headers (e.g. ETag)
   */
  public record Response(int status, Object body, Map<String, String> headers) {
    public static Response ok(Object body) {
      return new Response(200, body, Map.of());
    }

    public static Response noContent() {
      return new Response(204, null, Map.of());
    }
  }
}
