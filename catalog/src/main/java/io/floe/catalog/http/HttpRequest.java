package io.floe.catalog.http;

import java.util.Map;
import java.util.Optional;

/**
 * A request as an {@link HttpApi} sees it, independent of the HTTP server.
 *
 * @param method upper-case HTTP method
 * @param rawPath the path, still percent-encoded (APIs split it before decoding its parts)
 * @param query decoded query parameters (the first value of each)
 * @param headers request headers (the first value of each)
 * @param body the request body (empty array if none), within the server's limit
 */
public record HttpRequest(String method, String rawPath, Map<String, String> query, Map<String, String> headers,
    byte[] body) {

  /** A header's value, looked up ignoring case. */
  public Optional<String> header(String name) {
    for (Map.Entry<String, String> e : headers.entrySet()) {
      if (e.getKey().equalsIgnoreCase(name)) {
        return Optional.ofNullable(e.getValue());
      }
    }
    return Optional.empty();
  }
}
