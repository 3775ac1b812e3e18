package io.floe.broker.group;

import io.floe.storage.metadata.GroupOffsetStore.CommittedOffset;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData.JoinGroupResponseMember;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Metadata of one classic group: state, generation, members and the group's committed offsets (a cache of
 * what {@link io.floe.storage.metadata.GroupOffsetStore} holds). Not thread-safe: only the coordinator
 * thread touches it. The membership bookkeeping mirrors Kafka's {@code ClassicGroup} so that its rebalance
 * rules carry over unchanged.
 */
final class ClassicGroup {

  private static final Logger LOG = LoggerFactory.getLogger(ClassicGroup.class);

  private final String groupId;
  private ClassicGroupState state = ClassicGroupState.EMPTY;
  private ClassicGroupState previousState = ClassicGroupState.EMPTY;
  private int generationId;
  private String protocolType;
  private String protocolName;
  private String leaderId;
  private final LinkedHashMap<String, ClassicGroupMember> members = new LinkedHashMap<>();
  /** Member ids handed out with MEMBER_ID_REQUIRED whose owners have not joined with them yet. */
  private final Set<String> pendingJoinMembers = new HashSet<>();
  /** Members of the current generation that have not sent SyncGroup yet. */
  private final Set<String> pendingSyncMembers = new HashSet<>();
  private final Map<String, String> staticMembers = new HashMap<>();
  private final Map<String, Integer> supportedProtocols = new HashMap<>();
  private int numMembersAwaitingJoin;
  /** A member joined during the initial rebalance delay: extend the delay once more. */
  private boolean newMemberAdded;
  /** Topics the consumer members subscribe to, if the group uses the consumer protocol and it parsed. */
  private Optional<Set<String>> subscribedTopics = Optional.empty();
  private final TreeMap<String, TreeMap<Integer, CommittedOffset>> offsets = new TreeMap<>();
  private int inFlightOffsetOperations;

  ClassicGroup(String groupId) {
    this.groupId = groupId;
  }

  String groupId() {
    return groupId;
  }

  ClassicGroupState state() {
    return state;
  }

  ClassicGroupState previousState() {
    return previousState;
  }

  boolean isIn(ClassicGroupState s) {
    return state == s;
  }

  void transitionTo(ClassicGroupState target) {
    if (!target.canTransitionFrom(state)) {
      throw new IllegalStateException(
          "Cannot transition group " + groupId + " to " + target + ": not allowed from " + state);
    }
    previousState = state;
    state = target;
  }

  /** Empty, Stable or CompletingRebalance: a join, leave or timeout starts a new rebalance. */
  boolean canRebalance() {
    return PREPARING_REBALANCE_SOURCES.contains(state);
  }

  private static final Set<ClassicGroupState> PREPARING_REBALANCE_SOURCES =
      Set.of(ClassicGroupState.STABLE, ClassicGroupState.COMPLETING_REBALANCE, ClassicGroupState.EMPTY);

  int generationId() {
    return generationId;
  }

  Optional<String> protocolType() {
    return Optional.ofNullable(protocolType);
  }

  Optional<String> protocolName() {
    return Optional.ofNullable(protocolName);
  }

  String leaderOrNull() {
    return leaderId;
  }

  boolean isLeader(String memberId) {
    return memberId.equals(leaderId);
  }

  // ---- members ------------------------------------------------------------------------------------------

  int size() {
    return members.size();
  }

  boolean hasMember(String memberId) {
    return members.containsKey(memberId);
  }

  ClassicGroupMember member(String memberId) {
    return members.get(memberId);
  }

  Collection<ClassicGroupMember> allMembers() {
    return Collections.unmodifiableCollection(members.values());
  }

  int numAwaitingJoin() {
    return numMembersAwaitingJoin;
  }

  boolean isPendingMember(String memberId) {
    return pendingJoinMembers.contains(memberId);
  }

  void addPendingMember(String memberId) {
    pendingJoinMembers.add(memberId);
  }

  boolean removePendingMember(String memberId) {
    return pendingJoinMembers.remove(memberId);
  }

  int numPendingJoinMembers() {
    return pendingJoinMembers.size();
  }

  /** The member id currently bound to a static {@code group.instance.id}, if any. */
  Optional<String> staticMemberId(String groupInstanceId) {
    return Optional.ofNullable(staticMembers.get(groupInstanceId));
  }

  void add(ClassicGroupMember member, CompletableFuture<JoinGroupResponseData> joinFuture) {
    if (members.isEmpty()) {
      protocolType = member.protocolType();
    }
    if (leaderId == null) {
      leaderId = member.memberId();
    }
    members.put(member.memberId(), member);
    member.groupInstanceId().ifPresent(id -> staticMembers.put(id, member.memberId()));
    incSupportedProtocols(member);
    member.setAwaitingJoin(joinFuture);
    if (joinFuture != null) {
      numMembersAwaitingJoin++;
    }
    pendingJoinMembers.remove(member.memberId());
  }

  /**
   * Removes a member, first answering its pending JoinGroup/SyncGroup (if any) with {@code error}. Returns
   * the removed member, or null if there was none.
   */
  ClassicGroupMember remove(String memberId, Errors error) {
    ClassicGroupMember member = members.get(memberId);
    if (member == null) {
      pendingJoinMembers.remove(memberId);
      return null;
    }
    completeJoin(member, new JoinGroupResponseData().setMemberId(memberId).setErrorCode(error.code()));
    completeSync(member, new SyncGroupResponseData().setErrorCode(error.code()));
    members.remove(memberId);
    decSupportedProtocols(member);
    member.groupInstanceId().ifPresent(id -> staticMembers.remove(id, memberId));
    pendingJoinMembers.remove(memberId);
    pendingSyncMembers.remove(memberId);
    if (memberId.equals(leaderId)) {
      leaderId = members.isEmpty() ? null : members.keySet().iterator().next();
    }
    return member;
  }

  void updateMember(
      ClassicGroupMember member,
      List<ClassicGroupMember.Protocol> protocols,
      int rebalanceTimeoutMs,
      int sessionTimeoutMs,
      CompletableFuture<JoinGroupResponseData> joinFuture) {
    decSupportedProtocols(member);
    member.update(protocols, rebalanceTimeoutMs, sessionTimeoutMs);
    incSupportedProtocols(member);
    CompletableFuture<JoinGroupResponseData> previous = member.awaitingJoin();
    if (previous != null && previous != joinFuture) {
      // The member sent JoinGroup again before the first one was answered (its client timed out and
      // retried): answer the stale request so its connection does not hold it forever.
      previous.complete(
          new JoinGroupResponseData()
              .setMemberId(member.memberId())
              .setErrorCode(Errors.REBALANCE_IN_PROGRESS.code()));
    }
    if (joinFuture != null && previous == null) {
      numMembersAwaitingJoin++;
    } else if (joinFuture == null && previous != null) {
      numMembersAwaitingJoin--;
    }
    member.setAwaitingJoin(joinFuture);
  }

  /** Answers the member's pending JoinGroup, if any. */
  boolean completeJoin(ClassicGroupMember member, JoinGroupResponseData response) {
    CompletableFuture<JoinGroupResponseData> future = member.awaitingJoin();
    if (future == null) {
      return false;
    }
    member.setAwaitingJoin(null);
    numMembersAwaitingJoin--;
    future.complete(response);
    return true;
  }

  /** Answers the member's pending SyncGroup, if any. */
  boolean completeSync(ClassicGroupMember member, SyncGroupResponseData response) {
    CompletableFuture<SyncGroupResponseData> future = member.awaitingSync();
    if (future == null) {
      return false;
    }
    member.setAwaitingSync(null);
    future.complete(response);
    return true;
  }

  /**
   * Binds {@code groupInstanceId} to a new member id (a static member restarted and lost its id). The old
   * member's pending requests are answered with FENCED_INSTANCE_ID; the new member keeps its assignment,
   * leadership and sync obligation.
   */
  ClassicGroupMember replaceStaticMember(String groupInstanceId, String oldMemberId, String newMemberId) {
    ClassicGroupMember old = members.get(oldMemberId);
    if (old == null) {
      throw new IllegalStateException(
          "Cannot replace static member " + groupInstanceId + " of group " + groupId + ": " + oldMemberId
              + " is not a member");
    }
    completeJoin(old, new JoinGroupResponseData().setMemberId(oldMemberId)
        .setErrorCode(Errors.FENCED_INSTANCE_ID.code()));
    completeSync(old, new SyncGroupResponseData().setErrorCode(Errors.FENCED_INSTANCE_ID.code()));
    ClassicGroupMember replacement = old.withMemberId(newMemberId);
    members.remove(oldMemberId);
    members.put(newMemberId, replacement);
    staticMembers.put(groupInstanceId, newMemberId);
    if (oldMemberId.equals(leaderId)) {
      leaderId = newMemberId;
    }
    if (pendingSyncMembers.remove(oldMemberId)) {
      pendingSyncMembers.add(newMemberId);
    }
    return replacement;
  }

  // ---- rebalance -----------------------------------------------------------------------------------------

  /** The largest rebalance timeout of the members: how long a rebalance waits for rejoins. */
  int rebalanceTimeoutMs() {
    int max = 0;
    for (ClassicGroupMember m : members.values()) {
      max = Math.max(max, m.rebalanceTimeoutMs());
    }
    return max;
  }

  /** All members have sent JoinGroup and no member id handed out is still unused. */
  boolean hasAllMembersJoined() {
    return members.size() == numMembersAwaitingJoin && pendingJoinMembers.isEmpty();
  }

  List<ClassicGroupMember> notYetRejoinedMembers() {
    List<ClassicGroupMember> result = new ArrayList<>();
    for (ClassicGroupMember m : members.values()) {
      if (!m.isAwaitingJoin()) {
        result.add(m);
      }
    }
    return result;
  }

  /**
   * Keeps the leader if it rejoined, else picks any member that rejoined. Returns false if there is no
   * leader or no member rejoined.
   */
  boolean maybeElectNewJoinedLeader() {
    if (leaderId == null) {
      return false;
    }
    ClassicGroupMember leader = members.get(leaderId);
    if (leader != null && leader.isAwaitingJoin()) {
      return true;
    }
    for (ClassicGroupMember m : members.values()) {
      if (m.isAwaitingJoin()) {
        leaderId = m.memberId();
        return true;
      }
    }
    return false;
  }

  /**
   * Whether a member with this protocol type and these protocols may join: any non-empty choice while the
   * group is Empty, otherwise the same type and at least one protocol that every current member supports.
   */
  boolean supportsProtocols(String memberProtocolType, Set<String> memberProtocols) {
    if (state == ClassicGroupState.EMPTY) {
      return memberProtocolType != null && !memberProtocolType.isEmpty() && !memberProtocols.isEmpty();
    }
    if (!java.util.Objects.equals(memberProtocolType, protocolType)) {
      return false;
    }
    for (String name : memberProtocols) {
      if (supportedProtocols.getOrDefault(name, 0) == members.size()) {
        return true;
      }
    }
    return false;
  }

  /**
   * The protocol for the next generation: among the protocols all members support, the one most members
   * prefer (each member votes for its first supported candidate); ties go to the earliest vote.
   */
  String selectProtocol() {
    if (members.isEmpty()) {
      throw new IllegalStateException("Cannot select a protocol for group " + groupId + ": it has no members");
    }
    Set<String> candidates = new HashSet<>();
    supportedProtocols.forEach(
        (name, count) -> {
          if (count == members.size()) {
            candidates.add(name);
          }
        });
    Map<String, Integer> votes = new LinkedHashMap<>();
    for (ClassicGroupMember m : members.values()) {
      votes.merge(m.vote(candidates), 1, Integer::sum);
    }
    String best = null;
    int bestVotes = 0;
    for (Map.Entry<String, Integer> e : votes.entrySet()) {
      if (e.getValue() > bestVotes) {
        best = e.getKey();
        bestVotes = e.getValue();
      }
    }
    return best;
  }

  /** Starts the next generation: CompletingRebalance if there are members, else Empty. */
  void initNextGeneration() {
    generationId++;
    protocolName = members.isEmpty() ? null : selectProtocol();
    subscribedTopics = computeSubscribedTopics();
    pendingSyncMembers.clear();
    transitionTo(members.isEmpty() ? ClassicGroupState.EMPTY : ClassicGroupState.COMPLETING_REBALANCE);
  }

  boolean newMemberAdded() {
    return newMemberAdded;
  }

  void setNewMemberAdded(boolean value) {
    newMemberAdded = value;
  }

  /** The member list the leader receives in its JoinGroup response, with the selected protocol's metadata. */
  List<JoinGroupResponseMember> currentMembersForLeader() {
    List<JoinGroupResponseMember> result = new ArrayList<>(members.size());
    for (ClassicGroupMember m : members.values()) {
      result.add(
          new JoinGroupResponseMember()
              .setMemberId(m.memberId())
              .setGroupInstanceId(m.groupInstanceId().orElse(null))
              .setMetadata(m.metadata(protocolName)));
    }
    return result;
  }

  Set<String> pendingSyncMembers() {
    return Collections.unmodifiableSet(pendingSyncMembers);
  }

  void addPendingSyncMember(String memberId) {
    pendingSyncMembers.add(memberId);
  }

  boolean removePendingSyncMember(String memberId) {
    return pendingSyncMembers.remove(memberId);
  }

  void clearPendingSyncMembers() {
    pendingSyncMembers.clear();
  }

  /** Whether a consumer of this group, in the current generation, subscribes to {@code topic}. */
  boolean isSubscribedToTopic(String topic) {
    return subscribedTopics.map(topics -> topics.contains(topic)).orElse(false);
  }

  boolean usesConsumerProtocol() {
    return ConsumerProtocol.PROTOCOL_TYPE.equals(protocolType);
  }

  private Optional<Set<String>> computeSubscribedTopics() {
    if (!usesConsumerProtocol()) {
      return Optional.empty();
    }
    if (members.isEmpty()) {
      return Optional.of(Set.of());
    }
    if (protocolName == null) {
      return Optional.empty();
    }
    Set<String> topics = new HashSet<>();
    for (ClassicGroupMember m : members.values()) {
      try {
        topics.addAll(
            ConsumerProtocol.deserializeSubscription(ByteBuffer.wrap(m.metadata(protocolName))).topics());
      } catch (RuntimeException e) {
        LOG.warn(
            "Group {}: cannot parse the consumer subscription of member {}; offsets of its topics can be"
                + " deleted while it consumes",
            groupId,
            m.memberId(),
            e);
        return Optional.empty();
      }
    }
    return Optional.of(topics);
  }

  private void incSupportedProtocols(ClassicGroupMember member) {
    member.protocolNames().forEach(name -> supportedProtocols.merge(name, 1, Integer::sum));
  }

  private void decSupportedProtocols(ClassicGroupMember member) {
    member
        .protocolNames()
        .forEach(name -> supportedProtocols.computeIfPresent(name, (k, v) -> v == 1 ? null : v - 1));
  }

  // ---- committed offsets -------------------------------------------------------------------------------

  Optional<CommittedOffset> committedOffset(String topic, int partition) {
    TreeMap<Integer, CommittedOffset> byPartition = offsets.get(topic);
    return byPartition == null ? Optional.empty() : Optional.ofNullable(byPartition.get(partition));
  }

  /** Committed offsets by topic, then partition, both sorted. */
  SortedMap<String, ? extends SortedMap<Integer, CommittedOffset>> committedOffsets() {
    return Collections.unmodifiableSortedMap(offsets);
  }

  boolean hasCommittedOffsets() {
    return !offsets.isEmpty();
  }

  void putCommittedOffsets(Collection<CommittedOffset> committed) {
    for (CommittedOffset o : committed) {
      offsets.computeIfAbsent(o.topic(), t -> new TreeMap<>()).put(o.partition(), o);
    }
  }

  boolean removeCommittedOffset(String topic, int partition) {
    TreeMap<Integer, CommittedOffset> byPartition = offsets.get(topic);
    if (byPartition == null || byPartition.remove(partition) == null) {
      return false;
    }
    if (byPartition.isEmpty()) {
      offsets.remove(topic);
    }
    return true;
  }

  void removeTopicOffsets(String topic) {
    offsets.remove(topic);
  }

  /** Store reads or writes for this group that have not completed: the group must not be dropped meanwhile. */
  int inFlightOffsetOperations() {
    return inFlightOffsetOperations;
  }

  void offsetOperationStarted() {
    inFlightOffsetOperations++;
  }

  void offsetOperationFinished() {
    inFlightOffsetOperations--;
  }

  /** Nothing references the group any more: no members, no member ids handed out, no offsets. */
  boolean isUnused() {
    return state == ClassicGroupState.EMPTY
        && members.isEmpty()
        && pendingJoinMembers.isEmpty()
        && offsets.isEmpty()
        && inFlightOffsetOperations == 0;
  }

  @Override
  public String toString() {
    return "ClassicGroup(groupId=" + groupId + ", state=" + state + ", generation=" + generationId
        + ", members=" + members.size() + ")";
  }
}
