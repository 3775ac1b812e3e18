package io.floe.storage.metadata;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metadata schema as an ordered list of migrations, applied once each and recorded in {@code
 * schema_version}. The SQL is the subset SQLite and PostgreSQL share (BIGINT, INTEGER, VARCHAR, TEXT, no
 * vendor types such as BLOB/BYTEA or BOOLEAN, no foreign keys, no auto-increment: ids come from the {@code
 * sequences} table), so one schema and one list serve both. Never edit a released migration: add one.
 */
final class SchemaMigrations {
  private static final Logger LOG = LoggerFactory.getLogger(SchemaMigrations.class);

  record Migration(int version, String description, List<String> statements) {}

  static final List<Migration> MIGRATIONS =
      List.of(
          new Migration(
              1,
              "topics, group offsets, streams and the object index",
              List.of(
                  "CREATE TABLE sequences (name VARCHAR(64) PRIMARY KEY, next_value BIGINT NOT NULL)",
                  "INSERT INTO sequences (name, next_value) VALUES ('stream_id', 1)",
                  "INSERT INTO sequences (name, next_value) VALUES ('object_id', 1)",
                  "CREATE TABLE topics (name VARCHAR(255) PRIMARY KEY, topic_id VARCHAR(36) NOT NULL UNIQUE,"
                      + " created_ms BIGINT NOT NULL)",
                  "CREATE TABLE topic_partitions (topic_name VARCHAR(255) NOT NULL, partition_id INTEGER NOT NULL,"
                      + " stream_id BIGINT NOT NULL UNIQUE, PRIMARY KEY (topic_name, partition_id))",
                  "CREATE TABLE topic_configs (topic_name VARCHAR(255) NOT NULL, config_key VARCHAR(255) NOT NULL,"
                      + " config_value TEXT NOT NULL, PRIMARY KEY (topic_name, config_key))",
                  "CREATE TABLE group_offsets (group_id VARCHAR(255) NOT NULL, topic_name VARCHAR(255) NOT NULL,"
                      + " partition_id INTEGER NOT NULL, committed_offset BIGINT NOT NULL,"
                      + " leader_epoch INTEGER NOT NULL, metadata TEXT, commit_ts_ms BIGINT NOT NULL,"
                      + " PRIMARY KEY (group_id, topic_name, partition_id))",
                  "CREATE INDEX group_offsets_topic ON group_offsets (topic_name)",
                  "CREATE TABLE streams (stream_id BIGINT PRIMARY KEY, start_offset BIGINT NOT NULL,"
                      + " end_offset BIGINT NOT NULL, epoch BIGINT NOT NULL)",
                  "CREATE TABLE objects (object_id BIGINT PRIMARY KEY, object_key VARCHAR(1024) NOT NULL,"
                      + " size_bytes BIGINT NOT NULL, created_ms BIGINT NOT NULL, deleted_ms BIGINT)",
                  "CREATE INDEX objects_deleted ON objects (deleted_ms)",
                  "CREATE TABLE stream_ranges (stream_id BIGINT NOT NULL, start_offset BIGINT NOT NULL,"
                      + " end_offset BIGINT NOT NULL, object_id BIGINT NOT NULL, byte_position BIGINT NOT NULL,"
                      + " byte_length BIGINT NOT NULL, max_timestamp BIGINT NOT NULL,"
                      + " PRIMARY KEY (stream_id, start_offset))",
                  "CREATE INDEX stream_ranges_object ON stream_ranges (object_id)")),
          new Migration(
              2,
              "brokers and resource owners of a cluster",
              List.of(
                  "CREATE TABLE brokers (node_id INTEGER PRIMARY KEY, broker_epoch BIGINT NOT NULL,"
                      + " host VARCHAR(255) NOT NULL, port INTEGER NOT NULL, rack VARCHAR(255),"
                      + " heartbeat_ms BIGINT NOT NULL, registered_ms BIGINT NOT NULL)",
                  "CREATE TABLE owners (resource VARCHAR(300) PRIMARY KEY, node_id INTEGER NOT NULL,"
                      + " owner_epoch INTEGER NOT NULL)")),
          new Migration(
              3,
              "the schema registry: schemas by id, subject versions, references and compatibility configs",
              List.of(
                  // Ids come from a sequence, never from MAX(schema_id) + 1: a permanently deleted schema's id
                  // must not be handed out again, or old records would decode with the wrong schema.
                  "INSERT INTO sequences (name, next_value) VALUES ('schema_registry_id', 1)",
                  // fingerprint: SHA-256 of (type, text, references), unique so one schema has one id.
                  "CREATE TABLE registry_schemas (schema_id INTEGER PRIMARY KEY, fingerprint VARCHAR(64) NOT NULL"
                      + " UNIQUE, schema_type VARCHAR(32) NOT NULL, schema_text TEXT NOT NULL,"
                      + " created_ms BIGINT NOT NULL)",
                  "CREATE TABLE registry_references (schema_id INTEGER NOT NULL, ref_index INTEGER NOT NULL,"
                      + " ref_name VARCHAR(1024) NOT NULL, ref_subject VARCHAR(1024) NOT NULL,"
                      + " ref_version INTEGER NOT NULL, PRIMARY KEY (schema_id, ref_index))",
                  "CREATE INDEX registry_references_target ON registry_references (ref_subject, ref_version)",
                  // deleted: 0 live, 1 soft-deleted (no BOOLEAN: see the class comment).
                  "CREATE TABLE registry_versions (subject VARCHAR(1024) NOT NULL, version INTEGER NOT NULL,"
                      + " schema_id INTEGER NOT NULL, deleted INTEGER NOT NULL, created_ms BIGINT NOT NULL,"
                      + " PRIMARY KEY (subject, version))",
                  "CREATE INDEX registry_versions_schema ON registry_versions (schema_id)",
                  // subject '' is the global config.
                  "CREATE TABLE registry_configs (subject VARCHAR(1024) PRIMARY KEY,"
                      + " compatibility VARCHAR(32) NOT NULL)")));

  private SchemaMigrations() {}

  /**
   * Applies the migrations not yet recorded, each in its own transaction, and returns the resulting version. On
   * PostgreSQL, brokers starting together take turns: the first migrates, the others then find nothing to do.
   */
  static int migrate(Connection c, Dialect dialect) throws SQLException {
    dialect.lockSchema(c);
    int version;
    try {
      version = migrateLocked(c);
    } catch (SQLException | RuntimeException e) {
      try {
        c.rollback();
        dialect.unlockSchema(c);
      } catch (SQLException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    dialect.unlockSchema(c);
    return version;
  }

  private static int migrateLocked(Connection c) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute(
          "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, description VARCHAR(255) NOT NULL,"
              + " applied_ms BIGINT NOT NULL)");
    }
    c.commit();
    int current = currentVersion(c);
    int latest = MIGRATIONS.get(MIGRATIONS.size() - 1).version();
    if (current > latest) {
      throw new SQLException(
          "The metadata schema is at version " + current + " but this Floe knows only up to " + latest
              + "; upgrade Floe");
    }
    for (Migration m : MIGRATIONS) {
      if (m.version() <= current) {
        continue;
      }
      try (Statement st = c.createStatement()) {
        for (String sql : m.statements()) {
          st.execute(sql);
        }
        try (PreparedStatement ps =
            c.prepareStatement("INSERT INTO schema_version (version, description, applied_ms) VALUES (?, ?, ?)")) {
          ps.setInt(1, m.version());
          ps.setString(2, m.description());
          ps.setLong(3, System.currentTimeMillis());
          ps.executeUpdate();
        }
        c.commit();
        LOG.info("Applied metadata schema migration {}: {}", m.version(), m.description());
      }
      current = m.version();
    }
    return current;
  }

  static int currentVersion(Connection c) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT MAX(version) FROM schema_version")) {
      int v = rs.next() ? rs.getInt(1) : 0;
      c.commit();
      return v;
    }
  }
}
