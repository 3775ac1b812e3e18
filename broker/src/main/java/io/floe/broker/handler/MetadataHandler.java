package io.floe.broker.handler;

import io.floe.broker.cluster.Cluster;
import io.floe.broker.cluster.ClusterView;
import io.floe.broker.config.BrokerConfig;
import io.floe.broker.log.PartitionLog;
import io.floe.storage.metadata.ClusterStore.BrokerRegistration;
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
 * Topics, partitions and the live brokers. A partition's leader is the live broker owning its stream, and its
 * leader epoch the number of owner changes; replication is the object store's job, so the leader is the only
 * replica and in-sync replica. A partition whose owner died and is not yet moved has no leader
 * (LEADER_NOT_AVAILABLE: clients retry).
 */
public final class MetadataHandler implements ApiHandler<MetadataRequest> {

  private final LogManager logs;
  private final BrokerInfo broker;
  private final boolean autoCreate;

  private final Cluster cluster;

  public MetadataHandler(LogManager logs, BrokerInfo broker, Cluster cluster, BrokerConfig config) {
    this.logs = logs;
    this.broker = broker;
    this.cluster = cluster;
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
    ClusterView view = cluster.view();
    return CompletableFuture.allOf(topics.toArray(CompletableFuture[]::new)).thenApply(v -> {
      MetadataResponseData out = new MetadataResponseData()
          .setClusterId(broker.clusterId())
          .setControllerId(view.controllerId());
      for (BrokerRegistration b : view.listedBrokers(broker.host(), broker.port())) {
        out.brokers().add(new MetadataResponseBroker()
            .setNodeId(b.nodeId()).setHost(b.host()).setPort(b.port()).setRack(b.rack()));
      }
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
    ClusterView view = cluster.view();
    for (int p = 0; p < t.partitionCount(); p++) {
      String resource = ClusterView.streamResource(t.record().streamId(p));
      PartitionLog local = t.partition(p);
      if (local != null && local.isMoved()) {
        local = null;
      }
      int leader = local != null
          ? broker.nodeId()
          : view.liveOwner(resource).map(BrokerRegistration::nodeId).orElse(-1);
      List<Integer> replicas = leader < 0 ? List.of() : List.of(leader);
      out.partitions().add(new MetadataResponsePartition()
          .setPartitionIndex(p)
          .setErrorCode(leader < 0 ? Errors.LEADER_NOT_AVAILABLE.code() : Errors.NONE.code())
          .setLeaderId(leader)
          .setLeaderEpoch(local != null ? local.leaderEpoch() : view.ownerEpoch(resource))
          .setReplicaNodes(replicas)
          .setIsrNodes(replicas)
          .setOfflineReplicas(List.of()));
    }
    return out;
  }
}
