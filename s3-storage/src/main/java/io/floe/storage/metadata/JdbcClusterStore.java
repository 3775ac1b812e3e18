package io.floe.storage.metadata;

import static io.floe.storage.internal.Preconditions.checkArgument;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link ClusterStore} in the tables {@code brokers} and {@code owners} of a {@link JdbcMetadataStore}. On
 * PostgreSQL the liveness lock is a session-level advisory lock (keys: Floe's constant, the node id) on a
 * connection of its own.
 */
public final class JdbcClusterStore implements ClusterStore {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(JdbcClusterStore.class);
  /** The first key of every liveness lock: "Flo" + 'L', telling Floe's advisory locks from others'. */
  private static final int LIVENESS_LOCK_CLASS = 0x466c6f4c;

  private final JdbcMetadataStore store;
  private final String now;
  private final boolean sessionLocks;
  private java.sql.Connection lockSession;
  private boolean lockHeld;

  public JdbcClusterStore(JdbcMetadataStore store) {
    this.store = store;
    this.now = store.dialect().nowMillisSql();
    this.sessionLocks = store.dialect() == Dialect.POSTGRESQL;
  }

  @Override
  public synchronized boolean holdLivenessLock(int nodeId) {
    if (!sessionLocks) {
      return false;
    }
    try {
      if (lockSession == null || !lockSession.isValid(2)) {
        closeLockSession();
        lockSession = java.sql.DriverManager.getConnection(store.jdbcUrl(), Dialect.POSTGRESQL.connectionDefaults());
        lockSession.setAutoCommit(true);
        lockHeld = false;
      }
      if (!lockHeld) {
        try (PreparedStatement ps = lockSession.prepareStatement("SELECT pg_try_advisory_lock(?, ?)")) {
          ps.setInt(1, LIVENESS_LOCK_CLASS);
          ps.setInt(2, nodeId);
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            lockHeld = rs.getBoolean(1);
          }
        }
      }
      return lockHeld;
    } catch (java.sql.SQLException e) {
      LOG.warn("Cannot hold the liveness lock of broker {} ({}); liveness falls back to heartbeats alone", nodeId,
          e.getMessage());
      closeLockSession();
      return false;
    }
  }

  @Override
  public synchronized void releaseLivenessLock() {
    closeLockSession();
  }

  private void closeLockSession() {
    if (lockSession != null) {
      try {
        lockSession.close(); // ends the session, which releases its advisory locks
      } catch (java.sql.SQLException e) {
        LOG.debug("Closing the liveness lock session failed", e);
      }
      lockSession = null;
      lockHeld = false;
    }
  }

  @Override
  public long registerBroker(int nodeId, String host, int port, String rack) {
    checkArgument(nodeId >= 0, "Cannot register broker: node.id must be non-negative, got %s", nodeId);
    return store.write(
        "register broker " + nodeId,
        c -> {
          PreparedStatement ps =
              c.statement(
                  "INSERT INTO brokers (node_id, broker_epoch, host, port, rack, heartbeat_ms, registered_ms)"
                      + " VALUES (?, 1, ?, ?, ?, " + now + ", " + now + ") ON CONFLICT (node_id) DO UPDATE SET"
                      + " broker_epoch = brokers.broker_epoch + 1, host = excluded.host, port = excluded.port,"
                      + " rack = excluded.rack, heartbeat_ms = excluded.heartbeat_ms,"
                      + " registered_ms = excluded.registered_ms");
          ps.setInt(1, nodeId);
          ps.setString(2, host);
          ps.setInt(3, port);
          ps.setString(4, rack);
          ps.executeUpdate();
          PreparedStatement q = c.statement("SELECT broker_epoch FROM brokers WHERE node_id = ?");
          q.setInt(1, nodeId);
          try (ResultSet rs = q.executeQuery()) {
            rs.next();
            return rs.getLong(1);
          }
        });
  }

  @Override
  public boolean heartbeat(int nodeId, long brokerEpoch) {
    return store.blindWrite(
        "heartbeat of broker " + nodeId,
        c -> {
          PreparedStatement ps =
              c.statement("UPDATE brokers SET heartbeat_ms = " + now + " WHERE node_id = ? AND broker_epoch = ?");
          ps.setInt(1, nodeId);
          ps.setLong(2, brokerEpoch);
          return ps.executeUpdate() == 1;
        });
  }

  @Override
  public void unregisterBroker(int nodeId, long brokerEpoch) {
    store.blindWrite(
        "unregister broker " + nodeId,
        c -> {
          PreparedStatement ps =
              c.statement("UPDATE brokers SET heartbeat_ms = 0 WHERE node_id = ? AND broker_epoch = ?");
          ps.setInt(1, nodeId);
          ps.setLong(2, brokerEpoch);
          return ps.executeUpdate();
        });
  }

  @Override
  public List<BrokerRegistration> liveBrokers(long sessionTimeoutMs, long lockGraceMs) {
    // A broker whose liveness lock is free (its database session ended with its process) is dead once its
    // heartbeat is older than the grace; a running broker that lost its lock session still heartbeats.
    String lockHeld = sessionLocks
        ? " AND (heartbeat_ms >= " + now + " - ? OR EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory'"
            + " AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            + " AND l.classid::bigint = " + LIVENESS_LOCK_CLASS + " AND l.objid::bigint = brokers.node_id"
            + " AND l.objsubid = 2))"
        : "";
    return store.read(
        "read live brokers",
        c -> {
          PreparedStatement ps =
              c.statement(
                  "SELECT node_id, broker_epoch, host, port, rack FROM brokers WHERE heartbeat_ms >= " + now
                      + " - ?" + lockHeld + " ORDER BY node_id");
          ps.setLong(1, sessionTimeoutMs);
          if (sessionLocks) {
            ps.setLong(2, lockGraceMs);
          }
          List<BrokerRegistration> out = new ArrayList<>();
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              out.add(new BrokerRegistration(rs.getInt(1), rs.getLong(2), rs.getString(3), rs.getInt(4),
                  rs.getString(5)));
            }
          }
          return out;
        });
  }

  @Override
  public Map<String, Owner> owners() {
    return store.read(
        "read owners",
        c -> {
          Map<String, Owner> out = new LinkedHashMap<>();
          try (ResultSet rs = c.statement("SELECT resource, node_id, owner_epoch FROM owners").executeQuery()) {
            while (rs.next()) {
              out.put(rs.getString(1), new Owner(rs.getInt(2), rs.getInt(3)));
            }
          }
          return out;
        });
  }

  @Override
  public Map<String, Owner> assignOwners(Map<String, Integer> nodeByResource) {
    if (nodeByResource.isEmpty()) {
      return Map.of();
    }
    return store.write(
        "assign " + nodeByResource.size() + " owners",
        c -> {
          PreparedStatement ps =
              c.statement(
                  "INSERT INTO owners (resource, node_id, owner_epoch) VALUES (?, ?, 1) ON CONFLICT (resource)"
                      + " DO UPDATE SET node_id = excluded.node_id, owner_epoch = owners.owner_epoch + 1"
                      + " WHERE owners.node_id <> excluded.node_id");
          for (Map.Entry<String, Integer> e : nodeByResource.entrySet()) {
            ps.setString(1, e.getKey());
            ps.setInt(2, e.getValue());
            ps.addBatch();
          }
          ps.executeBatch();
          PreparedStatement q = c.statement("SELECT node_id, owner_epoch FROM owners WHERE resource = ?");
          Map<String, Owner> out = new LinkedHashMap<>();
          for (String resource : nodeByResource.keySet()) {
            q.setString(1, resource);
            try (ResultSet rs = q.executeQuery()) {
              rs.next();
              out.put(resource, new Owner(rs.getInt(1), rs.getInt(2)));
            }
          }
          return out;
        });
  }

  @Override
  public void removeOwners(Collection<String> resources) {
    if (resources.isEmpty()) {
      return;
    }
    store.blindWrite(
        "remove " + resources.size() + " owners",
        c -> {
          PreparedStatement ps = c.statement("DELETE FROM owners WHERE resource = ?");
          for (String r : resources) {
            ps.setString(1, r);
            ps.addBatch();
          }
          ps.executeBatch();
          return null;
        });
  }
}
