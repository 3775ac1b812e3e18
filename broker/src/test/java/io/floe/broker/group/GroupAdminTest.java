package io.floe.broker.group;

import static io.floe.broker.group.GroupCoordinatorTestContext.TOPIC;
import static io.floe.broker.group.GroupCoordinatorTestContext.assignment;
import static io.floe.broker.group.GroupCoordinatorTestContext.completed;
import static io.floe.broker.group.GroupCoordinatorTestContext.context;
import static io.floe.broker.group.GroupCoordinatorTestContext.joinRequest;
import static io.floe.broker.group.GroupCoordinatorTestContext.partitionsOf;
import static io.floe.broker.group.GroupCoordinatorTestContext.subscription;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.broker.group.GroupCoordinatorTestContext.StableGroup;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroupMember;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class GroupAdminTest {

  private final GroupCoordinatorTestContext ctx = GroupCoordinatorTestContext.builder().build();

  @Test
  void listGroupsFiltersByStateAndType() {
    // Given a Stable group, a rebalancing one and an Empty one that only has offsets
    ctx.stableGroup("stable", 1);
    ctx.join(joinRequest("joining", ""), (short) 3, "c");
    ctx.commit("offsets-only", "", -1, TOPIC, 0, 1L);

    // Then all are listed, each with its state and the classic type
    Map<String, ListedGroup> all =
        ctx.listGroups().groups().stream().collect(Collectors.toMap(ListedGroup::groupId, g -> g));
    assertEquals("Stable", all.get("stable").groupState());
    assertEquals("consumer", all.get("stable").protocolType());
    assertEquals("PreparingRebalance", all.get("joining").groupState());
    assertEquals("Empty", all.get("offsets-only").groupState());
    assertEquals("classic", all.get("stable").groupType());

    // and the states filter matches Kafka's state names case-insensitively
    assertEquals(List.of("offsets-only", "stable"), ids(ctx.listGroups("empty", "Stable")));
    // and a types filter without "classic" lists nothing
    ListGroupsResponseData consumerOnly =
        completed(
            ctx.coordinator.listGroups(
                context(ApiKeys.LIST_GROUPS, "admin"), new ListGroupsRequestData().setTypesFilter(List.of("consumer"))));
    assertTrue(consumerOnly.groups().isEmpty());
    ListGroupsResponseData classic =
        completed(
            ctx.coordinator.listGroups(
                context(ApiKeys.LIST_GROUPS, "admin"), new ListGroupsRequestData().setTypesFilter(List.of("Classic"))));
    assertEquals(3, classic.groups().size());
  }

  @Test
  void describeStableGroupShowsMembersWithMetadataAndAssignment() {
    StableGroup group = ctx.stableGroup("described", 2);

    DescribedGroup described = ctx.describe(ApiKeys.DESCRIBE_GROUPS.latestVersion(), "described").groups().get(0);

    assertEquals(Errors.NONE, Errors.forCode(described.errorCode()));
    assertEquals("Stable", described.groupState());
    assertEquals("consumer", described.protocolType());
    assertEquals("range", described.protocolData());
    assertEquals(group.memberIds(), described.members().stream().map(DescribedGroupMember::memberId).toList());
    DescribedGroupMember second = described.members().get(1);
    assertEquals("client-1", second.clientId());
    assertEquals("/127.0.0.1", second.clientHost());
    assertArrayEquals(subscription(TOPIC), second.memberMetadata());
    assertEquals(List.of(new TopicPartition(TOPIC, 1)), partitionsOf(second.memberAssignment()));
  }

  @Test
  void describeRebalancingGroupShowsMembersWithoutMetadata() {
    StableGroup group = ctx.stableGroup("described", 1);
    ctx.join(joinRequest("described", ""), (short) 3, "newcomer");

    DescribedGroup described = ctx.describe((short) 5, "described").groups().get(0);

    assertEquals("PreparingRebalance", described.groupState());
    assertEquals("", described.protocolData());
    assertEquals(2, described.members().size());
    assertEquals(0, described.members().get(0).memberMetadata().length);
    assertEquals(group.memberIds().get(0), described.members().get(0).memberId());
  }

  @Test
  void describeUnknownGroupIsDeadOrNotFoundFromV6() {
    DescribedGroup v5 = ctx.describe((short) 5, "ghost").groups().get(0);
    DescribedGroup v6 = ctx.describe((short) 6, "ghost").groups().get(0);

    assertEquals(Errors.NONE, Errors.forCode(v5.errorCode()));
    assertEquals("Dead", v5.groupState());
    assertEquals(Errors.GROUP_ID_NOT_FOUND, Errors.forCode(v6.errorCode()));
    assertEquals("Dead", v6.groupState());
  }

  @Test
  void deleteGroupsRefusesGroupsWithMembersAndUnknownGroups() {
    // Given a group with a member, an Empty group with offsets, and a name no group has
    ctx.stableGroup("busy", 1);
    ctx.commit("idle", "", -1, TOPIC, 0, 5L);

    // When all three are deleted
    DeleteGroupsResponseData response = ctx.deleteGroups("busy", "idle", "ghost");

    // Then only the Empty group goes, with its offsets
    assertEquals(Errors.NON_EMPTY_GROUP, Errors.forCode(response.results().find("busy").errorCode()));
    assertEquals(Errors.NONE, Errors.forCode(response.results().find("idle").errorCode()));
    assertEquals(Errors.GROUP_ID_NOT_FOUND, Errors.forCode(response.results().find("ghost").errorCode()));
    assertEquals(List.of("busy"), ids(ctx.listGroups()));
    assertEquals(-1L, ctx.committedOffset("idle", TOPIC, 0));
    assertTrue(ctx.store.groupsWithOffsets().isEmpty());
    // and deleting it again finds nothing
    assertEquals(Errors.GROUP_ID_NOT_FOUND, Errors.forCode(ctx.deleteGroups("idle").results().find("idle").errorCode()));
  }

  @Test
  void groupEmptiedByItsLastMemberCanBeDeleted() {
    StableGroup group = ctx.stableGroup("done", 1);
    ctx.commit("done", group.memberIds().get(0), group.generationId(), TOPIC, 0, 3L);

    ctx.leave("done", group.memberIds().get(0));

    assertEquals("Empty", ctx.describe((short) 5, "done").groups().get(0).groupState());
    assertEquals(Errors.NONE, Errors.forCode(ctx.deleteGroups("done").results().find("done").errorCode()));
    assertEquals(-1L, ctx.committedOffset("done", TOPIC, 0));
  }

  @Test
  void failedStoreDeletionKeepsTheGroup() {
    ctx.commit("idle", "", -1, TOPIC, 0, 5L);
    ctx.store.failWrites(true);

    DeleteGroupsResponseData response = ctx.deleteGroups("idle");

    assertEquals(Errors.COORDINATOR_NOT_AVAILABLE, Errors.forCode(response.results().find("idle").errorCode()));
    assertEquals(5L, ctx.committedOffset("idle", TOPIC, 0));
    assertEquals("Empty", ctx.describe((short) 5, "idle").groups().get(0).groupState());
  }

  @Test
  void aDeleteRefusedBecauseAnotherBrokerCoordinatesNowTellsTheClientToFindIt() {
    // Given an empty group with an offset, and a store that refuses this coordinator's fence from now on
    ctx.commit("idle", "", -1, TOPIC, 0, 5L);
    ctx.store.staleFence(true);

    // When an admin deletes the group here
    DeleteGroupsResponseData response = ctx.deleteGroups("idle");

    // Then it is told to look up the coordinator again, and the group and its offset are kept
    assertEquals(Errors.NOT_COORDINATOR, Errors.forCode(response.results().find("idle").errorCode()));
    assertEquals(5L, ctx.store.fetchOffsets("idle").get(TOPIC).get(0).offset());
    assertEquals("Empty", ctx.describe((short) 5, "idle").groups().get(0).groupState());
  }

  @Test
  void emptyGroupsWithoutOffsetsAreForgottenByThePeriodicCheck() {
    GroupCoordinatorTestContext c =
        GroupCoordinatorTestContext.builder().config(b -> b.unusedGroupCheckIntervalMs(60_000)).build();
    StableGroup group = c.stableGroup("transient", 1);
    c.commit("kept", "", -1, TOPIC, 0, 1L);
    c.leave("transient", group.memberIds().get(0));
    assertEquals(List.of("kept", "transient"), ids(c.listGroups()));

    c.advance(60_000);

    assertEquals(List.of("kept"), ids(c.listGroups()));
  }

  @Test
  void requestsBeforeLoadingAreToldToRetryAndAfterShutdownToFindTheCoordinator() {
    GroupCoordinatorTestContext c = GroupCoordinatorTestContext.builder().notStarted().build();
    ListGroupsResponseData loading = c.listGroups();
    assertEquals(Errors.COORDINATOR_LOAD_IN_PROGRESS, Errors.forCode(loading.errorCode()));

    c.coordinator.start().join();
    StableGroup group = c.stableGroup("g", 2);
    CompletableFuture<JoinGroupResponseData> waiting = c.join(joinRequest("g", group.memberIds().get(0)));

    c.coordinator.shutdown();

    assertEquals(Errors.NOT_COORDINATOR, Errors.forCode(completed(waiting).errorCode()));
    assertEquals(Errors.NOT_COORDINATOR, c.heartbeat("g", group.memberIds().get(1), group.generationId()));
    assertEquals(Errors.NOT_COORDINATOR, Errors.forCode(c.listGroups().errorCode()));
  }

  @Test
  void followerSyncPendingAtShutdownIsAnswered() {
    StableGroup group = ctx.stableGroup("g", 2);
    String follower = group.memberIds().get(1);
    ctx.join(joinRequest("g", group.leaderId()));
    int generation = completed(ctx.join(joinRequest("g", follower))).generationId();
    var sync = ctx.sync("g", follower, generation, Map.of(follower, assignment(TOPIC, 0)));

    ctx.coordinator.shutdown();

    assertEquals(Errors.NOT_COORDINATOR, Errors.forCode(completed(sync).errorCode()));
  }

  private static List<String> ids(ListGroupsResponseData response) {
    return response.groups().stream().map(ListedGroup::groupId).sorted().toList();
  }
}
