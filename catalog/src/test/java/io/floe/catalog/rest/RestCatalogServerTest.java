package io.floe.catalog.rest;

import io.floe.catalog.http.ExtraRoute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.TableOperations;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.Transactions;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericFileWriterFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.NoSuchNamespaceException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.io.UnpartitionedWriter;
import org.apache.iceberg.rest.RESTCatalog;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.view.View;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built-in REST catalog seen through Iceberg's own REST client and through raw HTTP. */
class RestCatalogServerTest {
  private static final Schema SCHEMA = new Schema(
      Types.NestedField.required(1, "id", Types.LongType.get()),
      Types.NestedField.optional(2, "name", Types.StringType.get()));
  private static final Namespace NS = Namespace.of("ns");
  private static final TableIdentifier EVENTS = TableIdentifier.of(NS, "events");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  private RestCatalogServer server;
  private RESTCatalog client;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void startServer() throws IOException {
    server = RestCatalogServer.builder()
        .bind("127.0.0.1", 0)
        .embeddedCatalog(dir.resolve("catalog.db"), dir.resolve("warehouse"))
        .threads(4)
        .maxRequestBytes(64 * 1024)
        .build()
        .start();
    client = newClient();
  }

  @AfterEach
  void stopServer() throws IOException {
    client.close();
    server.close();
  }

  private RESTCatalog newClient() {
    RESTCatalog c = new RESTCatalog();
    c.setConf(new Configuration());
    // LocalFileIO, as Floe's own writers use, keeps file:/// in the locations the client writes
    c.initialize("floe", Map.of("uri", server.uri().toString(), "io-impl", "io.floe.catalog.LocalFileIO"));
    return c;
  }

  @Test
  void createsNamespaceAndTableAtFileUrisAndLoadsThemBack() {
    // Given a namespace with properties
    client.createNamespace(NS, new java.util.HashMap<>(Map.of("owner", "floe")));

    // When a table is created through Iceberg's REST client
    client.createTable(EVENTS, SCHEMA, org.apache.iceberg.PartitionSpec.unpartitioned(), Map.of("k", "v"));

    // Then the namespace and table load back, with the table under the warehouse as a file:/// URI
    assertThat(client.loadNamespaceMetadata(NS)).containsEntry("owner", "floe");
    assertThat(client.listNamespaces()).containsExactly(NS);
    assertThat(client.listTables(NS)).containsExactly(EVENTS);
    assertThat(client.tableExists(EVENTS)).isTrue();
    Table loaded = client.loadTable(EVENTS);
    assertThat(loaded.schema().asStruct()).isEqualTo(SCHEMA.asStruct());
    assertThat(loaded.properties()).containsEntry("k", "v");
    assertThat(loaded.location()).isEqualTo(dir.resolve("warehouse").toUri() + "ns/events");
  }

  @Test
  void appendsAParquetFileInATransactionAndReadsTheRowsBack() throws IOException {
    // Given a table
    client.createNamespace(NS);
    Table table = client.createTable(EVENTS, SCHEMA);

    // When a Parquet data file is written and appended in a transaction
    DataFile file = writeParquet(table, rows(1, 2, 3));
    Transaction tx = table.newTransaction();
    tx.newAppend().appendFile(file).commit();
    tx.updateProperties().set("written-by", "test").commit();
    tx.commitTransaction();

    // Then a fresh client sees the snapshot, the property and the rows, and the file is at a file:/// URI
    try (RESTCatalog other = newClient()) {
      Table reloaded = other.loadTable(EVENTS);
      assertThat(reloaded.currentSnapshot()).isNotNull();
      assertThat(reloaded.currentSnapshot().summary()).containsEntry("added-records", "3");
      assertThat(reloaded.properties()).containsEntry("written-by", "test");
      assertThat(file.location()).startsWith(dir.resolve("warehouse").toUri() + "ns/events/data/");
      assertThat(reloaded.currentSnapshot().manifestListLocation()).startsWith("file:///");
      assertThat(((HasTableOperations) reloaded).operations().current().metadataFileLocation())
          .startsWith("file:///");
      assertThat(readIds(reloaded)).containsExactlyInAnyOrder(1L, 2L, 3L);
    }
  }

  @Test
  void stagedCreateTransactionCreatesTheTableOnlyAtCommit() throws IOException {
    // Given a namespace
    client.createNamespace(NS);

    // When a table is created in a transaction (REST stage-create) with data appended before the commit
    Transaction tx = client.buildTable(EVENTS, SCHEMA).createTransaction();
    tx.newAppend().appendFile(writeParquet(tx.table(), rows(7))).commit();
    assertThat(client.tableExists(EVENTS)).as("staged, not yet created").isFalse();
    tx.commitTransaction();

    // Then the table exists with its first snapshot
    assertThat(readIds(client.loadTable(EVENTS))).containsExactly(7L);
  }

  @Test
  void renamesAndPurgesTables() throws IOException {
    // Given a table with a data file
    client.createNamespace(NS);
    client.createNamespace(Namespace.of("archive"));
    Table table = client.createTable(EVENTS, SCHEMA);
    DataFile file = writeParquet(table, rows(1));
    table.newAppend().appendFile(file).commit();
    TableIdentifier renamed = TableIdentifier.of("archive", "events_2025");

    // When it is renamed into another namespace
    client.renameTable(EVENTS, renamed);

    // Then only the new name exists and it keeps its data
    assertThat(client.tableExists(EVENTS)).isFalse();
    assertThat(readIds(client.loadTable(renamed))).containsExactly(1L);

    // When it is dropped with purge
    assertThat(client.dropTable(renamed, true)).isTrue();

    // Then it is gone, its data file deleted, and a second drop reports nothing dropped
    assertThat(client.tableExists(renamed)).isFalse();
    assertThat(Path.of(URI.create(file.location()))).doesNotExist();
    assertThat(client.dropTable(renamed, true)).isFalse();
    assertThatThrownBy(() -> client.loadTable(renamed)).isInstanceOf(NoSuchTableException.class);
  }

  @Test
  void registersATableFromItsMetadataFileAfterADropWithoutPurge() throws IOException {
    // Given a table dropped without purge, whose metadata file is still in the warehouse
    client.createNamespace(NS);
    Table table = client.createTable(EVENTS, SCHEMA);
    table.newAppend().appendFile(writeParquet(table, rows(5))).commit();
    String metadata = ((HasTableOperations) client.loadTable(EVENTS)).operations()
        .current().metadataFileLocation();
    client.dropTable(EVENTS, false);

    // When it is registered again under a new name
    TableIdentifier restored = TableIdentifier.of(NS, "restored");
    client.registerTable(restored, metadata);

    // Then it has the data it had
    assertThat(readIds(client.loadTable(restored))).containsExactly(5L);
  }

  @Test
  void aTransactionOnAStaleSnapshotIsRejectedWhenRetriesAreOff() throws IOException {
    // Given a table whose commits are not retried (as Table Topic commits are), and writer B's
    // transaction opened on its current snapshot
    client.createNamespace(NS);
    Table table = client.createTable(EVENTS, SCHEMA, org.apache.iceberg.PartitionSpec.unpartitioned(),
        Map.of(TableProperties.COMMIT_NUM_RETRIES, "0"));
    table.newAppend().appendFile(writeParquet(table, rows(1))).commit();
    Table writerA = client.loadTable(EVENTS);
    Table writerB = newClient().loadTable(EVENTS);
    Transaction txB = pinnedTransaction(writerB);
    txB.newAppend().appendFile(writeParquet(writerB, rows(20))).commit();

    // When writer A commits first
    writerA.newAppend().appendFile(writeParquet(writerA, rows(10))).commit();

    // Then B's commit, whose assert-ref-snapshot-id names the snapshot B read, is a 409 conflict, and
    // B's rows are not in the table
    assertThatThrownBy(txB::commitTransaction)
        .isInstanceOf(CommitFailedException.class)
        .hasMessageContaining("branch main has changed");
    assertThat(readIds(client.loadTable(EVENTS))).containsExactlyInAnyOrder(1L, 10L);
  }

  @Test
  void ofTwoConcurrentTransactionsOnTheSameSnapshotExactlyOneCommits() throws Exception {
    // Given two writers' transactions opened on the same snapshot of a table with retries off
    client.createNamespace(NS);
    Table table = client.createTable(EVENTS, SCHEMA, org.apache.iceberg.PartitionSpec.unpartitioned(),
        Map.of(TableProperties.COMMIT_NUM_RETRIES, "0"));
    table.newAppend().appendFile(writeParquet(table, rows(1))).commit();
    List<Transaction> txs = new ArrayList<>();
    for (Table writer : List.of(client.loadTable(EVENTS), newClient().loadTable(EVENTS))) {
      Transaction tx = pinnedTransaction(writer);
      tx.newAppend().appendFile(writeParquet(writer, rows(10 + txs.size()))).commit();
      txs.add(tx);
    }

    // When both commit at once
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (Transaction tx : txs) {
        Callable<Boolean> commit = () -> {
          start.await();
          try {
            tx.commitTransaction();
            return true;
          } catch (CommitFailedException e) {
            return false;
          }
        };
        results.add(pool.submit(commit));
      }
      start.countDown();
      int committed = 0;
      for (Future<Boolean> r : results) {
        committed += r.get(30, TimeUnit.SECONDS) ? 1 : 0;
      }

      // Then exactly one commit landed and the table holds exactly its rows
      assertThat(committed).isEqualTo(1);
      assertThat(readIds(client.loadTable(EVENTS))).hasSize(2).contains(1L);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aTransactionIsRebasedByTheClientWhenRetriesAreOn() throws IOException {
    // Given writer B's transaction opened on a snapshot, with Iceberg's default retries (which refresh
    // and re-apply: what Table Topic commits turn off)
    client.createNamespace(NS);
    client.createTable(EVENTS, SCHEMA);
    Table writerA = client.loadTable(EVENTS);
    Table writerB = newClient().loadTable(EVENTS);
    Transaction txB = writerB.newTransaction();
    txB.newAppend().appendFile(writeParquet(writerB, rows(20))).commit();

    // When A commits first and then B
    writerA.newAppend().appendFile(writeParquet(writerA, rows(10))).commit();
    txB.commitTransaction();

    // Then B's client re-applied its append on A's snapshot, and both files are in the table once
    assertThat(readIds(client.loadTable(EVENTS))).containsExactlyInAnyOrder(10L, 20L);
    assertThat(client.loadTable(EVENTS).snapshots()).hasSize(2);
  }

  @Test
  void rawCommitWithAStaleSnapshotRequirementGets409WithAJsonError() throws Exception {
    // Given a table with one snapshot
    client.createNamespace(NS);
    Table table = client.createTable(EVENTS, SCHEMA);
    table.newAppend().appendFile(writeParquet(table, rows(1))).commit();
    long current = client.loadTable(EVENTS).currentSnapshot().snapshotId();

    // When a commit asserts a different snapshot for main
    String body = "{\"requirements\":[{\"type\":\"assert-ref-snapshot-id\",\"ref\":\"main\",\"snapshot-id\":"
        + (current + 1) + "}],\"updates\":[{\"action\":\"set-properties\",\"updates\":{\"x\":\"y\"}}]}";
    HttpResponse<String> response = post("v1/namespaces/ns/tables/events", body);

    // Then it is a 409 CommitFailedException and nothing changed
    assertThat(response.statusCode()).isEqualTo(409);
    JsonNode error = JSON.readTree(response.body()).get("error");
    assertThat(error.get("type").asText()).isEqualTo("CommitFailedException");
    assertThat(error.get("code").asInt()).isEqualTo(409);
    assertThat(error.get("message").asText()).contains("branch main has changed");
    assertThat(client.loadTable(EVENTS).properties()).doesNotContainKey("x");

    // When the same commit asserts the current snapshot, Then it is applied
    String good = body.replace(String.valueOf(current + 1), String.valueOf(current));
    assertThat(post("v1/namespaces/ns/tables/events", good).statusCode()).isEqualTo(200);
    assertThat(client.loadTable(EVENTS).properties()).containsEntry("x", "y");
  }

  @Test
  void multiTableTransactionsCommitAllOrNothingOnStaleRequirements() throws Exception {
    // Given two tables
    client.createNamespace(NS);
    client.createTable(TableIdentifier.of(NS, "a"), SCHEMA);
    client.createTable(TableIdentifier.of(NS, "b"), SCHEMA);
    String change = "{\"identifier\":{\"namespace\":[\"ns\"],\"name\":\"%s\"},\"requirements\":[%s],"
        + "\"updates\":[{\"action\":\"set-properties\",\"updates\":{\"k\":\"%s\"}}]}";
    String stale = "{\"type\":\"assert-ref-snapshot-id\",\"ref\":\"main\",\"snapshot-id\":42}";

    // When a transaction's second table has a stale requirement
    HttpResponse<String> rejected = post("v1/transactions/commit", "{\"table-changes\":["
        + String.format(change, "a", "", "1") + "," + String.format(change, "b", stale, "1") + "]}");

    // Then it is a 409 and neither table changed
    assertThat(rejected.statusCode()).isEqualTo(409);
    assertThat(client.loadTable(TableIdentifier.of(NS, "a")).properties()).doesNotContainKey("k");

    // When both changes are valid, Then both tables change
    HttpResponse<String> accepted = post("v1/transactions/commit", "{\"table-changes\":["
        + String.format(change, "a", "", "2") + "," + String.format(change, "b", "", "2") + "]}");
    assertThat(accepted.statusCode()).isEqualTo(204);
    assertThat(client.loadTable(TableIdentifier.of(NS, "a")).properties()).containsEntry("k", "2");
    assertThat(client.loadTable(TableIdentifier.of(NS, "b")).properties()).containsEntry("k", "2");
  }

  @Test
  void errorsFollowTheRestErrorModel() throws Exception {
    client.createNamespace(NS);

    // a missing table: 404 NoSuchTableException, as JSON
    HttpResponse<String> missing = get("v1/namespaces/ns/tables/nope", Map.of());
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(JSON.readTree(missing.body()).at("/error/type").asText()).isEqualTo("NoSuchTableException");

    // a table in a missing namespace: 404 NoSuchNamespaceException through the client
    assertThatThrownBy(() -> client.createTable(TableIdentifier.of("nope", "t"), SCHEMA))
        .isInstanceOf(NoSuchNamespaceException.class);

    // an existing namespace: 409
    assertThat(post("v1/namespaces", "{\"namespace\":[\"ns\"]}").statusCode()).isEqualTo(409);

    // malformed JSON: 400
    HttpResponse<String> malformed = post("v1/namespaces", "{\"namespace\":");
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(malformed.body()).at("/error/message").asText()).contains("CreateNamespaceRequest");

    // an unknown path: 404; a known path with the wrong method: 405
    assertThat(get("v2/whatever", Map.of()).statusCode()).isEqualTo(404);
    HttpResponse<String> wrongMethod = http.send(HttpRequest.newBuilder(server.uri().resolve("v1/config"))
        .DELETE().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(wrongMethod.statusCode()).isEqualTo(405);

    // a namespace level with a dot, which the JDBC catalog would split: 400
    HttpResponse<String> dotted = post("v1/namespaces", "{\"namespace\":[\"a.b\"]}");
    assertThat(dotted.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(dotted.body()).at("/error/type").asText()).isEqualTo("IllegalArgumentException");
  }

  @Test
  void aBodyOverTheLimitGets413() throws Exception {
    // Given a server whose request limit is 64 KiB
    String props = "\"p\":\"" + "x".repeat(80 * 1024) + "\"";

    // When a larger body is posted
    HttpResponse<String> response = post("v1/namespaces", "{\"namespace\":[\"big\"],\"properties\":{" + props + "}}");

    // Then it is refused before it is parsed, and nothing was created
    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(JSON.readTree(response.body()).at("/error/message").asText()).contains("65536");
    assertThat(client.namespaceExists(Namespace.of("big"))).isFalse();
  }

  @Test
  void existenceChecksAnswerHeadWithoutABody() throws Exception {
    client.createNamespace(NS);
    client.createTable(EVENTS, SCHEMA);

    assertThat(head("v1/namespaces/ns/tables/events")).isEqualTo(204);
    assertThat(head("v1/namespaces/ns/tables/nope")).isEqualTo(404);
    assertThat(head("v1/namespaces/ns")).isEqualTo(204);
    assertThat(head("v1/namespaces/nope")).isEqualTo(404);
  }

  @Test
  void loadTableAnswers304ToTheETagOfTheCurrentMetadata() throws Exception {
    // Given a table loaded once, with its ETag
    client.createNamespace(NS);
    Table table = client.createTable(EVENTS, SCHEMA);
    HttpResponse<String> first = get("v1/namespaces/ns/tables/events", Map.of());
    String etag = first.headers().firstValue("ETag").orElseThrow();

    // When it is loaded again with If-None-Match, Then nothing changed: 304
    assertThat(get("v1/namespaces/ns/tables/events", Map.of("If-None-Match", etag)).statusCode()).isEqualTo(304);

    // When a commit changes it, Then the same ETag gets the new metadata
    table.updateProperties().set("a", "b").commit();
    HttpResponse<String> after = get("v1/namespaces/ns/tables/events", Map.of("If-None-Match", etag));
    assertThat(after.statusCode()).isEqualTo(200);
    assertThat(after.headers().firstValue("ETag")).isPresent().get().isNotEqualTo(etag);
  }

  @Test
  void configAdvertisesWhatIsServedAndMetricsReportsAreAccepted() throws Exception {
    // When a client asks for the config
    JsonNode config = JSON.readTree(get("v1/config?warehouse=anything", Map.of()).body());

    // Then it lists the table, view and transaction endpoints
    List<String> endpoints = new ArrayList<>();
    config.get("endpoints").forEach(e -> endpoints.add(e.asText()));
    assertThat(endpoints).contains(
        "POST /v1/{prefix}/namespaces/{namespace}/tables/{table}",
        "HEAD /v1/{prefix}/namespaces/{namespace}/tables/{table}",
        "POST /v1/{prefix}/transactions/commit",
        "POST /v1/{prefix}/namespaces/{namespace}/tables/{table}/metrics",
        "GET /v1/{prefix}/namespaces/{namespace}/views/{view}");

    // And a metrics report is accepted (and dropped)
    client.createNamespace(NS);
    client.createTable(EVENTS, SCHEMA);
    String report = "{\"report-type\":\"commit-report\",\"table-name\":\"floe.ns.events\",\"snapshot-id\":1,"
        + "\"sequence-number\":1,\"operation\":\"append\",\"metrics\":{}}";
    assertThat(post("v1/namespaces/ns/tables/events/metrics", report).statusCode()).isEqualTo(204);
  }

  @Test
  void nestedNamespacesAndViewsWorkThroughTheClient() {
    // Given a nested namespace
    Namespace parent = Namespace.of("sales");
    Namespace child = Namespace.of("sales", "emea");
    client.createNamespace(parent);
    client.createNamespace(child);
    client.createTable(TableIdentifier.of(child, "orders"), SCHEMA);

    // When a view is created over the nested table
    View view = client.buildView(TableIdentifier.of(child, "big_orders"))
        .withSchema(SCHEMA)
        .withDefaultNamespace(child)
        .withQuery("spark", "SELECT * FROM orders WHERE id > 100")
        .create();

    // Then listing by parent finds the child, and the view loads back
    assertThat(client.listNamespaces(parent)).containsExactly(child);
    assertThat(client.listTables(child)).containsExactly(TableIdentifier.of(child, "orders"));
    assertThat(client.listViews(child)).containsExactly(TableIdentifier.of(child, "big_orders"));
    assertThat(client.loadView(TableIdentifier.of(child, "big_orders")).sqlFor("spark").sql())
        .isEqualTo("SELECT * FROM orders WHERE id > 100");
    assertThat(view.location()).startsWith("file:///");
  }

  @Test
  void extraRoutesServeGetOnTheSamePort() throws Exception {
    // Given a /metrics route added by the broker
    server.addRoute("/metrics", query -> ExtraRoute.Reply.text("text/plain; version=0.0.4; charset=utf-8",
        "floe_up 1\n"));

    // When it is fetched, Then it answers its text; other methods get 405
    HttpResponse<String> metrics = get("metrics", Map.of());
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).isEqualTo("floe_up 1\n");
    assertThat(metrics.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
    assertThat(post("metrics", "{}").statusCode()).isEqualTo(405);

    // And the catalog API and taken paths cannot be shadowed
    assertThatThrownBy(() -> server.addRoute("/v1/config", q -> null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> server.addRoute("/metrics", q -> null)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void postRoutesServeActionsAndOnlyPost() throws Exception {
    // Given an action route taking its argument from the query string
    server.addPostRoute("/floe/v1/act", query -> ExtraRoute.Reply.text("application/json",
        "{\"did\":\"" + query.get("what") + "\"}"));

    // When it is posted to, Then it acts; a GET gets 405, and no path is routed twice
    HttpResponse<String> done = post("floe/v1/act?what=redrive", "");
    assertThat(done.statusCode()).isEqualTo(200);
    assertThat(done.body()).isEqualTo("{\"did\":\"redrive\"}");
    assertThat(get("floe/v1/act", Map.of()).statusCode()).isEqualTo(405);
    assertThatThrownBy(() -> server.addRoute("/floe/v1/act", q -> null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> server.addPostRoute("/v1/namespaces", q -> null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theBoundPortAndWarehouseAreReportedAndABusyPortFailsClearly() throws Exception {
    assertThat(server.port()).isPositive();
    assertThat(server.uri().toString()).isEqualTo("http://127.0.0.1:" + server.port() + "/");
    assertThat(Files.isDirectory(dir.resolve("warehouse"))).isTrue();

    // a second server on the same port cannot start, and says where
    try (RestCatalogServer clash = new RestCatalogServer("127.0.0.1", server.port(), server.catalog())) {
      assertThatThrownBy(clash::start).isInstanceOf(IOException.class)
          .hasMessageContaining("127.0.0.1:" + server.port());
    }
  }

  @Test
  void invalidServerSettingsAreRejected() {
    assertThatThrownBy(() -> RestCatalogServer.builder().bind("127.0.0.1", 0).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("neither");
    assertThatThrownBy(() -> RestCatalogServer.builder().bind("127.0.0.1", 70000).catalog(server.catalog()).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("70000");
    assertThatThrownBy(() -> RestCatalogServer.builder().threads(0).catalog(server.catalog()).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("threads=0");
  }

  /**
   * A transaction that commits on exactly the snapshot the table had when it was opened, as a Table
   * Topic commit does: refresh() does not move it, so the commit's requirements name that snapshot.
   */
  private static Transaction pinnedTransaction(Table table) {
    TableOperations ops = ((HasTableOperations) table).operations();
    TableMetadata pinned = ops.current();
    TableOperations pinnedOps = new TableOperations() {
      @Override
      public TableMetadata current() {
        return pinned;
      }

      @Override
      public TableMetadata refresh() {
        return pinned;
      }

      @Override
      public void commit(TableMetadata base, TableMetadata metadata) {
        ops.commit(base, metadata);
      }

      @Override
      public org.apache.iceberg.io.FileIO io() {
        return ops.io();
      }

      @Override
      public org.apache.iceberg.encryption.EncryptionManager encryption() {
        return ops.encryption();
      }

      @Override
      public String metadataFileLocation(String fileName) {
        return ops.metadataFileLocation(fileName);
      }

      @Override
      public org.apache.iceberg.io.LocationProvider locationProvider() {
        return ops.locationProvider();
      }
    };
    return Transactions.newTransaction(table.name(), pinnedOps);
  }

  private static List<Record> rows(long... ids) {
    List<Record> out = new ArrayList<>();
    for (long id : ids) {
      GenericRecord r = GenericRecord.create(SCHEMA);
      r.setField("id", id);
      r.setField("name", "row-" + id);
      out.add(r);
    }
    return out;
  }

  private static DataFile writeParquet(Table table, List<Record> rows) throws IOException {
    GenericFileWriterFactory factory = new GenericFileWriterFactory.Builder(table)
        .dataFileFormat(FileFormat.PARQUET)
        .dataSchema(table.schema())
        .build();
    OutputFileFactory files = OutputFileFactory.builderFor(table, 0, System.nanoTime()).format(FileFormat.PARQUET).build();
    try (UnpartitionedWriter<Record> writer = new UnpartitionedWriter<>(table.spec(), FileFormat.PARQUET, factory,
        files, table.io(), 128L * 1024 * 1024)) {
      for (Record row : rows) {
        writer.write(row);
      }
      DataFile[] written = writer.dataFiles();
      assertThat(written).hasSize(1);
      return written[0];
    }
  }

  private static List<Long> readIds(Table table) throws IOException {
    List<Long> ids = new ArrayList<>();
    try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
      records.forEach(r -> ids.add((Long) r.getField("id")));
    }
    return ids;
  }

  private HttpResponse<String> get(String path, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(server.uri().resolve(path)).GET();
    headers.forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path, String json) throws Exception {
    return http.send(HttpRequest.newBuilder(server.uri().resolve(path))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private int head(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(server.uri().resolve(path))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }
}
