package io.floe.storage.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.storage.testing.PostgresServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every metadata store test of {@link JdbcMetadataStoreTest}, on a real PostgreSQL server, and what only a shared
 * server has: brokers starting together, connections lost, credentials in the URL.
 */
class PostgresMetadataStoreTest extends JdbcMetadataStoreTest {
  private static PostgresServer postgres;

  @BeforeAll
  static void startPostgres() {
    postgres = PostgresServer.start();
  }

  @AfterAll
  static void stopPostgres() {
    if (postgres != null) {
      postgres.close();
    }
  }

  @Override
  String newDatabaseUrl() {
    return postgres.newDatabase();
  }

  @Test
  void brokersOpeningAFreshDatabaseTogetherMigrateItOnce() throws Exception {
    // Given an empty database and four brokers starting at the same moment
    String fresh = postgres.newDatabase();
    int brokers = 4;
    CyclicBarrier start = new CyclicBarrier(brokers);
    ExecutorService pool = Executors.newFixedThreadPool(brokers);
    List<JdbcMetadataStore> opened = new ArrayList<>();
    try {
      List<Future<JdbcMetadataStore>> opening = new ArrayList<>();
      for (int i = 0; i < brokers; i++) {
        opening.add(
            pool.submit(
                () -> {
                  start.await(10, TimeUnit.SECONDS);
                  return JdbcMetadataStore.open(fresh);
                }));
      }
      // When each opens (and migrates) the store
      for (Future<JdbcMetadataStore> f : opening) {
        opened.add(f.get(60, TimeUnit.SECONDS));
      }

      // Then all succeed, each migration is recorded once, and they share one catalog
      try (Connection c = DriverManager.getConnection(fresh);
          Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT COUNT(*), MAX(version) FROM schema_version")) {
        assertTrue(rs.next());
        assertEquals(SchemaMigrations.MIGRATIONS.size(), rs.getInt(1));
        assertEquals(SchemaMigrations.MIGRATIONS.get(SchemaMigrations.MIGRATIONS.size() - 1).version(), rs.getInt(2));
      }
      opened.get(0).createTopic("shared", 2, Map.of());
      assertEquals(2, opened.get(brokers - 1).topic("shared").orElseThrow().partitions());
    } finally {
      pool.shutdownNow();
      opened.forEach(JdbcMetadataStore::close);
    }
  }

  @Test
  void aConnectionKilledByTheServerIsReplacedWithoutFailingTheCall() throws Exception {
    // Given a store whose pooled connection the server has terminated (as on a restart or failover)
    try (JdbcMetadataStore store = JdbcMetadataStore.open(postgres.newDatabase())) {
      store.createTopic("t", 1, Map.of());
      String database = store.jdbcUrl().replaceAll(".*/([^/?]+)\\?.*", "$1");
      try (Connection admin = DriverManager.getConnection(postgres.url("postgres"));
          Statement st = admin.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '" + database + "'")) {
        assertTrue(rs.next());
        assertTrue(rs.getInt(1) > 0);
      }

      // When it is used again
      // Then the call succeeds on a new connection, after a retry that is counted
      long retriesBefore = store.retryStats().retries();
      assertEquals(1, store.topic("t").orElseThrow().partitions());
      assertTrue(store.retryStats().retries() > retriesBefore);
      store.createTopic("u", 1, Map.of());
      assertEquals(List.of("t", "u"), store.topics().stream().map(TopicRecord::name).toList());
    }
  }

  @Test
  void aConnectionLostWhileCommittingAWriteIsReportedAsAnUnknownOutcome() throws Exception {
    // Given a database whose server drops the connection at the commit of any config change
    String url = postgres.newDatabase();
    try (JdbcMetadataStore store = JdbcMetadataStore.open(url)) {
      store.createTopic("t", 1, Map.of());
      try (Connection c = DriverManager.getConnection(url);
          Statement st = c.createStatement()) {
        st.execute(
            "CREATE FUNCTION drop_connection() RETURNS trigger AS $$ BEGIN"
                + " PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NULL; END $$ LANGUAGE plpgsql");
        st.execute(
            "CREATE CONSTRAINT TRIGGER drop_connection_at_commit AFTER INSERT ON topic_configs"
                + " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION drop_connection()");
      }

      // When a config change commits, then Floe says it cannot tell whether it was applied, and does not retry it
      long retriesBefore = store.retryStats().retries();
      assertThrows(
          MetadataCommitStateUnknownException.class, () -> store.alterConfigs("t", Map.of("k", "v"), Set.of()));
      assertEquals(retriesBefore, store.retryStats().retries());

      // And the store goes on with a new connection
      try (Connection c = DriverManager.getConnection(url);
          Statement st = c.createStatement()) {
        st.execute("DROP TRIGGER drop_connection_at_commit ON topic_configs");
      }
      assertEquals(Map.of("k", "v"), store.alterConfigs("t", Map.of("k", "v"), Set.of()).configs());
    }
  }

  @Test
  void anUnreachableServerFailsTheOpenWithoutShowingThePassword() {
    String url = "jdbc:postgresql://127.0.0.1:1/floe?user=floe&password=s3cret&connectTimeout=2";

    MetadataStoreException e = assertThrows(MetadataStoreException.class, () -> JdbcMetadataStore.open(url));

    assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
    assertTrue(e.getMessage().contains("password=***"), e.getMessage());
  }

  @Test
  void concurrentTopicCreationsOfOneNameLetExactlyOneWin() throws Exception {
    // Given two brokers over one database
    String shared = postgres.newDatabase();
    try (JdbcMetadataStore a = JdbcMetadataStore.open(shared);
        JdbcMetadataStore b = JdbcMetadataStore.open(shared)) {
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        for (int round = 0; round < 20; round++) {
          String name = "topic-" + round;
          CyclicBarrier start = new CyclicBarrier(2);
          List<Future<Boolean>> results = new ArrayList<>();
          for (JdbcMetadataStore store : List.of(a, b)) {
            results.add(
                pool.submit(
                    () -> {
                      start.await(10, TimeUnit.SECONDS);
                      try {
                        store.createTopic(name, 3, Map.of());
                        return true;
                      } catch (MetadataConflictException exists) {
                        return false;
                      }
                    }));
          }
          // When both create the same topic at once
          int created = 0;
          for (Future<Boolean> f : results) {
            created += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
          }
          // Then one creates it and the other is told it exists; the topic is whole
          assertEquals(1, created, "round " + round);
          assertEquals(3, a.topic(name).orElseThrow().partitions());
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }
}
