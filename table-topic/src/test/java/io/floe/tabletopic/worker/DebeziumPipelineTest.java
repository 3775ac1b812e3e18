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
    long base = s.nextOffset();
    SimpleRecord[] records = new SimpleRecord[values.length];
    for (int i = 0; i < values.length; i++) {
      records[i] = new SimpleRecord(1L, ("{\"id\":" + ids[i] + "}").getBytes(StandardCharsets.UTF_8),
          values[i] == null ? null : values[i].getBytes(StandardCharsets.UTF_8));
    }
    ByteBuffer b = MemoryRecords.withRecords(base, Compression.NONE, records).buffer();
    ByteBuf buf = Unpooled.directBuffer(b.remaining());
    buf.writeBytes(b);
    s.append(base, values.length, 1L, buf).join();
  }

  private TableTopicPipeline pipeline(Stream s) {
    TableTopicConfig config = TableTopicConfig.parse(Map.of(TableTopicConfig.ENABLE, "true",
        TableTopicConfig.CONVERT_VALUE_TYPE, "json", TableTopicConfig.TRANSFORM_VALUE_TYPE, "flatten_debezium"));
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
}
