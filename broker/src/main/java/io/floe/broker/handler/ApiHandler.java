package io.floe.broker.handler;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;

/**
 * Serves one Kafka API. Called on the connection's event loop, in request order: it must not block (hand
 * blocking work to an executor and return the future). Errors a client should see are returned as error
 * codes in the response; an exceptionally completed future closes the connection.
 */
public interface ApiHandler<R extends AbstractRequest> {

  ApiKeys apiKey();

  /** Oldest version served; defaults to the oldest the protocol classes know. */
  default short minVersion() {
    return apiKey().oldestVersion();
  }

  /** Newest version served; defaults to the newest the protocol classes know. */
  default short maxVersion() {
    return apiKey().latestVersion();
  }

  CompletableFuture<Response> handle(RequestContext context, R request);
}
