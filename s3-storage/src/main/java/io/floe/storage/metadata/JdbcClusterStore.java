package io.floe.storage.metadata;

import static io.floe.storage.internal.Preconditions.checkArgument;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@link ClusterStore} in the tables {@code brokers} and {@code owners} of a {@link JdbcMetadataStore}. */
public final class JdbcClusterStore implements ClusterStore {

  private final JdbcMetadataStore store;
  private final String now;

  public JdbcClusterStore(JdbcMetadataStore store) {
    this.store = store;
    this.now = store.dialect().nowMillisSql();
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
  public List<BrokerRegistration> liveBrokers(long sessionTimeoutMs) {
    return store.read(
        "read live brokers",
        c -> {
          PreparedStatement ps =
              c.statement(
                  "SELECT node_id, broker_epoch, host, port, rack FROM brokers WHERE heartbeat_ms >= " + now
                      + " - ? ORDER BY node_id");
          ps.setLong(1, sessionTimeoutMs);
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
