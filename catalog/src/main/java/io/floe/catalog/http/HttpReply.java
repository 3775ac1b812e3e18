package io.floe.catalog.http;

import java.util.Map;

/**
 * What an {@link HttpApi} answers.
 *
 * @param status HTTP status
 * @param contentType the Content-Type of the body; ignored without a body
 * @param headers extra response headers (e.g. ETag)
 * @param body the body, or null for none (204, 304, HEAD answers drop it anyway)
 */
public record HttpReply(int status, String contentType, Map<String, String> headers, byte[] body) {

  public HttpReply {
    headers = Map.copyOf(headers);
  }

  /** A reply with a body and no extra headers. */
  public static HttpReply of(int status, String contentType, byte[] body) {
    return new HttpReply(status, contentType, Map.of(), body);
  }
}
