package io.floe.broker.handler;

import io.floe.broker.config.TopicConfigs;
import io.floe.broker.log.LogManager;
import io.floe.broker.log.TopicState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;
import org.apache.kafka.common.requests.IncrementalAlterConfigsResponse;

/** SET, DELETE, APPEND and SUBTRACT on topic configs (APPEND/SUBTRACT on list-typed ones). */
public final class IncrementalAlterConfigsHandler implements ApiHandler<IncrementalAlterConfigsRequest> {

  private final LogManager logs;

  public IncrementalAlterConfigsHandler(LogManager logs) {
    this.logs = logs;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.INCREMENTAL_ALTER_CONFIGS;
  }

  @Override
  public CompletableFuture<Response> handle(RequestContext context, IncrementalAlterConfigsRequest request) {
    List<CompletableFuture<AlterConfigsResourceResponse>> results = new ArrayList<>();
    for (AlterConfigsResource r : request.data().resources()) {
      AlterConfigsResourceResponse out =
          new AlterConfigsResourceResponse().setResourceType(r.resourceType()).setResourceName(r.resourceName());
      ConfigResource.Type type = ConfigResource.Type.forId(r.resourceType());
      if (type != ConfigResource.Type.TOPIC) {
        results.add(CompletableFuture.completedFuture(out.setErrorCode(Errors.INVALID_REQUEST.code())
            .setErrorMessage(AlterConfigsHandler.notAlterable(type, r.resourceType(), "IncrementalAlterConfigs"))));
        continue;
      }
      Optional<TopicState> topic = logs.topic(r.resourceName());
      if (topic.isEmpty()) {
        results.add(CompletableFuture.completedFuture(out.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
            .setErrorMessage("Topic '" + r.resourceName() + "' does not exist.")));
        continue;
      }
      Map<String, String> set = new HashMap<>();
      Set<String> remove = new HashSet<>();
      String error = null;
      for (AlterableConfig c : r.configs()) {
        AlterConfigOp.OpType op = AlterConfigOp.OpType.forId(c.configOperation());
        if (op == null) {
          error = "Unknown config operation " + c.configOperation() + " for " + c.name();
          break;
        }
        switch (op) {
          case SET -> set.put(c.name(), c.value());
          case DELETE -> remove.add(c.name());
          case APPEND, SUBTRACT -> {
            TopicConfigs.Definition d = logs.topicConfigs().definition(c.name());
            if (d == null || d.type() != TopicConfigs.Type.LIST) {
              error = "Config " + c.name() + " is not a list: " + op + " is only allowed on list configs";
              break;
            }
            String current = logs.topicConfigs().getString(topic.get().configs(), c.name());
            Set<String> items = new LinkedHashSet<>(Arrays.asList(current.replace(" ", "").split(",")));
            List<String> change = Arrays.asList(c.value().replace(" ", "").split(","));
            if (op == AlterConfigOp.OpType.APPEND) {
              items.addAll(change);
            } else {
              items.removeAll(change);
            }
            set.put(c.name(), String.join(",", items));
          }
          default -> error = "Unsupported config operation " + op;
        }
        if (error != null) {
          break;
        }
      }
      if (error != null) {
        results.add(CompletableFuture.completedFuture(out.setErrorCode(Errors.INVALID_CONFIG.code()).setErrorMessage(error)));
        continue;
      }
      results.add(logs.alterConfigs(r.resourceName(), set, remove, false, request.data().validateOnly())
          .handle((t, e) -> e == null ? out.setErrorCode(Errors.NONE.code())
              : out.setErrorCode(AdminErrors.error(e).code()).setErrorMessage(AdminErrors.message(e))));
    }
    return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(v -> {
      IncrementalAlterConfigsResponseData data = new IncrementalAlterConfigsResponseData();
      for (CompletableFuture<AlterConfigsResourceResponse> r : results) {
        data.responses().add(r.join());
      }
      return Response.of(new IncrementalAlterConfigsResponse(data));
    });
  }
}
