package io.floe.broker.handler;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;

/** Lists exactly the APIs and versions the registry serves. */
public final class ApiVersionsHandler implements ApiHandler<ApiVersionsRequest> {

  private final HandlerRegistry registry;

  public ApiVersionsHandler(HandlerRegistry registry) {
    this.registry = registry;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.API_VERSIONS;
  }

  @Override
  public CompletableFuture<Response> handle(RequestContext context, ApiVersionsRequest request) {
    ApiVersionsResponseData data = new ApiVersionsResponseData().setApiKeys(registry.apiVersions());
    if (context.apiVersion() >= 3 && !request.isValid()) {
      data.setErrorCode(Errors.INVALID_REQUEST.code());
    }
    return CompletableFuture.completedFuture(Response.of(new ApiVersionsResponse(data)));
  }
}
