package io.floe.broker.group;

import io.floe.broker.group.ClassicGroupMember.Protocol;
import io.floe.storage.metadata.GroupOffsetStore.CommittedOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroupMember;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupResponseData.MemberResponse;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classic group protocol as Kafka's broker runs it: JoinGroup, SyncGroup, Heartbeat and LeaveGroup drive
 * each group through {@link ClassicGroupState}, with timers for the initial rebalance delay, the rebalance
 * timeout, the pending-sync timeout and each member's session. Also owns the registry of groups, which the
 * offset side ({@link CommittedOffsets}) reads and the admin APIs list and describe.
 *
 * <p>Single-threaded: every method must run on the {@link GroupEventLoop} thread, and timers fire there.
 * Futures handed in (JoinGroup, SyncGroup) are completed on that thread, possibly much later.
 */
final class GroupStateMachine {

  private static final Logger LOG = LoggerFactory.getLogger(GroupStateMachine.class);

  static final String UNKNOWN_MEMBER_ID = "";
  static final String CLASSIC_GROUP_TYPE = "classic";

  private final GroupCoordinatorConfig config;
  private final GroupEventLoop loop;
  private final Map<String, ClassicGroup> groups = new HashMap<>();
  private final Map<TimerKey, Timer> timers = new HashMap<>();

  GroupStateMachine(GroupCoordinatorConfig config, GroupEventLoop loop) {
    this.config = config;
    this.loop = loop;
  }

  // ---- registry ------------------------------------------------------------------------------------------

  /** The group with this id, or null. Dead groups are still returned until their deletion completes. */
  ClassicGroup group(String groupId) {
    return groups.get(groupId);
  }

  /** Whether {@code group} is still the registered group of its id (not deleted or replaced). */
  boolean isCurrent(ClassicGroup group) {
    return groups.get(group.groupId()) == group;
  }

  /** The group for a commit from a consumer that does not use group management: created Empty if unknown. */
  ClassicGroup getOrCreateSimpleGroup(String groupId) {
    return groups.computeIfAbsent(
        groupId,
        id -> {
          LOG.info("Group {}: created by an offset commit outside group management", id);
          return new ClassicGroup(id);
        });
  }

  /** Registers the groups that had committed offsets when the coordinator started, as Empty groups. */
  void load(Map<String, Map<String, Map<Integer, CommittedOffset>>> offsetsByGroup) {
    offsetsByGroup.forEach(
        (groupId, byTopic) -> {
          ClassicGroup group = groups.computeIfAbsent(groupId, ClassicGroup::new);
          byTopic.values().forEach(byPartition -> group.putCommittedOffsets(byPartition.values()));
        });
    LOG.info("Loaded the committed offsets of {} groups", offsetsByGroup.size());
  }

  /** Forgets a deleted group and its timers. No-op if {@code group} is no longer the registered one. */
  void removeGroup(ClassicGroup group) {
    if (!isCurrent(group)) {
      return;
    }
    groups.remove(group.groupId());
    cancelGroupTimers(group.groupId());
  }

  /**
   * Replaces a group whose deletion failed in the store by a fresh Empty group with the same offsets: the
   * store still has them, so the group must stay visible.
   */
  void restoreAfterFailedDelete(ClassicGroup dead) {
    if (!isCurrent(dead)) {
      return;
    }
    ClassicGroup restored = new ClassicGroup(dead.groupId());
    dead.committedOffsets().values().forEach(byPartition -> restored.putCommittedOffsets(byPartition.values()));
    cancelGroupTimers(dead.groupId());
    groups.put(dead.groupId(), restored);
  }

  Iterable<ClassicGroup> allGroups() {
    return groups.values();
  }

  /**
   * Forgets Empty groups that nothing references any more (no members, no offsets, no store call in
   * flight), as Kafka's periodic group cleanup does; then schedules the next check.
   */
  void startUnusedGroupCleanup() {
    schedule(
        TimerKey.cleanup(),
        config.unusedGroupCheckIntervalMs(),
        () -> {
          removeUnusedGroups();
          startUnusedGroupCleanup();
        });
  }

  int removeUnusedGroups() {
    int removed = 0;
    for (Iterator<ClassicGroup> it = groups.values().iterator(); it.hasNext(); ) {
      ClassicGroup group = it.next();
      if (group.isUnused()) {
        it.remove();
        cancelGroupTimers(group.groupId());
        removed++;
      }
    }
    if (removed > 0) {
      LOG.info("Removed {} empty groups without committed offsets", removed);
    }
    return removed;
  }

  /** Cancels every timer and answers every pending JoinGroup and SyncGroup with {@code error}. */
  void shutdown(Errors error) {
    timers.values().forEach(t -> t.handle.cancel());
    timers.clear();
    for (ClassicGroup group : groups.values()) {
      for (ClassicGroupMember member : new ArrayList<>(group.allMembers())) {
        group.completeJoin(member, new JoinGroupResponseData().setMemberId(member.memberId())
            .setErrorCode(error.code()));
        group.completeSync(member, new SyncGroupResponseData().setErrorCode(error.code()));
      }
    }
  }

  // ---- JoinGroup -------------------------------------------------------------------------------------------

  void joinGroup(
      GroupRequestContext context, JoinGroupRequestData request, CompletableFuture<JoinGroupResponseData> future) {
    String groupId = request.groupId();
    String memberId = request.memberId();
    if (groupId == null || groupId.isEmpty()) {
      future.complete(joinError(memberId, Errors.INVALID_GROUP_ID));
      return;
    }
    int sessionTimeoutMs = request.sessionTimeoutMs();
    if (sessionTimeoutMs < config.minSessionTimeoutMs() || sessionTimeoutMs > config.maxSessionTimeoutMs()) {
      future.complete(joinError(memberId, Errors.INVALID_SESSION_TIMEOUT));
      return;
    }
    boolean isUnknownMember = memberId.isEmpty();
    ClassicGroup group = groups.get(groupId);
    boolean created = false;
    if (group == null) {
      if (!isUnknownMember) {
        future.complete(joinError(memberId, Errors.UNKNOWN_MEMBER_ID));
        return;
      }
      group = new ClassicGroup(groupId);
      groups.put(groupId, group);
      created = true;
    }
    try {
      if (!acceptJoiningMember(group, memberId, request.groupInstanceId())) {
        ClassicGroupMember existing = group.member(memberId);
        if (existing != null) {
          removeMemberAndUpdateGroup(group, existing, "the group reached its maximum size " + config.maxGroupSize());
        }
        future.complete(joinError(UNKNOWN_MEMBER_ID, Errors.GROUP_MAX_SIZE_REACHED));
      } else if (isUnknownMember) {
        joinNewMember(context, request, group, future);
      } else {
        joinExistingMember(context, request, group, future);
      }
    } finally {
      if (created && group.isUnused()) {
        groups.remove(groupId);
      }
    }
  }

  /**
   * Kafka's admission rule: always into an Empty group; while rebalancing, up to the max size counted in
   * members that rejoined (so that members which do not rejoin can be displaced); otherwise up to the max
   * size in members. Unknown members also need room among the member ids handed out but not yet used. A
   * restarted static member takes its old place, so it never counts as growth.
   */
  private boolean acceptJoiningMember(ClassicGroup group, String memberId, String groupInstanceId) {
    if (memberId.isEmpty()) {
      if (groupInstanceId != null && group.staticMemberId(groupInstanceId).isPresent()) {
        return true;
      }
      if (group.numPendingJoinMembers() >= config.maxGroupSize()) {
        return false;
      }
    }
    return switch (group.state()) {
      case EMPTY, DEAD -> true;
      case PREPARING_REBALANCE ->
          (group.hasMember(memberId) && group.member(memberId).isAwaitingJoin())
              || group.numAwaitingJoin() < config.maxGroupSize();
      case COMPLETING_REBALANCE, STABLE -> group.hasMember(memberId) || group.size() < config.maxGroupSize();
    };
  }

  private void joinNewMember(
      GroupRequestContext context,
      JoinGroupRequestData request,
      ClassicGroup group,
      CompletableFuture<JoinGroupResponseData> future) {
    if (group.isIn(ClassicGroupState.DEAD)) {
      future.complete(joinError(UNKNOWN_MEMBER_ID, Errors.COORDINATOR_NOT_AVAILABLE));
      return;
    }
    List<Protocol> protocols = ClassicGroupMember.protocolsOf(request.protocols());
    if (!group.supportsProtocols(request.protocolType(), names(protocols))) {
      future.complete(joinError(UNKNOWN_MEMBER_ID, Errors.INCONSISTENT_GROUP_PROTOCOL));
      return;
    }
    Optional<String> groupInstanceId = Optional.ofNullable(request.groupInstanceId());
    String newMemberId = groupInstanceId.orElse(context.clientId()) + "-" + UUID.randomUUID();
    if (groupInstanceId.isPresent()) {
      joinStaticMember(context, request, group, newMemberId, protocols, future);
    } else if (context.apiVersion() >= 4) {
      // KIP-394: hand out the id first, so a member that retries after a lost response reuses it instead
      // of leaving a ghost member behind.
      group.addPendingMember(newMemberId);
      scheduleHeartbeatExpiration(group, newMemberId, request.sessionTimeoutMs());
      future.complete(joinError(newMemberId, Errors.MEMBER_ID_REQUIRED));
    } else {
      addMemberAndRebalance(context, request, group, newMemberId, protocols, future);
    }
  }

  private void joinExistingMember(
      GroupRequestContext context,
      JoinGroupRequestData request,
      ClassicGroup group,
      CompletableFuture<JoinGroupResponseData> future) {
    String memberId = request.memberId();
    if (group.isIn(ClassicGroupState.DEAD)) {
      future.complete(joinError(memberId, Errors.COORDINATOR_NOT_AVAILABLE));
      return;
    }
    List<Protocol> protocols = ClassicGroupMember.protocolsOf(request.protocols());
    if (!group.supportsProtocols(request.protocolType(), names(protocols))) {
      future.complete(joinError(memberId, Errors.INCONSISTENT_GROUP_PROTOCOL));
      return;
    }
    if (group.isPendingMember(memberId)) {
      if (request.groupInstanceId() != null) {
        // Pending ids are only handed out to dynamic members.
        future.complete(joinError(memberId, Errors.UNKNOWN_MEMBER_ID));
      } else {
        addMemberAndRebalance(context, request, group, memberId, protocols, future);
      }
      return;
    }
    Errors error = validateMember(group, memberId, request.groupInstanceId());
    if (error != Errors.NONE) {
      future.complete(joinError(memberId, error));
      return;
    }
    ClassicGroupMember member = group.member(memberId);
    String reason = "Updating metadata for member " + memberId + " during JoinGroup" + clientReason(request);
    switch (group.state()) {
      case PREPARING_REBALANCE ->
          updateMemberThenRebalanceOrCompleteJoin(context, request, group, member, protocols, future, reason);
      case COMPLETING_REBALANCE -> {
        if (member.matches(protocols)) {
          // The member lost the JoinGroup response of this generation: send it again.
          future.complete(currentGenerationResponse(group, member, group.isLeader(memberId)));
        } else {
          updateMemberThenRebalanceOrCompleteJoin(context, request, group, member, protocols, future, reason);
        }
      }
      case STABLE -> {
        if (group.isLeader(memberId) || !member.matches(protocols)) {
          // The leader rejoining means it wants a new assignment (e.g. the topic metadata changed).
          updateMemberThenRebalanceOrCompleteJoin(context, request, group, member, protocols, future, reason);
        } else {
          future.complete(currentGenerationResponse(group, member, false));
        }
      }
      case EMPTY, DEAD -> future.complete(joinError(memberId, Errors.UNKNOWN_MEMBER_ID));
    }
  }

  /**
   * A static member ({@code group.instance.id}) joining without a member id: a new instance, or a restart of
   * a known one, which takes over the old member's place without a rebalance when nothing changed.
   */
  private void joinStaticMember(
      GroupRequestContext context,
      JoinGroupRequestData request,
      ClassicGroup group,
      String newMemberId,
      List<Protocol> protocols,
      CompletableFuture<JoinGroupResponseData> future) {
    String groupInstanceId = request.groupInstanceId();
    Optional<String> oldMemberId = group.staticMemberId(groupInstanceId);
    if (oldMemberId.isEmpty()) {
      addMemberAndRebalance(context, request, group, newMemberId, protocols, future);
      return;
    }
    LOG.info(
        "Group {}: static member {} rejoined without a member id; replacing member {} by {}",
        group.groupId(),
        groupInstanceId,
        oldMemberId.get(),
        newMemberId);
    String currentLeader = group.leaderOrNull();
    ClassicGroupMember member = group.replaceStaticMember(groupInstanceId, oldMemberId.get(), newMemberId);
    cancelTimer(TimerKey.heartbeat(group.groupId(), oldMemberId.get()));
    scheduleHeartbeatExpiration(group, newMemberId, request.sessionTimeoutMs());
    group.updateMember(member, protocols, rebalanceTimeoutMs(context, request), request.sessionTimeoutMs(), future);
    String reason = "Updating metadata for static member " + newMemberId + " with instance id " + groupInstanceId
        + clientReason(request);
    switch (group.state()) {
      case STABLE -> {
        if (group.protocolName().orElse("").equals(group.selectProtocol())) {
          boolean isLeader = group.isLeader(newMemberId);
          JoinGroupResponseData response =
              new JoinGroupResponseData()
                  .setMemberId(newMemberId)
                  .setGenerationId(group.generationId())
                  .setProtocolType(group.protocolType().orElse(null))
                  .setProtocolName(group.protocolName().orElse(null));
          if (context.apiVersion() >= 9) {
            // The restarted leader learns the members (to rebuild its state) but must not reassign.
            response
                .setMembers(isLeader ? group.currentMembersForLeader() : List.of())
                .setLeader(group.leaderOrNull())
                .setSkipAssignment(isLeader);
          } else {
            // Older clients cannot skip the assignment: report the old leader id so the restarted leader
            // acts as a follower; a Stable group would not broadcast its new assignment anyway.
            response.setLeader(currentLeader);
          }
          group.completeJoin(member, response);
        } else {
          maybePrepareRebalanceOrCompleteJoin(group, reason + " with a change of protocol");
        }
      }
      // The leader may already have computed an assignment for the old member id: start over.
      case COMPLETING_REBALANCE -> prepareRebalance(group, reason);
      case PREPARING_REBALANCE -> maybeCompleteJoinPhase(group);
      case EMPTY, DEAD -> throw new IllegalStateException(
          "Cannot replace static member " + groupInstanceId + ": group " + group.groupId() + " is " + group.state());
    }
  }

  private void addMemberAndRebalance(
      GroupRequestContext context,
      JoinGroupRequestData request,
      ClassicGroup group,
      String memberId,
      List<Protocol> protocols,
      CompletableFuture<JoinGroupResponseData> future) {
    ClassicGroupMember member =
        new ClassicGroupMember(
            memberId,
            Optional.ofNullable(request.groupInstanceId()),
            context.clientId(),
            context.clientHost(),
            request.protocolType(),
            rebalanceTimeoutMs(context, request),
            request.sessionTimeoutMs(),
            protocols);
    member.setNew(true);
    if (group.isIn(ClassicGroupState.PREPARING_REBALANCE) && group.generationId() == 0) {
      group.setNewMemberAdded(true);
    }
    group.add(member, future);
    // Until its first JoinGroup is answered a new member is only bounded by the new-member timeout, so
    // that a member whose client gave up does not hold the rebalance for a whole rebalance timeout.
    scheduleHeartbeatExpiration(group, memberId, config.newMemberJoinTimeoutMs());
    maybePrepareRebalanceOrCompleteJoin(
        group,
        "Adding new member " + memberId + member.groupInstanceId().map(id -> " with instance id " + id).orElse("")
            + clientReason(request));
  }

  private void updateMemberThenRebalanceOrCompleteJoin(
      GroupRequestContext context,
      JoinGroupRequestData request,
      ClassicGroup group,
      ClassicGroupMember member,
      List<Protocol> protocols,
      CompletableFuture<JoinGroupResponseData> future,
      String reason) {
    group.updateMember(member, protocols, rebalanceTimeoutMs(context, request), request.sessionTimeoutMs(), future);
    maybePrepareRebalanceOrCompleteJoin(group, reason);
  }

  private void maybePrepareRebalanceOrCompleteJoin(ClassicGroup group, String reason) {
    if (group.canRebalance()) {
      prepareRebalance(group, reason);
    } else {
      maybeCompleteJoinPhase(group);
    }
  }

  private void prepareRebalance(ClassicGroup group, String reason) {
    if (group.isIn(ClassicGroupState.COMPLETING_REBALANCE)) {
      // Followers waiting in SyncGroup must rejoin: the leader's assignment is for the old membership.
      resetAndPropagateAssignmentWithError(group, Errors.REBALANCE_IN_PROGRESS);
    }
    cancelTimer(TimerKey.sync(group.groupId()));
    group.clearPendingSyncMembers();
    boolean isInitialRebalance = group.isIn(ClassicGroupState.EMPTY);
    if (isInitialRebalance) {
      // A new group: give the other members of the application time to start before the first
      // assignment, rather than rebalancing once per member.
      int delayMs = config.initialRebalanceDelayMs();
      int remainingMs = Math.max(group.rebalanceTimeoutMs() - delayMs, 0);
      schedule(
          TimerKey.join(group.groupId()),
          delayMs,
          () -> tryCompleteInitialRebalanceElseSchedule(group, delayMs, remainingMs));
    }
    group.transitionTo(ClassicGroupState.PREPARING_REBALANCE);
    LOG.info(
        "Group {}: preparing to rebalance in state {} with old generation {}: {}",
        group.groupId(),
        group.previousState(),
        group.generationId(),
        reason);
    if (!isInitialRebalance) {
      maybeCompleteJoinElseSchedule(group);
    }
  }

  private void tryCompleteInitialRebalanceElseSchedule(ClassicGroup group, int delayMs, int remainingMs) {
    if (!isCurrent(group) || !group.isIn(ClassicGroupState.PREPARING_REBALANCE)) {
      return;
    }
    if (group.newMemberAdded() && remainingMs != 0) {
      group.setNewMemberAdded(false);
      int newDelayMs = Math.min(config.initialRebalanceDelayMs(), remainingMs);
      int newRemainingMs = Math.max(remainingMs - delayMs, 0);
      schedule(
          TimerKey.join(group.groupId()),
          newDelayMs,
          () -> tryCompleteInitialRebalanceElseSchedule(group, newDelayMs, newRemainingMs));
    } else {
      completeJoinPhase(group);
    }
  }

  private void maybeCompleteJoinElseSchedule(ClassicGroup group) {
    if (group.isIn(ClassicGroupState.PREPARING_REBALANCE) && group.hasAllMembersJoined()) {
      completeJoinPhase(group);
    } else {
      schedule(TimerKey.join(group.groupId()), group.rebalanceTimeoutMs(), () -> completeJoinPhase(group));
    }
  }

  /** Completes the join phase early once everyone rejoined; never during the initial rebalance delay. */
  private void maybeCompleteJoinPhase(ClassicGroup group) {
    if (group.isIn(ClassicGroupState.PREPARING_REBALANCE)
        && group.hasAllMembersJoined()
        && group.previousState() != ClassicGroupState.EMPTY) {
      completeJoinPhase(group);
    }
  }

  /**
   * Ends the join phase: drops dynamic members that did not rejoin, starts the next generation and answers
   * every waiting JoinGroup (the leader gets all members' metadata).
   */
  private void completeJoinPhase(ClassicGroup group) {
    cancelTimer(TimerKey.join(group.groupId()));
    if (!isCurrent(group) || !group.isIn(ClassicGroupState.PREPARING_REBALANCE)) {
      return;
    }
    List<String> removed = new ArrayList<>();
    for (ClassicGroupMember member : group.notYetRejoinedMembers()) {
      if (!member.isStatic()) {
        group.remove(member.memberId(), Errors.UNKNOWN_MEMBER_ID);
        cancelTimer(TimerKey.heartbeat(group.groupId(), member.memberId()));
        removed.add(member.memberId());
      }
    }
    if (!removed.isEmpty()) {
      LOG.info("Group {}: removed members {} that did not rejoin within the rebalance timeout", group.groupId(),
          removed);
    }
    if (!group.maybeElectNewJoinedLeader() && group.size() > 0) {
      // Only static members that did not rejoin are left: wait for them (or for their session to expire).
      LOG.warn("Group {}: cannot complete the rebalance, no member rejoined; waiting another rebalance timeout",
          group.groupId());
      schedule(TimerKey.join(group.groupId()), group.rebalanceTimeoutMs(), () -> completeJoinPhase(group));
      return;
    }
    group.initNextGeneration();
    if (group.isIn(ClassicGroupState.EMPTY)) {
      LOG.info("Group {}: generation {} is empty", group.groupId(), group.generationId());
      return;
    }
    LOG.info(
        "Group {}: generation {} starts with {} members, protocol {}/{}, leader {}",
        group.groupId(),
        group.generationId(),
        group.size(),
        group.protocolType().orElse(""),
        group.protocolName().orElse(""),
        group.leaderOrNull());
    for (ClassicGroupMember member : new ArrayList<>(group.allMembers())) {
      group.completeJoin(member, currentGenerationResponse(group, member, group.isLeader(member.memberId())));
      scheduleHeartbeatExpiration(group, member.memberId(), member.sessionTimeoutMs());
      member.setNew(false);
      group.addPendingSyncMember(member.memberId());
    }
    int generationId = group.generationId();
    schedule(TimerKey.sync(group.groupId()), group.rebalanceTimeoutMs(), () -> expirePendingSync(group, generationId));
  }

  /** Members that got their JoinGroup response but sent no SyncGroup within the rebalance timeout are removed. */
  private void expirePendingSync(ClassicGroup group, int generationId) {
    if (!isCurrent(group) || generationId != group.generationId()) {
      return;
    }
    if (!group.isIn(ClassicGroupState.COMPLETING_REBALANCE) && !group.isIn(ClassicGroupState.STABLE)) {
      return;
    }
    if (group.pendingSyncMembers().isEmpty()) {
      return;
    }
    Set<String> pending = new HashSet<>(group.pendingSyncMembers());
    for (String memberId : pending) {
      group.remove(memberId, Errors.UNKNOWN_MEMBER_ID);
      cancelTimer(TimerKey.heartbeat(group.groupId(), memberId));
    }
    prepareRebalance(group, "Removing " + pending + " on pending sync request expiration");
  }

  private static JoinGroupResponseData currentGenerationResponse(
      ClassicGroup group, ClassicGroupMember member, boolean withMembers) {
    return new JoinGroupResponseData()
        .setMembers(withMembers ? group.currentMembersForLeader() : List.of())
        .setMemberId(member.memberId())
        .setGenerationId(group.generationId())
        .setProtocolType(group.protocolType().orElse(null))
        .setProtocolName(group.protocolName().orElse(null))
        .setLeader(group.leaderOrNull())
        .setSkipAssignment(false);
  }

  // ---- SyncGroup ---------------------------------------------------------------------------------------

  void syncGroup(SyncGroupRequestData request, CompletableFuture<SyncGroupResponseData> future) {
    String groupId = request.groupId();
    if (groupId == null || groupId.isEmpty()) {
      future.complete(GroupApiResponses.syncError(Errors.INVALID_GROUP_ID));
      return;
    }
    ClassicGroup group = groups.get(groupId);
    Errors error = validateSync(group, request);
    if (error != Errors.NONE) {
      future.complete(GroupApiResponses.syncError(error));
      return;
    }
    String memberId = request.memberId();
    ClassicGroupMember member = group.member(memberId);
    switch (group.state()) {
      case EMPTY, DEAD -> future.complete(GroupApiResponses.syncError(Errors.UNKNOWN_MEMBER_ID));
      case PREPARING_REBALANCE -> future.complete(GroupApiResponses.syncError(Errors.REBALANCE_IN_PROGRESS));
      case COMPLETING_REBALANCE -> {
        // A second SyncGroup replaces the first (its client gave up on it).
        group.completeSync(member, GroupApiResponses.syncError(Errors.REBALANCE_IN_PROGRESS));
        member.setAwaitingSync(future);
        group.removePendingSyncMember(memberId);
        if (group.isLeader(memberId)) {
          Map<String, byte[]> assignments = new HashMap<>();
          for (SyncGroupRequestAssignment a : request.assignments()) {
            assignments.put(a.memberId(), a.assignment());
          }
          Set<String> missing = new LinkedHashSet<>();
          for (ClassicGroupMember m : group.allMembers()) {
            if (!assignments.containsKey(m.memberId())) {
              missing.add(m.memberId());
            }
          }
          if (!missing.isEmpty()) {
            LOG.warn("Group {}: the leader's assignment of generation {} leaves out members {}; they get none",
                groupId, group.generationId(), missing);
          }
          setAndPropagateAssignment(group, assignments);
          group.transitionTo(ClassicGroupState.STABLE);
          LOG.info("Group {}: generation {} is stable with {} members", groupId, group.generationId(), group.size());
        }
      }
      case STABLE -> {
        group.removePendingSyncMember(memberId);
        future.complete(syncResponse(group, member));
        scheduleHeartbeatExpiration(group, memberId, member.sessionTimeoutMs());
      }
    }
  }

  private Errors validateSync(ClassicGroup group, SyncGroupRequestData request) {
    if (group == null) {
      return Errors.UNKNOWN_MEMBER_ID;
    }
    if (group.isIn(ClassicGroupState.DEAD)) {
      return Errors.COORDINATOR_NOT_AVAILABLE;
    }
    Errors error = validateMember(group, request.memberId(), request.groupInstanceId());
    if (error != Errors.NONE) {
      return error;
    }
    if (request.generationId() != group.generationId()) {
      return Errors.ILLEGAL_GENERATION;
    }
    if (request.protocolType() != null && !request.protocolType().equals(group.protocolType().orElse(null))) {
      return Errors.INCONSISTENT_GROUP_PROTOCOL;
    }
    if (request.protocolName() != null && !request.protocolName().equals(group.protocolName().orElse(null))) {
      return Errors.INCONSISTENT_GROUP_PROTOCOL;
    }
    return Errors.NONE;
  }

  private void setAndPropagateAssignment(ClassicGroup group, Map<String, byte[]> assignments) {
    for (ClassicGroupMember m : group.allMembers()) {
      byte[] assignment = assignments.get(m.memberId());
      m.setAssignment(assignment == null ? ClassicGroupMember.EMPTY_ASSIGNMENT : assignment);
    }
    for (ClassicGroupMember m : new ArrayList<>(group.allMembers())) {
      if (group.completeSync(m, syncResponse(group, m))) {
        scheduleHeartbeatExpiration(group, m.memberId(), m.sessionTimeoutMs());
      }
    }
  }

  private static void resetAndPropagateAssignmentWithError(ClassicGroup group, Errors error) {
    for (ClassicGroupMember m : new ArrayList<>(group.allMembers())) {
      m.setAssignment(ClassicGroupMember.EMPTY_ASSIGNMENT);
      group.completeSync(m, GroupApiResponses.syncError(error));
    }
  }

  private static SyncGroupResponseData syncResponse(ClassicGroup group, ClassicGroupMember member) {
    return new SyncGroupResponseData()
        .setProtocolType(group.protocolType().orElse(null))
        .setProtocolName(group.protocolName().orElse(null))
        .setAssignment(member.assignment());
  }

  // ---- Heartbeat -----------------------------------------------------------------------------------------

  HeartbeatResponseData heartbeat(HeartbeatRequestData request) {
    String groupId = request.groupId();
    if (groupId == null || groupId.isEmpty()) {
      return GroupApiResponses.heartbeatError(Errors.INVALID_GROUP_ID);
    }
    ClassicGroup group = groups.get(groupId);
    if (group == null) {
      return GroupApiResponses.heartbeatError(Errors.UNKNOWN_MEMBER_ID);
    }
    if (group.isIn(ClassicGroupState.DEAD)) {
      return GroupApiResponses.heartbeatError(Errors.COORDINATOR_NOT_AVAILABLE);
    }
    Errors error = validateMember(group, request.memberId(), request.groupInstanceId());
    if (error != Errors.NONE) {
      return GroupApiResponses.heartbeatError(error);
    }
    if (request.generationId() != group.generationId()) {
      return GroupApiResponses.heartbeatError(Errors.ILLEGAL_GENERATION);
    }
    ClassicGroupMember member = group.member(request.memberId());
    return switch (group.state()) {
      case EMPTY, DEAD -> GroupApiResponses.heartbeatError(Errors.UNKNOWN_MEMBER_ID);
      case PREPARING_REBALANCE -> {
        scheduleHeartbeatExpiration(group, member.memberId(), member.sessionTimeoutMs());
        yield GroupApiResponses.heartbeatError(Errors.REBALANCE_IN_PROGRESS);
      }
      case COMPLETING_REBALANCE, STABLE -> {
        scheduleHeartbeatExpiration(group, member.memberId(), member.sessionTimeoutMs());
        yield new HeartbeatResponseData();
      }
    };
  }

  /** An offset commit from a member of a Stable or rebalancing group also keeps its session alive. */
  void onMemberActivity(ClassicGroup group, String memberId) {
    ClassicGroupMember member = group.member(memberId);
    if (member != null
        && (group.isIn(ClassicGroupState.STABLE) || group.isIn(ClassicGroupState.PREPARING_REBALANCE))) {
      scheduleHeartbeatExpiration(group, memberId, member.sessionTimeoutMs());
    }
  }

  private void scheduleHeartbeatExpiration(ClassicGroup group, String memberId, long timeoutMs) {
    schedule(TimerKey.heartbeat(group.groupId(), memberId), timeoutMs, () -> expireHeartbeat(group, memberId));
  }

  private void expireHeartbeat(ClassicGroup group, String memberId) {
    if (!isCurrent(group) || group.isIn(ClassicGroupState.DEAD)) {
      return;
    }
    if (group.isPendingMember(memberId)) {
      LOG.info("Group {}: pending member {} did not join within its session timeout", group.groupId(), memberId);
      removePendingMemberAndUpdateGroup(group, memberId);
      return;
    }
    ClassicGroupMember member = group.member(memberId);
    if (member == null) {
      return;
    }
    if (!member.isNew() && (member.isAwaitingJoin() || member.isAwaitingSync())) {
      // Waiting for the rebalance is not a missed heartbeat; the rebalance and sync timeouts bound it.
      scheduleHeartbeatExpiration(group, memberId, member.sessionTimeoutMs());
      return;
    }
    LOG.info(
        "Group {}: member {} {} expired (session timeout {} ms)",
        group.groupId(),
        memberId,
        member.isNew() ? "did not complete its first join" : "sent no heartbeat",
        member.isNew() ? config.newMemberJoinTimeoutMs() : member.sessionTimeoutMs());
    removeMemberAndUpdateGroup(group, member, "removing member " + memberId + " on heartbeat expiration");
  }

  // ---- LeaveGroup ----------------------------------------------------------------------------------------

  LeaveGroupResponseData leaveGroup(GroupRequestContext context, LeaveGroupRequestData request) {
    String groupId = request.groupId();
    if (groupId == null || groupId.isEmpty()) {
      return GroupApiResponses.leaveError(Errors.INVALID_GROUP_ID);
    }
    List<MemberIdentity> leaving =
        context.apiVersion() >= 3 ? request.members() : List.of(new MemberIdentity().setMemberId(request.memberId()));
    ClassicGroup group = groups.get(groupId);
    LeaveGroupResponseData response = new LeaveGroupResponseData();
    if (group != null && group.isIn(ClassicGroupState.DEAD)) {
      return GroupApiResponses.leaveError(Errors.COORDINATOR_NOT_AVAILABLE);
    }
    for (MemberIdentity identity : leaving) {
      Errors error = group == null ? Errors.UNKNOWN_MEMBER_ID : leave(group, identity);
      response
          .members()
          .add(
              new MemberResponse()
                  .setMemberId(identity.memberId())
                  .setGroupInstanceId(identity.groupInstanceId())
                  .setErrorCode(error.code()));
    }
    return response;
  }

  private Errors leave(ClassicGroup group, MemberIdentity identity) {
    String memberId = identity.memberId();
    String groupInstanceId = identity.groupInstanceId();
    String reason = "Removing member " + memberId + " on LeaveGroup"
        + (identity.reason() == null ? "" : "; client reason: " + identity.reason());
    if (memberId.isEmpty()) {
      // An administrator removing a static member by its instance id (e.g. kafka-consumer-groups).
      Optional<String> current = groupInstanceId == null ? Optional.empty() : group.staticMemberId(groupInstanceId);
      if (current.isEmpty()) {
        return Errors.UNKNOWN_MEMBER_ID;
      }
      removeMemberAndUpdateGroup(group, group.member(current.get()), reason);
      return Errors.NONE;
    }
    if (group.isPendingMember(memberId)) {
      removePendingMemberAndUpdateGroup(group, memberId);
      return Errors.NONE;
    }
    Errors error = validateMember(group, memberId, groupInstanceId);
    if (error == Errors.NONE) {
      removeMemberAndUpdateGroup(group, group.member(memberId), reason);
    }
    return error;
  }

  private void removeMemberAndUpdateGroup(ClassicGroup group, ClassicGroupMember member, String reason) {
    // A member removed while its JoinGroup waits is told UNKNOWN_MEMBER_ID, so a live client rejoins.
    group.remove(member.memberId(), Errors.UNKNOWN_MEMBER_ID);
    cancelTimer(TimerKey.heartbeat(group.groupId(), member.memberId()));
    switch (group.state()) {
      case DEAD, EMPTY -> {}
      case STABLE, COMPLETING_REBALANCE -> maybePrepareRebalanceOrCompleteJoin(group, reason);
      case PREPARING_REBALANCE -> maybeCompleteJoinPhase(group);
    }
  }

  private void removePendingMemberAndUpdateGroup(ClassicGroup group, String memberId) {
    group.removePendingMember(memberId);
    cancelTimer(TimerKey.heartbeat(group.groupId(), memberId));
    if (group.isIn(ClassicGroupState.PREPARING_REBALANCE)) {
      maybeCompleteJoinPhase(group);
    }
  }

  /**
   * A static member is identified by its instance id, which must still be bound to the given member id
   * (else a newer instance fenced it); a dynamic member by its member id.
   */
  static Errors validateMember(ClassicGroup group, String memberId, String groupInstanceId) {
    if (groupInstanceId != null) {
      Optional<String> current = group.staticMemberId(groupInstanceId);
      if (current.isEmpty()) {
        return Errors.UNKNOWN_MEMBER_ID;
      }
      return current.get().equals(memberId) ? Errors.NONE : Errors.FENCED_INSTANCE_ID;
    }
    return group.hasMember(memberId) ? Errors.NONE : Errors.UNKNOWN_MEMBER_ID;
  }

  // ---- ListGroups / DescribeGroups ---------------------------------------------------------------------

  ListGroupsResponseData listGroups(ListGroupsRequestData request) {
    List<String> statesFilter = request.statesFilter();
    List<String> typesFilter = request.typesFilter();
    ListGroupsResponseData response = new ListGroupsResponseData();
    if (!typesFilter.isEmpty()
        && typesFilter.stream().noneMatch(t -> t.toLowerCase(Locale.ROOT).equals(CLASSIC_GROUP_TYPE))) {
      return response;
    }
    for (ClassicGroup group : new TreeMap<>(groups).values()) {
      if (group.isIn(ClassicGroupState.DEAD)) {
        continue;
      }
      if (!statesFilter.isEmpty() && statesFilter.stream().noneMatch(group.state()::matchesFilter)) {
        continue;
      }
      response
          .groups()
          .add(
              new ListedGroup()
                  .setGroupId(group.groupId())
                  .setProtocolType(group.protocolType().orElse(""))
                  .setGroupState(group.state().toString())
                  .setGroupType(CLASSIC_GROUP_TYPE));
    }
    return response;
  }

  DescribeGroupsResponseData describeGroups(GroupRequestContext context, DescribeGroupsRequestData request) {
    DescribeGroupsResponseData response = new DescribeGroupsResponseData();
    for (String groupId : request.groups()) {
      ClassicGroup group = groups.get(groupId);
      if (group == null || group.isIn(ClassicGroupState.DEAD)) {
        DescribedGroup dead = new DescribedGroup().setGroupId(groupId).setGroupState(ClassicGroupState.DEAD.toString());
        if (context.apiVersion() >= 6) {
          dead.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code()).setErrorMessage("Group " + groupId + " not found.");
        }
        response.groups().add(dead);
        continue;
      }
      // Metadata and assignments are only meaningful once the generation's assignment is distributed.
      boolean stable = group.isIn(ClassicGroupState.STABLE);
      String protocolName = group.protocolName().orElse("");
      List<DescribedGroupMember> members = new ArrayList<>();
      for (ClassicGroupMember m : group.allMembers()) {
        members.add(
            new DescribedGroupMember()
                .setMemberId(m.memberId())
                .setGroupInstanceId(m.groupInstanceId().orElse(null))
                .setClientId(m.clientId())
                .setClientHost(m.clientHost())
                .setMemberMetadata(stable ? m.metadata(protocolName) : ClassicGroupMember.EMPTY_ASSIGNMENT)
                .setMemberAssignment(stable ? m.assignment() : ClassicGroupMember.EMPTY_ASSIGNMENT));
      }
      response
          .groups()
          .add(
              new DescribedGroup()
                  .setGroupId(groupId)
                  .setGroupState(group.state().toString())
                  .setProtocolType(group.protocolType().orElse(""))
                  .setProtocolData(stable ? protocolName : "")
                  .setMembers(members));
    }
    return response;
  }

  // ---- helpers -------------------------------------------------------------------------------------------

  private static int rebalanceTimeoutMs(GroupRequestContext context, JoinGroupRequestData request) {
    // JoinGroup v0 has no rebalance timeout: Kafka uses the session timeout.
    return context.apiVersion() == 0 || request.rebalanceTimeoutMs() < 0
        ? request.sessionTimeoutMs()
        : request.rebalanceTimeoutMs();
  }

  private static Set<String> names(List<Protocol> protocols) {
    Set<String> names = new LinkedHashSet<>();
    protocols.forEach(p -> names.add(p.name()));
    return names;
  }

  private static String clientReason(JoinGroupRequestData request) {
    return request.reason() == null ? "" : "; client reason: " + request.reason();
  }

  private static JoinGroupResponseData joinError(String memberId, Errors error) {
    return new JoinGroupResponseData().setMemberId(memberId).setErrorCode(error.code());
  }

  // ---- timers --------------------------------------------------------------------------------------------

  /** What a timer is for; at most one timer per key, a new one replaces the old. */
  private record TimerKey(String kind, String groupId, String memberId) {
    static TimerKey join(String groupId) {
      return new TimerKey("join", groupId, "");
    }

    static TimerKey sync(String groupId) {
      return new TimerKey("sync", groupId, "");
    }

    static TimerKey heartbeat(String groupId, String memberId) {
      return new TimerKey("heartbeat", groupId, memberId);
    }

    static TimerKey cleanup() {
      return new TimerKey("cleanup", "", "");
    }
  }

  private static final class Timer {
    GroupEventLoop.Cancellable handle;
  }

  private void schedule(TimerKey key, long delayMs, Runnable task) {
    cancelTimer(key);
    Timer timer = new Timer();
    timers.put(key, timer);
    timer.handle =
        loop.schedule(
            delayMs,
            () -> {
              // A timer replaced or cancelled after it was queued to run must not fire.
              if (timers.get(key) != timer) {
                return;
              }
              timers.remove(key);
              try {
                task.run();
              } catch (RuntimeException e) {
                LOG.error("Group {}: {} timer failed", key.groupId(), key.kind(), e);
              }
            });
  }

  private void cancelTimer(TimerKey key) {
    Timer timer = timers.remove(key);
    if (timer != null && timer.handle != null) {
      timer.handle.cancel();
    }
  }

  private void cancelGroupTimers(String groupId) {
    for (Iterator<Map.Entry<TimerKey, Timer>> it = timers.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<TimerKey, Timer> e = it.next();
      if (e.getKey().groupId().equals(groupId) && !e.getKey().kind().equals("cleanup")) {
        e.getValue().handle.cancel();
        it.remove();
      }
    }
  }
}
