package io.floe.broker.group;

import static io.floe.broker.group.GroupCoordinatorTestContext.TOPIC;
import static io.floe.broker.group.GroupCoordinatorTestContext.assignment;
import static io.floe.broker.group.GroupCoordinatorTestContext.commitRequest;
import static io.floe.broker.group.GroupCoordinatorTestContext.completed;
import static io.floe.broker.group.GroupCoordinatorTestContext.context;
import static io.floe.broker.group.GroupCoordinatorTestContext.joinRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopic;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.AbstractResponse;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every response the coordinator produces must serialize at the version it was requested with: a field a
 * version cannot carry (a null protocol name before JoinGroup v7, SkipAssignment before v9) would fail the
 * write and drop the connection.
 */
class GroupResponseVersionsTest {

  private static final String GROUP = "versions";

  @SuppressWarnings("unchecked")
  private static <T extends ApiMessage> T roundTrip(ApiKeys api, T response, short version) {
    AbstractResponse parsed =
        AbstractResponse.parseResponse(api, MessageUtil.toByteBufferAccessor(response, version), version);
    return (T) parsed.data();
  }

  static List<Short> joinVersions() {
    return versions(ApiKeys.JOIN_GROUP);
  }

  @ParameterizedTest
  @MethodSource("joinVersions")
  void joinSyncHeartbeatAndLeaveAtEveryVersion(short joinVersion) {
    GroupCoordinatorTestContext ctx = GroupCoordinatorTestContext.builder().build();
    JoinGroupResponseData error =
        completed(ctx.join(joinRequest(GROUP, "").setSessionTimeoutMs(1), joinVersion, "c"));
    assertEquals(Errors.INVALID_SESSION_TIMEOUT.code(), roundTrip(ApiKeys.JOIN_GROUP, error, joinVersion).errorCode());

    String memberId = "";
    if (joinVersion >= 4) {
      JoinGroupResponseData required = completed(ctx.join(joinRequest(GROUP, ""), joinVersion, "c"));
      assertEquals(Errors.MEMBER_ID_REQUIRED.code(), roundTrip(ApiKeys.JOIN_GROUP, required, joinVersion).errorCode());
      memberId = required.memberId();
    }
    CompletableFuture<JoinGroupResponseData> join = ctx.join(joinRequest(GROUP, memberId), joinVersion, "c");
    ctx.awaitAll(List.of(join));
    JoinGroupResponseData joined = roundTrip(ApiKeys.JOIN_GROUP, completed(join), joinVersion);
    assertEquals(Errors.NONE.code(), joined.errorCode());
    assertEquals(1, joined.members().size());
    memberId = joined.memberId();

    for (short v : versions(ApiKeys.SYNC_GROUP)) {
      SyncGroupRequestData sync =
          new SyncGroupRequestData()
              .setGroupId(GROUP)
              .setMemberId(memberId)
              .setGenerationId(joined.generationId())
              .setAssignments(
                  List.of(
                      new SyncGroupRequestData.SyncGroupRequestAssignment()
                          .setMemberId(memberId)
                          .setAssignment(assignment(TOPIC, 0))));
      SyncGroupResponseData synced = completed(ctx.coordinator.syncGroup(context(v, "c"), sync));
      assertEquals(Errors.NONE.code(), roundTrip(ApiKeys.SYNC_GROUP, synced, v).errorCode());
    }
    for (short v : versions(ApiKeys.HEARTBEAT)) {
      var heartbeat =
          completed(
              ctx.coordinator.heartbeat(
                  context(v, "c"),
                  new HeartbeatRequestData().setGroupId(GROUP).setMemberId(memberId).setGenerationId(1)));
      assertEquals(Errors.NONE.code(), roundTrip(ApiKeys.HEARTBEAT, heartbeat, v).errorCode());
    }
    for (short v : versions(ApiKeys.LEAVE_GROUP)) {
      LeaveGroupRequestData leave = new LeaveGroupRequestData().setGroupId(GROUP);
      if (v >= 3) {
        leave.members().add(new MemberIdentity().setMemberId("nobody"));
      } else {
        leave.setMemberId("nobody");
      }
      LeaveGroupResponseData left = roundTrip(ApiKeys.LEAVE_GROUP, completed(ctx.coordinator.leaveGroup(context(v, "c"), leave)), v);
      short code = v >= 3 ? left.members().get(0).errorCode() : left.errorCode();
      assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), code);
    }
  }

  @ParameterizedTest
  @MethodSource("offsetCommitVersions")
  void offsetCommitAtEveryVersion(short version) {
    GroupCoordinatorTestContext ctx = GroupCoordinatorTestContext.builder().build();
    OffsetCommitResponseData response =
        completed(ctx.coordinator.commitOffsets(context(version, "c"), commitRequest(GROUP, "", -1, TOPIC, 0, 5L)));
    assertEquals(
        Errors.NONE.code(), roundTrip(ApiKeys.OFFSET_COMMIT, response, version).topics().get(0).partitions().get(0).errorCode());
  }

  static List<Short> offsetCommitVersions() {
    return versions(ApiKeys.OFFSET_COMMIT).stream().filter(v -> v < 10).toList();
  }

  @ParameterizedTest
  @MethodSource("offsetFetchVersions")
  void offsetFetchAtEveryVersion(short version) {
    GroupCoordinatorTestContext ctx = GroupCoordinatorTestContext.builder().build();
    ctx.commit(GROUP, "", -1, TOPIC, 0, 5L);
    OffsetFetchRequestData request = new OffsetFetchRequestData();
    if (version >= 8) {
      request.setGroups(
          List.of(
              new OffsetFetchRequestGroup()
                  .setGroupId(GROUP)
                  .setTopics(List.of(new OffsetFetchRequestTopics().setName(TOPIC).setPartitionIndexes(List.of(0, 1))))));
    } else {
      request
          .setGroupId(GROUP)
          .setTopics(List.of(new OffsetFetchRequestTopic().setName(TOPIC).setPartitionIndexes(List.of(0, 1))));
    }
    OffsetFetchResponseData response =
        roundTrip(ApiKeys.OFFSET_FETCH, completed(ctx.coordinator.fetchOffsets(context(version, "c"), request)), version);
    long offset =
        version >= 8
            ? response.groups().get(0).topics().get(0).partitions().get(0).committedOffset()
            : response.topics().get(0).partitions().get(0).committedOffset();
    assertEquals(5L, offset);

    // and the whole-request error form (coordinator not loaded yet)
    GroupCoordinatorTestContext loading = GroupCoordinatorTestContext.builder().notStarted().build();
    roundTrip(ApiKeys.OFFSET_FETCH, completed(loading.coordinator.fetchOffsets(context(version, "c"), request)), version);
  }

  static List<Short> offsetFetchVersions() {
    return versions(ApiKeys.OFFSET_FETCH).stream().filter(v -> v < 10).toList();
  }

  @ParameterizedTest
  @MethodSource("describeVersions")
  void adminApisAtEveryVersion(short describeVersion) {
    GroupCoordinatorTestContext ctx = GroupCoordinatorTestContext.builder().build();
    ctx.stableGroup(GROUP, 2);
    ctx.commit("idle", "", -1, TOPIC, 0, 1L);

    DescribeGroupsResponseData described =
        completed(
            ctx.coordinator.describeGroups(
                context(describeVersion, "admin"), new DescribeGroupsRequestData().setGroups(List.of(GROUP, "ghost"))));
    assertEquals(2, roundTrip(ApiKeys.DESCRIBE_GROUPS, described, describeVersion).groups().get(0).members().size());

    for (short v : versions(ApiKeys.LIST_GROUPS)) {
      ListGroupsRequestData request = new ListGroupsRequestData();
      ListGroupsResponseData listed = completed(ctx.coordinator.listGroups(context(v, "admin"), request));
      assertEquals(2, roundTrip(ApiKeys.LIST_GROUPS, listed, v).groups().size());
    }
    for (short v : versions(ApiKeys.DELETE_GROUPS)) {
      DeleteGroupsResponseData deleted =
          completed(
              ctx.coordinator.deleteGroups(
                  context(v, "admin"), new DeleteGroupsRequestData().setGroupsNames(List.of(GROUP))));
      assertEquals(
          Errors.NON_EMPTY_GROUP.code(), roundTrip(ApiKeys.DELETE_GROUPS, deleted, v).results().find(GROUP).errorCode());
    }
    var offsetDelete =
        completed(
            ctx.coordinator.deleteOffsets(
                context(ApiKeys.OFFSET_DELETE, "admin"), new OffsetDeleteRequestData().setGroupId("ghost")));
    assertEquals(Errors.GROUP_ID_NOT_FOUND.code(), roundTrip(ApiKeys.OFFSET_DELETE, offsetDelete, (short) 0).errorCode());
  }

  static List<Short> describeVersions() {
    return versions(ApiKeys.DESCRIBE_GROUPS);
  }

  private static List<Short> versions(ApiKeys api) {
    return api.allVersions();
  }

}
