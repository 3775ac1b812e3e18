package io.floe.broker.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Assignment;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.utils.Utils;

/**
 * A {@link GroupCoordinator} on fake time with an in-memory offset store, and the requests tests send to it.
 * Built with {@link #builder()}; store calls run inline, so everything is deterministic.
 */
final class GroupCoordinatorTestContext {

  static final String TOPIC = "orders";
  static final int SESSION_TIMEOUT_MS = 10_000;
  static final int REBALANCE_TIMEOUT_MS = 30_000;
  static final int INITIAL_REBALANCE_DELAY_MS = 100;
  static final String CLIENT_HOST = "/127.0.0.1";

  final ManualGroupEventLoop loop;
  final InMemoryGroupOffsetStore store;
  final GroupCoordinatorConfig config;
  final GroupCoordinator coordinator;

  private GroupCoordinatorTestContext(Builder b) {
    this.loop = new ManualGroupEventLoop(b.startMs);
    this.store = b.store;
    GroupCoordinatorConfig.Builder configBuilder =
        GroupCoordinatorConfig.builder().initialRebalanceDelayMs(INITIAL_REBALANCE_DELAY_MS);
    b.config.accept(configBuilder);
    this.config = configBuilder.build();
    this.coordinator =
        GroupCoordinator.builder()
            .config(config)
            .offsetStore(store)
            .offsetFence(new io.floe.storage.metadata.OwnerFence("groups", 1, 1))
            .eventLoop(loop)
            .offsetStoreExecutor(Runnable::run)
            .build();
    if (b.start) {
      coordinator.start().join();
    }
  }

  static Builder builder() {
    return new Builder();
  }

  static final class Builder {
    private InMemoryGroupOffsetStore store = new InMemoryGroupOffsetStore();
    private Consumer<GroupCoordinatorConfig.Builder> config = c -> {};
    private long startMs = 1_700_000_000_000L;
    private boolean start = true;

    /** Shares a store with another context: a second coordinator over it is a broker restart. */
    Builder store(InMemoryGroupOffsetStore store) {
      this.store = store;
      return this;
    }

    Builder config(Consumer<GroupCoordinatorConfig.Builder> config) {
      this.config = config;
      return this;
    }

    Builder startMs(long startMs) {
      this.startMs = startMs;
      return this;
    }

    /** Leaves the coordinator un-started (loading). */
    Builder notStarted() {
      this.start = false;
      return this;
    }

    GroupCoordinatorTestContext build() {
      return new GroupCoordinatorTestContext(this);
    }
  }

  void advance(long ms) {
    loop.advance(ms);
  }

  static GroupRequestContext context(ApiKeys api, String clientId) {
    return new GroupRequestContext(api.latestVersion(), clientId, CLIENT_HOST);
  }

  static GroupRequestContext context(short version, String clientId) {
    return new GroupRequestContext(version, clientId, CLIENT_HOST);
  }

  static <T> T completed(CompletableFuture<T> future) {
    assertTrue(future.isDone(), "expected the response to be ready");
    return future.join();
  }

  // ---- membership ---------------------------------------------------------------------------------------

  static JoinGroupRequestData joinRequest(String groupId, String memberId) {
    return joinRequest(groupId, memberId, protocol("range", TOPIC));
  }

  static JoinGroupRequestData joinRequest(String groupId, String memberId, JoinGroupRequestProtocol... protocols) {
    JoinGroupRequestProtocolCollection collection = new JoinGroupRequestProtocolCollection();
    for (JoinGroupRequestProtocol p : protocols) {
      collection.add(p.duplicate());
    }
    return new JoinGroupRequestData()
        .setGroupId(groupId)
        .setMemberId(memberId)
        .setSessionTimeoutMs(SESSION_TIMEOUT_MS)
        .setRebalanceTimeoutMs(REBALANCE_TIMEOUT_MS)
        .setProtocolType(ConsumerProtocol.PROTOCOL_TYPE)
        .setProtocols(collection);
  }

  static JoinGroupRequestProtocol protocol(String name, String... topics) {
    return new JoinGroupRequestProtocol().setName(name).setMetadata(subscription(topics));
  }

  static byte[] subscription(String... topics) {
    return Utils.toArray(ConsumerProtocol.serializeSubscription(new Subscription(Arrays.asList(topics))));
  }

  static byte[] assignment(String topic, int... partitions) {
    List<TopicPartition> tps = new ArrayList<>();
    for (int p : partitions) {
      tps.add(new TopicPartition(topic, p));
    }
    return Utils.toArray(ConsumerProtocol.serializeAssignment(new Assignment(tps)));
  }

  static List<TopicPartition> partitionsOf(byte[] assignment) {
    return ConsumerProtocol.deserializeAssignment(ByteBuffer.wrap(assignment)).partitions();
  }

  CompletableFuture<JoinGroupResponseData> join(JoinGroupRequestData request) {
    return join(request, ApiKeys.JOIN_GROUP.latestVersion(), "client");
  }

  CompletableFuture<JoinGroupResponseData> join(JoinGroupRequestData request, short version, String clientId) {
    return coordinator.joinGroup(context(version, clientId), request);
  }

  /** The first JoinGroup of a v4+ client: answered MEMBER_ID_REQUIRED with the id to join with. */
  String requestMemberId(String groupId, String clientId) {
    JoinGroupResponseData response =
        completed(join(joinRequest(groupId, ""), ApiKeys.JOIN_GROUP.latestVersion(), clientId));
    assertEquals(Errors.MEMBER_ID_REQUIRED, Errors.forCode(response.errorCode()));
    return response.memberId();
  }

  CompletableFuture<SyncGroupResponseData> sync(
      String groupId, String memberId, int generationId, Map<String, byte[]> assignments) {
    SyncGroupRequestData request =
        new SyncGroupRequestData()
            .setGroupId(groupId)
            .setMemberId(memberId)
            .setGenerationId(generationId)
            .setProtocolType(ConsumerProtocol.PROTOCOL_TYPE)
            .setProtocolName("range");
    assignments.forEach(
        (member, bytes) ->
            request.assignments().add(new SyncGroupRequestAssignment().setMemberId(member).setAssignment(bytes)));
    return coordinator.syncGroup(context(ApiKeys.SYNC_GROUP, "client"), request);
  }

  Errors heartbeat(String groupId, String memberId, int generationId) {
    return heartbeat(groupId, memberId, null, generationId);
  }

  Errors heartbeat(String groupId, String memberId, String groupInstanceId, int generationId) {
    HeartbeatResponseData response =
        completed(
            coordinator.heartbeat(
                context(ApiKeys.HEARTBEAT, "client"),
                new HeartbeatRequestData()
                    .setGroupId(groupId)
                    .setMemberId(memberId)
                    .setGroupInstanceId(groupInstanceId)
                    .setGenerationId(generationId)));
    return Errors.forCode(response.errorCode());
  }

  LeaveGroupResponseData leave(String groupId, String... memberIds) {
    LeaveGroupRequestData request = new LeaveGroupRequestData().setGroupId(groupId);
    for (String id : memberIds) {
      request.members().add(new MemberIdentity().setMemberId(id));
    }
    return completed(coordinator.leaveGroup(context(ApiKeys.LEAVE_GROUP, "client"), request));
  }

  /** A group of {@code size} members that joined and synced; the leader assigned partition i to member i. */
  StableGroup stableGroup(String groupId, int size) {
    List<String> memberIds = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      memberIds.add(requestMemberId(groupId, "client-" + i));
    }
    List<CompletableFuture<JoinGroupResponseData>> joins = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      joins.add(join(joinRequest(groupId, memberIds.get(i)), ApiKeys.JOIN_GROUP.latestVersion(), "client-" + i));
    }
    awaitAll(joins);
    JoinGroupResponseData first = joins.get(0).join();
    int generation = first.generationId();
    String leader = first.leader();
    Map<String, byte[]> assignments = new LinkedHashMap<>();
    for (int i = 0; i < size; i++) {
      assignments.put(memberIds.get(i), assignment(TOPIC, i));
    }
    List<CompletableFuture<SyncGroupResponseData>> syncs = new ArrayList<>();
    for (String id : memberIds) {
      syncs.add(sync(groupId, id, generation, id.equals(leader) ? assignments : Map.of()));
    }
    for (CompletableFuture<SyncGroupResponseData> s : syncs) {
      assertEquals(Errors.NONE, Errors.forCode(completed(s).errorCode()));
    }
    return new StableGroup(groupId, generation, leader, memberIds);
  }

  /** Advances time by the initial rebalance delay until every join is answered (at most a rebalance timeout). */
  <T> void awaitAll(List<CompletableFuture<T>> futures) {
    long waited = 0;
    while (!futures.stream().allMatch(CompletableFuture::isDone)) {
      if (waited > REBALANCE_TIMEOUT_MS) {
        fail("joins not answered within the rebalance timeout");
      }
      advance(INITIAL_REBALANCE_DELAY_MS);
      waited += INITIAL_REBALANCE_DELAY_MS;
    }
  }

  record StableGroup(String groupId, int generationId, String leaderId, List<String> memberIds) {}

  // ---- offsets ------------------------------------------------------------------------------------------

  static OffsetCommitRequestData commitRequest(
      String groupId, String memberId, int generationId, String topic, int partition, long offset) {
    return new OffsetCommitRequestData()
        .setGroupId(groupId)
        .setMemberId(memberId)
        .setGenerationIdOrMemberEpoch(generationId)
        .setTopics(
            List.of(
                new OffsetCommitRequestTopic()
                    .setName(topic)
                    .setPartitions(
                        List.of(
                            new OffsetCommitRequestPartition()
                                .setPartitionIndex(partition)
                                .setCommittedOffset(offset)
                                .setCommittedMetadata("m" + offset)))));
  }

  /** Commits one offset with OffsetCommit v9 and returns the partition's error. */
  Errors commit(String groupId, String memberId, int generationId, String topic, int partition, long offset) {
    OffsetCommitResponseData response =
        completed(
            coordinator.commitOffsets(
                context(ApiKeys.OFFSET_COMMIT.latestVersion(false), "client"),
                commitRequest(groupId, memberId, generationId, topic, partition, offset)));
    return Errors.forCode(response.topics().get(0).partitions().get(0).errorCode());
  }

  /** The committed offset of one partition per OffsetFetch v9, -1 if none. */
  long committedOffset(String groupId, String topic, int partition) {
    OffsetFetchRequestData request =
        new OffsetFetchRequestData()
            .setGroups(
                List.of(
                    new OffsetFetchRequestGroup()
                        .setGroupId(groupId)
                        .setTopics(
                            List.of(
                                new OffsetFetchRequestTopics().setName(topic).setPartitionIndexes(List.of(partition))))));
    OffsetFetchResponseData response =
        completed(coordinator.fetchOffsets(context(ApiKeys.OFFSET_FETCH.latestVersion(false), "client"), request));
    OffsetFetchResponsePartitions p = response.groups().get(0).topics().get(0).partitions().get(0);
    assertEquals(Errors.NONE, Errors.forCode(p.errorCode()));
    return p.committedOffset();
  }

  // ---- admin --------------------------------------------------------------------------------------------

  ListGroupsResponseData listGroups(String... states) {
    return completed(
        coordinator.listGroups(
            context(ApiKeys.LIST_GROUPS, "admin"), new ListGroupsRequestData().setStatesFilter(List.of(states))));
  }

  DescribeGroupsResponseData describe(short version, String... groupIds) {
    return completed(
        coordinator.describeGroups(
            context(version, "admin"), new DescribeGroupsRequestData().setGroups(List.of(groupIds))));
  }

  DeleteGroupsResponseData deleteGroups(String... groupIds) {
    return completed(
        coordinator.deleteGroups(
            context(ApiKeys.DELETE_GROUPS, "admin"), new DeleteGroupsRequestData().setGroupsNames(List.of(groupIds))));
  }
}
