package io.floe.storage.metadata;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Brokers sharing one metadata store: who is alive, and which broker owns each resource (a partition's stream,
 * the group coordinator). Every method is one transaction.
 *
 * <p>Liveness is measured on the database's clock, so brokers with skewed clocks agree on who is alive. A
 * broker is live while its last heartbeat is younger than the session timeout. A registration carries a broker
 * epoch that grows with every registration of the node id: a heartbeat with an older epoch (a zombie process
 * with the same node id) is refused.
 *
 * <p>Ownership is advisory routing, not the fence: a new owner opens the resource's stream, which raises the
 * stream's epoch, so whatever an old owner still tries to commit fails (see {@link StreamIndexStore}). Each
 * change of owner raises the resource's {@link Owner#epoch()}, which clients see as the leader epoch.
 */
public interface ClusterStore {

  /** A broker as registered: its address for clients and its current registration epoch. */
  record BrokerRegistration(int nodeId, long brokerEpoch, String host, int port, String rack) {}

  /** The owner of a resource and the number of owner changes it has seen. */
  record Owner(int nodeId, int epoch) {}

  /**
   * Registers the node (or registers it again after a restart) with a new broker epoch, returned, and a
   * heartbeat as of now. The previous registration of the node id is replaced.
   */
  long registerBroker(int nodeId, String host, int port, String rack);

  /** Records a heartbeat; false if {@code brokerEpoch} is not the node's current registration (it was replaced). */
  boolean heartbeat(int nodeId, long brokerEpoch);

  /** Marks the node as gone at once (clean shutdown), so its resources move without waiting for the timeout. */
  void unregisterBroker(int nodeId, long brokerEpoch);

  /** Brokers whose last heartbeat is at most {@code sessionTimeoutMs} old, by node id. */
  default List<BrokerRegistration> liveBrokers(long sessionTimeoutMs) {
    return liveBrokers(sessionTimeoutMs, sessionTimeoutMs);
  }

  /**
   * Brokers whose last heartbeat is at most {@code sessionTimeoutMs} old, less those whose process is known to be
   * gone: where the database can tell (PostgreSQL), a broker's liveness lock is released the moment its process
   * dies and its connection drops, and a broker without its lock whose heartbeat is older than {@code
   * lockGraceMs} is dead at once. A hung or cut-off broker keeps its lock or its heartbeat only until the
   * session timeout.
   */
  List<BrokerRegistration> liveBrokers(long sessionTimeoutMs, long lockGraceMs);

  /**
   * Takes (or keeps) this process's liveness lock for {@code nodeId}, held by a database session of its own for
   * as long as the process lives. Returns whether it is held; false where the database has no such locks, or
   * while an earlier process of the node still holds it. Call every heartbeat.
   */
  boolean holdLivenessLock(int nodeId);

  /** Releases the liveness lock (clean shutdown, after unregistering). */
  void releaseLivenessLock();

  /** Every owned resource and its owner. */
  Map<String, Owner> owners();

  /**
   * Sets the owner of each resource, raising its owner epoch when the node changes (a new resource starts at
   * epoch 1); returns the resulting owners of the given resources.
   */
  Map<String, Owner> assignOwners(Map<String, Integer> nodeByResource);

  /** Forgets the owners of resources that no longer exist (deleted topics). */
  void removeOwners(Collection<String> resources);
}
