package io.floe.e2e.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.broker.testing.FloeProcess;
import io.floe.broker.testing.TrinoServer;
import io.floe.storage.testing.PostgresServer;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real PostgreSQL with logical replication; Debezium's PostgreSQL connector, embedded in the Debezium sample
 * (a child process), sending through kafka-clients into a Floe table topic with {@code flatten_debezium}; a
 * workload of inserts, updates, primary-key changes, deletes, re-inserts and a truncate, with the broker
 * killed (SIGKILL) twice while it runs. Then Spark reads the Iceberg table and it equals {@code SELECT *} of
 * the PostgreSQL table, row for row, with its updates and deletes written as position deletes; and Trino,
 * through the same REST catalog, reads the same rows.
 */
class SparkReadsDebeziumTableTest {

  private static final String TOPIC = "shop.public.customers";
  private static final String TABLE = "floe.default.`" + TOPIC + "`";
  private static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");
  private static final long CATCH_UP_TIMEOUT_MS = 120_000;

  static PostgresServer postgres;
  static FloeProcess floe;
  static SparkSession spark;
  static Path dir;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("floe-cdc-e2e-");
    postgres = PostgresServer.start();
    floe = new FloeProcess(System.getProperty("floe.broker.classpath"), Map.of()).start();
    spark = FloeSpark.session(floe.restCatalogUri());
  }

  @AfterAll
  static void stop() throws Exception {
    if (spark != null) {
      spark.stop();
    }
    if (floe != null) {
      floe.close();
    }
    if (postgres != null) {
      postgres.close();
    }
    if (dir != null) {
      try (var files = Files.walk(dir)) {
        files.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void theTableEqualsThePostgresTableAfterAWorkloadWithBrokerKills() throws Exception {
    String url = postgres.newDatabase();
    try (Connection db = DriverManager.getConnection(url)) {
      db.setAutoCommit(true);
      try (Statement st = db.createStatement()) {
        st.execute("CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, email text,"
            + " balance numeric(12,2), active boolean, updated_at timestamptz)");
      }
      Workload w = new Workload(db, new Random(42));
      // rows that exist before Debezium starts reach the table through its snapshot (op r)
      for (int i = 0; i < 100; i++) {
        w.insert();
      }
      createTableTopic();
      Process debezium = startDebezium(url);
      try {
        for (int round = 0; round < 6; round++) {
          for (int i = 0; i < 40; i++) {
            w.randomChange();
          }
          w.severalChangesToOneKeyInOneTransaction();
          if (round == 1 || round == 4) {
            floe.kill9();
            floe.start();
          }
          if (round == 3) {
            w.truncate();
          }
          Thread.sleep(700);
          assertTrue(debezium.isAlive(), () -> "Debezium stopped: " + log("debezium.log"));
        }
        List<String> source = postgresRows(db);
        List<String> table = awaitTableEquals(source);
        assertEquals(source, table);
        assertTrue(log("debezium.log").contains("changes ("), "Debezium sent changes");
        // the key index, read again from the table after each kill, found every row it replaced or removed
        String metrics = java.net.http.HttpClient.newHttpClient().send(
            java.net.http.HttpRequest.newBuilder(java.net.URI.create(floe.restCatalogUri() + "/metrics")).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(metrics.contains("floe_table_topic_equality_deletes_total{topic=\"" + TOPIC + "\"} 0"),
            metrics.lines().filter(l -> l.contains("equality")).toList().toString());
        assertTrue(source.size() > 50, "the workload leaves rows: " + source.size());
      } finally {
        debezium.destroy();
        debezium.waitFor(30, TimeUnit.SECONDS);
      }
    }
    List<String> source;
    try (Connection db = DriverManager.getConnection(url)) {
      source = postgresRows(db);
    }
    try (TrinoServer trino = TrinoServer.start(floe.restCatalogUri())) {
      List<String> rows = new ArrayList<>();
      for (List<com.fasterxml.jackson.databind.JsonNode> r : trino.query("SELECT id, name, email,"
          + " CAST(balance AS varchar), active, CAST(to_unixtime(updated_at) AS bigint) FROM floe.\"default\".\""
          + TOPIC + "\"")) {
        rows.add(row(r.get(0).asInt(), r.get(1).asText(), r.get(2).isNull() ? null : r.get(2).asText(),
            r.get(3).isNull() ? null : new BigDecimal(r.get(3).asText()),
            r.get(4).isNull() ? null : r.get(4).asBoolean(),
            r.get(5).isNull() ? null : Instant.ofEpochSecond(r.get(5).asLong())));
      }
      Collections.sort(rows);
      assertEquals(source, rows, "Trino reads the rows Spark read");
    }
    // updates and deletes were position deletes (content 1); no equality delete (content 2) was needed
    List<Row> contents = spark.sql("SELECT DISTINCT content FROM " + TABLE + ".delete_files").collectAsList();
    assertTrue(contents.stream().anyMatch(r -> r.getInt(0) == 1), contents.toString());
    assertTrue(contents.stream().noneMatch(r -> r.getInt(0) == 2), contents.toString());
  }

  private static void createTableTopic() throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, floe.bootstrap()))) {
      admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1).configs(Map.of(
          "automq.table.topic.enable", "true",
          "automq.table.topic.commit.interval.ms", "1000",
          "automq.table.topic.convert.value.type", "json",
          "automq.table.topic.transform.value.type", "flatten_debezium")))).all().get();
    }
  }

  /** Starts the Debezium sample on the test's database, sending to the broker (its port stays across restarts). */
  private static Process startDebezium(String jdbcUrl) throws IOException {
    java.net.URI uri = java.net.URI.create(jdbcUrl.substring("jdbc:".length()));
    Path props = dir.resolve("debezium.properties");
    Files.writeString(props, String.join("\n",
        "name=floe-e2e",
        "database.hostname=127.0.0.1",
        "database.port=" + uri.getPort(),
        "database.user=floe",
        "database.password=",
        "database.dbname=" + uri.getPath().substring(1),
        "topic.prefix=shop",
        "table.include.list=public.customers",
        "slot.name=floe_e2e",
        "publication.autocreate.mode=filtered",
        "offset.storage.file.filename=" + dir.resolve("debezium.offsets"),
        "producer.bootstrap.servers=" + floe.bootstrap(),
        "producer.delivery.timeout.ms=300000",
        ""));
    return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-cp", System.getProperty("floe.samples.classpath"), "io.floe.samples.debezium.PostgresToFloe",
        props.toString())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("debezium.log").toFile()))
        .start();
  }

  private static String log(String name) {
    try {
      return Files.readString(dir.resolve(name));
    } catch (IOException e) {
      return e.toString();
    }
  }

  private static List<String> postgresRows(Connection db) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Statement st = db.createStatement();
        ResultSet rs = st.executeQuery("SELECT id, name, email, balance, active, updated_at FROM customers")) {
      while (rs.next()) {
        rows.add(row(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getBigDecimal(4),
            (Boolean) rs.getObject(5), rs.getObject(6, OffsetDateTime.class).toInstant()));
      }
    }
    Collections.sort(rows);
    return rows;
  }

  /** Polls Spark until the table equals {@code source} (the table catches up within a few commits). */
  private static List<String> awaitTableEquals(List<String> source) throws Exception {
    long deadline = System.currentTimeMillis() + CATCH_UP_TIMEOUT_MS;
    List<String> rows = List.of();
    while (System.currentTimeMillis() < deadline) {
      try {
        spark.sql("REFRESH TABLE " + TABLE);
        rows = new ArrayList<>();
        for (Row r : spark.sql("SELECT id, name, email, balance, active, updated_at FROM " + TABLE).collectAsList()) {
          rows.add(row(r.getInt(0), r.getString(1), r.isNullAt(2) ? null : r.getString(2),
              r.isNullAt(3) ? null : r.getDecimal(3), r.isNullAt(4) ? null : r.getBoolean(4),
              r.isNullAt(5) ? null : (Instant) r.get(5)));
        }
        Collections.sort(rows);
        if (rows.equals(source)) {
          return rows;
        }
      } catch (Exception e) {
        // the table is created with the first commit
      }
      Thread.sleep(1_000);
    }
    return rows;
  }

  private static String row(int id, String name, String email, BigDecimal balance, Boolean active, Instant at) {
    return String.format("%06d|%s|%s|%s|%s|%s", id, name, email,
        balance == null ? null : balance.setScale(2).toPlainString(), active, at);
  }

  /** Changes to the source table, each its own transaction unless said otherwise. */
  private static final class Workload {
    private final Connection db;
    private final Random random;
    private final TreeSet<Integer> live = new TreeSet<>();
    private final List<Integer> deleted = new ArrayList<>();
    private int nextId = 1;

    Workload(Connection db, Random random) {
      this.db = db;
      this.random = random;
    }

    void insert() throws SQLException {
      insert(nextId++);
    }

    private void insert(int id) throws SQLException {
      try (PreparedStatement ps = db.prepareStatement(
          "INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?)")) {
        ps.setInt(1, id);
        ps.setString(2, "name-" + id);
        ps.setString(3, random.nextInt(5) == 0 ? null : "c" + id + "@example.com");
        ps.setBigDecimal(4, BigDecimal.valueOf(random.nextInt(1_000_000), 2));
        ps.setBoolean(5, random.nextBoolean());
        ps.setObject(6, OffsetDateTime.ofInstant(EPOCH.plusSeconds(random.nextInt(1_000_000)),
            java.time.ZoneOffset.UTC));
        ps.executeUpdate();
      }
      live.add(id);
      deleted.remove((Integer) id);
    }

    void randomChange() throws SQLException {
      int choice = random.nextInt(10);
      if (live.isEmpty() || choice < 3) {
        insert();
      } else if (choice < 6) {
        update(anyLive());
      } else if (choice < 8) {
        delete(anyLive());
      } else if (choice < 9) {
        // a primary-key change: Debezium sends a delete of the old key and a create of the new one
        int id = anyLive();
        int newId = nextId++;
        execute("UPDATE customers SET id = " + newId + ", name = 'moved-" + id + "' WHERE id = " + id);
        live.remove(id);
        deleted.add(id);
        live.add(newId);
      } else if (!deleted.isEmpty()) {
        insert(deleted.get(random.nextInt(deleted.size())));
      } else {
        insert();
      }
    }

    void severalChangesToOneKeyInOneTransaction() throws SQLException {
      int id = nextId++;
      db.setAutoCommit(false);
      try {
        insert(id);
        update(id);
        update(id);
        delete(id);
        insert(id);
        update(id);
        db.commit();
      } finally {
        db.setAutoCommit(true);
      }
    }

    void truncate() throws SQLException {
      execute("TRUNCATE customers");
      deleted.addAll(live);
      live.clear();
      for (int i = 0; i < 30; i++) {
        insert();
      }
    }

    private void update(int id) throws SQLException {
      execute("UPDATE customers SET email = 'u" + random.nextInt(1_000) + "@example.com', balance = "
          + BigDecimal.valueOf(random.nextInt(1_000_000), 2) + ", active = " + random.nextBoolean()
          + " WHERE id = " + id);
    }

    private void delete(int id) throws SQLException {
      execute("DELETE FROM customers WHERE id = " + id);
      live.remove(id);
      deleted.add(id);
    }

    private int anyLive() {
      List<Integer> ids = new ArrayList<>(live);
      return ids.get(random.nextInt(ids.size()));
    }

    private void execute(String sql) throws SQLException {
      try (Statement st = db.createStatement()) {
        st.executeUpdate(sql);
      }
    }
  }
}
