package io.floe.broker.handler;

import io.floe.broker.config.BrokerConfig;
import io.floe.broker.config.TopicConfigs;
import io.floe.broker.log.LogManager;
import io.floe.broker.log.TopicState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfig;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicConfigs;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.apache.kafka.common.requests.DescribeConfigsResponse;

/**
 * Creates topics. Any replication factor a tool asks for is accepted (the object store replicates), as are
 * manual assignments, whose partition count is used.
 */
public final class CreateTopicsHandler implements ApiHandler<CreateTopicsRequest> {

  private final LogManager logs;
  private final BrokerConfig config;

  public CreateTopicsHandler(LogManager logs, BrokerConfig config) {
    this.logs = logs;
    this.config = config;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.CREATE_TOPICS;
  }

  @Override
  public CompletableFuture<Response> handle(RequestContext context, CreateTopicsRequest request) {
    boolean validateOnly = request.data().validateOnly();
    Set<String> seen = new HashSet<>();
    Set<String> duplicated = new HashSet<>();
    for (CreatableTopic t : request.data().topics()) {
      if (!seen.add(t.name())) {
        duplicated.add(t.name());
      }
    }
    List<CompletableFuture<CreatableTopicResult>> results = new ArrayList<>();
    for (CreatableTopic t : request.data().topics()) {
      if (duplicated.contains(t.name())) {
        results.add(CompletableFuture.completedFuture(new CreatableTopicResult().setName(t.name())
            .setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("Create topics request has duplicate topic " + t.name())));
      } else {
        results.add(create(t, validateOnly));
      }
    }
    return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(v -> {
      CreateTopicsResponseData out = new CreateTopicsResponseData();
      for (CompletableFuture<CreatableTopicResult> r : results) {
        out.topics().add(r.join());
      }
      return Response.of(new CreateTopicsResponse(out));
    });
  }

  private CompletableFuture<CreatableTopicResult> create(CreatableTopic t, boolean validateOnly) {
    CreatableTopicResult result = new CreatableTopicResult().setName(t.name());
    int partitions = t.numPartitions();
    short rf = t.replicationFactor();
    if (!t.assignments().isEmpty()) {
      if (partitions != -1 || rf != -1) {
        return fail(result, Errors.INVALID_REQUEST,
            "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.");
      }
      partitions = t.assignments().size();
      rf = (short) t.assignments().iterator().next().brokerIds().size();
    }
    if (partitions == -1) {
      partitions = config.getInt(BrokerConfig.NUM_PARTITIONS);
    }
    if (rf == -1) {
      rf = (short) config.getInt(BrokerConfig.DEFAULT_REPLICATION_FACTOR);
    }
    if (rf <= 0) {
      return fail(result, Errors.INVALID_REPLICATION_FACTOR, "Replication factor must be larger than 0, was " + rf);
    }
    Map<String, String> configs = new HashMap<>();
    for (CreatableTopicConfig c : t.configs()) {
      configs.put(c.name(), c.value());
    }
    int finalPartitions = partitions;
    short finalRf = rf;
    return logs.createTopic(t.name(), partitions, configs, validateOnly).handle((state, error) -> {
      if (error != null) {
        return result.setErrorCode(AdminErrors.error(error).code()).setErrorMessage(AdminErrors.message(error));
      }
      result.setErrorCode(Errors.NONE.code()).setNumPartitions(finalPartitions).setReplicationFactor(finalRf);
      Map<String, String> explicit = TopicConfigs.normalize(configs);
      if (state != null) {
        result.setTopicId(state.topicId());
        explicit = state.configs();
      }
      result.setConfigs(describeConfigs(explicit));
      return result;
    });
  }

  private List<CreatableTopicConfigs> describeConfigs(Map<String, String> explicit) {
    TopicConfigs defs = logs.topicConfigs();
    List<CreatableTopicConfigs> out = new ArrayList<>();
    for (TopicConfigs.Definition d : defs.definitions()) {
      boolean set = explicit.containsKey(d.name());
      out.add(new CreatableTopicConfigs()
          .setName(d.name())
          .setValue(set ? explicit.get(d.name()) : defs.defaultValue(d.name()))
          .setReadOnly(false)
          .setIsSensitive(false)
          .setConfigSource((set ? DescribeConfigsResponse.ConfigSource.TOPIC_CONFIG
              : defs.defaultIsFromBroker(d.name()) ? DescribeConfigsResponse.ConfigSource.STATIC_BROKER_CONFIG
              : DescribeConfigsResponse.ConfigSource.DEFAULT_CONFIG).id()));
    }
    return out;
  }

  private static CompletableFuture<CreatableTopicResult> fail(CreatableTopicResult r, Errors error, String message) {
    return CompletableFuture.completedFuture(r.setErrorCode(error.code()).setErrorMessage(message));
  }

}
