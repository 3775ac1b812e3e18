package io.floe.storage.metadata;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * What differs between the databases the metadata store runs on; the schema and the SQL of every operation are
 * the same for both (see {@link SchemaMigrations}).
 *
 * <ul>
 *   <li>SQLite, embedded: one connection in WAL journal mode; every transaction is serializable because SQLite
 *       has one writer at a time.
 *   <li>PostgreSQL, shared by brokers: a few pooled connections; transactions that read, check and write (the
 *       epoch-fenced commit, topic changes) run SERIALIZABLE, single atomic statements (sequence allocation,
 *       offset upserts) READ COMMITTED so that concurrent callers queue on the row lock instead of failing; a
 *       serialization failure or deadlock rolls the transaction back and is retried.
 * </ul>
 */
enum Dialect {
  SQLITE("jdbc:sqlite:", 1) {
    @Override
    void configure(Connection c) throws SQLException {
      try (Statement st = c.createStatement()) {
        st.execute("PRAGMA journal_mode=WAL");
        st.execute("PRAGMA synchronous=NORMAL");
        st.execute("PRAGMA busy_timeout=" + SQLITE_BUSY_TIMEOUT_MS);
      }
    }

    @Override
    void setIsolation(Connection c, Isolation isolation) {
      // SQLite transactions are serializable whatever is asked.
    }

    @Override
    String nowMillisSql() {
      return "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)";
    }

    @Override
    boolean isTransient(SQLException e) {
      return false;
    }

    @Override
    boolean isConnectionLost(SQLException e) {
      return false;
    }
  },

  POSTGRESQL("jdbc:postgresql:", 4) {
    @Override
    Properties connectionDefaults() {
      Properties p = new Properties();
      // A metadata call must not hang forever on a dead server or network: every wait is bounded (seconds).
      p.setProperty("connectTimeout", "10");
      p.setProperty("socketTimeout", "60");
      p.setProperty("tcpKeepAlive", "true");
      p.setProperty("ApplicationName", "floe");
      return p;
    }

    @Override
    void configure(Connection c) throws SQLException {
      c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
    }

    @Override
    void setIsolation(Connection c, Isolation isolation) throws SQLException {
      c.setTransactionIsolation(
          isolation == Isolation.SERIALIZABLE
              ? Connection.TRANSACTION_SERIALIZABLE
              : Connection.TRANSACTION_READ_COMMITTED);
    }

    @Override
    void lockSchema(Connection c) throws SQLException {
      try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_lock(?)")) {
        ps.setLong(1, SCHEMA_LOCK_KEY);
        ps.execute();
      }
      c.commit(); // the lock belongs to the session and outlives this transaction
    }

    @Override
    void unlockSchema(Connection c) throws SQLException {
      try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_unlock(?)")) {
        ps.setLong(1, SCHEMA_LOCK_KEY);
        ps.execute();
      }
      c.commit();
    }

    @Override
    String nowMillisSql() {
      return "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";
    }

    @Override
    boolean isTransient(SQLException e) {
      for (SQLException s : chain(e)) {
        String state = s.getSQLState();
        // serialization_failure and deadlock_detected: PostgreSQL rolled the transaction back, so it may run again.
        if ("40001".equals(state) || "40P01".equals(state)) {
          return true;
        }
      }
      return false;
    }

    @Override
    boolean isConnectionLost(SQLException e) {
      for (SQLException s : chain(e)) {
        String state = s.getSQLState();
        // class 08: connection exception; 57P01..57P03: the server is shutting down or restarting.
        if (state != null && (state.startsWith("08") || state.startsWith("57P0"))) {
          return true;
        }
      }
      return false;
    }
  };

  static final int SQLITE_BUSY_TIMEOUT_MS = 10_000;

  /** Any fixed number identifies Floe's schema lock among the advisory locks of a PostgreSQL database. */
  private static final long SCHEMA_LOCK_KEY = 0x466c6f654d657461L; // "FloeMeta"

  private static final Pattern SECRET = Pattern.compile("(?i)(password|sslpassword)=[^&;]*");

  /** How strictly a transaction is isolated from concurrent ones, where the database offers a choice. */
  enum Isolation {
    /** As if transactions ran one after another: for read, check, then write. The default. */
    SERIALIZABLE,
    /** For transactions of single atomic statements, where waiting for a row lock beats failing and retrying. */
    READ_COMMITTED
  }

  private final String urlPrefix;
  private final int maxConnections;

  Dialect(String urlPrefix, int maxConnections) {
    this.urlPrefix = urlPrefix;
    this.maxConnections = maxConnections;
  }

  static Dialect of(String jdbcUrl) {
    for (Dialect d : values()) {
      if (jdbcUrl.startsWith(d.urlPrefix)) {
        return d;
      }
    }
    throw new IllegalArgumentException(
        "Cannot open metadata store: '" + redact(jdbcUrl)
            + "' is neither jdbc:sqlite:<file> nor jdbc:postgresql://<host>:<port>/<database>");
  }

  /** The URL with passwords masked, for log lines and error messages. */
  static String redact(String jdbcUrl) {
    return SECRET.matcher(jdbcUrl).replaceAll("$1=***");
  }

  /** Connections this store keeps open at most. */
  int maxConnections() {
    return maxConnections;
  }

  /** Driver properties for connections; parameters in the URL take precedence over them. */
  Properties connectionDefaults() {
    return new Properties();
  }

  /** Prepares a new connection (auto-commit is then turned off by the caller). */
  abstract void configure(Connection c) throws SQLException;

  /** Sets the isolation of the next transaction on {@code c}; call between transactions. */
  abstract void setIsolation(Connection c, Isolation isolation) throws SQLException;

  /**
   * Keeps other brokers from migrating the schema until {@link #unlockSchema}; held across the migrations'
   * commits. SQLite needs none: its database is one broker's file.
   */
  void lockSchema(Connection c) throws SQLException {}

  void unlockSchema(Connection c) throws SQLException {}

  /** An SQL expression for the database's clock in epoch milliseconds: one clock for every broker. */
  abstract String nowMillisSql();

  /** Whether the database rolled the transaction back for a reason that running it again can clear. */
  abstract boolean isTransient(SQLException e);

  /** Whether the connection is unusable after {@code e}, so it must be replaced. */
  abstract boolean isConnectionLost(SQLException e);

  /** {@code e} and the exceptions it carries (a batch failure names its cause as the next exception). */
  private static List<SQLException> chain(SQLException e) {
    List<SQLException> all = new ArrayList<>();
    for (Throwable t = e; t != null && all.size() < 16; ) {
      if (t instanceof SQLException s) {
        all.add(s);
        t = s.getNextException() != null ? s.getNextException() : s.getCause();
      } else {
        t = t.getCause();
      }
    }
    return all;
  }
}
