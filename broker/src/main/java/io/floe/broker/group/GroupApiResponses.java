package io.floe.broker.group;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResultCollection;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupResponseData.MemberResponse;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponsePartition;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponseTopic;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopic;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartition;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopic;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * Whole-request error responses of the group APIs (coordinator loading, shut down, invalid group id,
 * unexpected failure), and the version-dependent touches every response gets before it leaves. Each error
 * response has the shape the request's version expects, so a client can act on the code.
 */
final class GroupApiResponses {

  private GroupApiResponses() {}

  /** JoinGroup v0-6 cannot carry a null protocol name; only v9+ knows SkipAssignment. */
  static JoinGroupResponseData forVersion(JoinGroupResponseData response, short version) {
    if (version < 7 && response.protocolName() == null) {
      response.setProtocolName("");
    }
    if (version < 9) {
      response.setSkipAssignment(false);
    }
    if (response.leader() == null) {
      response.setLeader("");
    }
    return response;
  }

  static JoinGroupResponseData joinError(JoinGroupRequestData request, Errors error) {
    return new JoinGroupResponseData()
        .setMemberId(request.memberId() == null ? "" : request.memberId())
        .setErrorCode(error.code());
  }

  static SyncGroupResponseData syncError(Errors error) {
    return new SyncGroupResponseData().setErrorCode(error.code());
  }

  static HeartbeatResponseData heartbeatError(Errors error) {
    return new HeartbeatResponseData().setErrorCode(error.code());
  }

  static LeaveGroupResponseData leaveError(Errors error) {
    return new LeaveGroupResponseData().setErrorCode(error.code());
  }

  /**
   * LeaveGroup v0-2 names one member and has no member list: its outcome moves to the top-level error, as
   * Kafka's {@code LeaveGroupResponse} does.
   */
  static LeaveGroupResponseData leaveForVersion(LeaveGroupResponseData response, short version) {
    if (version >= 3) {
      return response;
    }
    short code = response.errorCode();
    if (code == Errors.NONE.code()) {
      for (MemberResponse m : response.members()) {
        if (m.errorCode() != Errors.NONE.code()) {
          code = m.errorCode();
          break;
        }
      }
    }
    return new LeaveGroupResponseData().setErrorCode(code);
  }

  /** Every partition of the request, with the request's topic names (and ids, v10+), failed with {@code error}. */
  static OffsetCommitResponseData commitError(OffsetCommitRequestData request, Errors error) {
    OffsetCommitResponseData response = new OffsetCommitResponseData();
    for (OffsetCommitRequestTopic topic : request.topics()) {
      OffsetCommitResponseTopic responseTopic =
          new OffsetCommitResponseTopic().setName(topic.name()).setTopicId(topic.topicId());
      for (OffsetCommitRequestPartition p : topic.partitions()) {
        responseTopic
            .partitions()
            .add(new OffsetCommitResponsePartition().setPartitionIndex(p.partitionIndex()).setErrorCode(error.code()));
      }
      response.topics().add(responseTopic);
    }
    return response;
  }

  /**
   * A group-level OffsetFetch error: per group from v8, top-level (plus each requested partition, which is
   * all v1 can carry) before.
   */
  static OffsetFetchResponseData fetchError(OffsetFetchRequestData request, short version, Errors error) {
    OffsetFetchResponseData response = new OffsetFetchResponseData();
    if (version >= 8) {
      for (OffsetFetchRequestGroup group : request.groups()) {
        response.groups().add(new OffsetFetchResponseGroup().setGroupId(group.groupId()).setErrorCode(error.code()));
      }
      return response;
    }
    if (version >= 2) {
      response.setErrorCode(error.code());
    }
    if (request.topics() != null) {
      for (OffsetFetchRequestTopic topic : request.topics()) {
        OffsetFetchResponseTopic responseTopic = new OffsetFetchResponseTopic().setName(topic.name());
        for (int partition : topic.partitionIndexes()) {
          responseTopic
              .partitions()
              .add(
                  new OffsetFetchResponsePartition()
                      .setPartitionIndex(partition)
                      .setCommittedOffset(-1L)
                      .setMetadata("")
                      .setErrorCode(error.code()));
        }
        response.topics().add(responseTopic);
      }
    }
    return response;
  }

  static OffsetDeleteResponseData offsetDeleteError(Errors error) {
    return new OffsetDeleteResponseData().setErrorCode(error.code());
  }

  static ListGroupsResponseData listError(Errors error) {
    return new ListGroupsResponseData().setErrorCode(error.code());
  }

  static DescribeGroupsResponseData describeError(DescribeGroupsRequestData request, Errors error) {
    List<DescribedGroup> groups = new ArrayList<>();
    for (String groupId : request.groups()) {
      groups.add(
          new DescribedGroup()
              .setGroupId(groupId)
              .setErrorCode(error.code())
              .setGroupState(ClassicGroupState.DEAD.toString()));
    }
    return new DescribeGroupsResponseData().setGroups(groups);
  }

  static DeleteGroupsResponseData deleteGroupsError(DeleteGroupsRequestData request, Errors error) {
    DeletableGroupResultCollection results = new DeletableGroupResultCollection();
    for (String groupId : new LinkedHashSet<>(request.groupsNames())) {
      results.add(new DeletableGroupResult().setGroupId(groupId).setErrorCode(error.code()));
    }
    return new DeleteGroupsResponseData().setResults(results);
  }
}
