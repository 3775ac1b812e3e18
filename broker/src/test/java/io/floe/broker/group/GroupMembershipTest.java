package io.floe.broker.group;

import static io.floe.broker.group.GroupCoordinatorTestContext.INITIAL_REBALANCE_DELAY_MS;
import static io.floe.broker.group.GroupCoordinatorTestContext.REBALANCE_TIMEOUT_MS;
import static io.floe.broker.group.GroupCoordinatorTestContext.SESSION_TIMEOUT_MS;
import static io.floe.broker.group.GroupCoordinatorTestContext.TOPIC;
import static io.floe.broker.group.GroupCoordinatorTestContext.assignment;
import static io.floe.broker.group.GroupCoordinatorTestContext.completed;
import static io.floe.broker.group.GroupCoordinatorTestContext.joinRequest;
import static io.floe.broker.group.GroupCoordinatorTestContext.partitionsOf;
import static io.floe.broker.group.GroupCoordinatorTestContext.protocol;
import static io.floe.broker.group.GroupCoordinatorTestContext.subscription;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.broker.group.GroupCoordinatorTestContext.StableGroup;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData.JoinGroupResponseMember;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class GroupMembershipTest {

  private static final String GROUP = "payments";

  private final GroupCoordinatorTestContext ctx = GroupCoordinatorTestContext.builder().build();

  @Test
  void threeMembersJoinSyncAndBecomeStable() {
    // Given three consumers that got their member ids
    String a = ctx.requestMemberId(GROUP, "client-a");
    String b = ctx.requestMemberId(GROUP, "client-b");
    String c = ctx.requestMemberId(GROUP, "client-c");
    assertEquals(3, Set.of(a, b, c).size());
    assertTrue(a.startsWith("client-a-"), a);

    // When they join with them
    CompletableFuture<JoinGroupResponseData> joinA = ctx.join(joinRequest(GROUP, a));
    CompletableFuture<JoinGroupResponseData> joinB = ctx.join(joinRequest(GROUP, b));
    CompletableFuture<JoinGroupResponseData> joinC = ctx.join(joinRequest(GROUP, c));

    // Then nobody is answered during the initial rebalance delay, which new joiners extend once more
    assertFalse(joinA.isDone());
    ctx.advance(INITIAL_REBALANCE_DELAY_MS);
    assertFalse(joinA.isDone());
    ctx.advance(INITIAL_REBALANCE_DELAY_MS);

    // and then all get generation 1 with the same leader; only the leader learns the members' metadata
    List<JoinGroupResponseData> joins = List.of(completed(joinA), completed(joinB), completed(joinC));
    String leader = joins.get(0).leader();
    for (JoinGroupResponseData join : joins) {
      assertEquals(Errors.NONE, Errors.forCode(join.errorCode()));
      assertEquals(1, join.generationId());
      assertEquals("range", join.protocolName());
      assertEquals("consumer", join.protocolType());
      assertEquals(leader, join.leader());
      if (join.memberId().equals(leader)) {
        assertEquals(3, join.members().size());
        for (JoinGroupResponseMember m : join.members()) {
          assertArrayEquals(subscription(TOPIC), m.metadata());
        }
      } else {
        assertTrue(join.members().isEmpty());
      }
    }
    assertEquals(a, leader, "the first member to join leads");

    // When the followers sync first, they wait for the leader
    CompletableFuture<SyncGroupResponseData> syncB = ctx.sync(GROUP, b, 1, Map.of());
    CompletableFuture<SyncGroupResponseData> syncC = ctx.sync(GROUP, c, 1, Map.of());
    assertFalse(syncB.isDone());
    assertFalse(syncC.isDone());
    CompletableFuture<SyncGroupResponseData> syncA =
        ctx.sync(GROUP, a, 1, Map.of(a, assignment(TOPIC, 0), b, assignment(TOPIC, 1), c, assignment(TOPIC, 2)));

    // Then each member gets its own assignment and the group is Stable
    assertEquals(List.of(new TopicPartition(TOPIC, 0)), partitionsOf(completed(syncA).assignment()));
    assertEquals(List.of(new TopicPartition(TOPIC, 1)), partitionsOf(completed(syncB).assignment()));
    assertEquals(List.of(new TopicPartition(TOPIC, 2)), partitionsOf(completed(syncC).assignment()));
    assertEquals("range", completed(syncB).protocolName());
    assertEquals(Errors.NONE, ctx.heartbeat(GROUP, b, 1));
    DescribedGroup described = ctx.describe(ApiKeys.DESCRIBE_GROUPS.latestVersion(), GROUP).groups().get(0);
    assertEquals("Stable", described.groupState());
    assertEquals("range", described.protocolData());
    assertEquals(3, described.members().size());
  }

  @Test
  void memberLeavingTriggersRebalanceAndOthersRejoin() {
    // Given a stable group of three
    StableGroup group = ctx.stableGroup(GROUP, 3);
    String a = group.memberIds().get(0);
    String b = group.memberIds().get(1);
    String c = group.memberIds().get(2);

    // When one member leaves
    LeaveGroupResponseData leave = ctx.leave(GROUP, c);
    assertEquals(Errors.NONE, Errors.forCode(leave.members().get(0).errorCode()));

    // Then the others learn of the rebalance through their heartbeats
    assertEquals(Errors.REBALANCE_IN_PROGRESS, ctx.heartbeat(GROUP, a, group.generationId()));
    assertEquals(Errors.REBALANCE_IN_PROGRESS, ctx.heartbeat(GROUP, b, group.generationId()));
    assertEquals(Errors.UNKNOWN_MEMBER_ID, ctx.heartbeat(GROUP, c, group.generationId()));

    // and once both rejoined the next generation starts without waiting for a timeout
    CompletableFuture<JoinGroupResponseData> joinA = ctx.join(joinRequest(GROUP, a));
    assertFalse(joinA.isDone());
    CompletableFuture<JoinGroupResponseData> joinB = ctx.join(joinRequest(GROUP, b));
    assertEquals(group.generationId() + 1, completed(joinA).generationId());
    assertEquals(group.generationId() + 1, completed(joinB).generationId());
    assertEquals(2, completed(joinA).members().size());

    // and the new generation becomes stable
    int generation = completed(joinA).generationId();
    CompletableFuture<SyncGroupResponseData> syncB = ctx.sync(GROUP, b, generation, Map.of());
    ctx.sync(GROUP, a, generation, Map.of(a, assignment(TOPIC, 0, 2), b, assignment(TOPIC, 1)));
    assertEquals(2, partitionsOf(ctx.sync(GROUP, a, generation, Map.of()).join().assignment()).size());
    assertEquals(List.of(new TopicPartition(TOPIC, 1)), partitionsOf(completed(syncB).assignment()));
  }

  @Test
  void sessionTimeoutExpiryRemovesTheMemberAndRebalances() {
    // Given a stable group of two in which only the first member keeps heartbeating
    StableGroup group = ctx.stableGroup(GROUP, 2);
    String alive = group.memberIds().get(0);
    String silent = group.memberIds().get(1);
    for (int elapsed = 0; elapsed < SESSION_TIMEOUT_MS - 3_000; elapsed += 3_000) {
      ctx.advance(3_000);
      assertEquals(Errors.NONE, ctx.heartbeat(GROUP, alive, group.generationId()));
    }

    // When the silent member's session timeout passes
    ctx.advance(3_000);

    // Then it is removed and the group rebalances
    assertEquals(Errors.REBALANCE_IN_PROGRESS, ctx.heartbeat(GROUP, alive, group.generationId()));
    assertEquals(Errors.UNKNOWN_MEMBER_ID, ctx.heartbeat(GROUP, silent, group.generationId()));

    // and the remaining member alone forms the next generation, as its leader
    JoinGroupResponseData rejoin = completed(ctx.join(joinRequest(GROUP, alive)));
    assertEquals(group.generationId() + 1, rejoin.generationId());
    assertEquals(alive, rejoin.leader());
    assertEquals(1, rejoin.members().size());
  }

  @Test
  void memberThatDoesNotRejoinIsRemovedAtTheRebalanceTimeout() {
    // Given a stable group of two, and a rebalance started by the first member rejoining
    StableGroup group = ctx.stableGroup(GROUP, 2);
    String rejoining = group.memberIds().get(0);
    String absent = group.memberIds().get(1);
    CompletableFuture<JoinGroupResponseData> join = ctx.join(joinRequest(GROUP, rejoining));

    // When the other keeps heartbeating but does not rejoin within the rebalance timeout
    for (int elapsed = 0; elapsed < REBALANCE_TIMEOUT_MS - 3_000; elapsed += 3_000) {
      ctx.advance(3_000);
      assertEquals(Errors.REBALANCE_IN_PROGRESS, ctx.heartbeat(GROUP, absent, group.generationId()));
      assertFalse(join.isDone());
    }
    ctx.advance(3_000);

    // Then the join completes without it
    assertEquals(1, completed(join).members().size());
    assertEquals(Errors.UNKNOWN_MEMBER_ID, ctx.heartbeat(GROUP, absent, group.generationId()));
  }

  @Test
  void firstJoinFromV4RequiresAMemberIdButOlderVersionsJoinDirectly() {
    // When a v4+ client joins without a member id
    JoinGroupResponseData first = completed(ctx.join(joinRequest(GROUP, ""), (short) 4, "app"));

    // Then it is given one to join with, and is not a member yet
    assertEquals(Errors.MEMBER_ID_REQUIRED, Errors.forCode(first.errorCode()));
    assertTrue(first.memberId().startsWith("app-"));
    assertEquals(-1, first.generationId());

    // When a v3 client joins without a member id, it joins at once (the initial delay still applies)
    CompletableFuture<JoinGroupResponseData> old = ctx.join(joinRequest(GROUP, ""), (short) 3, "old-app");
    CompletableFuture<JoinGroupResponseData> withId = ctx.join(joinRequest(GROUP, first.memberId()), (short) 4, "app");
    ctx.awaitAll(List.of(old, withId));
    assertEquals(Errors.NONE, Errors.forCode(completed(old).errorCode()));
    assertTrue(completed(old).memberId().startsWith("old-app-"));
    assertEquals(first.memberId(), completed(withId).memberId());
    assertEquals(1, completed(withId).generationId());
  }

  @Test
  void memberIdHandedOutButNeverUsedExpiresAfterTheSessionTimeout() {
    // Given a member id handed out to a client that never comes back
    String unused = ctx.requestMemberId(GROUP, "ghost");
    String member = ctx.requestMemberId(GROUP, "app");
    CompletableFuture<JoinGroupResponseData> join = ctx.join(joinRequest(GROUP, member));

    // When the initial rebalance ends the join waits for... nothing: the pending id does not block it
    ctx.awaitAll(List.of(join));
    assertEquals(1, completed(join).members().size());

    // Then the unused id is forgotten after its session timeout
    ctx.advance(SESSION_TIMEOUT_MS);
    JoinGroupResponseData late = completed(ctx.join(joinRequest(GROUP, unused)));
    assertEquals(Errors.UNKNOWN_MEMBER_ID, Errors.forCode(late.errorCode()));
  }

  @Test
  void sessionTimeoutOutsideTheBrokerBoundsIsRejected() {
    JoinGroupResponseData tooShort =
        completed(ctx.join(joinRequest(GROUP, "").setSessionTimeoutMs(5_999)));
    JoinGroupResponseData tooLong =
        completed(ctx.join(joinRequest(GROUP, "").setSessionTimeoutMs(1_800_001)));

    assertEquals(Errors.INVALID_SESSION_TIMEOUT, Errors.forCode(tooShort.errorCode()));
    assertEquals(Errors.INVALID_SESSION_TIMEOUT, Errors.forCode(tooLong.errorCode()));
    assertTrue(ctx.listGroups().groups().isEmpty(), "a rejected join leaves no group behind");
  }

  @Test
  void joinWithoutGroupIdIsInvalid() {
    JoinGroupResponseData response = completed(ctx.join(joinRequest("", "")));
    assertEquals(Errors.INVALID_GROUP_ID, Errors.forCode(response.errorCode()));
  }

  @Test
  void protocolIsTheOneAllMembersSupportThatMostPrefer() {
    // Given two members preferring roundrobin and one supporting only range
    String a = ctx.requestMemberId(GROUP, "a");
    String b = ctx.requestMemberId(GROUP, "b");
    String c = ctx.requestMemberId(GROUP, "c");
    CompletableFuture<JoinGroupResponseData> joinA =
        ctx.join(joinRequest(GROUP, a, protocol("roundrobin", TOPIC), protocol("range", TOPIC)));
    CompletableFuture<JoinGroupResponseData> joinB =
        ctx.join(joinRequest(GROUP, b, protocol("roundrobin", TOPIC), protocol("range", TOPIC)));
    CompletableFuture<JoinGroupResponseData> joinC = ctx.join(joinRequest(GROUP, c, protocol("range", TOPIC)));

    // When the rebalance completes
    ctx.awaitAll(List.of(joinA, joinB, joinC));

    // Then range is chosen: the only protocol all support
    assertEquals("range", completed(joinA).protocolName());

    // and a member supporting none of the group's protocols is turned away
    JoinGroupResponseData stranger =
        completed(ctx.join(joinRequest(GROUP, "", protocol("sticky", TOPIC)), (short) 3, "stranger"));
    assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL, Errors.forCode(stranger.errorCode()));
  }

  @Test
  void mostVotedCommonProtocolWins() {
    String a = ctx.requestMemberId(GROUP, "a");
    String b = ctx.requestMemberId(GROUP, "b");
    String c = ctx.requestMemberId(GROUP, "c");
    CompletableFuture<JoinGroupResponseData> joinA =
        ctx.join(joinRequest(GROUP, a, protocol("range", TOPIC), protocol("roundrobin", TOPIC)));
    CompletableFuture<JoinGroupResponseData> joinB =
        ctx.join(joinRequest(GROUP, b, protocol("roundrobin", TOPIC), protocol("range", TOPIC)));
    CompletableFuture<JoinGroupResponseData> joinC =
        ctx.join(joinRequest(GROUP, c, protocol("roundrobin", TOPIC), protocol("range", TOPIC)));

    ctx.awaitAll(List.of(joinA, joinB, joinC));

    assertEquals("roundrobin", completed(joinC).protocolName());
  }

  @Test
  void groupIsFullAtItsMaximumSize() {
    GroupCoordinatorTestContext small =
        GroupCoordinatorTestContext.builder().config(c -> c.maxGroupSize(2)).build();
    StableGroup group = small.stableGroup(GROUP, 2);

    JoinGroupResponseData third = completed(small.join(joinRequest(GROUP, ""), (short) 3, "third"));

    assertEquals(Errors.GROUP_MAX_SIZE_REACHED, Errors.forCode(third.errorCode()));
    assertEquals(Errors.NONE, small.heartbeat(GROUP, group.memberIds().get(0), group.generationId()));
  }

  @Test
  void syncAndHeartbeatCheckMemberAndGeneration() {
    StableGroup group = ctx.stableGroup(GROUP, 2);
    String member = group.memberIds().get(1);

    assertEquals(Errors.ILLEGAL_GENERATION, ctx.heartbeat(GROUP, member, group.generationId() - 1));
    assertEquals(Errors.UNKNOWN_MEMBER_ID, ctx.heartbeat(GROUP, "nobody", group.generationId()));
    assertEquals(Errors.UNKNOWN_MEMBER_ID, ctx.heartbeat("no-such-group", member, group.generationId()));
    assertEquals(
        Errors.ILLEGAL_GENERATION,
        Errors.forCode(completed(ctx.sync(GROUP, member, group.generationId() + 1, Map.of())).errorCode()));
    assertEquals(
        Errors.UNKNOWN_MEMBER_ID,
        Errors.forCode(completed(ctx.sync(GROUP, "nobody", group.generationId(), Map.of())).errorCode()));

    // A Stable group answers a repeated SyncGroup with the member's assignment
    SyncGroupResponseData again = completed(ctx.sync(GROUP, member, group.generationId(), Map.of()));
    assertEquals(List.of(new TopicPartition(TOPIC, 1)), partitionsOf(again.assignment()));
  }

  @Test
  void syncDuringRebalanceIsRefusedAndWaitingFollowersAreToldToRejoin() {
    // Given a group that completed its join phase but whose leader has not synced
    StableGroup group = ctx.stableGroup(GROUP, 2);
    String leader = group.leaderId();
    String follower = group.memberIds().get(1);
    CompletableFuture<JoinGroupResponseData> leaderJoin = ctx.join(joinRequest(GROUP, leader));
    CompletableFuture<JoinGroupResponseData> followerJoin = ctx.join(joinRequest(GROUP, follower));
    int generation = completed(followerJoin).generationId();
    CompletableFuture<SyncGroupResponseData> waiting = ctx.sync(GROUP, follower, generation, Map.of());
    assertFalse(waiting.isDone());

    // When a new member joins before the leader syncs
    ctx.join(joinRequest(GROUP, ""), (short) 3, "newcomer");

    // Then the waiting follower is told to rejoin, and syncs are refused until the next generation
    assertEquals(Errors.REBALANCE_IN_PROGRESS, Errors.forCode(completed(waiting).errorCode()));
    assertEquals(
        Errors.REBALANCE_IN_PROGRESS,
        Errors.forCode(completed(ctx.sync(GROUP, leader, generation, Map.of())).errorCode()));
    assertEquals(generation, completed(leaderJoin).generationId());
  }

  @Test
  void membersThatDoNotSyncInTimeAreRemoved() {
    // Given a join phase just completed
    StableGroup group = ctx.stableGroup(GROUP, 2);
    String leader = group.leaderId();
    String other = group.memberIds().get(1);
    ctx.join(joinRequest(GROUP, leader));
    int generation = completed(ctx.join(joinRequest(GROUP, other))).generationId();

    // When only the leader syncs, while the other keeps heartbeating through the rebalance timeout
    ctx.sync(GROUP, leader, generation, Map.of(leader, assignment(TOPIC, 0), other, assignment(TOPIC, 1)));
    for (int elapsed = 0; elapsed < REBALANCE_TIMEOUT_MS - 3_000; elapsed += 3_000) {
      ctx.advance(3_000);
      assertEquals(Errors.NONE, ctx.heartbeat(GROUP, leader, generation));
      assertEquals(Errors.NONE, ctx.heartbeat(GROUP, other, generation));
    }
    ctx.advance(3_000);

    // Then the member that never synced is removed and the group rebalances
    assertEquals(Errors.UNKNOWN_MEMBER_ID, ctx.heartbeat(GROUP, other, generation));
    assertEquals(Errors.REBALANCE_IN_PROGRESS, ctx.heartbeat(GROUP, leader, generation));
  }

  @Test
  void leaveGroupV0ReportsTheMembersOutcomeAsTopLevelError() {
    StableGroup group = ctx.stableGroup(GROUP, 1);

    LeaveGroupResponseData unknown =
        completed(
            ctx.coordinator.leaveGroup(
                GroupCoordinatorTestContext.context((short) 0, "client"),
                new LeaveGroupRequestData().setGroupId(GROUP).setMemberId("nobody")));
    LeaveGroupResponseData known =
        completed(
            ctx.coordinator.leaveGroup(
                GroupCoordinatorTestContext.context((short) 0, "client"),
                new LeaveGroupRequestData().setGroupId(GROUP).setMemberId(group.memberIds().get(0))));

    assertEquals(Errors.UNKNOWN_MEMBER_ID, Errors.forCode(unknown.errorCode()));
    assertEquals(Errors.NONE, Errors.forCode(known.errorCode()));
    assertEquals("Empty", ctx.describe((short) 5, GROUP).groups().get(0).groupState());
  }

  @Test
  void leaveGroupBatchReportsEachMember() {
    StableGroup group = ctx.stableGroup(GROUP, 3);

    LeaveGroupResponseData response = ctx.leave(GROUP, group.memberIds().get(1), "nobody", group.memberIds().get(2));

    assertEquals(Errors.NONE, Errors.forCode(response.errorCode()));
    assertEquals(Errors.NONE, Errors.forCode(response.members().get(0).errorCode()));
    assertEquals(Errors.UNKNOWN_MEMBER_ID, Errors.forCode(response.members().get(1).errorCode()));
    assertEquals(Errors.NONE, Errors.forCode(response.members().get(2).errorCode()));
    JoinGroupResponseData rejoin = completed(ctx.join(joinRequest(GROUP, group.memberIds().get(0))));
    assertEquals(1, rejoin.members().size());
  }

  @Test
  void restartedStaticMemberTakesOverWithoutRebalance() {
    // Given a stable group of two static members
    String a = ctx.requestMemberId(GROUP, "a");
    CompletableFuture<JoinGroupResponseData> joinA =
        ctx.join(joinRequest(GROUP, "").setGroupInstanceId("instance-a"));
    CompletableFuture<JoinGroupResponseData> joinB =
        ctx.join(joinRequest(GROUP, "").setGroupInstanceId("instance-b"));
    ctx.awaitAll(List.of(joinA, joinB));
    String leader = completed(joinA).leader();
    String memberA = completed(joinA).memberId();
    String memberB = completed(joinB).memberId();
    assertTrue(memberA.startsWith("instance-a-"), "static members get ids from their instance ids");
    int generation = completed(joinA).generationId();
    ctx.sync(GROUP, memberB, generation, Map.of());
    ctx.sync(GROUP, leader, generation, Map.of(memberA, assignment(TOPIC, 0), memberB, assignment(TOPIC, 1)));

    // When instance b restarts and joins without its member id
    JoinGroupResponseData restarted =
        completed(ctx.join(joinRequest(GROUP, "").setGroupInstanceId("instance-b")));

    // Then it gets a new member id in the same generation, at once, and keeps its assignment
    assertEquals(Errors.NONE, Errors.forCode(restarted.errorCode()));
    assertNotEquals(memberB, restarted.memberId());
    assertEquals(generation, restarted.generationId());
    SyncGroupResponseData sync = completed(ctx.sync(GROUP, restarted.memberId(), generation, Map.of()));
    assertEquals(List.of(new TopicPartition(TOPIC, 1)), partitionsOf(sync.assignment()));

    // and the old instance is fenced while the group stays Stable
    assertEquals(Errors.FENCED_INSTANCE_ID, ctx.heartbeat(GROUP, memberB, "instance-b", generation));
    assertEquals(Errors.NONE, ctx.heartbeat(GROUP, memberA, "instance-a", generation));
    assertEquals("Stable", ctx.describe((short) 5, GROUP).groups().get(0).groupState());
    assertTrue(a.startsWith("a-"));
  }

  @Test
  void staticMemberCanBeRemovedByInstanceId() {
    CompletableFuture<JoinGroupResponseData> join =
        ctx.join(joinRequest(GROUP, "").setGroupInstanceId("instance-a"));
    ctx.awaitAll(List.of(join));

    LeaveGroupRequestData request = new LeaveGroupRequestData().setGroupId(GROUP);
    request.members().add(new LeaveGroupRequestData.MemberIdentity().setGroupInstanceId("instance-a"));
    LeaveGroupResponseData response =
        completed(ctx.coordinator.leaveGroup(GroupCoordinatorTestContext.context(ApiKeys.LEAVE_GROUP, "admin"), request));

    assertEquals(Errors.NONE, Errors.forCode(response.members().get(0).errorCode()));
    assertEquals("Empty", ctx.describe((short) 5, GROUP).groups().get(0).groupState());
  }

  @Test
  void newMemberWhoseClientGaveUpIsDroppedAfterTheNewMemberTimeout() {
    // Given a stable group, and a rebalance waiting for an old member that never rejoins
    GroupCoordinatorTestContext c =
        GroupCoordinatorTestContext.builder().config(b -> b.newMemberJoinTimeoutMs(5_000)).build();
    StableGroup group = c.stableGroup(GROUP, 1);
    String newcomer = c.requestMemberId(GROUP, "newcomer");
    CompletableFuture<JoinGroupResponseData> join = c.join(joinRequest(GROUP, newcomer));

    // When the newcomer's join is not answered within the new member timeout (the old member is silent)
    c.advance(5_000);

    // Then the newcomer is dropped and told so
    assertEquals(Errors.UNKNOWN_MEMBER_ID, Errors.forCode(completed(join).errorCode()));
    assertEquals(Errors.REBALANCE_IN_PROGRESS, c.heartbeat(GROUP, group.memberIds().get(0), group.generationId()));
  }

  @Test
  void restartedStaticMemberRejoinsAFullGroup() {
    // Given a full group of two static members
    GroupCoordinatorTestContext small =
        GroupCoordinatorTestContext.builder().config(c -> c.maxGroupSize(2)).build();
    CompletableFuture<JoinGroupResponseData> joinA =
        small.join(joinRequest(GROUP, "").setGroupInstanceId("instance-a"));
    CompletableFuture<JoinGroupResponseData> joinB =
        small.join(joinRequest(GROUP, "").setGroupInstanceId("instance-b"));
    small.awaitAll(List.of(joinA, joinB));
    int generation = completed(joinA).generationId();
    small.sync(GROUP, completed(joinB).memberId(), generation, Map.of());
    small.sync(GROUP, completed(joinA).memberId(), generation, Map.of());

    // When instance b restarts, while a third instance tries to join
    JoinGroupResponseData restarted = completed(small.join(joinRequest(GROUP, "").setGroupInstanceId("instance-b")));
    JoinGroupResponseData third = completed(small.join(joinRequest(GROUP, "").setGroupInstanceId("instance-c")));

    // Then the restart takes its old place and the newcomer is refused
    assertEquals(Errors.NONE, Errors.forCode(restarted.errorCode()));
    assertEquals(Errors.GROUP_MAX_SIZE_REACHED, Errors.forCode(third.errorCode()));
  }

  @Test
  void staticMemberThatMissesARebalanceStaysUntilItsSessionExpires() {
    // Given a stable group of a dynamic leader and a static member
    String dynamic = ctx.requestMemberId(GROUP, "dyn");
    CompletableFuture<JoinGroupResponseData> joinDynamic = ctx.join(joinRequest(GROUP, dynamic));
    CompletableFuture<JoinGroupResponseData> joinStatic =
        ctx.join(joinRequest(GROUP, "").setGroupInstanceId("instance-s"));
    ctx.awaitAll(List.of(joinStatic, joinDynamic));
    String staticId = completed(joinStatic).memberId();
    int generation = completed(joinStatic).generationId();
    ctx.sync(GROUP, dynamic, generation, Map.of());
    ctx.sync(GROUP, staticId, generation, Map.of());

    assertEquals(dynamic, completed(joinStatic).leader());

    // When the leader rejoins (starting a rebalance) and the static member stays silent
    CompletableFuture<JoinGroupResponseData> rejoin = ctx.join(joinRequest(GROUP, dynamic));
    ctx.advance(SESSION_TIMEOUT_MS - 1);

    // Then the rebalance waits for it (a static member is expected back), until its session expires
    assertFalse(rejoin.isDone());
    ctx.advance(1);
    assertEquals(1, completed(rejoin).members().size());
    assertEquals(generation + 1, completed(rejoin).generationId());
  }
}
