package io.floe.storage.metadata;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metadata store's connections: at most {@link Dialect#maxConnections()} (one for SQLite, whose writers are
 * serialized anyway), opened on demand, each with its own prepared statements, and replaced once broken. A
 * caller waits at most {@link #BORROW_TIMEOUT_MS} for a free one. A connection is used by one thread at a time,
 * for one transaction, and then returned.
 */
final class ConnectionPool implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionPool.class);
  static final long BORROW_TIMEOUT_MS = 30_000;

  private final String jdbcUrl;
  private final Dialect dialect;
  private final Semaphore permits;
  private final ConcurrentLinkedDeque<PooledConnection> idle = new ConcurrentLinkedDeque<>();
  private volatile boolean closed;

  /** A pool that starts with {@code first}, a connection already opened with {@link #connect}. */
  ConnectionPool(String jdbcUrl, Dialect dialect, PooledConnection first) {
    this.jdbcUrl = jdbcUrl;
    this.dialect = dialect;
    this.permits = new Semaphore(dialect.maxConnections(), true);
    idle.add(first);
  }

  /** Opens a connection configured for {@code dialect}, with auto-commit off. */
  static PooledConnection connect(String jdbcUrl, Dialect dialect) throws SQLException {
    Connection c = DriverManager.getConnection(jdbcUrl, dialect.connectionDefaults());
    try {
      dialect.configure(c);
      c.setAutoCommit(false);
      return new PooledConnection(c, dialect);
    } catch (SQLException | RuntimeException e) {
      try {
        c.close();
      } catch (SQLException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /**
   * A connection for one transaction, to be given back with {@link #release}. Throws {@link
   * MetadataStoreException} if the pool is closed or no connection became free in time, and the driver's
   * {@link SQLException} if a new connection cannot be opened.
   */
  PooledConnection borrow(String what) throws SQLException {
    if (closed) {
      throw closedException(what);
    }
    boolean acquired;
    try {
      acquired = permits.tryAcquire(BORROW_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MetadataStoreException("Cannot " + what + ": interrupted while waiting for a metadata connection", e);
    }
    if (!acquired) {
      throw new MetadataStoreException(
          "Cannot " + what + ": all " + dialect.maxConnections() + " metadata connections stayed busy for "
              + BORROW_TIMEOUT_MS + " ms",
          null);
    }
    try {
      if (closed) {
        throw closedException(what);
      }
      PooledConnection c = idle.pollFirst();
      return c != null ? c : connect(jdbcUrl, dialect);
    } catch (SQLException | RuntimeException e) {
      permits.release();
      throw e;
    }
  }

  /** Gives back a borrowed connection; a {@code broken} one is closed, and the next borrower opens another. */
  void release(PooledConnection c, boolean broken) {
    try {
      if (broken || closed) {
        c.close();
      } else {
        idle.addFirst(c);
        if (closed) {
          closeIdle(); // close() ran after the check above and may have missed this connection
        }
      }
    } finally {
      permits.release();
    }
  }

  Dialect dialect() {
    return dialect;
  }

  boolean isClosed() {
    return closed;
  }

  /** Closes the idle connections now and the borrowed ones when they are given back. */
  @Override
  public void close() {
    closed = true;
    closeIdle();
  }

  private void closeIdle() {
    PooledConnection c;
    while ((c = idle.pollFirst()) != null) {
      c.close();
    }
  }

  private static MetadataStoreException closedException(String what) {
    return new MetadataStoreException("Cannot " + what + ": the metadata store is closed", null);
  }

  /** One connection and the statements prepared on it; confined to the thread that borrowed it. */
  static final class PooledConnection {
    private final Connection connection;
    private final Dialect dialect;
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    private Dialect.Isolation isolation = Dialect.Isolation.SERIALIZABLE;

    private PooledConnection(Connection connection, Dialect dialect) {
      this.connection = connection;
      this.dialect = dialect;
    }

    Connection connection() {
      return connection;
    }

    /** A statement prepared once and kept for the connection's lifetime. */
    PreparedStatement statement(String sql) throws SQLException {
      PreparedStatement ps = statements.get(sql);
      if (ps == null) {
        ps = connection.prepareStatement(sql);
        statements.put(sql, ps);
      } else {
        // A transaction that failed between addBatch and executeBatch (e.g. a serialization failure that is
        // then retried) leaves its rows in the cached statement's batch: they must not be sent again.
        ps.clearBatch();
        ps.clearParameters();
      }
      return ps;
    }

    /** Sets the isolation of the next transaction, if it differs from the last one's. */
    void isolation(Dialect.Isolation next) throws SQLException {
      if (next != isolation) {
        dialect.setIsolation(connection, next);
        isolation = next;
      }
    }

    boolean isClosed() {
      try {
        return connection.isClosed();
      } catch (SQLException e) {
        return true;
      }
    }

    void close() {
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
        LOG.debug("Cannot close metadata connection cleanly", e);
      }
    }
  }
}
