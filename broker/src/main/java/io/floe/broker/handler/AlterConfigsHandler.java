package io.floe.broker.handler;

import io.floe.broker.log.LogManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.AlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.AlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.AlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AlterConfigsRequest;
import org.apache.kafka.common.requests.AlterConfigsResponse;

/** The legacy, non-incremental form: a topic's explicit configs become exactly the given set. */
public final class AlterConfigsHandler implements ApiHandler<AlterConfigsRequest> {

  static final String BROKER_CONFIGS_STATIC =
      "Broker configs cannot be changed at runtime: set them in server.properties or with --override";

  private final LogManager logs;

  /** Why a non-topic resource cannot be altered: broker configs are static, others unsupported. */
  static String notAlterable(ConfigResource.Type type, byte resourceType, String api) {
    return type == ConfigResource.Type.BROKER ? BROKER_CONFIGS_STATIC
        : "Unsupported resource type " + resourceType + " for " + api;
  }

  public AlterConfigsHandler(LogManager logs) {
    this.logs = logs;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.ALTER_CONFIGS;
  }

  @Override
  public CompletableFuture<Response> handle(RequestContext context, AlterConfigsRequest request) {
    List<CompletableFuture<AlterConfigsResourceResponse>> results = new ArrayList<>();
    for (AlterConfigsResource r : request.data().resources()) {
      AlterConfigsResourceResponse out =
          new AlterConfigsResourceResponse().setResourceType(r.resourceType()).setResourceName(r.resourceName());
      ConfigResource.Type type = ConfigResource.Type.forId(r.resourceType());
      if (type != ConfigResource.Type.TOPIC) {
        results.add(CompletableFuture.completedFuture(out.setErrorCode(Errors.INVALID_REQUEST.code())
            .setErrorMessage(notAlterable(type, r.resourceType(), "AlterConfigs"))));
        continue;
      }
      Map<String, String> set = new HashMap<>();
      for (AlterableConfig c : r.configs()) {
        set.put(c.name(), c.value());
      }
      results.add(logs.alterConfigs(r.resourceName(), set, Set.of(), true, request.data().validateOnly())
          .handle((t, error) -> error == null ? out.setErrorCode(Errors.NONE.code())
              : out.setErrorCode(AdminErrors.error(error).code()).setErrorMessage(AdminErrors.message(error))));
    }
    return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(v -> {
      AlterConfigsResponseData data = new AlterConfigsResponseData();
      for (CompletableFuture<AlterConfigsResourceResponse> r : results) {
        data.responses().add(r.join());
      }
      return Response.of(new AlterConfigsResponse(data));
    });
  }
}
