package io.floe.tabletopic.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.storage.stream.Stream;
import io.floe.tabletopic.config.TableTopicConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.iceberg.FileContent;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Debezium change events (JsonConverter without schemas, as in the captured fixtures) through the pipeline
 * into a table that equals the source table after each commit.
 */
class DebeziumPipelineTest {

  PipelineFixture fixture;

  @BeforeEach
  void setUp() throws Exception {
    fixture = new PipelineFixture("floe-tt-cdc-");
  }

  @AfterEach
  void tearDown() throws Exception {
    fixture.close();
  }

  static String row(int id, String name, String email) {
    return "{\"id\":" + id + ",\"name\":\"" + name + "\",\"email\":\"" + email + "\"}";
  }

  /** An envelope as Debezium 3.6's PostgreSQL connector writes it (see the cdc module's fixtures). */
  static String envelope(String op, String before, String after, long lsn) {
    return "{\"before\":" + before + ",\"after\":" + after + ",\"source\":{\"version\":\"3.6.3.Final\","
        + "\"connector\":\"postgresql\",\"name\":\"feas\",\"ts_ms\":1795583653607,\"snapshot\":\"false\","
        + "\"db\":\"shop\",\"schema\":\"public\",\"table\":\"customers\",\"txId\":729,\"lsn\":" + lsn + "},"
        + "\"op\":\"" + op + "\",\"ts_ms\":1795583653954}";
  }

  /** Appends changes of ids {@code ids[i]} with values {@code values[i]} (null: a tombstone) as one batch. */
  static void append(Stream s, int[] ids, String... values) {
    byte[][] bytes = new byte[values.length][];
    for (int i = 0; i < values.length; i++) {
      bytes[i] = values[i] == null ? null : values[i].getBytes(StandardCharsets.UTF_8);
    }
    PipelineFixture.appendKeyed(s, ids, bytes);
  }

  private TableTopicPipeline pipeline(Stream s) {
    return pipeline(s, Map.of());
  }

  private TableTopicPipeline pipeline(Stream s, Map<String, String> extra) {
    Map<String, String> configs = new java.util.HashMap<>(Map.of(TableTopicConfig.ENABLE, "true",
        TableTopicConfig.CONVERT_VALUE_TYPE, "json", TableTopicConfig.TRANSFORM_VALUE_TYPE, "flatten_debezium"));
    configs.putAll(extra);
    TableTopicConfig config = TableTopicConfig.parse(configs);
    return new TableTopicPipeline("customers", config, fixture.catalog,
        RecordProcessors.forConfig(config, io.floe.schema.SchemaSources.withoutRegistry("customers")), List.of(s),
        fixture.workers, fixture.scheduler);
  }

  private Table table() {
    return fixture.catalog.loadTable(TableIdentifier.of(Namespace.of("default"), "customers"));
  }

  /** The table's rows by id: what a reader sees, deletes applied. */
  private Map<Integer, Record> rows() throws Exception {
    Map<Integer, Record> out = new TreeMap<>();
    try (CloseableIterable<Record> it = IcebergGenerics.read(table()).build()) {
      for (Record r : it) {
        Record previous = out.put(((Number) r.getField("id")).intValue(), r.copy());
        assertEquals(null, previous, "two rows of id " + r.getField("id"));
      }
    }
    return out;
  }

  @Test
  void inserts_updates_deletes_and_reinsertsLeaveTheSourceTablesRowsAfterEveryCommit() throws Exception {
    Stream s = fixture.storage.streamStore().open(300).join();
    try (TableTopicPipeline p = pipeline(s)) {
      p.start().join();

      // Given inserts, an update, a delete with its tombstone and another insert in one commit
      append(s, new int[] {1, 2, 1, 2, 2, 3},
          envelope("c", "null", row(1, "Ada", "ada@example.com"), 100),
          envelope("c", "null", row(2, "Bob", "bob@example.com"), 101),
          envelope("u", row(1, "Ada", "ada@example.com"), row(1, "Ada", "ada@lovelace.org"), 102),
          envelope("d", row(2, "Bob", "bob@example.com"), "null", 103),
          null,
          envelope("r", "null", row(3, "Cy", "cy@example.com"), 104));
      p.commitNow().join();

      // Then the table is the source table: 1 with its new email, 3; not 2
      Map<Integer, Record> rows = rows();
      assertEquals(List.of(1, 3), List.copyOf(rows.keySet()));
      assertEquals("ada@lovelace.org", rows.get(1).getField("email"));
      Record cdc = (Record) rows.get(1).getField("_cdc");
      assertEquals("u", cdc.getField("op"));
      assertEquals(102L, cdc.getField("lsn"));
      assertEquals("shop.public.customers", cdc.getField("source"));
      assertEquals(6, p.committedOffset(0));

      // When the next commit updates a row of the last one, re-inserts the deleted key with a new column,
      // and updates the same row again after that schema change (a second writer in the same commit)
      append(s, new int[] {3},
          envelope("u", row(3, "Cy", "cy@example.com"), row(3, "Cyd", "cy@example.com"), 105));
      awaitWrittenBeforeTheNextChunk();
      append(s, new int[] {2, 3, 1},
          envelope("c", "null", "{\"id\":2,\"name\":\"Bob\",\"email\":\"bob@new.org\",\"phone\":\"555\"}", 106),
          envelope("u", row(3, "Cyd", "cy@example.com"), row(3, "Cyril", "cy@example.com"), 107),
          envelope("d", "{\"id\":1,\"name\":null,\"email\":null}", "null", 108));
      p.commitNow().join();
    }

    // Then again the table equals the source: 2 back with its phone, 3 once with its last name, 1 gone
    Map<Integer, Record> rows = rows();
    assertEquals(List.of(2, 3), List.copyOf(rows.keySet()));
    assertEquals("555", rows.get(2).getField("phone"));
    assertEquals("Cyril", rows.get(3).getField("name"));
    Snapshot current = table().currentSnapshot();
    assertTrue(current.summary().get("floe.kafka.offsets").contains("\"0\":10"), current.summary().toString());
  }

  /**
   * The pipeline drains each append as it is confirmed: waiting lets it write the change just appended with the
   * current writer, so the next append (a schema change) is read as a chunk of its own by a second writer.
   */
  private static void awaitWrittenBeforeTheNextChunk() throws InterruptedException {
    Thread.sleep(1_000);
  }

  @Test
  void aRestartedPipelineKeepsApplyingChangesToTheRowsItCommitted() throws Exception {
    Stream s = fixture.storage.streamStore().open(301).join();
    append(s, new int[] {1, 2}, envelope("c", "null", row(1, "Ada", "a@x"), 1),
        envelope("c", "null", row(2, "Bob", "b@x"), 2));
    try (TableTopicPipeline p = pipeline(s)) {
      p.start().join();
      p.commitNow().join();
    }
    append(s, new int[] {1, 2}, envelope("u", row(1, "Ada", "a@x"), row(1, "Ada", "a@y"), 3),
        envelope("d", row(2, "Bob", "b@x"), "null", 4));
    try (TableTopicPipeline p = pipeline(s)) {
      p.start().join();
      p.commitNow().join();
    }
    Map<Integer, Record> rows = rows();
    assertEquals(List.of(1), List.copyOf(rows.keySet()));
    assertEquals("a@y", rows.get(1).getField("email"));
  }

  @Test
  void updatesAndDeletesArePositionDeletesFoundThroughTheKeyIndex() throws Exception {
    Stream s = fixture.storage.streamStore().open(302).join();
    try (TableTopicPipeline p = pipeline(s)) {
      p.start().join();
      append(s, new int[] {1, 2, 3}, envelope("c", "null", row(1, "Ada", "a@x"), 1),
          envelope("c", "null", row(2, "Bob", "b@x"), 2), envelope("c", "null", row(3, "Cy", "c@x"), 3));
      p.commitNow().join();
      // an update of a committed row and of a row of this commit, a delete of a committed row
      append(s, new int[] {1, 4, 4, 2}, envelope("u", row(1, "Ada", "a@x"), row(1, "Ada", "a@y"), 4),
          envelope("c", "null", row(4, "Di", "d@x"), 5),
          envelope("u", row(4, "Di", "d@x"), row(4, "Di", "d@y"), 6),
          envelope("d", row(2, "Bob", "b@x"), "null", 7));
      p.commitNow().join();

      assertEquals(List.of(1, 3, 4), List.copyOf(rows().keySet()));
      assertEquals("d@y", rows().get(4).getField("email"));
      assertEquals(0, p.metrics().equalityDeletes.get());
      List<FileContent> deletes = deleteFileContents();
      assertTrue(!deletes.isEmpty() && deletes.stream().allMatch(c -> c == FileContent.POSITION_DELETES),
          deletes.toString());
    }
  }

  @Test
  void aTruncateEmptiesTheTableAndLaterChangesStartAfresh() throws Exception {
    Stream s = fixture.storage.streamStore().open(303).join();
    try (TableTopicPipeline p = pipeline(s)) {
      p.start().join();
      append(s, new int[] {1, 2}, envelope("c", "null", row(1, "Ada", "a@x"), 1),
          envelope("c", "null", row(2, "Bob", "b@x"), 2));
      p.commitNow().join();
      assertEquals(List.of(1, 2), List.copyOf(rows().keySet()));

      // a row of this commit before the truncate, the truncate (no key), then a re-insert and a new row
      append(s, new int[] {3}, envelope("c", "null", row(3, "Cy", "c@x"), 3));
      appendTruncate(s, 4);
      append(s, new int[] {1, 5}, envelope("c", "null", row(1, "Ada", "a@z"), 5),
          envelope("c", "null", row(5, "Ed", "e@x"), 6));
      p.commitNow().join();

      assertEquals(List.of(1, 5), List.copyOf(rows().keySet()));
      assertEquals("a@z", rows().get(1).getField("email"));
      assertEquals(1, p.metrics().truncates.get());
      assertEquals(6, p.committedOffset(0));
    }
    // a restart reads the index from the truncated table: an update of 5 replaces it
    append(s, new int[] {5}, envelope("u", row(5, "Ed", "e@x"), row(5, "Ed", "e@y"), 7));
    try (TableTopicPipeline p = pipeline(s)) {
      p.start().join();
      p.commitNow().join();
      assertEquals(0, p.metrics().equalityDeletes.get());
    }
    assertEquals(List.of(1, 5), List.copyOf(rows().keySet()));
    assertEquals("e@y", rows().get(5).getField("email"));
  }

  /**
   * Random inserts, updates, deletes and re-inserts over many commits and restarts leave the table equal to a
   * model of the source, with a key index that holds every key (position deletes only) and with one too small
   * for the table (equality deletes for what it cannot find, counted).
   */
  @Test
  void randomChangesOverCommitsAndRestartsLeaveTheSourceTableWhateverTheIndexHolds() throws Exception {
    assertModelHolds(304, Map.of(), 2_000, false);
    fixture.catalog.dropTable(TableIdentifier.of(Namespace.of("default"), "customers"), true);
    assertModelHolds(305, Map.of(TableTopicConfig.KEY_INDEX_MAX_BYTES, String.valueOf(1 << 20)), 60_000, true);
  }

  @Test
  void aFormatV3TableGetsOneDeletionVectorPerDataFile() throws Exception {
    assertModelHolds(307, Map.of(TableTopicConfig.FORMAT_VERSION, "3"), 2_000, false);
    assertEquals(3, org.apache.iceberg.TableUtil.formatVersion(table()));
    int dataFiles = 0;
    java.util.Set<String> dvs = new java.util.HashSet<>();
    try (CloseableIterable<FileScanTask> tasks = table().newScan().planFiles()) {
      for (FileScanTask t : tasks) {
        dataFiles++;
        assertTrue(t.deletes().size() <= 1, "one deletion vector at most per data file: " + t.deletes());
        t.deletes().forEach(d -> {
          assertEquals(org.apache.iceberg.FileFormat.PUFFIN, d.format());
          dvs.add(d.location() + "@" + d.contentOffset());
        });
      }
    }
    assertTrue(dataFiles > 1 && !dvs.isEmpty(), dataFiles + " data files, deletion vectors " + dvs);
  }

  @Test
  void aTablePartitionedByItsKeyTakesRandomChangesToo() throws Exception {
    assertModelHolds(306, Map.of(TableTopicConfig.ID_COLUMNS, "[id]", TableTopicConfig.PARTITION_BY,
        "[bucket(id, 4)]"), 2_000, false);
    assertEquals("bucket[4]", table().spec().fields().get(0).transform().toString());
  }

  private void assertModelHolds(long streamId, Map<String, String> configs, int keys, boolean expectEqualityDeletes)
      throws Exception {
    Stream s = fixture.storage.streamStore().open(streamId).join();
    java.util.Random random = new java.util.Random(streamId);
    Map<Integer, String> model = new TreeMap<>();
    long equalityDeletes = 0;
    for (int round = 0; round < 3; round++) {
      try (TableTopicPipeline p = pipeline(s, configs)) {
        p.start().join();
        for (int commit = 0; commit < 2; commit++) {
          int changes = round == 0 && commit == 0 ? keys : keys / 4;
          int[] ids = new int[changes];
          String[] values = new String[changes];
          for (int i = 0; i < changes; i++) {
            int id = round == 0 && commit == 0 ? i : random.nextInt(keys + keys / 10);
            ids[i] = id;
            String email = "e" + random.nextInt(1_000_000) + "@x";
            if (model.containsKey(id) && random.nextInt(4) == 0) {
              values[i] = envelope("d", row(id, "n", model.remove(id)), "null", i);
            } else {
              String op = model.containsKey(id) ? "u" : "c";
              values[i] = envelope(op, "null", row(id, "n", email), i);
              model.put(id, email);
            }
          }
          append(s, ids, values);
          p.commitNow().join();
          Map<Integer, String> emails = new TreeMap<>();
          rows().forEach((id, r) -> emails.put(id, (String) r.getField("email")));
          assertEquals(model, emails, "round " + round + " commit " + commit);
        }
        equalityDeletes += p.metrics().equalityDeletes.get();
      }
    }
    assertEquals(expectEqualityDeletes, equalityDeletes > 0, "equality deletes: " + equalityDeletes);
  }

  static void appendTruncate(Stream s, long lsn) {
    long base = s.nextOffset();
    String value = "{\"before\":null,\"after\":null,\"source\":{\"version\":\"3.6.3.Final\",\"connector\":"
        + "\"postgresql\",\"name\":\"feas\",\"ts_ms\":1795583653607,\"snapshot\":\"false\",\"db\":\"shop\","
        + "\"schema\":\"public\",\"table\":\"customers\",\"txId\":730,\"lsn\":" + lsn + "},\"op\":\"t\","
        + "\"ts_ms\":1795583653954}";
    ByteBuffer b = MemoryRecords.withRecords(base, Compression.NONE,
        new SimpleRecord(1L, null, value.getBytes(StandardCharsets.UTF_8))).buffer();
    ByteBuf buf = Unpooled.directBuffer(b.remaining());
    buf.writeBytes(b);
    s.append(base, 1, 1L, buf).join();
  }

  private List<FileContent> deleteFileContents() throws Exception {
    List<FileContent> out = new java.util.ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks = table().newScan().planFiles()) {
      for (FileScanTask t : tasks) {
        t.deletes().forEach(d -> out.add(d.content()));
      }
    }
    return out;
  }
}
