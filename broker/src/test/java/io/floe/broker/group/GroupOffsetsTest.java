package io.floe.broker.group;

import static io.floe.broker.group.GroupCoordinatorTestContext.TOPIC;
import static io.floe.broker.group.GroupCoordinatorTestContext.commitRequest;
import static io.floe.broker.group.GroupCoordinatorTestContext.completed;
import static io.floe.broker.group.GroupCoordinatorTestContext.context;
import static io.floe.broker.group.GroupCoordinatorTestContext.joinRequest;
import static io.floe.broker.group.GroupCoordinatorTestContext.protocol;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.broker.group.GroupCoordinatorTestContext.StableGroup;
import io.floe.storage.metadata.GroupOffsetStore.CommittedOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestPartition;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopic;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopic;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartition;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class GroupOffsetsTest {

  private static final String GROUP = "billing";

  private final GroupCoordinatorTestContext ctx = GroupCoordinatorTestContext.builder().build();

  @Test
  void committedOffsetsAreFetchedBackWithMinusOneForPartitionsWithout() {
    // Given a member of a stable group that committed offset 42 of partition 0
    StableGroup group = ctx.stableGroup(GROUP, 1);
    assertEquals(Errors.NONE, ctx.commit(GROUP, group.memberIds().get(0), group.generationId(), TOPIC, 0, 42L));

    // When it fetches partitions 0 and 1 (multi-group form, v8+)
    OffsetFetchRequestData request =
        new OffsetFetchRequestData()
            .setRequireStable(true)
            .setGroups(
                List.of(
                    new OffsetFetchRequestGroup()
                        .setGroupId(GROUP)
                        .setTopics(List.of(new OffsetFetchRequestTopics().setName(TOPIC).setPartitionIndexes(List.of(0, 1)))),
                    new OffsetFetchRequestGroup().setGroupId("unknown-group").setTopics(null)));
    OffsetFetchResponseData response =
        completed(ctx.coordinator.fetchOffsets(context(ApiKeys.OFFSET_FETCH.latestVersion(false), "client"), request));

    // Then partition 0 has the committed offset and its metadata, partition 1 has -1
    OffsetFetchResponseGroup billing = response.groups().get(0);
    assertEquals(Errors.NONE, Errors.forCode(billing.errorCode()));
    assertEquals(42L, billing.topics().get(0).partitions().get(0).committedOffset());
    assertEquals("m42", billing.topics().get(0).partitions().get(0).metadata());
    assertEquals(-1L, billing.topics().get(0).partitions().get(1).committedOffset());
    // and a group without offsets has none, without error
    assertEquals(Errors.NONE, Errors.forCode(response.groups().get(1).errorCode()));
    assertTrue(response.groups().get(1).topics().isEmpty());
  }

  @Test
  void singleGroupFetchFormServesOldClients() {
    ctx.commit(GROUP, "", -1, TOPIC, 3, 7L);

    // v7 with explicit partitions, and v2+ with all topics (null)
    OffsetFetchResponseData explicit =
        completed(
            ctx.coordinator.fetchOffsets(
                context((short) 7, "client"),
                new OffsetFetchRequestData()
                    .setGroupId(GROUP)
                    .setTopics(List.of(new OffsetFetchRequestTopic().setName(TOPIC).setPartitionIndexes(List.of(3, 4))))));
    OffsetFetchResponseData all =
        completed(
            ctx.coordinator.fetchOffsets(
                context((short) 2, "client"), new OffsetFetchRequestData().setGroupId(GROUP).setTopics(null)));

    List<OffsetFetchResponsePartition> partitions = explicit.topics().get(0).partitions();
    assertEquals(7L, partitions.get(0).committedOffset());
    assertEquals(-1L, partitions.get(1).committedOffset());
    assertEquals(Errors.NONE, Errors.forCode(explicit.errorCode()));
    assertEquals(1, all.topics().size());
    assertEquals(3, all.topics().get(0).partitions().get(0).partitionIndex());
  }

  @Test
  void commitWithAnOldGenerationIsRejected() {
    // Given a group that rebalanced to generation 2
    StableGroup first = ctx.stableGroup(GROUP, 1);
    String member = first.memberIds().get(0);
    CompletableFuture<JoinGroupResponseData> rejoin = ctx.join(joinRequest(GROUP, member));
    int generation = completed(rejoin).generationId();
    ctx.sync(GROUP, member, generation, java.util.Map.of(member, GroupCoordinatorTestContext.assignment(TOPIC, 0)));

    // When the member commits with its previous generation, or a stranger commits
    Errors stale = ctx.commit(GROUP, member, generation - 1, TOPIC, 0, 10L);
    Errors stranger = ctx.commit(GROUP, "stranger", generation, TOPIC, 0, 10L);
    Errors outsider = ctx.commit(GROUP, "", -1, TOPIC, 0, 10L);

    // Then the commits are refused and nothing is stored
    assertEquals(Errors.ILLEGAL_GENERATION, stale);
    assertEquals(Errors.UNKNOWN_MEMBER_ID, stranger);
    assertEquals(Errors.UNKNOWN_MEMBER_ID, outsider, "only members commit to a group with members");
    assertEquals(-1L, ctx.committedOffset(GROUP, TOPIC, 0));
    assertEquals(Errors.NONE, ctx.commit(GROUP, member, generation, TOPIC, 0, 10L));
  }

  @Test
  void commitDuringRebalanceCompletionAsksToFinishTheRebalance() {
    StableGroup group = ctx.stableGroup(GROUP, 1);
    String member = group.memberIds().get(0);
    int generation = completed(ctx.join(joinRequest(GROUP, member))).generationId();

    assertEquals(Errors.REBALANCE_IN_PROGRESS, ctx.commit(GROUP, member, generation, TOPIC, 0, 5L));
  }

  @Test
  void commitToAnUnknownGroupWithAGenerationIsRejectedByVersion() {
    OffsetCommitRequestData request = commitRequest("nobody-knows", "m", 3, TOPIC, 0, 1L);

    OffsetCommitResponseData v8 = completed(ctx.coordinator.commitOffsets(context((short) 8, "c"), request));
    OffsetCommitResponseData v9 = completed(ctx.coordinator.commitOffsets(context((short) 9, "c"), request));

    assertEquals(Errors.ILLEGAL_GENERATION, Errors.forCode(v8.topics().get(0).partitions().get(0).errorCode()));
    assertEquals(Errors.GROUP_ID_NOT_FOUND, Errors.forCode(v9.topics().get(0).partitions().get(0).errorCode()));
  }

  @Test
  void standaloneConsumerCommitsToAnEmptyGroup() {
    // When a consumer that assigns partitions itself commits with generation -1
    assertEquals(Errors.NONE, ctx.commit("standalone", "", -1, TOPIC, 0, 100L));

    // Then the offset is stored and the group is listed as Empty with no protocol type
    assertEquals(100L, ctx.committedOffset("standalone", TOPIC, 0));
    assertEquals("Empty", ctx.listGroups().groups().get(0).groupState());
    assertEquals("", ctx.listGroups().groups().get(0).protocolType());
  }

  @Test
  void committedOffsetsSurviveARestart() {
    // Given offsets committed by a group member and by a standalone consumer
    InMemoryGroupOffsetStore store = new InMemoryGroupOffsetStore();
    GroupCoordinatorTestContext before = GroupCoordinatorTestContext.builder().store(store).build();
    StableGroup group = before.stableGroup(GROUP, 2);
    before.commit(GROUP, group.memberIds().get(0), group.generationId(), TOPIC, 0, 11L);
    before.commit(GROUP, group.memberIds().get(1), group.generationId(), TOPIC, 1, 22L);
    before.commit("standalone", "", -1, "other-topic", 5, 55L);
    before.coordinator.shutdown();

    // When a new coordinator starts over the same store
    GroupCoordinatorTestContext after = GroupCoordinatorTestContext.builder().store(store).build();

    // Then the offsets are there, and both groups are Empty: membership does not survive
    assertEquals(11L, after.committedOffset(GROUP, TOPIC, 0));
    assertEquals(22L, after.committedOffset(GROUP, TOPIC, 1));
    assertEquals(55L, after.committedOffset("standalone", "other-topic", 5));
    assertEquals(2, after.listGroups("Empty").groups().size());
    assertEquals("Empty", after.describe((short) 5, GROUP).groups().get(0).groupState());
    // and the old members are told to rejoin
    assertEquals(Errors.UNKNOWN_MEMBER_ID, after.heartbeat(GROUP, group.memberIds().get(0), group.generationId()));
    // and may commit as standalone consumers would while the group is Empty
    assertEquals(Errors.NONE, after.commit(GROUP, "", -1, TOPIC, 0, 12L));
  }

  @Test
  void commitIsAnsweredOnlyOnceStoredAndAStoreFailureIsRetriable() {
    // Given a store that fails its writes
    ctx.store.failWrites(true);

    // When a standalone consumer commits
    Errors error = ctx.commit(GROUP, "", -1, TOPIC, 0, 9L);

    // Then the client is told to retry and nothing is visible
    assertEquals(Errors.COORDINATOR_NOT_AVAILABLE, error);
    assertEquals(-1L, ctx.committedOffset(GROUP, TOPIC, 0));

    // and once the store works again the commit succeeds
    ctx.store.failWrites(false);
    assertEquals(Errors.NONE, ctx.commit(GROUP, "", -1, TOPIC, 0, 9L));
    assertEquals(9L, ctx.store.fetchOffsets(GROUP).get(TOPIC).get(0).offset());
  }

  @Test
  void aCommitRefusedBecauseAnotherBrokerCoordinatesNowTellsTheClientToFindIt() {
    // Given the store refuses this coordinator's fence: the groups moved to another broker meanwhile
    ctx.store.staleFence(true);

    // When a consumer commits here
    Errors error = ctx.commit(GROUP, "", -1, TOPIC, 0, 9L);

    // Then it is told to look up the coordinator again, and nothing was committed
    assertEquals(Errors.NOT_COORDINATOR, error);
    assertEquals(-1L, ctx.committedOffset(GROUP, TOPIC, 0));
    assertTrue(ctx.store.fetchOffsets(GROUP).isEmpty());
  }

  @Test
  void anOffsetDeleteRefusedBecauseAnotherBrokerCoordinatesNowTellsTheClientToFindIt() {
    // Given an offset of an empty group, and a store that refuses this coordinator's fence from now on
    ctx.commit(GROUP, "", -1, "archive", 0, 2L);
    ctx.store.staleFence(true);

    // When an admin deletes the offset here
    OffsetDeleteResponseData response = deleteOffsets(GROUP, "archive");

    // Then it is told to look up the coordinator again, and the offset is still stored
    assertEquals(Errors.NOT_COORDINATOR, Errors.forCode(response.errorCode()));
    assertEquals(2L, ctx.store.fetchOffsets(GROUP).get("archive").get(0).offset());
  }

  @Test
  void commitMetadataAboveTheLimitIsRejectedPerPartition() {
    GroupCoordinatorTestContext c =
        GroupCoordinatorTestContext.builder().config(b -> b.offsetMetadataMaxBytes(3)).build();
    OffsetCommitRequestData request = commitRequest(GROUP, "", -1, TOPIC, 0, 1234L);

    OffsetCommitResponseData response =
        completed(c.coordinator.commitOffsets(context(ApiKeys.OFFSET_COMMIT.latestVersion(false), "c"), request));

    assertEquals(
        Errors.OFFSET_METADATA_TOO_LARGE, Errors.forCode(response.topics().get(0).partitions().get(0).errorCode()));
  }

  @Test
  void commitKeepsTheLeaderEpochAndTimestamp() {
    OffsetCommitRequestData request = commitRequest(GROUP, "", -1, TOPIC, 0, 77L);
    request.topics().get(0).partitions().get(0).setCommittedLeaderEpoch(4);

    completed(ctx.coordinator.commitOffsets(context(ApiKeys.OFFSET_COMMIT.latestVersion(false), "c"), request));

    CommittedOffset stored = ctx.store.fetchOffsets(GROUP).get(TOPIC).get(0);
    assertEquals(4, stored.leaderEpoch());
    assertEquals(ctx.loop.nowMs(), stored.commitTimestampMs());
  }

  @Test
  void offsetsOfATopicTheGroupConsumesCannotBeDeleted() {
    // Given a stable group consuming "orders", with offsets for "orders" and "archive"
    StableGroup group = ctx.stableGroup(GROUP, 1);
    String member = group.memberIds().get(0);
    ctx.commit(GROUP, member, group.generationId(), TOPIC, 0, 1L);
    ctx.commit(GROUP, member, group.generationId(), "archive", 0, 2L);

    // When both are deleted
    OffsetDeleteResponseData response = deleteOffsets(GROUP, TOPIC, "archive");

    // Then "orders" is refused and "archive" is gone
    assertEquals(Errors.NONE, Errors.forCode(response.errorCode()));
    assertEquals(
        Errors.GROUP_SUBSCRIBED_TO_TOPIC,
        Errors.forCode(response.topics().find(TOPIC).partitions().iterator().next().errorCode()));
    assertEquals(Errors.NONE, Errors.forCode(response.topics().find("archive").partitions().iterator().next().errorCode()));
    assertEquals(1L, ctx.committedOffset(GROUP, TOPIC, 0));
    assertEquals(-1L, ctx.committedOffset(GROUP, "archive", 0));
    assertNull(ctx.store.fetchOffsets(GROUP).get("archive"));
  }

  @Test
  void offsetDeleteOfAnUnknownGroupOrANonConsumerGroup() {
    assertEquals(Errors.GROUP_ID_NOT_FOUND, Errors.forCode(deleteOffsets("nope", TOPIC).errorCode()));

    // A group with members of another protocol type (e.g. Kafka Connect) cannot say what it consumes
    CompletableFuture<JoinGroupResponseData> join =
        ctx.join(joinRequest("connect-cluster", "", protocol("default", TOPIC)).setProtocolType("connect"), (short) 3, "w");
    ctx.awaitAll(List.of(join));
    assertEquals(Errors.NONE, Errors.forCode(completed(join).errorCode()));
    assertEquals(Errors.NON_EMPTY_GROUP, Errors.forCode(deleteOffsets("connect-cluster", TOPIC).errorCode()));
  }

  @Test
  void topicDeletionForgetsItsOffsetsInEveryGroup() {
    ctx.commit("g1", "", -1, TOPIC, 0, 1L);
    ctx.commit("g2", "", -1, TOPIC, 1, 2L);
    ctx.commit("g2", "", -1, "kept", 0, 3L);

    ctx.coordinator.onTopicsDeleted(List.of(TOPIC)).join();

    assertEquals(-1L, ctx.committedOffset("g1", TOPIC, 0));
    assertEquals(-1L, ctx.committedOffset("g2", TOPIC, 1));
    assertEquals(3L, ctx.committedOffset("g2", "kept", 0));
    assertEquals(List.of("g2"), ctx.store.groupsWithOffsets());
  }

  private OffsetDeleteResponseData deleteOffsets(String groupId, String... topics) {
    OffsetDeleteRequestTopicCollection collection = new OffsetDeleteRequestTopicCollection();
    for (String t : topics) {
      collection.add(
          new OffsetDeleteRequestTopic().setName(t).setPartitions(List.of(new OffsetDeleteRequestPartition().setPartitionIndex(0))));
    }
    return completed(
        ctx.coordinator.deleteOffsets(
            context(ApiKeys.OFFSET_DELETE, "admin"), new OffsetDeleteRequestData().setGroupId(groupId).setTopics(collection)));
  }
}
