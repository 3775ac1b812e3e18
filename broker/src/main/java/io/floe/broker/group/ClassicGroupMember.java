package io.floe.broker.group;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;

/**
 * One member of a classic group. Mutable, owned by {@link ClassicGroup} and only touched on the coordinator
 * thread. The pending JoinGroup/SyncGroup responses live here so that whoever removes or fences the member
 * can answer them; {@link ClassicGroup} keeps its awaiting-join count in step with them.
 */
final class ClassicGroupMember {

  static final byte[] EMPTY_ASSIGNMENT = new byte[0];

  /** One entry of the member's protocol list, in the member's order of preference. */
  record Protocol(String name, byte[] metadata) {
    boolean sameAs(Protocol other) {
      return name.equals(other.name) && Arrays.equals(metadata, other.metadata);
    }
  }

  private final String memberId;
  private final String groupInstanceId;
  private final String clientId;
  private final String clientHost;
  private final String protocolType;
  private int rebalanceTimeoutMs;
  private int sessionTimeoutMs;
  private List<Protocol> protocols;
  private byte[] assignment = EMPTY_ASSIGNMENT;
  private CompletableFuture<JoinGroupResponseData> awaitingJoin;
  private CompletableFuture<SyncGroupResponseData> awaitingSync;
  /** Joined but has not yet received a JoinGroup response: expires after the new-member timeout. */
  private boolean isNew;

  ClassicGroupMember(
      String memberId,
      Optional<String> groupInstanceId,
      String clientId,
      String clientHost,
      String protocolType,
      int rebalanceTimeoutMs,
      int sessionTimeoutMs,
      List<Protocol> protocols) {
    this.memberId = memberId;
    this.groupInstanceId = groupInstanceId.orElse(null);
    this.clientId = clientId;
    this.clientHost = clientHost;
    this.protocolType = protocolType;
    this.rebalanceTimeoutMs = rebalanceTimeoutMs;
    this.sessionTimeoutMs = sessionTimeoutMs;
    this.protocols = List.copyOf(protocols);
  }

  static List<Protocol> protocolsOf(JoinGroupRequestProtocolCollection requestProtocols) {
    List<Protocol> result = new ArrayList<>(requestProtocols.size());
    for (JoinGroupRequestProtocol p : requestProtocols) {
      result.add(new Protocol(p.name(), p.metadata() == null ? EMPTY_ASSIGNMENT : p.metadata()));
    }
    return result;
  }

  /** A copy under a new member id, for a static member that rejoined without its id (a restart). */
  ClassicGroupMember withMemberId(String newMemberId) {
    ClassicGroupMember copy =
        new ClassicGroupMember(
            newMemberId,
            groupInstanceId(),
            clientId,
            clientHost,
            protocolType,
            rebalanceTimeoutMs,
            sessionTimeoutMs,
            protocols);
    copy.assignment = assignment;
    copy.isNew = isNew;
    return copy;
  }

  String memberId() {
    return memberId;
  }

  Optional<String> groupInstanceId() {
    return Optional.ofNullable(groupInstanceId);
  }

  boolean isStatic() {
    return groupInstanceId != null;
  }

  String clientId() {
    return clientId;
  }

  String clientHost() {
    return clientHost;
  }

  String protocolType() {
    return protocolType;
  }

  int rebalanceTimeoutMs() {
    return rebalanceTimeoutMs;
  }

  int sessionTimeoutMs() {
    return sessionTimeoutMs;
  }

  List<Protocol> protocols() {
    return protocols;
  }

  Set<String> protocolNames() {
    Set<String> names = new LinkedHashSet<>();
    protocols.forEach(p -> names.add(p.name()));
    return names;
  }

  /** The metadata this member sent for {@code protocolName}; empty if it does not support it. */
  byte[] metadata(String protocolName) {
    for (Protocol p : protocols) {
      if (p.name().equals(protocolName)) {
        return p.metadata();
      }
    }
    return EMPTY_ASSIGNMENT;
  }

  /** Whether a rejoin carries exactly the protocols (names, order and metadata) this member last joined with. */
  boolean matches(List<Protocol> other) {
    if (other.size() != protocols.size()) {
      return false;
    }
    for (int i = 0; i < other.size(); i++) {
      if (!protocols.get(i).sameAs(other.get(i))) {
        return false;
      }
    }
    return true;
  }

  /** The member's most preferred protocol among {@code candidates}. */
  String vote(Set<String> candidates) {
    for (Protocol p : protocols) {
      if (candidates.contains(p.name())) {
        return p.name();
      }
    }
    throw new IllegalStateException(
        "Cannot vote for a protocol: member " + memberId + " supports none of " + candidates);
  }

  void update(List<Protocol> protocols, int rebalanceTimeoutMs, int sessionTimeoutMs) {
    this.protocols = List.copyOf(protocols);
    this.rebalanceTimeoutMs = rebalanceTimeoutMs;
    this.sessionTimeoutMs = sessionTimeoutMs;
  }

  byte[] assignment() {
    return assignment;
  }

  void setAssignment(byte[] assignment) {
    this.assignment = assignment;
  }

  boolean isAwaitingJoin() {
    return awaitingJoin != null;
  }

  boolean isAwaitingSync() {
    return awaitingSync != null;
  }

  CompletableFuture<JoinGroupResponseData> awaitingJoin() {
    return awaitingJoin;
  }

  void setAwaitingJoin(CompletableFuture<JoinGroupResponseData> future) {
    this.awaitingJoin = future;
  }

  CompletableFuture<SyncGroupResponseData> awaitingSync() {
    return awaitingSync;
  }

  void setAwaitingSync(CompletableFuture<SyncGroupResponseData> future) {
    this.awaitingSync = future;
  }

  boolean isNew() {
    return isNew;
  }

  void setNew(boolean isNew) {
    this.isNew = isNew;
  }

  @Override
  public String toString() {
    return "ClassicGroupMember(memberId="
        + memberId
        + ", groupInstanceId="
        + groupInstanceId
        + ", clientId="
        + clientId
        + ", clientHost="
        + clientHost
        + ")";
  }
}
