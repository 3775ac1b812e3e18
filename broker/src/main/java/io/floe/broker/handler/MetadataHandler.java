package io.floe.broker.handler;

import io.floe.broker.config.BrokerConfig;
import io.floe.broker.log.LogManager;
import io.floe.broker.log.TopicState;
import io.floe.broker.server.BrokerInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;

/**
 * Topics, partitions and brokers. This broker leads every partition it serves; replication is the object
 * store's job, so each partition reports this broker as its only replica and in-sync replica.
 */
public final class MetadataHandler implements ApiHandler<MetadataRequest> {

  private final LogManager logs;
  private final BrokerInfo broker;
  private final boolean autoCreate;

  public MetadataHandler(LogManager logs, BrokerInfo broker, BrokerConfig config) {
    this.logs = logs;
    this.broker = broker;
    this.autoCreate = config.getBoolean(BrokerConfig.AUTO_CREATE_TOPICS_ENABLE);
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.METADATA;
  }

  @Override
  public CompletableFuture<Response> handle(RequestContext context, MetadataRequest request) {
    MetadataRequestData data = request.data();
    short version = context.apiVersion();
    boolean allTopics = data.topics() == null || (version == 0 && data.topics().isEmpty());
    boolean mayCreate = autoCreate && (version < 4 || data.allowAutoTopicCreation());
    List<CompletableFuture<MetadataResponseTopic>> topics = new ArrayList<>();
    if (allTopics) {
      for (TopicState t : logs.topics()) {
        topics.add(CompletableFuture.completedFuture(describe(t)));
      }
    } else {
      for (MetadataRequestData.MetadataRequestTopic rt : data.topics()) {
        topics.add(resolve(rt, mayCreate));
      }
    }
    return CompletableFuture.allOf(topics.toArray(CompletableFuture[]::new)).thenApply(v -> {
      MetadataResponseData out = new MetadataResponseData()
          .setClusterId(broker.clusterId())
          .setControllerId(broker.nodeId());
      out.brokers().add(new MetadataResponseBroker()
          .setNodeId(broker.nodeId()).setHost(broker.host()).setPort(broker.port()));
      for (CompletableFuture<MetadataResponseTopic> t : topics) {
        out.topics().add(t.join());
      }
      return Response.of(new MetadataResponse(out, version));
    });
  }

  private CompletableFuture<MetadataResponseTopic> resolve(MetadataRequestData.MetadataRequestTopic rt, boolean mayCreate) {
    if (rt.name() == null) {
      Uuid id = rt.topicId();
      Optional<TopicState> t = logs.topic(id);
      return CompletableFuture.completedFuture(t.map(this::describe).orElseGet(() ->
          new MetadataResponseTopic().setTopicId(id).setErrorCode(Errors.UNKNOWN_TOPIC_ID.code())));
    }
    String name = rt.name();
    try {
      Topic.validate(name);
    } catch (InvalidTopicException e) {
      return CompletableFuture.completedFuture(
          new MetadataResponseTopic().setName(name).setErrorCode(Errors.INVALID_TOPIC_EXCEPTION.code()));
    }
    CompletableFuture<Optional<TopicState>> found = mayCreate
        ? logs.getOrAutoCreate(name)
        : CompletableFuture.completedFuture(logs.topic(name));
    return found.thenApply(t -> t.map(this::describe).orElseGet(() ->
        new MetadataResponseTopic().setName(name).setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())));
  }

  private MetadataResponseTopic describe(TopicState t) {
    MetadataResponseTopic out = new MetadataResponseTopic()
        .setName(t.name())
        .setTopicId(t.topicId())
        .setIsInternal(false)
        .setErrorCode(Errors.NONE.code());
    List<Integer> self = List.of(broker.nodeId());
    for (int p = 0; p < t.partitions().size(); p++) {
      out.partitions().add(new MetadataResponsePartition()
          .setPartitionIndex(p)
          .setErrorCode(Errors.NONE.code())
          .setLeaderId(broker.nodeId())
          .setLeaderEpoch(0)
          .setReplicaNodes(self)
          .setIsrNodes(self)
          .setOfflineReplicas(List.of()));
    }
    return out;
  }
}
