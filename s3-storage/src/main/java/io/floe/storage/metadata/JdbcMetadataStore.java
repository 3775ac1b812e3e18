package io.floe.storage.metadata;

import static io.floe.storage.internal.Preconditions.checkArgument;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link MetadataStore} and {@link StreamIndexStore} over JDBC: SQLite ({@code jdbc:sqlite:<path>}) embedded,
 * PostgreSQL for clusters, with one portable schema (see {@link SchemaMigrations}).
 *
 * <p>One connection, used under a lock, serves all threads: SQLite serializes writers anyway, and every
 * operation is a short transaction. SQLite runs in WAL journal mode with {@code synchronous=NORMAL}: a commit
 * survives a process crash (kill -9), though not a power loss, like Kafka's unflushed log.
 */
public final class JdbcMetadataStore implements MetadataStore, StreamIndexStore {
  private static final Logger LOG = LoggerFactory.getLogger(JdbcMetadataStore.class);
  private static final int SQLITE_BUSY_TIMEOUT_MS = 10_000;

  private final String jdbcUrl;
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, PreparedStatement> statements = new HashMap<>();
  private Connection connection;

  private JdbcMetadataStore(String jdbcUrl, Connection connection) {
    this.jdbcUrl = jdbcUrl;
    this.connection = connection;
  }

  /** Connects, applies pending schema migrations and returns the store. */
  public static JdbcMetadataStore open(String jdbcUrl) {
    checkArgument(jdbcUrl.startsWith("jdbc:"), "Cannot open metadata store: '%s' is not a JDBC URL", jdbcUrl);
    Connection c = null;
    try {
      c = DriverManager.getConnection(jdbcUrl);
      if (isSqlite(jdbcUrl)) {
        try (Statement st = c.createStatement()) {
          st.execute("PRAGMA journal_mode=WAL");
          st.execute("PRAGMA synchronous=NORMAL");
          st.execute("PRAGMA busy_timeout=" + SQLITE_BUSY_TIMEOUT_MS);
        }
      }
      c.setAutoCommit(false);
      int version = SchemaMigrations.migrate(c);
      LOG.info("Metadata store at {} (schema version {})", jdbcUrl, version);
      return new JdbcMetadataStore(jdbcUrl, c);
    } catch (SQLException e) {
      if (c != null) {
        try {
          c.close();
        } catch (SQLException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw new MetadataStoreException("Cannot open metadata store " + jdbcUrl + ": " + e.getMessage(), e);
    }
  }

  private static boolean isSqlite(String url) {
    return url.startsWith("jdbc:sqlite:");
  }

  public String jdbcUrl() {
    return jdbcUrl;
  }

  // ---------------------------------------------------------------- topics

  @Override
  public TopicRecord createTopic(String name, int partitions, Map<String, String> configs) {
    checkArgument(!name.isEmpty(), "Cannot create topic: the name is empty");
    checkArgument(partitions > 0, "Cannot create topic %s: partitions must be positive, got %s", name, partitions);
    return inTransaction(
        "create topic " + name,
        c -> {
          if (topicExists(name)) {
            throw new MetadataConflictException("Topic " + name + " already exists");
          }
          UUID topicId = UUID.randomUUID();
          PreparedStatement ps = statement("INSERT INTO topics (name, topic_id, created_ms) VALUES (?, ?, ?)");
          ps.setString(1, name);
          ps.setString(2, topicId.toString());
          ps.setLong(3, System.currentTimeMillis());
          ps.executeUpdate();
          insertPartitions(name, 0, partitions);
          for (Map.Entry<String, String> e : configs.entrySet()) {
            upsertConfig(name, e.getKey(), e.getValue());
          }
          return loadTopic(name).orElseThrow();
        });
  }

  @Override
  public Optional<TopicRecord> topic(String name) {
    return inTransaction("read topic " + name, c -> loadTopic(name));
  }

  @Override
  public List<TopicRecord> topics() {
    return inTransaction(
        "list topics",
        c -> {
          Map<String, UUID> ids = new TreeMap<>();
          try (ResultSet rs = statement("SELECT name, topic_id FROM topics").executeQuery()) {
            while (rs.next()) {
              ids.put(rs.getString(1), UUID.fromString(rs.getString(2)));
            }
          }
          Map<String, List<Long>> streams = new HashMap<>();
          try (ResultSet rs =
              statement("SELECT topic_name, stream_id FROM topic_partitions ORDER BY topic_name, partition_id")
                  .executeQuery()) {
            while (rs.next()) {
              streams.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getLong(2));
            }
          }
          Map<String, Map<String, String>> configs = new HashMap<>();
          try (ResultSet rs = statement("SELECT topic_name, config_key, config_value FROM topic_configs").executeQuery()) {
            while (rs.next()) {
              configs.computeIfAbsent(rs.getString(1), k -> new HashMap<>()).put(rs.getString(2), rs.getString(3));
            }
          }
          List<TopicRecord> result = new ArrayList<>(ids.size());
          ids.forEach(
              (name, id) ->
                  result.add(
                      new TopicRecord(
                          name, id, streams.getOrDefault(name, List.of()), configs.getOrDefault(name, Map.of()))));
          return result;
        });
  }

  @Override
  public Optional<TopicRecord> deleteTopic(String name) {
    return inTransaction(
        "delete topic " + name,
        c -> {
          Optional<TopicRecord> topic = loadTopic(name);
          if (topic.isPresent()) {
            for (String sql :
                List.of(
                    "DELETE FROM topic_configs WHERE topic_name = ?",
                    "DELETE FROM topic_partitions WHERE topic_name = ?",
                    "DELETE FROM topics WHERE name = ?")) {
              PreparedStatement ps = statement(sql);
              ps.setString(1, name);
              ps.executeUpdate();
            }
          }
          return topic;
        });
  }

  @Override
  public TopicRecord addPartitions(String name, int totalPartitions) {
    return inTransaction(
        "add partitions to topic " + name,
        c -> {
          TopicRecord topic = requireTopic(name);
          if (totalPartitions <= topic.partitions()) {
            throw new MetadataConflictException(
                "Topic " + name + " has " + topic.partitions() + " partitions; cannot grow it to " + totalPartitions);
          }
          insertPartitions(name, topic.partitions(), totalPartitions - topic.partitions());
          return loadTopic(name).orElseThrow();
        });
  }

  @Override
  public TopicRecord alterConfigs(String name, Map<String, String> set, Set<String> remove) {
    return inTransaction(
        "alter configs of topic " + name,
        c -> {
          requireTopic(name);
          for (String key : remove) {
            PreparedStatement ps = statement("DELETE FROM topic_configs WHERE topic_name = ? AND config_key = ?");
            ps.setString(1, name);
            ps.setString(2, key);
            ps.executeUpdate();
          }
          for (Map.Entry<String, String> e : set.entrySet()) {
            upsertConfig(name, e.getKey(), e.getValue());
          }
          return loadTopic(name).orElseThrow();
        });
  }

  @Override
  public TopicRecord replaceConfigs(String name, Map<String, String> configs) {
    return inTransaction(
        "replace configs of topic " + name,
        c -> {
          requireTopic(name);
          PreparedStatement ps = statement("DELETE FROM topic_configs WHERE topic_name = ?");
          ps.setString(1, name);
          ps.executeUpdate();
          for (Map.Entry<String, String> e : configs.entrySet()) {
            upsertConfig(name, e.getKey(), e.getValue());
          }
          return loadTopic(name).orElseThrow();
        });
  }

  private boolean topicExists(String name) throws SQLException {
    PreparedStatement ps = statement("SELECT 1 FROM topics WHERE name = ?");
    ps.setString(1, name);
    try (ResultSet rs = ps.executeQuery()) {
      return rs.next();
    }
  }

  private TopicRecord requireTopic(String name) throws SQLException {
    return loadTopic(name).orElseThrow(() -> new MetadataConflictException("Topic " + name + " does not exist"));
  }

  private Optional<TopicRecord> loadTopic(String name) throws SQLException {
    PreparedStatement ps = statement("SELECT topic_id FROM topics WHERE name = ?");
    ps.setString(1, name);
    UUID id;
    try (ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        return Optional.empty();
      }
      id = UUID.fromString(rs.getString(1));
    }
    List<Long> streamIds = new ArrayList<>();
    ps = statement("SELECT stream_id FROM topic_partitions WHERE topic_name = ? ORDER BY partition_id");
    ps.setString(1, name);
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        streamIds.add(rs.getLong(1));
      }
    }
    Map<String, String> configs = new HashMap<>();
    ps = statement("SELECT config_key, config_value FROM topic_configs WHERE topic_name = ?");
    ps.setString(1, name);
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        configs.put(rs.getString(1), rs.getString(2));
      }
    }
    return Optional.of(new TopicRecord(name, id, streamIds, configs));
  }

  private void insertPartitions(String topic, int firstPartition, int count) throws SQLException {
    long firstStreamId = nextSequenceValues("stream_id", count);
    PreparedStatement partitions =
        statement("INSERT INTO topic_partitions (topic_name, partition_id, stream_id) VALUES (?, ?, ?)");
    PreparedStatement streams =
        statement("INSERT INTO streams (stream_id, start_offset, end_offset, epoch) VALUES (?, 0, 0, 0)");
    for (int i = 0; i < count; i++) {
      partitions.setString(1, topic);
      partitions.setInt(2, firstPartition + i);
      partitions.setLong(3, firstStreamId + i);
      partitions.addBatch();
      streams.setLong(1, firstStreamId + i);
      streams.addBatch();
    }
    partitions.executeBatch();
    streams.executeBatch();
  }

  private void upsertConfig(String topic, String key, String value) throws SQLException {
    PreparedStatement ps =
        statement(
            "INSERT INTO topic_configs (topic_name, config_key, config_value) VALUES (?, ?, ?)"
                + " ON CONFLICT (topic_name, config_key) DO UPDATE SET config_value = excluded.config_value");
    ps.setString(1, topic);
    ps.setString(2, key);
    ps.setString(3, value);
    ps.executeUpdate();
  }

  // ---------------------------------------------------------------- group offsets

  @Override
  public void commitOffsets(String group, List<CommittedOffset> offsets) {
    inTransaction(
        "commit offsets of group " + group,
        c -> {
          PreparedStatement ps =
              statement(
                  "INSERT INTO group_offsets (group_id, topic_name, partition_id, committed_offset, leader_epoch,"
                      + " metadata, commit_ts_ms) VALUES (?, ?, ?, ?, ?, ?, ?)"
                      + " ON CONFLICT (group_id, topic_name, partition_id) DO UPDATE SET"
                      + " committed_offset = excluded.committed_offset, leader_epoch = excluded.leader_epoch,"
                      + " metadata = excluded.metadata, commit_ts_ms = excluded.commit_ts_ms");
          for (CommittedOffset o : offsets) {
            ps.setString(1, group);
            ps.setString(2, o.topic());
            ps.setInt(3, o.partition());
            ps.setLong(4, o.offset());
            ps.setInt(5, o.leaderEpoch());
            ps.setString(6, o.metadata());
            ps.setLong(7, o.commitTimestampMs());
            ps.addBatch();
          }
          ps.executeBatch();
          return null;
        });
  }

  @Override
  public Map<String, Map<Integer, CommittedOffset>> fetchOffsets(String group) {
    return inTransaction(
        "fetch offsets of group " + group,
        c -> {
          PreparedStatement ps =
              statement(
                  "SELECT topic_name, partition_id, committed_offset, leader_epoch, metadata, commit_ts_ms"
                      + " FROM group_offsets WHERE group_id = ?");
          ps.setString(1, group);
          Map<String, Map<Integer, CommittedOffset>> result = new HashMap<>();
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              CommittedOffset o =
                  new CommittedOffset(
                      rs.getString(1), rs.getInt(2), rs.getLong(3), rs.getInt(4), rs.getString(5), rs.getLong(6));
              result.computeIfAbsent(o.topic(), k -> new HashMap<>()).put(o.partition(), o);
            }
          }
          return result;
        });
  }

  @Override
  public List<String> groupsWithOffsets() {
    return inTransaction(
        "list groups",
        c -> {
          List<String> groups = new ArrayList<>();
          try (ResultSet rs = statement("SELECT DISTINCT group_id FROM group_offsets ORDER BY group_id").executeQuery()) {
            while (rs.next()) {
              groups.add(rs.getString(1));
            }
          }
          return groups;
        });
  }

  @Override
  public void deleteOffsets(String group, String topic, int partition) {
    inTransaction(
        "delete offset of group " + group,
        c -> {
          PreparedStatement ps =
              statement("DELETE FROM group_offsets WHERE group_id = ? AND topic_name = ? AND partition_id = ?");
          ps.setString(1, group);
          ps.setString(2, topic);
          ps.setInt(3, partition);
          ps.executeUpdate();
          return null;
        });
  }

  @Override
  public void deleteGroup(String group) {
    inTransaction(
        "delete group " + group,
        c -> {
          PreparedStatement ps = statement("DELETE FROM group_offsets WHERE group_id = ?");
          ps.setString(1, group);
          ps.executeUpdate();
          return null;
        });
  }

  @Override
  public void deleteTopicOffsets(String topic) {
    inTransaction(
        "delete offsets of topic " + topic,
        c -> {
          PreparedStatement ps = statement("DELETE FROM group_offsets WHERE topic_name = ?");
          ps.setString(1, topic);
          ps.executeUpdate();
          return null;
        });
  }

  // ---------------------------------------------------------------- streams and objects

  @Override
  public StreamMetadata openStream(long streamId) {
    return inTransaction(
        "open stream " + streamId,
        c -> {
          // Increment first, so two owners racing on PostgreSQL each read back their own epoch.
          PreparedStatement bump = statement("UPDATE streams SET epoch = epoch + 1 WHERE stream_id = ?");
          bump.setLong(1, streamId);
          if (bump.executeUpdate() == 0) {
            PreparedStatement insert =
                statement("INSERT INTO streams (stream_id, start_offset, end_offset, epoch) VALUES (?, 0, 0, 1)");
            insert.setLong(1, streamId);
            insert.executeUpdate();
          }
          return loadStream(streamId);
        });
  }

  @Override
  public StreamMetadata stream(long streamId) {
    return inTransaction("read stream " + streamId, c -> loadStream(streamId));
  }

  private StreamMetadata loadStream(long streamId) throws SQLException {
    PreparedStatement ps = statement("SELECT start_offset, end_offset, epoch FROM streams WHERE stream_id = ?");
    ps.setLong(1, streamId);
    long start;
    long end;
    long epoch;
    try (ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        return new StreamMetadata(streamId, 0, 0, 0, List.of());
      }
      start = rs.getLong(1);
      end = rs.getLong(2);
      epoch = rs.getLong(3);
    }
    ps =
        statement(
            "SELECT r.start_offset, r.end_offset, r.object_id, o.object_key, r.byte_position, r.byte_length,"
                + " r.max_timestamp FROM stream_ranges r JOIN objects o ON o.object_id = r.object_id"
                + " WHERE r.stream_id = ? ORDER BY r.start_offset");
    ps.setLong(1, streamId);
    List<StreamRange> ranges = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        ranges.add(
            new StreamRange(
                streamId, rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getString(4), rs.getLong(5), rs.getLong(6),
                rs.getLong(7)));
      }
    }
    return new StreamMetadata(streamId, start, end, epoch, ranges);
  }

  @Override
  public long allocateObjectIds(int count) {
    checkArgument(count > 0, "Cannot allocate object ids: count must be positive, got %s", count);
    return inTransaction("allocate object ids", c -> nextSequenceValues("object_id", count));
  }

  /** Reserves {@code count} values of a sequence with a row update (portable, and race-free on PostgreSQL). */
  private long nextSequenceValues(String sequence, int count) throws SQLException {
    PreparedStatement update = statement("UPDATE sequences SET next_value = next_value + ? WHERE name = ?");
    update.setLong(1, count);
    update.setString(2, sequence);
    if (update.executeUpdate() != 1) {
      throw new SQLException("Sequence " + sequence + " is missing from the metadata schema");
    }
    PreparedStatement select = statement("SELECT next_value FROM sequences WHERE name = ?");
    select.setString(1, sequence);
    try (ResultSet rs = select.executeQuery()) {
      rs.next();
      return rs.getLong(1) - count;
    }
  }

  @Override
  public void commitObjects(List<ObjectCommit> objects) {
    if (objects.isEmpty()) {
      return;
    }
    inTransaction(
        "commit " + objects.size() + " objects",
        c -> {
          // Per stream: [first start, last end, epoch], checking the ranges follow each other in commit order.
          Map<Long, long[]> spans = new LinkedHashMap<>();
          Set<Long> stale = new HashSet<>();
          for (ObjectCommit o : objects) {
            for (StreamRange r : o.ranges()) {
              long epoch = o.streamEpochs().get(r.streamId());
              long[] span = spans.get(r.streamId());
              if (span == null) {
                spans.put(r.streamId(), new long[] {r.startOffset(), r.endOffset(), epoch});
              } else {
                if (span[1] != r.startOffset() || span[2] != epoch) {
                  stale.add(r.streamId());
                }
                span[1] = r.endOffset();
              }
            }
          }
          // Compare-and-set of each stream's end offset, fenced by epoch: the commit point.
          PreparedStatement advance =
              statement(
                  "UPDATE streams SET end_offset = ? WHERE stream_id = ? AND epoch = ? AND end_offset = ?");
          for (Map.Entry<Long, long[]> e : spans.entrySet()) {
            if (stale.contains(e.getKey())) {
              continue;
            }
            long[] span = e.getValue();
            advance.setLong(1, span[1]);
            advance.setLong(2, e.getKey());
            advance.setLong(3, span[2]);
            advance.setLong(4, span[0]);
            if (advance.executeUpdate() != 1) {
              stale.add(e.getKey());
            }
          }
          if (!stale.isEmpty()) {
            throw new StaleStreamEpochException(
                stale,
                "Cannot commit " + objects.size() + " objects: streams " + stale
                    + " have a newer owner, were deleted, or do not continue at their stored end offset");
          }
          long now = System.currentTimeMillis();
          PreparedStatement insertObject =
              statement(
                  "INSERT INTO objects (object_id, object_key, size_bytes, created_ms, deleted_ms)"
                      + " VALUES (?, ?, ?, ?, NULL)");
          PreparedStatement insertRange =
              statement(
                  "INSERT INTO stream_ranges (stream_id, start_offset, end_offset, object_id, byte_position,"
                      + " byte_length, max_timestamp) VALUES (?, ?, ?, ?, ?, ?, ?)");
          for (ObjectCommit o : objects) {
            insertObject.setLong(1, o.objectId());
            insertObject.setString(2, o.objectKey());
            insertObject.setLong(3, o.sizeBytes());
            insertObject.setLong(4, now);
            insertObject.addBatch();
            for (StreamRange r : o.ranges()) {
              insertRange.setLong(1, r.streamId());
              insertRange.setLong(2, r.startOffset());
              insertRange.setLong(3, r.endOffset());
              insertRange.setLong(4, r.objectId());
              insertRange.setLong(5, r.position());
              insertRange.setLong(6, r.length());
              insertRange.setLong(7, r.maxTimestamp());
              insertRange.addBatch();
            }
          }
          insertObject.executeBatch();
          insertRange.executeBatch();
          return null;
        });
  }

  @Override
  public void trimStream(long streamId, long epoch, long newStartOffset) {
    inTransaction(
        "trim stream " + streamId,
        c -> {
          PreparedStatement ps = statement("SELECT start_offset, end_offset, epoch FROM streams WHERE stream_id = ?");
          ps.setLong(1, streamId);
          long start;
          long end;
          try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next() || rs.getLong(3) != epoch) {
              throw new StaleStreamEpochException(
                  Set.of(streamId), "Cannot trim stream " + streamId + ": epoch " + epoch + " no longer owns it");
            }
            start = rs.getLong(1);
            end = rs.getLong(2);
          }
          checkArgument(
              newStartOffset <= end,
              "Cannot trim stream %s to %s: it ends at %s",
              streamId,
              newStartOffset,
              end);
          if (newStartOffset <= start) {
            return null;
          }
          PreparedStatement update =
              statement("UPDATE streams SET start_offset = ? WHERE stream_id = ? AND epoch = ? AND start_offset = ?");
          update.setLong(1, newStartOffset);
          update.setLong(2, streamId);
          update.setLong(3, epoch);
          update.setLong(4, start);
          if (update.executeUpdate() != 1) {
            throw new StaleStreamEpochException(
                Set.of(streamId), "Cannot trim stream " + streamId + ": it changed concurrently");
          }
          PreparedStatement drop = statement("DELETE FROM stream_ranges WHERE stream_id = ? AND end_offset <= ?");
          drop.setLong(1, streamId);
          drop.setLong(2, newStartOffset);
          drop.executeUpdate();
          return null;
        });
  }

  @Override
  public void deleteStream(long streamId) {
    inTransaction(
        "delete stream " + streamId,
        c -> {
          for (String sql :
              List.of("DELETE FROM stream_ranges WHERE stream_id = ?", "DELETE FROM streams WHERE stream_id = ?")) {
            PreparedStatement ps = statement(sql);
            ps.setLong(1, streamId);
            ps.executeUpdate();
          }
          return null;
        });
  }

  @Override
  public int markUnreferencedObjects(long nowMs) {
    return inTransaction(
        "mark unreferenced objects",
        c -> {
          PreparedStatement ps =
              statement(
                  "UPDATE objects SET deleted_ms = ? WHERE deleted_ms IS NULL AND NOT EXISTS"
                      + " (SELECT 1 FROM stream_ranges r WHERE r.object_id = objects.object_id)");
          ps.setLong(1, nowMs);
          return ps.executeUpdate();
        });
  }

  @Override
  public List<StoredObject> unreferencedObjects(long cutoffMs, int limit) {
    return inTransaction(
        "list unreferenced objects",
        c -> {
          PreparedStatement ps =
              statement(
                  "SELECT object_id, object_key, size_bytes, created_ms, deleted_ms FROM objects"
                      + " WHERE deleted_ms IS NOT NULL AND deleted_ms <= ? ORDER BY deleted_ms, object_id LIMIT ?");
          ps.setLong(1, cutoffMs);
          ps.setInt(2, limit);
          List<StoredObject> result = new ArrayList<>();
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              result.add(new StoredObject(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getLong(5)));
            }
          }
          return result;
        });
  }

  @Override
  public void purgeObjects(List<Long> objectIds) {
    if (objectIds.isEmpty()) {
      return;
    }
    inTransaction(
        "purge " + objectIds.size() + " objects",
        c -> {
          PreparedStatement ps = statement("DELETE FROM objects WHERE object_id = ? AND deleted_ms IS NOT NULL");
          for (long id : objectIds) {
            ps.setLong(1, id);
            ps.addBatch();
          }
          ps.executeBatch();
          return null;
        });
  }

  @Override
  public Set<String> objectKeys(String prefix) {
    return inTransaction(
        "list object keys",
        c -> {
          Set<String> keys = new HashSet<>();
          try (ResultSet rs = statement("SELECT object_key FROM objects").executeQuery()) {
            while (rs.next()) {
              String key = rs.getString(1);
              if (key.startsWith(prefix)) {
                keys.add(key);
              }
            }
          }
          return keys;
        });
  }

  // ---------------------------------------------------------------- plumbing

  @Override
  public void close() {
    lock.lock();
    try {
      if (connection == null) {
        return;
      }
      for (PreparedStatement ps : statements.values()) {
        try {
          ps.close();
        } catch (SQLException e) {
          LOG.debug("Cannot close statement", e);
        }
      }
      statements.clear();
      try {
        connection.close();
      } catch (SQLException e) {
        LOG.warn("Cannot close metadata store {} cleanly", jdbcUrl, e);
      }
      connection = null;
    } finally {
      lock.unlock();
    }
  }

  /** A statement cached for the connection's lifetime; call only with the lock held. */
  private PreparedStatement statement(String sql) throws SQLException {
    PreparedStatement ps = statements.get(sql);
    if (ps == null) {
      ps = connection.prepareStatement(sql);
      statements.put(sql, ps);
    }
    return ps;
  }

  @FunctionalInterface
  private interface SqlWork<T> {
    T run(Connection c) throws SQLException;
  }

  private <T> T inTransaction(String what, SqlWork<T> work) {
    lock.lock();
    try {
      if (connection == null) {
        throw new MetadataStoreException("Cannot " + what + ": the metadata store is closed", null);
      }
      try {
        T result = work.run(connection);
        connection.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        try {
          connection.rollback();
        } catch (SQLException rollbackFailure) {
          e.addSuppressed(rollbackFailure);
        }
        if (e instanceof RuntimeException re) {
          throw re;
        }
        throw new MetadataStoreException("Cannot " + what + " in " + jdbcUrl + ": " + e.getMessage(), e);
      }
    } finally {
      lock.unlock();
    }
  }
}
