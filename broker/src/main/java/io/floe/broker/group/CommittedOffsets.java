package io.floe.broker.group;

import io.floe.storage.metadata.GroupOffsetStore.CommittedOffset;
import io.floe.storage.metadata.StaleOwnerException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponsePartition;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponseTopic;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestPartition;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopic;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponsePartition;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponseTopic;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopic;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartition;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopic;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Committed offsets of all groups: OffsetCommit, OffsetFetch and OffsetDelete validated against the group
 * state, DeleteGroups, and topic deletion.
 *
 * <p>Runs on the coordinator thread like {@link GroupStateMachine}. Reads are served from the offsets cached
 * in each {@link ClassicGroup}; writes go to the {@link io.floe.storage.metadata.GroupOffsetStore} through
 * the {@link OffsetStoreWorker} (never blocking this thread) and reach the cache, and the client, only once
 * the store has them: a fetch never returns an offset that a restart would lose. Because the worker is
 * FIFO and its completions come back to this thread in order, the cache applies writes in store order.
 */
final class CommittedOffsets {

  private static final Logger LOG = LoggerFactory.getLogger(CommittedOffsets.class);

  /** Offset reported for a partition without a committed offset. */
  static final long NO_OFFSET = -1L;

  private static final int NO_LEADER_EPOCH = -1;

  private final GroupCoordinatorConfig config;
  private final GroupEventLoop loop;
  private final GroupStateMachine groups;
  /** The store, fenced by the coordinator's owner epoch in a cluster (see {@link FencedGroupOffsetStore}). */
  private final OffsetStoreWorker store;

  CommittedOffsets(GroupCoordinatorConfig config, GroupEventLoop loop, GroupStateMachine groups, OffsetStoreWorker store) {
    this.config = config;
    this.loop = loop;
    this.groups = groups;
    this.store = store;
  }

  /** Reads every group's committed offsets from the store (on the worker thread). */
  CompletableFuture<Map<String, Map<String, Map<Integer, CommittedOffset>>>> readAll() {
    return store.call(
        s -> {
          Map<String, Map<String, Map<Integer, CommittedOffset>>> all = new LinkedHashMap<>();
          for (String groupId : s.groupsWithOffsets()) {
            all.put(groupId, s.fetchOffsets(groupId));
          }
          return all;
        });
  }

  // ---- OffsetCommit --------------------------------------------------------------------------------------

  void commit(
      GroupRequestContext context, OffsetCommitRequestData request, CompletableFuture<OffsetCommitResponseData> future) {
    String groupId = request.groupId();
    if (groupId == null) {
      // The empty group id is allowed for commits, for compatibility with old clients.
      future.complete(GroupApiResponses.commitError(request, Errors.INVALID_GROUP_ID));
      return;
    }
    ClassicGroup group = groups.group(groupId);
    if (group == null) {
      if (request.generationIdOrMemberEpoch() >= 0) {
        // A member of a group this coordinator does not know (it restarted, or the group was deleted).
        Errors error = context.apiVersion() >= 9 ? Errors.GROUP_ID_NOT_FOUND : Errors.ILLEGAL_GENERATION;
        future.complete(GroupApiResponses.commitError(request, error));
        return;
      }
      group = groups.getOrCreateSimpleGroup(groupId);
    }
    Errors error = validateCommit(group, request);
    if (error != Errors.NONE) {
      future.complete(GroupApiResponses.commitError(request, error));
      return;
    }
    groups.onMemberActivity(group, request.memberId());

    long now = loop.nowMs();
    OffsetCommitResponseData response = new OffsetCommitResponseData();
    List<CommittedOffset> toWrite = new ArrayList<>();
    List<OffsetCommitResponsePartition> written = new ArrayList<>();
    for (OffsetCommitRequestTopic topic : request.topics()) {
      OffsetCommitResponseTopic responseTopic =
          new OffsetCommitResponseTopic().setName(topic.name()).setTopicId(topic.topicId());
      response.topics().add(responseTopic);
      for (OffsetCommitRequestPartition p : topic.partitions()) {
        OffsetCommitResponsePartition responsePartition =
            new OffsetCommitResponsePartition().setPartitionIndex(p.partitionIndex());
        responseTopic.partitions().add(responsePartition);
        if (topic.name() == null || topic.name().isEmpty()) {
          // v10 addresses topics by id; the handler resolves ids to names and leaves unknown ones empty.
          responsePartition.setErrorCode(
              (context.apiVersion() >= 10 ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION).code());
        } else if (p.committedMetadata() != null && p.committedMetadata().length() > config.offsetMetadataMaxBytes()) {
          responsePartition.setErrorCode(Errors.OFFSET_METADATA_TOO_LARGE.code());
        } else {
          toWrite.add(
              new CommittedOffset(
                  topic.name(),
                  p.partitionIndex(),
                  p.committedOffset(),
                  p.committedLeaderEpoch(),
                  p.committedMetadata() == null ? "" : p.committedMetadata(),
                  now));
          written.add(responsePartition);
        }
      }
    }
    if (toWrite.isEmpty()) {
      future.complete(response);
      return;
    }
    ClassicGroup target = group;
    target.offsetOperationStarted();
    onLoopWhenDone(
        store.call(
            s -> {
              s.commitOffsets(groupId, toWrite);
              return null;
            }),
        failure -> {
          target.offsetOperationFinished();
          if (failure == null) {
            if (groups.isCurrent(target)) {
              target.putCommittedOffsets(toWrite);
            }
          } else if (isStaleOwner(failure)) {
            // Another broker coordinates the groups now: the client finds it and commits there.
            LOG.warn("Group {}: offset commit refused, this broker is no longer the group coordinator: {}", groupId,
                failure.getMessage());
            written.forEach(p -> p.setErrorCode(Errors.NOT_COORDINATOR.code()));
          } else {
            LOG.warn("Group {}: cannot commit {} offsets to the offset store", groupId, toWrite.size(), failure);
            written.forEach(p -> p.setErrorCode(STORE_FAILURE.code()));
          }
          future.complete(response);
        },
        () -> {
          written.forEach(p -> p.setErrorCode(Errors.NOT_COORDINATOR.code()));
          future.complete(response);
        });
  }

  /** Kafka's rules for who may commit to a classic group. */
  private static Errors validateCommit(ClassicGroup group, OffsetCommitRequestData request) {
    if (group.isIn(ClassicGroupState.DEAD)) {
      return Errors.COORDINATOR_NOT_AVAILABLE;
    }
    int generationId = request.generationIdOrMemberEpoch();
    String memberId = request.memberId();
    String groupInstanceId = request.groupInstanceId();
    if (generationId < 0 && group.isIn(ClassicGroupState.EMPTY)) {
      // The admin client or a consumer that assigns partitions itself.
      return Errors.NONE;
    }
    if (generationId >= 0 || !memberId.isEmpty() || groupInstanceId != null) {
      Errors error = GroupStateMachine.validateMember(group, memberId, groupInstanceId);
      if (error != Errors.NONE) {
        return error;
      }
      if (generationId != group.generationId()) {
        return Errors.ILLEGAL_GENERATION;
      }
    } else if (!group.isIn(ClassicGroupState.EMPTY)) {
      // Only members may commit while the group has members.
      return Errors.UNKNOWN_MEMBER_ID;
    }
    if (group.isIn(ClassicGroupState.COMPLETING_REBALANCE)) {
      // The member has the new generation but not its assignment yet: let it finish the rebalance first.
      return Errors.REBALANCE_IN_PROGRESS;
    }
    return Errors.NONE;
  }

  // ---- OffsetFetch ---------------------------------------------------------------------------------------

  OffsetFetchResponseData fetch(GroupRequestContext context, OffsetFetchRequestData request) {
    short version = context.apiVersion();
    OffsetFetchResponseData response = new OffsetFetchResponseData();
    if (version >= 8) {
      for (OffsetFetchRequestGroup requested : request.groups()) {
        response.groups().add(fetchGroup(requested));
      }
      return response;
    }
    if (request.groupId() == null) {
      return GroupApiResponses.fetchError(request, version, Errors.INVALID_GROUP_ID);
    }
    ClassicGroup group = liveGroup(request.groupId());
    if (request.topics() == null) {
      allOffsets(group).forEach((topic, partitions) -> response.topics().add(legacyTopic(topic, partitions)));
      return response;
    }
    for (OffsetFetchRequestTopic topic : request.topics()) {
      List<PartitionOffset> partitions = new ArrayList<>();
      for (int partition : topic.partitionIndexes()) {
        partitions.add(lookup(group, topic.name(), partition));
      }
      response.topics().add(legacyTopic(topic.name(), partitions));
    }
    return response;
  }

  private OffsetFetchResponseGroup fetchGroup(OffsetFetchRequestGroup requested) {
    OffsetFetchResponseGroup result = new OffsetFetchResponseGroup().setGroupId(requested.groupId());
    if (requested.groupId() == null) {
      return result.setErrorCode(Errors.INVALID_GROUP_ID.code());
    }
    ClassicGroup group = liveGroup(requested.groupId());
    if (requested.topics() == null) {
      allOffsets(group).forEach((topic, partitions) -> result.topics().add(topic(topic, Uuid.ZERO_UUID, partitions)));
      return result;
    }
    for (OffsetFetchRequestTopics topic : requested.topics()) {
      List<PartitionOffset> partitions = new ArrayList<>();
      for (int partition : topic.partitionIndexes()) {
        partitions.add(lookup(group, topic.name(), partition));
      }
      result.topics().add(topic(topic.name(), topic.topicId(), partitions));
    }
    return result;
  }

  /** The group, unless unknown or being deleted (whose offsets are gone as far as clients can tell). */
  private ClassicGroup liveGroup(String groupId) {
    ClassicGroup group = groups.group(groupId);
    return group == null || group.isIn(ClassicGroupState.DEAD) ? null : group;
  }

  private record PartitionOffset(int partition, long offset, int leaderEpoch, String metadata) {}

  private static PartitionOffset lookup(ClassicGroup group, String topic, int partition) {
    Optional<CommittedOffset> committed =
        group == null || topic == null ? Optional.empty() : group.committedOffset(topic, partition);
    return committed
        .map(o -> new PartitionOffset(partition, o.offset(), o.leaderEpoch(), o.metadata()))
        .orElseGet(() -> new PartitionOffset(partition, NO_OFFSET, NO_LEADER_EPOCH, ""));
  }

  private static Map<String, List<PartitionOffset>> allOffsets(ClassicGroup group) {
    Map<String, List<PartitionOffset>> result = new LinkedHashMap<>();
    if (group == null) {
      return result;
    }
    for (Map.Entry<String, ? extends SortedMap<Integer, CommittedOffset>> e : group.committedOffsets().entrySet()) {
      List<PartitionOffset> partitions = new ArrayList<>();
      for (CommittedOffset o : e.getValue().values()) {
        partitions.add(new PartitionOffset(o.partition(), o.offset(), o.leaderEpoch(), o.metadata()));
      }
      result.put(e.getKey(), partitions);
    }
    return result;
  }

  private static OffsetFetchResponseTopics topic(String name, Uuid topicId, List<PartitionOffset> partitions) {
    OffsetFetchResponseTopics topic = new OffsetFetchResponseTopics().setName(name).setTopicId(topicId);
    for (PartitionOffset p : partitions) {
      topic
          .partitions()
          .add(
              new OffsetFetchResponsePartitions()
                  .setPartitionIndex(p.partition())
                  .setCommittedOffset(p.offset())
                  .setCommittedLeaderEpoch(p.leaderEpoch())
                  .setMetadata(p.metadata()));
    }
    return topic;
  }

  private static OffsetFetchResponseTopic legacyTopic(String name, List<PartitionOffset> partitions) {
    OffsetFetchResponseTopic topic = new OffsetFetchResponseTopic().setName(name);
    for (PartitionOffset p : partitions) {
      topic
          .partitions()
          .add(
              new OffsetFetchResponsePartition()
                  .setPartitionIndex(p.partition())
                  .setCommittedOffset(p.offset())
                  .setCommittedLeaderEpoch(p.leaderEpoch())
                  .setMetadata(p.metadata()));
    }
    return topic;
  }

  // ---- OffsetDelete --------------------------------------------------------------------------------------

  void deleteOffsets(OffsetDeleteRequestData request, CompletableFuture<OffsetDeleteResponseData> future) {
    String groupId = request.groupId();
    if (groupId == null || groupId.isEmpty()) {
      future.complete(GroupApiResponses.offsetDeleteError(Errors.INVALID_GROUP_ID));
      return;
    }
    ClassicGroup group = liveGroup(groupId);
    if (group == null) {
      future.complete(GroupApiResponses.offsetDeleteError(Errors.GROUP_ID_NOT_FOUND));
      return;
    }
    if (!group.isIn(ClassicGroupState.EMPTY) && !group.usesConsumerProtocol()) {
      // Without the consumer protocol there is no way to tell which topics the members use.
      future.complete(GroupApiResponses.offsetDeleteError(Errors.NON_EMPTY_GROUP));
      return;
    }
    OffsetDeleteResponseData response = new OffsetDeleteResponseData();
    List<OffsetDeleteRequestPartitionOf> toDelete = new ArrayList<>();
    for (OffsetDeleteRequestTopic topic : request.topics()) {
      OffsetDeleteResponseTopic responseTopic = new OffsetDeleteResponseTopic().setName(topic.name());
      response.topics().add(responseTopic);
      boolean subscribed = group.isSubscribedToTopic(topic.name());
      for (OffsetDeleteRequestPartition p : topic.partitions()) {
        OffsetDeleteResponsePartition responsePartition =
            new OffsetDeleteResponsePartition().setPartitionIndex(p.partitionIndex());
        responseTopic.partitions().add(responsePartition);
        if (subscribed) {
          responsePartition.setErrorCode(Errors.GROUP_SUBSCRIBED_TO_TOPIC.code());
        } else if (group.committedOffset(topic.name(), p.partitionIndex()).isPresent()) {
          toDelete.add(new OffsetDeleteRequestPartitionOf(topic.name(), p.partitionIndex()));
        }
      }
    }
    if (toDelete.isEmpty()) {
      future.complete(response);
      return;
    }
    group.offsetOperationStarted();
    onLoopWhenDone(
        store.call(
            s -> {
              // The store has no batch delete; a failure part way leaves some deleted, which a retry repeats.
              toDelete.forEach(tp -> s.deleteOffsets(groupId, tp.topic(), tp.partition()));
              return null;
            }),
        failure -> {
          group.offsetOperationFinished();
          if (failure != null && isStaleOwner(failure)) {
            LOG.warn("Group {}: offset delete refused, this broker is no longer the group coordinator: {}", groupId,
                failure.getMessage());
            future.complete(GroupApiResponses.offsetDeleteError(Errors.NOT_COORDINATOR));
            return;
          }
          if (failure != null) {
            LOG.warn("Group {}: cannot delete {} offsets from the offset store", groupId, toDelete.size(), failure);
            future.complete(GroupApiResponses.offsetDeleteError(STORE_FAILURE));
            return;
          }
          if (groups.isCurrent(group)) {
            toDelete.forEach(tp -> group.removeCommittedOffset(tp.topic(), tp.partition()));
          }
          future.complete(response);
        },
        () -> future.complete(GroupApiResponses.offsetDeleteError(Errors.NOT_COORDINATOR)));
  }

  private record OffsetDeleteRequestPartitionOf(String topic, int partition) {}

  // ---- DeleteGroups --------------------------------------------------------------------------------------

  void deleteGroups(DeleteGroupsRequestData request, CompletableFuture<DeleteGroupsResponseData> future) {
    DeleteGroupsResponseData response = new DeleteGroupsResponseData();
    Map<String, ClassicGroup> deleting = new LinkedHashMap<>();
    for (String groupId : new LinkedHashSet<>(request.groupsNames())) {
      ClassicGroup group = groups.group(groupId);
      Errors error;
      if (group == null || group.isIn(ClassicGroupState.DEAD)) {
        error = Errors.GROUP_ID_NOT_FOUND;
      } else if (!group.isIn(ClassicGroupState.EMPTY)) {
        error = Errors.NON_EMPTY_GROUP;
      } else {
        // Dead from now on: joins and commits are refused while the store forgets the group.
        group.transitionTo(ClassicGroupState.DEAD);
        deleting.put(groupId, group);
        error = Errors.NONE;
      }
      response.results().add(new DeletableGroupResult().setGroupId(groupId).setErrorCode(error.code()));
    }
    if (deleting.isEmpty()) {
      future.complete(response);
      return;
    }
    onLoopWhenDone(
        store.call(
            s -> {
              Map<String, RuntimeException> failures = new HashMap<>();
              for (String groupId : deleting.keySet()) {
                try {
                  s.deleteGroup(groupId);
                } catch (RuntimeException e) {
                  failures.put(groupId, e);
                }
              }
              return failures;
            }),
        (failures, failure) -> {
          for (ClassicGroup group : deleting.values()) {
            Throwable groupFailure = failure != null ? failure : failures.get(group.groupId());
            if (groupFailure == null) {
              groups.removeGroup(group);
              LOG.info("Group {}: deleted", group.groupId());
            } else if (isStaleOwner(groupFailure)) {
              LOG.warn("Group {}: delete refused, this broker is no longer the group coordinator: {}",
                  group.groupId(), groupFailure.getMessage());
              groups.restoreAfterFailedDelete(group);
              response.results().find(group.groupId()).setErrorCode(Errors.NOT_COORDINATOR.code());
            } else {
              LOG.warn("Group {}: cannot delete it from the offset store", group.groupId(), groupFailure);
              groups.restoreAfterFailedDelete(group);
              response.results().find(group.groupId()).setErrorCode(STORE_FAILURE.code());
            }
          }
          future.complete(response);
        },
        () -> {
          deleting.keySet().forEach(id -> response.results().find(id).setErrorCode(Errors.NOT_COORDINATOR.code()));
          future.complete(response);
        });
  }

  // ---- topic deletion ------------------------------------------------------------------------------------

  /** Forgets every group's offsets of deleted topics, in the store and then in the cache. */
  void deleteTopics(Collection<String> topics, CompletableFuture<Void> future) {
    List<String> copy = List.copyOf(topics);
    onLoopWhenDone(
        store.call(
            s -> {
              copy.forEach(s::deleteTopicOffsets);
              return null;
            }),
        failure -> {
          if (failure != null) {
            future.completeExceptionally(failure);
            return;
          }
          for (ClassicGroup group : groups.allGroups()) {
            copy.forEach(group::removeTopicOffsets);
          }
          future.complete(null);
        },
        () -> future.completeExceptionally(new RejectedExecutionException("The group coordinator shut down")));
  }

  // ---- helpers -------------------------------------------------------------------------------------------

  /**
   * A store that cannot be written (or a full store queue) makes the coordinator unavailable for the
   * request: clients retry COORDINATOR_NOT_AVAILABLE after looking the coordinator up again. The coordinator
   * itself retries nothing.
   */
  private static final Errors STORE_FAILURE = Errors.COORDINATOR_NOT_AVAILABLE;

  private static boolean isStaleOwner(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof StaleOwnerException) {
        return true;
      }
    }
    return false;
  }

  private void onLoopWhenDone(CompletableFuture<?> storeCall, Consumer<Throwable> onLoop, Runnable ifLoopGone) {
    onLoopWhenDone(storeCall, (result, failure) -> onLoop.accept(failure), ifLoopGone);
  }

  /**
   * Continues on the coordinator thread once the store call is done; if the loop no longer accepts tasks
   * (shut down), {@code ifLoopGone} answers the request from the worker thread instead.
   */
  private <T> void onLoopWhenDone(
      CompletableFuture<T> storeCall, BiConsumer<T, Throwable> onLoop, Runnable ifLoopGone) {
    storeCall.whenComplete(
        (result, failure) -> {
          Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
          try {
            loop.execute(() -> onLoop.accept(result, cause));
          } catch (RejectedExecutionException e) {
            ifLoopGone.run();
          }
        });
  }
}
