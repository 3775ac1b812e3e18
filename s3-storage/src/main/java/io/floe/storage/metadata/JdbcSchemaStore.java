package io.floe.storage.metadata;

import static io.floe.storage.internal.Preconditions.checkArgument;

import io.floe.storage.metadata.ConnectionPool.PooledConnection;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@link SchemaStore} in the {@code registry_*} tables of a {@link JdbcMetadataStore}. A registration is one
 * serializable transaction that reads the subject's versions and the schema's id, then inserts: two brokers
 * registering at once either serialize or one fails and is run again by the store's retry, so the unique keys
 * (subject, version) and the schema's fingerprint are never violated and ids come from the {@code sequences}
 * table.
 */
public final class JdbcSchemaStore implements SchemaStore {
  private static final String ID_SEQUENCE = "schema_registry_id";
  private static final String SELECT_VERSIONS =
      "SELECT v.subject, v.version, v.schema_id, s.schema_type, s.schema_text, v.deleted FROM registry_versions v"
          + " JOIN registry_schemas s ON s.schema_id = v.schema_id";

  private final JdbcMetadataStore store;

  public JdbcSchemaStore(JdbcMetadataStore store) {
    this.store = store;
  }

  @Override
  public Optional<Registration> register(
      String subject, String type, String schema, List<Reference> references, int expectedLatestVersion) {
    checkArgument(subject != null && !subject.isEmpty(), "Cannot register schema: subject is empty");
    checkArgument(type != null && !type.isEmpty(), "Cannot register schema under %s: type is empty", subject);
    checkArgument(schema != null, "Cannot register schema under %s: schema is null", subject);
    checkArgument(
        expectedLatestVersion >= 0,
        "Cannot register schema under %s: expected latest version must not be negative, got %s",
        subject,
        expectedLatestVersion);
    String fingerprint = fingerprint(type, schema, references);
    return store.write(
        "register a schema under subject " + subject,
        c -> {
          PreparedStatement existing =
              c.statement(
                  "SELECT v.version, v.schema_id FROM registry_versions v JOIN registry_schemas s"
                      + " ON s.schema_id = v.schema_id WHERE v.subject = ? AND v.deleted = 0 AND s.fingerprint = ?"
                      + " ORDER BY v.version DESC");
          existing.setString(1, subject);
          existing.setString(2, fingerprint);
          try (ResultSet rs = existing.executeQuery()) {
            if (rs.next()) {
              return Optional.of(new Registration(rs.getInt(2), rs.getInt(1)));
            }
          }
          PreparedStatement max = c.statement("SELECT MAX(version) FROM registry_versions WHERE subject = ?");
          max.setString(1, subject);
          int latest;
          try (ResultSet rs = max.executeQuery()) {
            latest = rs.next() ? rs.getInt(1) : 0; // MAX of no rows is NULL, read as 0
          }
          if (latest != expectedLatestVersion) {
            return Optional.<Registration>empty();
          }
          int id = schemaId(c, fingerprint).orElse(-1);
          if (id < 0) {
            id = insertSchema(c, fingerprint, type, schema, references);
          }
          PreparedStatement insert =
              c.statement(
                  "INSERT INTO registry_versions (subject, version, schema_id, deleted, created_ms)"
                      + " VALUES (?, ?, ?, 0, ?)");
          insert.setString(1, subject);
          insert.setInt(2, latest + 1);
          insert.setInt(3, id);
          insert.setLong(4, System.currentTimeMillis());
          insert.executeUpdate();
          return Optional.of(new Registration(id, latest + 1));
        });
  }

  private static Optional<Integer> schemaId(PooledConnection c, String fingerprint) throws SQLException {
    PreparedStatement ps = c.statement("SELECT schema_id FROM registry_schemas WHERE fingerprint = ?");
    ps.setString(1, fingerprint);
    try (ResultSet rs = ps.executeQuery()) {
      return rs.next() ? Optional.of(rs.getInt(1)) : Optional.empty();
    }
  }

  private static int insertSchema(
      PooledConnection c, String fingerprint, String type, String schema, List<Reference> references)
      throws SQLException {
    PreparedStatement next =
        c.statement("UPDATE sequences SET next_value = next_value + 1 WHERE name = ? RETURNING next_value");
    next.setString(1, ID_SEQUENCE);
    long id;
    try (ResultSet rs = next.executeQuery()) {
      if (!rs.next()) {
        throw new SQLException("Sequence " + ID_SEQUENCE + " is missing from the metadata schema");
      }
      id = rs.getLong(1) - 1;
    }
    if (id > Integer.MAX_VALUE) {
      throw new MetadataStoreException("Cannot register a schema: all " + Integer.MAX_VALUE + " ids are used", null);
    }
    PreparedStatement insert =
        c.statement(
            "INSERT INTO registry_schemas (schema_id, fingerprint, schema_type, schema_text, created_ms)"
                + " VALUES (?, ?, ?, ?, ?)");
    insert.setInt(1, (int) id);
    insert.setString(2, fingerprint);
    insert.setString(3, type);
    insert.setString(4, schema);
    insert.setLong(5, System.currentTimeMillis());
    insert.executeUpdate();
    if (!references.isEmpty()) {
      PreparedStatement refs =
          c.statement(
              "INSERT INTO registry_references (schema_id, ref_index, ref_name, ref_subject, ref_version)"
                  + " VALUES (?, ?, ?, ?, ?)");
      for (int i = 0; i < references.size(); i++) {
        Reference r = references.get(i);
        refs.setInt(1, (int) id);
        refs.setInt(2, i);
        refs.setString(3, r.name());
        refs.setString(4, r.subject());
        refs.setInt(5, r.version());
        refs.addBatch();
      }
      refs.executeBatch();
    }
    return (int) id;
  }

  @Override
  public Optional<SchemaVersion> version(String subject, int version) {
    return store.read(
        "read version " + version + " of subject " + subject,
        c -> {
          PreparedStatement ps = c.statement(SELECT_VERSIONS + " WHERE v.subject = ? AND v.version = ?");
          ps.setString(1, subject);
          ps.setInt(2, version);
          List<SchemaVersion> found = versions(c, ps);
          return found.isEmpty() ? Optional.<SchemaVersion>empty() : Optional.of(found.get(0));
        });
  }

  @Override
  public List<SchemaVersion> versions(String subject, boolean includeDeleted) {
    return store.read(
        "read versions of subject " + subject,
        c -> {
          PreparedStatement ps =
              c.statement(
                  SELECT_VERSIONS + " WHERE v.subject = ?" + (includeDeleted ? "" : " AND v.deleted = 0")
                      + " ORDER BY v.version");
          ps.setString(1, subject);
          return versions(c, ps);
        });
  }

  @Override
  public List<String> subjects(boolean includeDeleted) {
    return store.read(
        "list schema subjects",
        c -> {
          PreparedStatement ps =
              c.statement(
                  "SELECT DISTINCT subject FROM registry_versions" + (includeDeleted ? "" : " WHERE deleted = 0")
                      + " ORDER BY subject");
          List<String> out = new ArrayList<>();
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              out.add(rs.getString(1));
            }
          }
          return out;
        });
  }

  @Override
  public List<SchemaVersion> versionsOfId(int id) {
    return store.read(
        "read versions of schema " + id,
        c -> {
          PreparedStatement ps = c.statement(SELECT_VERSIONS + " WHERE v.schema_id = ? ORDER BY v.subject, v.version");
          ps.setInt(1, id);
          return versions(c, ps);
        });
  }

  @Override
  public List<SchemaVersion> referencedBy(String subject, int version) {
    return store.read(
        "read references to version " + version + " of subject " + subject,
        c -> {
          PreparedStatement ps =
              c.statement(
                  SELECT_VERSIONS + " WHERE EXISTS (SELECT 1 FROM registry_references r WHERE r.schema_id ="
                      + " v.schema_id AND r.ref_subject = ? AND r.ref_version = ?) ORDER BY v.subject, v.version");
          ps.setString(1, subject);
          ps.setInt(2, version);
          return versions(c, ps);
        });
  }

  @Override
  public boolean softDelete(String subject, int version) {
    return store.blindWrite(
        "soft-delete version " + version + " of subject " + subject,
        c -> {
          PreparedStatement ps =
              c.statement("UPDATE registry_versions SET deleted = 1 WHERE subject = ? AND version = ? AND deleted = 0");
          ps.setString(1, subject);
          ps.setInt(2, version);
          return ps.executeUpdate() == 1;
        });
  }

  @Override
  public boolean hardDelete(String subject, int version) {
    return store.write(
        "permanently delete version " + version + " of subject " + subject,
        c -> {
          PreparedStatement find =
              c.statement("SELECT schema_id FROM registry_versions WHERE subject = ? AND version = ? AND deleted = 1");
          find.setString(1, subject);
          find.setInt(2, version);
          int id;
          try (ResultSet rs = find.executeQuery()) {
            if (!rs.next()) {
              return false;
            }
            id = rs.getInt(1);
          }
          PreparedStatement delete = c.statement("DELETE FROM registry_versions WHERE subject = ? AND version = ?");
          delete.setString(1, subject);
          delete.setInt(2, version);
          delete.executeUpdate();
          PreparedStatement used = c.statement("SELECT 1 FROM registry_versions WHERE schema_id = ? LIMIT 1");
          used.setInt(1, id);
          try (ResultSet rs = used.executeQuery()) {
            if (rs.next()) {
              return true;
            }
          }
          for (String sql :
              List.of(
                  "DELETE FROM registry_references WHERE schema_id = ?",
                  "DELETE FROM registry_schemas WHERE schema_id = ?")) {
            PreparedStatement ps = c.statement(sql);
            ps.setInt(1, id);
            ps.executeUpdate();
          }
          return true;
        });
  }

  @Override
  public Optional<String> compatibility(String scope) {
    return store.read(
        "read compatibility of " + describe(scope),
        c -> {
          PreparedStatement ps = c.statement("SELECT compatibility FROM registry_configs WHERE subject = ?");
          ps.setString(1, scope);
          try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(rs.getString(1)) : Optional.<String>empty();
          }
        });
  }

  @Override
  public void setCompatibility(String scope, String level) {
    checkArgument(level != null && !level.isEmpty(), "Cannot set compatibility of %s: level is empty", describe(scope));
    store.blindWrite(
        "set compatibility of " + describe(scope),
        c -> {
          PreparedStatement ps =
              c.statement(
                  "INSERT INTO registry_configs (subject, compatibility) VALUES (?, ?) ON CONFLICT (subject)"
                      + " DO UPDATE SET compatibility = excluded.compatibility");
          ps.setString(1, scope);
          ps.setString(2, level);
          return ps.executeUpdate();
        });
  }

  @Override
  public boolean deleteCompatibility(String scope) {
    return store.blindWrite(
        "delete compatibility of " + describe(scope),
        c -> {
          PreparedStatement ps = c.statement("DELETE FROM registry_configs WHERE subject = ?");
          ps.setString(1, scope);
          return ps.executeUpdate() > 0;
        });
  }

  private static String describe(String scope) {
    return scope.isEmpty() ? "the schema registry" : "subject " + scope;
  }

  /** The rows of a {@link #SELECT_VERSIONS} query, with their references. */
  private static List<SchemaVersion> versions(PooledConnection c, PreparedStatement ps) throws SQLException {
    record Row(String subject, int version, int id, String type, String schema, boolean deleted) {}
    List<Row> rows = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        rows.add(new Row(rs.getString(1), rs.getInt(2), rs.getInt(3), rs.getString(4), rs.getString(5),
            rs.getInt(6) != 0));
      }
    }
    Map<Integer, List<Reference>> references = new HashMap<>();
    Set<Integer> ids = new HashSet<>();
    for (Row r : rows) {
      if (ids.add(r.id())) {
        references.put(r.id(), references(c, r.id()));
      }
    }
    List<SchemaVersion> out = new ArrayList<>(rows.size());
    for (Row r : rows) {
      out.add(new SchemaVersion(r.subject(), r.version(), r.id(), r.type(), r.schema(), references.get(r.id()),
          r.deleted()));
    }
    return out;
  }

  private static List<Reference> references(PooledConnection c, int id) throws SQLException {
    PreparedStatement ps =
        c.statement(
            "SELECT ref_name, ref_subject, ref_version FROM registry_references WHERE schema_id = ?"
                + " ORDER BY ref_index");
    ps.setInt(1, id);
    List<Reference> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(new Reference(rs.getString(1), rs.getString(2), rs.getInt(3)));
      }
    }
    return out;
  }

  /** SHA-256 over the type, the text and the references, each part length-prefixed so no two inputs collide. */
  static String fingerprint(String type, String schema, List<Reference> references) {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every Java runtime has SHA-256", e);
    }
    update(digest, type);
    update(digest, schema);
    digest.update(ByteBuffer.allocate(4).putInt(references.size()).array());
    for (Reference r : references) {
      update(digest, r.name());
      update(digest, r.subject());
      digest.update(ByteBuffer.allocate(4).putInt(r.version()).array());
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static void update(MessageDigest digest, String part) {
    byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
    digest.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
    digest.update(bytes);
  }
}
