package io.floe.broker.cluster;

import io.floe.storage.metadata.ClusterStore.BrokerRegistration;
import io.floe.storage.metadata.ClusterStore.Owner;
import java.util.Map;
import java.util.Optional;

/**
 * One broker's picture of the cluster at one moment: the live brokers and the owner of each resource, as read
 * from the {@link io.floe.storage.metadata.ClusterStore}. Resources are a partition's stream ({@link
 * #streamResource}) and the group coordinator ({@link #GROUPS}). {@code readAtNanos} ({@link System#nanoTime()})
 * is when the reading began: local changes made after it are newer than the view.
 */
public record ClusterView(
    int localNodeId, Map<Integer, BrokerRegistration> live, Map<String, Owner> owners, long readAtNanos) {

  /** The group coordinator of the whole cluster, owned by one broker at a time. */
  public static final String GROUPS = "groups";

  public ClusterView {
    live = Map.copyOf(live);
    owners = Map.copyOf(owners);
  }

  /** A view in which this broker owns nothing: while it is fenced or before it joined. */
  public static ClusterView detached(int localNodeId) {
    return new ClusterView(localNodeId, Map.of(), Map.of(), System.nanoTime());
  }

  public static String streamResource(long streamId) {
    return "stream:" + streamId;
  }

  /** Whether this broker owns the resource (it serves it even before others see it live). */
  public boolean ownsLocally(String resource) {
    Owner o = owners.get(resource);
    return o != null && o.nodeId() == localNodeId && live.containsKey(localNodeId);
  }

  /** The live broker owning the resource, if any: a resource whose owner died has none until it is moved. */
  public Optional<BrokerRegistration> liveOwner(String resource) {
    Owner o = owners.get(resource);
    return o == null ? Optional.empty() : Optional.ofNullable(live.get(o.nodeId()));
  }

  /** How many times the resource changed owner; the leader epoch clients see. 0 for a resource never owned. */
  public int ownerEpoch(String resource) {
    Owner o = owners.get(resource);
    return o == null ? 0 : o.epoch();
  }

  /**
   * The controller: the live broker with the lowest node id; it assigns resources to brokers. This broker when
   * none is live yet (before its first round).
   */
  public int controllerId() {
    return live.keySet().stream().mapToInt(Integer::intValue).min().orElse(localNodeId);
  }

  public boolean isController() {
    return !live.isEmpty() && controllerId() == localNodeId;
  }

  /**
   * The brokers clients are told of: the live ones, and this broker (with its advertised endpoint) even before
   * it is seen live, since the client is talking to it.
   */
  public java.util.List<BrokerRegistration> listedBrokers(String localHost, int localPort) {
    java.util.List<BrokerRegistration> out = new java.util.ArrayList<>(live.values());
    if (!live.containsKey(localNodeId)) {
      out.add(new BrokerRegistration(localNodeId, 0, localHost, localPort, null));
    }
    return out;
  }
}
