package io.floe.storage.metadata;

import static io.floe.storage.internal.Preconditions.checkArgument;

import io.floe.storage.internal.NamedThreadFactory;
import io.floe.storage.metadata.ConnectionPool.PooledConnection;
import io.floe.storage.metadata.Dialect.Isolation;
import io.floe.storage.retry.Retrier;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link MetadataStore} and {@link StreamIndexStore} over JDBC: SQLite ({@code jdbc:sqlite:<path>}) embedded,
 * PostgreSQL ({@code jdbc:postgresql://host:port/db?user=...&password=...}) shared by brokers, with one schema
 * and one list of migrations (see {@link SchemaMigrations}); what differs is in {@link Dialect}.
 *
 * <p>Every operation is one short transaction on a connection of a small pool (one connection for SQLite, a few
 * for PostgreSQL). Transactions that read, check and write run serializable, so the checks hold at commit even
 * with other brokers writing the same database: of two writers with different epochs for one stream, only the
 * stream's current owner commits. A transaction that the database rolled back for a transient reason (a
 * PostgreSQL serialization failure or deadlock, or a connection lost before the commit) is run again by one
 * bounded {@link Retrier}; a connection lost during the commit fails with {@link
 * MetadataCommitStateUnknownException}, since the write may have been applied.
 *
 * <p>SQLite runs in WAL journal mode with {@code synchronous=NORMAL}: a commit survives a process crash (kill -9),
 * though not a power loss, like Kafka's unflushed log.
 */
public final class JdbcMetadataStore implements MetadataStore, StreamIndexStore {
  private static final Logger LOG = LoggerFactory.getLogger(JdbcMetadataStore.class);

  private final String jdbcUrl;
  private final String description;
  private final ConnectionPool pool;
  private final ScheduledThreadPoolExecutor retryScheduler;
  private final Retrier retrier;

  private JdbcMetadataStore(String jdbcUrl, Dialect dialect, ConnectionPool pool) {
    this.jdbcUrl = jdbcUrl;
    this.description = Dialect.redact(jdbcUrl);
    this.pool = pool;
    // Retried attempts run on these threads (the caller waits): one per connection, so retries never queue here.
    this.retryScheduler =
        new ScheduledThreadPoolExecutor(dialect.maxConnections(), new NamedThreadFactory("floe-metadata-retry"));
    this.retryScheduler.setRemoveOnCancelPolicy(true);
    this.retrier =
        Retrier.builder("metadata")
            .maxAttempts(10)
            .backoffMs(5, 1_000)
            .maxElapsedMs(20_000)
            .retryOn(TransientFailure.class)
            .scheduler(retryScheduler)
            .build();
  }

  /** Connects, applies pending schema migrations and returns the store. */
  public static JdbcMetadataStore open(String jdbcUrl) {
    checkArgument(
        jdbcUrl.startsWith("jdbc:"), "Cannot open metadata store: '%s' is not a JDBC URL", Dialect.redact(jdbcUrl));
    Dialect dialect = Dialect.of(jdbcUrl);
    PooledConnection first = null;
    try {
      first = ConnectionPool.connect(jdbcUrl, dialect);
      int version = SchemaMigrations.migrate(first.connection(), dialect);
      LOG.info(
          "Metadata store at {} (schema version {}, up to {} connections)",
          Dialect.redact(jdbcUrl), version, dialect.maxConnections());
      return new JdbcMetadataStore(jdbcUrl, dialect, new ConnectionPool(jdbcUrl, dialect, first));
    } catch (SQLException | RuntimeException e) {
      if (first != null) {
        first.close();
      }
      if (e instanceof RuntimeException re) {
        throw re;
      }
      throw new MetadataStoreException(
          "Cannot open metadata store " + Dialect.redact(jdbcUrl) + ": " + e.getMessage(), e);
    }
  }

  Dialect dialect() {
    return pool.dialect();
  }

  /** The URL the store was opened with, password included; log {@link #toString()} instead. */
  public String jdbcUrl() {
    return jdbcUrl;
  }

  /** Transaction retry counters, for metrics. */
  public Retrier.Stats retryStats() {
    return retrier.stats();
  }

  @Override
  public String toString() {
    return "JdbcMetadataStore[" + description + "]";
  }

  // ---------------------------------------------------------------- topics

  @Override
  public TopicRecord createTopic(String name, int partitions, Map<String, String> configs) {
    checkArgument(!name.isEmpty(), "Cannot create topic: the name is empty");
    checkArgument(partitions > 0, "Cannot create topic %s: partitions must be positive, got %s", name, partitions);
    return write(
        "create topic " + name,
        c -> {
          if (topicExists(c, name)) {
            throw new MetadataConflictException("Topic " + name + " already exists");
          }
          UUID topicId = UUID.randomUUID();
          PreparedStatement ps = c.statement("INSERT INTO topics (name, topic_id, created_ms) VALUES (?, ?, ?)");
          ps.setString(1, name);
          ps.setString(2, topicId.toString());
          ps.setLong(3, System.currentTimeMillis());
          ps.executeUpdate();
          insertPartitions(c, name, 0, partitions);
          for (Map.Entry<String, String> e : configs.entrySet()) {
            upsertConfig(c, name, e.getKey(), e.getValue());
          }
          return loadTopic(c, name).orElseThrow();
        });
  }

  @Override
  public Optional<TopicRecord> topic(String name) {
    return read("read topic " + name, c -> loadTopic(c, name));
  }

  @Override
  public List<TopicRecord> topics() {
    return read(
        "list topics",
        c -> {
          Map<String, UUID> ids = new TreeMap<>();
          try (ResultSet rs = c.statement("SELECT name, topic_id FROM topics").executeQuery()) {
            while (rs.next()) {
              ids.put(rs.getString(1), UUID.fromString(rs.getString(2)));
            }
          }
          Map<String, List<Long>> streams = new HashMap<>();
          try (ResultSet rs =
              c.statement("SELECT topic_name, stream_id FROM topic_partitions ORDER BY topic_name, partition_id")
                  .executeQuery()) {
            while (rs.next()) {
              streams.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getLong(2));
            }
          }
          Map<String, Map<String, String>> configs = new HashMap<>();
          try (ResultSet rs =
              c.statement("SELECT topic_name, config_key, config_value FROM topic_configs").executeQuery()) {
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
    return write(
        "delete topic " + name,
        c -> {
          Optional<TopicRecord> topic = loadTopic(c, name);
          if (topic.isPresent()) {
            for (String sql :
                List.of(
                    "DELETE FROM topic_configs WHERE topic_name = ?",
                    "DELETE FROM topic_partitions WHERE topic_name = ?",
                    "DELETE FROM topics WHERE name = ?")) {
              PreparedStatement ps = c.statement(sql);
              ps.setString(1, name);
              ps.executeUpdate();
            }
          }
          return topic;
        });
  }

  @Override
  public TopicRecord addPartitions(String name, int totalPartitions) {
    return write(
        "add partitions to topic " + name,
        c -> {
          TopicRecord topic = requireTopic(c, name);
          if (totalPartitions <= topic.partitions()) {
            throw new MetadataConflictException(
                "Topic " + name + " has " + topic.partitions() + " partitions; cannot grow it to " + totalPartitions);
          }
          insertPartitions(c, name, topic.partitions(), totalPartitions - topic.partitions());
          return loadTopic(c, name).orElseThrow();
        });
  }

  @Override
  public TopicRecord alterConfigs(String name, Map<String, String> set, Set<String> remove) {
    return write(
        "alter configs of topic " + name,
        c -> {
          requireTopic(c, name);
          for (String key : remove) {
            PreparedStatement ps = c.statement("DELETE FROM topic_configs WHERE topic_name = ? AND config_key = ?");
            ps.setString(1, name);
            ps.setString(2, key);
            ps.executeUpdate();
          }
          for (Map.Entry<String, String> e : set.entrySet()) {
            upsertConfig(c, name, e.getKey(), e.getValue());
          }
          return loadTopic(c, name).orElseThrow();
        });
  }

  @Override
  public TopicRecord replaceConfigs(String name, Map<String, String> configs) {
    return write(
        "replace configs of topic " + name,
        c -> {
          requireTopic(c, name);
          PreparedStatement ps = c.statement("DELETE FROM topic_configs WHERE topic_name = ?");
          ps.setString(1, name);
          ps.executeUpdate();
          for (Map.Entry<String, String> e : configs.entrySet()) {
            upsertConfig(c, name, e.getKey(), e.getValue());
          }
          return loadTopic(c, name).orElseThrow();
        });
  }

  private boolean topicExists(PooledConnection c, String name) throws SQLException {
    PreparedStatement ps = c.statement("SELECT 1 FROM topics WHERE name = ?");
    ps.setString(1, name);
    try (ResultSet rs = ps.executeQuery()) {
      return rs.next();
    }
  }

  private TopicRecord requireTopic(PooledConnection c, String name) throws SQLException {
    return loadTopic(c, name).orElseThrow(() -> new MetadataConflictException("Topic " + name + " does not exist"));
  }

  private Optional<TopicRecord> loadTopic(PooledConnection c, String name) throws SQLException {
    PreparedStatement ps = c.statement("SELECT topic_id FROM topics WHERE name = ?");
    ps.setString(1, name);
    UUID id;
    try (ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        return Optional.empty();
      }
      id = UUID.fromString(rs.getString(1));
    }
    List<Long> streamIds = new ArrayList<>();
    ps = c.statement("SELECT stream_id FROM topic_partitions WHERE topic_name = ? ORDER BY partition_id");
    ps.setString(1, name);
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        streamIds.add(rs.getLong(1));
      }
    }
    Map<String, String> configs = new HashMap<>();
    ps = c.statement("SELECT config_key, config_value FROM topic_configs WHERE topic_name = ?");
    ps.setString(1, name);
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        configs.put(rs.getString(1), rs.getString(2));
      }
    }
    return Optional.of(new TopicRecord(name, id, streamIds, configs));
  }

  private void insertPartitions(PooledConnection c, String topic, int firstPartition, int count) throws SQLException {
    long firstStreamId = nextSequenceValues(c, "stream_id", count);
    PreparedStatement partitions =
        c.statement("INSERT INTO topic_partitions (topic_name, partition_id, stream_id) VALUES (?, ?, ?)");
    PreparedStatement streams =
        c.statement("INSERT INTO streams (stream_id, start_offset, end_offset, epoch) VALUES (?, 0, 0, 0)");
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

  private void upsertConfig(PooledConnection c, String topic, String key, String value) throws SQLException {
    PreparedStatement ps =
        c.statement(
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
    blindWrite("commit offsets of group " + group, c -> upsertOffsets(c, group, offsets));
  }

  @Override
  public void commitOffsets(String group, List<CommittedOffset> offsets, OwnerFence fence) {
    fencedWrite("commit offsets of group " + group, fence, c -> upsertOffsets(c, group, offsets));
  }

  /**
   * {@code work} in a transaction that first checks that {@code fence} still holds, and refuses with {@link
   * StaleOwnerException} if not. Serializable: an owner change committed meanwhile makes one of the two
   * transactions fail and retry, so the write either happened before the new owner read the offsets or sees the
   * new owner and is refused.
   */
  private void fencedWrite(String what, OwnerFence fence, SqlWork<?> work) {
    write(what, c -> {
      PreparedStatement q = c.statement("SELECT node_id, owner_epoch FROM owners WHERE resource = ?");
      q.setString(1, fence.resource());
      try (ResultSet rs = q.executeQuery()) {
        boolean holds = rs.next() && rs.getInt(1) == fence.nodeId() && rs.getInt(2) == fence.epoch();
        if (!holds) {
          throw new StaleOwnerException("Cannot " + what + ": node " + fence.nodeId() + " no longer owns "
              + fence.resource() + " at owner epoch " + fence.epoch());
        }
      }
      return work.run(c);
    });
  }

  private static Void upsertOffsets(PooledConnection c, String group, List<CommittedOffset> offsets)
      throws SQLException {
    PreparedStatement ps =
        c.statement(
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
  }

  @Override
  public Map<String, Map<Integer, CommittedOffset>> fetchOffsets(String group) {
    return read(
        "fetch offsets of group " + group,
        c -> {
          PreparedStatement ps =
              c.statement(
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
    return read(
        "list groups",
        c -> {
          List<String> groups = new ArrayList<>();
          try (ResultSet rs = c.statement("SELECT DISTINCT group_id FROM group_offsets").executeQuery()) {
            while (rs.next()) {
              groups.add(rs.getString(1));
            }
          }
          // Sorted here, not by the database, whose collation may differ (PostgreSQL's is often locale-aware).
          Collections.sort(groups);
          return groups;
        });
  }

  @Override
  public void deleteOffsets(String group, String topic, int partition) {
    blindWrite("delete offset of group " + group, c -> deleteOffset(c, group, topic, partition));
  }

  @Override
  public void deleteOffsets(String group, String topic, int partition, OwnerFence fence) {
    fencedWrite("delete offset of group " + group, fence, c -> deleteOffset(c, group, topic, partition));
  }

  private static Void deleteOffset(PooledConnection c, String group, String topic, int partition)
      throws SQLException {
    PreparedStatement ps =
        c.statement("DELETE FROM group_offsets WHERE group_id = ? AND topic_name = ? AND partition_id = ?");
    ps.setString(1, group);
    ps.setString(2, topic);
    ps.setInt(3, partition);
    ps.executeUpdate();
    return null;
  }

  @Override
  public void deleteGroup(String group) {
    blindWrite("delete group " + group, c -> deleteGroupOffsets(c, group));
  }

  @Override
  public void deleteGroup(String group, OwnerFence fence) {
    fencedWrite("delete group " + group, fence, c -> deleteGroupOffsets(c, group));
  }

  private static Void deleteGroupOffsets(PooledConnection c, String group) throws SQLException {
    PreparedStatement ps = c.statement("DELETE FROM group_offsets WHERE group_id = ?");
    ps.setString(1, group);
    ps.executeUpdate();
    return null;
  }

  @Override
  public void deleteTopicOffsets(String topic) {
    blindWrite(
        "delete offsets of topic " + topic,
        c -> {
          PreparedStatement ps = c.statement("DELETE FROM group_offsets WHERE topic_name = ?");
          ps.setString(1, topic);
          ps.executeUpdate();
          return null;
        });
  }

  // ---------------------------------------------------------------- streams and objects

  @Override
  public StreamMetadata openStream(long streamId) {
    return write(
        "open stream " + streamId,
        c -> {
          // One statement creates or bumps, so owners racing for a new stream each get an epoch of their own.
          PreparedStatement bump =
              c.statement(
                  "INSERT INTO streams (stream_id, start_offset, end_offset, epoch) VALUES (?, 0, 0, 1)"
                      + " ON CONFLICT (stream_id) DO UPDATE SET epoch = streams.epoch + 1");
          bump.setLong(1, streamId);
          bump.executeUpdate();
          return loadStream(c, streamId);
        });
  }

  @Override
  public StreamMetadata stream(long streamId) {
    return read("read stream " + streamId, c -> loadStream(c, streamId));
  }

  private StreamMetadata loadStream(PooledConnection c, long streamId) throws SQLException {
    PreparedStatement ps = c.statement("SELECT start_offset, end_offset, epoch FROM streams WHERE stream_id = ?");
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
        c.statement(
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
    return blindWrite("allocate object ids", c -> nextSequenceValues(c, "object_id", count));
  }

  /**
   * Reserves {@code count} values of a sequence with one atomic row update (the same SQL on both databases;
   * concurrent callers queue on the row's lock, each getting its own values).
   */
  private long nextSequenceValues(PooledConnection c, String sequence, int count) throws SQLException {
    PreparedStatement update =
        c.statement("UPDATE sequences SET next_value = next_value + ? WHERE name = ? RETURNING next_value");
    update.setLong(1, count);
    update.setString(2, sequence);
    try (ResultSet rs = update.executeQuery()) {
      if (!rs.next()) {
        throw new SQLException("Sequence " + sequence + " is missing from the metadata schema");
      }
      return rs.getLong(1) - count;
    }
  }

  @Override
  public void commitObjects(List<ObjectCommit> objects) {
    if (objects.isEmpty()) {
      return;
    }
    write(
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
          // Compare-and-set of each stream's end offset, fenced by epoch: the commit point. Streams are updated in
          // id order, so that two commits touching the same streams take their row locks in the same order.
          PreparedStatement advance =
              c.statement(
                  "UPDATE streams SET end_offset = ? WHERE stream_id = ? AND epoch = ? AND end_offset = ?");
          for (Map.Entry<Long, long[]> e : new TreeMap<>(spans).entrySet()) {
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
              c.statement(
                  "INSERT INTO objects (object_id, object_key, size_bytes, created_ms, deleted_ms)"
                      + " VALUES (?, ?, ?, ?, NULL)");
          PreparedStatement insertRange =
              c.statement(
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
  public void replaceRanges(RangeReplacement r) {
    long streamId = r.streamId();
    write(
        "replace " + r.replaced().size() + " ranges of stream " + streamId,
        c -> {
          PreparedStatement ps = c.statement("SELECT epoch FROM streams WHERE stream_id = ?");
          ps.setLong(1, streamId);
          try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next() || rs.getLong(1) != r.epoch()) {
              throw new StaleStreamEpochException(
                  Set.of(streamId),
                  "Cannot replace ranges of stream " + streamId + ": epoch " + r.epoch()
                      + " no longer owns it, or it was deleted");
            }
          }
          // Compare-and-set of each old range: it must still be there exactly as the compactor read it.
          PreparedStatement drop =
              c.statement(
                  "DELETE FROM stream_ranges WHERE stream_id = ? AND start_offset = ? AND end_offset = ?"
                      + " AND object_id = ? AND byte_position = ? AND byte_length = ?");
          for (StreamRange old : r.replaced()) {
            drop.setLong(1, streamId);
            drop.setLong(2, old.startOffset());
            drop.setLong(3, old.endOffset());
            drop.setLong(4, old.objectId());
            drop.setLong(5, old.position());
            drop.setLong(6, old.length());
            if (drop.executeUpdate() != 1) {
              throw new MetadataConflictException(
                  "Cannot replace ranges of stream " + streamId + ": range " + old
                      + " is no longer in the index (trimmed or replaced concurrently)");
            }
          }
          ObjectCommit o = r.replacement();
          StreamRange merged = r.mergedRange();
          PreparedStatement insertObject =
              c.statement(
                  "INSERT INTO objects (object_id, object_key, size_bytes, created_ms, deleted_ms)"
                      + " VALUES (?, ?, ?, ?, NULL)");
          insertObject.setLong(1, o.objectId());
          insertObject.setString(2, o.objectKey());
          insertObject.setLong(3, o.sizeBytes());
          insertObject.setLong(4, System.currentTimeMillis());
          insertObject.executeUpdate();
          PreparedStatement insertRange =
              c.statement(
                  "INSERT INTO stream_ranges (stream_id, start_offset, end_offset, object_id, byte_position,"
                      + " byte_length, max_timestamp) VALUES (?, ?, ?, ?, ?, ?, ?)");
          insertRange.setLong(1, streamId);
          insertRange.setLong(2, merged.startOffset());
          insertRange.setLong(3, merged.endOffset());
          insertRange.setLong(4, merged.objectId());
          insertRange.setLong(5, merged.position());
          insertRange.setLong(6, merged.length());
          insertRange.setLong(7, merged.maxTimestamp());
          insertRange.executeUpdate();
          return null;
        });
  }

  @Override
  public void trimStream(long streamId, long epoch, long newStartOffset) {
    write(
        "trim stream " + streamId,
        c -> {
          PreparedStatement ps = c.statement("SELECT start_offset, end_offset, epoch FROM streams WHERE stream_id = ?");
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
              c.statement("UPDATE streams SET start_offset = ? WHERE stream_id = ? AND epoch = ? AND start_offset = ?");
          update.setLong(1, newStartOffset);
          update.setLong(2, streamId);
          update.setLong(3, epoch);
          update.setLong(4, start);
          if (update.executeUpdate() != 1) {
            throw new StaleStreamEpochException(
                Set.of(streamId), "Cannot trim stream " + streamId + ": it changed concurrently");
          }
          PreparedStatement drop = c.statement("DELETE FROM stream_ranges WHERE stream_id = ? AND end_offset <= ?");
          drop.setLong(1, streamId);
          drop.setLong(2, newStartOffset);
          drop.executeUpdate();
          return null;
        });
  }

  @Override
  public void deleteStream(long streamId) {
    write(
        "delete stream " + streamId,
        c -> {
          for (String sql :
              List.of("DELETE FROM stream_ranges WHERE stream_id = ?", "DELETE FROM streams WHERE stream_id = ?")) {
            PreparedStatement ps = c.statement(sql);
            ps.setLong(1, streamId);
            ps.executeUpdate();
          }
          return null;
        });
  }

  @Override
  public int markUnreferencedObjects(long nowMs) {
    return write(
        "mark unreferenced objects",
        c -> {
          PreparedStatement ps =
              c.statement(
                  "UPDATE objects SET deleted_ms = ? WHERE deleted_ms IS NULL AND NOT EXISTS"
                      + " (SELECT 1 FROM stream_ranges r WHERE r.object_id = objects.object_id)");
          ps.setLong(1, nowMs);
          return ps.executeUpdate();
        });
  }

  @Override
  public List<StoredObject> unreferencedObjects(long cutoffMs, int limit) {
    return read(
        "list unreferenced objects",
        c -> {
          PreparedStatement ps =
              c.statement(
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
    write(
        "purge " + objectIds.size() + " objects",
        c -> {
          PreparedStatement ps = c.statement("DELETE FROM objects WHERE object_id = ? AND deleted_ms IS NOT NULL");
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
    return read(
        "list object keys",
        c -> {
          Set<String> keys = new HashSet<>();
          try (ResultSet rs = c.statement("SELECT object_key FROM objects").executeQuery()) {
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
    if (pool.isClosed()) {
      return;
    }
    pool.close();
    // Not shutdownNow(): a retry already scheduled still runs, finds the store closed and fails its caller,
    // who would otherwise wait forever.
    retryScheduler.shutdown();
  }

  @FunctionalInterface
  interface SqlWork<T> {
    T run(PooledConnection c) throws SQLException;
  }

  /** A read-only transaction; it sees one consistent state of the database. */
  <T> T read(String what, SqlWork<T> work) {
    return inTransaction(what, Isolation.SERIALIZABLE, false, work);
  }

  /** A transaction that reads, checks and writes: it commits only if it ran as if alone. */
  <T> T write(String what, SqlWork<T> work) {
    return inTransaction(what, Isolation.SERIALIZABLE, true, work);
  }

  /**
   * A transaction of "blind" writes: each statement is atomic by itself (an upsert, a delete by key, a counter
   * increment) and decides nothing from an earlier read, so read-committed isolation is enough, and concurrent
   * writers of the same row queue on its lock instead of failing with serialization errors.
   */
  <T> T blindWrite(String what, SqlWork<T> work) {
    return inTransaction(what, Isolation.READ_COMMITTED, true, work);
  }

  private <T> T inTransaction(String what, Isolation isolation, boolean writes, SqlWork<T> work) {
    if (pool.isClosed()) {
      throw new MetadataStoreException("Cannot " + what + ": the metadata store is closed", null);
    }
    try {
      return retrier
          .run(
              what,
              () -> {
                try {
                  return CompletableFuture.completedFuture(attempt(what, isolation, writes, work));
                } catch (RuntimeException e) {
                  return CompletableFuture.failedFuture(e);
                }
              })
          .join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof TransientFailure t) {
        // Retries used up: say why the last attempt failed; the retrier's note on how long it tried is suppressed.
        MetadataStoreException failure =
            new MetadataStoreException(
                "Cannot " + what + " in " + description + ": " + t.getCause().getMessage(), t.getCause());
        for (Throwable note : t.getSuppressed()) {
          failure.addSuppressed(note);
        }
        throw failure;
      }
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new MetadataStoreException("Cannot " + what + " in " + description + ": " + cause, cause);
    }
  }

  /** Runs {@code work} once in a transaction of its own, and commits it. */
  private <T> T attempt(String what, Isolation isolation, boolean writes, SqlWork<T> work) {
    PooledConnection c;
    try {
      c = pool.borrow(what);
    } catch (SQLException e) {
      throw classify(what, e, false, true);
    }
    boolean broken = false;
    try {
      c.isolation(isolation);
      T result = work.run(c);
      try {
        c.connection().commit();
      } catch (SQLException e) {
        broken = c.isClosed() || pool.dialect().isConnectionLost(e);
        if (broken && writes) {
          throw new MetadataCommitStateUnknownException(
              "Cannot tell whether " + what + " was applied: the connection to " + description
                  + " was lost while committing: " + e.getMessage(),
              e);
        }
        throw e;
      }
      return result;
    } catch (SQLException | RuntimeException e) {
      broken |= (e instanceof SQLException s && pool.dialect().isConnectionLost(s)) || c.isClosed();
      if (!broken) {
        broken = !rollback(c, e);
      }
      if (e instanceof RuntimeException re) {
        throw re;
      }
      throw classify(what, (SQLException) e, broken, false);
    } finally {
      pool.release(c, broken);
    }
  }

  /** A failure that the retrier runs the transaction again for, or the store's exception for the caller. */
  private RuntimeException classify(String what, SQLException e, boolean connectionBroken, boolean connecting) {
    Dialect dialect = pool.dialect();
    if (connectionBroken || dialect.isTransient(e) || dialect.isConnectionLost(e)) {
      // Rolled back by the database, or never sent: nothing of it was applied.
      return new TransientFailure(e);
    }
    String where = connecting ? ": cannot connect to " + description + ": " : " in " + description + ": ";
    return new MetadataStoreException("Cannot " + what + where + e.getMessage(), e);
  }

  private static boolean rollback(PooledConnection c, Exception cause) {
    try {
      c.connection().rollback();
      return true;
    } catch (SQLException rollbackFailure) {
      cause.addSuppressed(rollbackFailure);
      return false;
    }
  }

  /** A transaction the database did not apply, for a reason that may clear when it runs again. */
  private static final class TransientFailure extends RuntimeException {
    TransientFailure(SQLException cause) {
      super(cause.getMessage(), cause, false, false);
    }
  }
}
