package io.floe.storage.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;

/** A cached statement handed out again never carries rows a failed transaction batched but never sent. */
class PooledStatementTest {

  @Test
  void aRetriedTransactionDoesNotResendTheFailedAttemptsBatch() throws Exception {
    Path dir = Files.createTempDirectory("floe-pooled-");
    String url = "jdbc:sqlite:" + dir.resolve("t.db");
    ConnectionPool.PooledConnection c = ConnectionPool.connect(url, Dialect.of(url));
    try {
      c.connection().createStatement().execute("CREATE TABLE t (id INTEGER PRIMARY KEY)");
      c.connection().commit();
      // Given an attempt that batched a row and then failed before executing the batch
      PreparedStatement insert = c.statement("INSERT INTO t (id) VALUES (?)");
      insert.setLong(1, 1);
      insert.addBatch();
      c.connection().rollback();

      // When the retry gets the statement again and batches the same row
      PreparedStatement again = c.statement("INSERT INTO t (id) VALUES (?)");
      again.setLong(1, 1);
      again.addBatch();
      again.executeBatch();
      c.connection().commit();

      // Then the row is inserted once (a leftover entry would have been a duplicate key)
      try (ResultSet rs = c.connection().createStatement().executeQuery("SELECT COUNT(*) FROM t")) {
        rs.next();
        assertEquals(1, rs.getLong(1));
      }
    } finally {
      c.connection().close();
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
