package io.floe.catalog.http;

/**
 * One HTTP API served by an {@link HttpApiServer} (the Iceberg REST catalog, the schema registry): answers
 * requests whose bodies the server has already read within its bound. Called on the server's request
 * threads, concurrently: implementations are thread-safe.
 */
public interface HttpApi {

  /** Answers {@code request}. A client's mistake is an error reply, never an exception. */
  HttpReply handle(HttpRequest request);

  /**
   * How this API says that the server refused a request before it reached {@link #handle}: 413 (the body is
   * over the limit), 503 (the server is shutting down), 500 (the API failed).
   */
  HttpReply error(int status, String message);
}
