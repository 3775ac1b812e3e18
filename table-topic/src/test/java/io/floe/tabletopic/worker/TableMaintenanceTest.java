package io.floe.tabletopic.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.schema.SchemaSources;
import io.floe.storage.stream.Stream;
import io.floe.tabletopic.config.TableTopicConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Table maintenance through the pipeline: rewrites that apply deletes, small-file compaction of append tables,
 * orphan removal; each leaves the same rows and the table's offsets, and ingestion goes on after it.
 */
class TableMaintenanceTest {

  PipelineFixture fixture;

  @BeforeEach
  void setUp() throws Exception {
    fixture = new PipelineFixture("floe-tt-maint-");
  }

  @AfterEach
  void tearDown() throws Exception {
    fixture.close();
  }

  private TableTopicPipeline pipeline(Stream s, String topic, Map<String, String> extra) {
    Map<String, String> configs = new HashMap<>(Map.of(TableTopicConfig.ENABLE, "true",
        TableTopicConfig.CONVERT_VALUE_TYPE, "json", TableTopicConfig.TRANSFORM_VALUE_TYPE, "flatten"));
    configs.putAll(extra);
    TableTopicConfig config = TableTopicConfig.parse(configs);
    return new TableTopicPipeline(topic, config, fixture.catalog,
        RecordProcessors.forConfig(config, SchemaSources.withoutRegistry(topic)), List.of(s), fixture.workers,
        fixture.scheduler);
  }

  private Table table(String topic) {
    return fixture.catalog.loadTable(TableIdentifier.of(Namespace.of("default"), topic));
  }

  private Map<Long, Long> rows(String topic) throws Exception {
    Map<Long, Long> out = new TreeMap<>();
    try (CloseableIterable<Record> it = IcebergGenerics.read(table(topic)).build()) {
      for (Record r : it) {
        assertEquals(null, out.put((Long) r.getField("id"), (Long) r.getField("v")), "two rows of " + r);
      }
    }
    return out;
  }

  /** [data files, delete files] the current snapshot reads. */
  private int[] files(String topic) throws Exception {
    int data = 0;
    java.util.Set<String> deletes = new java.util.HashSet<>();
    try (CloseableIterable<FileScanTask> tasks = table(topic).newScan().planFiles()) {
      for (FileScanTask t : tasks) {
        data++;
        t.deletes().forEach(d -> deletes.add(d.location()));
      }
    }
    return new int[] {data, deletes.size()};
  }

  private static void appendJson(Stream s, List<String> values) {
    DebeziumPipelineTest.append(s, new int[values.size()], values.toArray(new String[0]));
  }

  @Test
  void aRewriteAppliesTheDeletesOfAnUpsertTableAndUpsertsGoOnAfterIt() throws Exception {
    Stream s = fixture.storage.streamStore().open(500).join();
    Map<Long, Long> model = new TreeMap<>();
    try (TableTopicPipeline p = pipeline(s, "counters", Map.of(TableTopicConfig.UPSERT_ENABLE, "true",
        TableTopicConfig.ID_COLUMNS, "[id]"))) {
      p.start().join();
      for (int commit = 0; commit < 12; commit++) {
        List<String> values = new ArrayList<>();
        for (long id = 0; id < 200; id += 1 + commit % 3) {
          values.add("{\"id\":" + id + ",\"v\":" + (commit * 1000 + id) + "}");
          model.put(id, commit * 1000 + id);
        }
        appendJson(s, values);
        p.commitNow().join();
      }
      int[] before = files("counters");
      assertTrue(before[0] >= 12 && before[1] >= 8, "data and delete files before: " + before[0] + ", " + before[1]);
      long offsetsBefore = p.committedOffset(0);

      assertTrue(p.maintainNow(System.currentTimeMillis()).join());

      int[] after = files("counters");
      assertEquals(1, after[0], "one data file after the rewrite");
      assertEquals(0, after[1], "no delete file after the rewrite");
      assertEquals(model, rows("counters"));
      assertEquals(1, p.metrics().maintenance.rewrites().get());
      assertEquals("rewrite", table("counters").currentSnapshot().summary().get("floe.maintenance"));
      assertTrue(table("counters").currentSnapshot().summary().get("floe.kafka.offsets").contains(":" + offsetsBefore));

      // changes after the rewrite find their rows in the rewritten file
      appendJson(s, List.of("{\"id\":3,\"v\":-3}", "{\"id\":4,\"v\":-4}"));
      model.put(3L, -3L);
      model.put(4L, -4L);
      p.commitNow().join();
      assertEquals(model, rows("counters"));
      assertEquals(0, p.metrics().equalityDeletes.get());
    }
    // a restart resumes after the rewrite: nothing is written twice
    try (TableTopicPipeline p = pipeline(s, "counters", Map.of(TableTopicConfig.UPSERT_ENABLE, "true",
        TableTopicConfig.ID_COLUMNS, "[id]"))) {
      p.start().join();
      p.commitNow().join();
      assertEquals(model, rows("counters"));
    }
  }

  @Test
  void smallFilesOfAnAppendTableAreMergedAndNothingIsReadTwice() throws Exception {
    Stream s = fixture.storage.streamStore().open(501).join();
    Map<Long, Long> model = new TreeMap<>();
    try (TableTopicPipeline p = pipeline(s, "events", Map.of())) {
      p.start().join();
      for (int commit = 0; commit < 9; commit++) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          long id = commit * 10L + i;
          values.add("{\"id\":" + id + ",\"v\":" + id + "}");
          model.put(id, id);
        }
        appendJson(s, values);
        p.commitNow().join();
      }
      // nine small files: under compaction.min.input.files (10), nothing to do
      assertFalse(p.maintainNow(System.currentTimeMillis()).join());
      appendJson(s, List.of("{\"id\":1000,\"v\":1}"));
      model.put(1000L, 1L);
      p.commitNow().join();
      assertEquals(10, files("events")[0]);

      assertTrue(p.maintainNow(System.currentTimeMillis()).join());
      assertEquals(1, files("events")[0]);
      assertEquals(model, rows("events"));
    }
    appendJson(s, List.of("{\"id\":1001,\"v\":2}"));
    model.put(1001L, 2L);
    try (TableTopicPipeline p = pipeline(s, "events", Map.of())) {
      p.start().join();
      p.commitNow().join();
    }
    assertEquals(model, rows("events"));
  }

  @Test
  void filesNoSnapshotReferencesAreDeletedOnceOldEnough() throws Exception {
    Stream s = fixture.storage.streamStore().open(502).join();
    try (TableTopicPipeline p = pipeline(s, "logs", Map.of())) {
      p.start().join();
      appendJson(s, List.of("{\"id\":1,\"v\":1}"));
      p.commitNow().join();
      Path dataDir = Path.of(java.net.URI.create(table("logs").location() + "/data"));
      Path orphan = Files.writeString(dataDir.resolve("00000-0-failed-commit.parquet"), "left by a crash");

      p.maintainNow(System.currentTimeMillis()).join();
      assertTrue(Files.exists(orphan), "a young file may belong to a commit being made");

      p.maintainNow(System.currentTimeMillis() + 2 * 86_400_000L).join();
      assertFalse(Files.exists(orphan));
      assertEquals(1, p.metrics().maintenance.orphansDeleted().get());
      assertEquals(Map.of(1L, 1L), rows("logs"));
    }
  }

  @Test
  void aDroppedTableIsCreatedAgainWithTheNextRecords() throws Exception {
    Stream s = fixture.storage.streamStore().open(503).join();
    try (TableTopicPipeline p = pipeline(s, "dropped", Map.of())) {
      p.start().join();
      appendJson(s, List.of("{\"id\":1,\"v\":1}"));
      p.commitNow().join();
      fixture.catalog.dropTable(TableIdentifier.of(Namespace.of("default"), "dropped"), false);

      appendJson(s, List.of("{\"id\":2,\"v\":2}"));
      p.commitNow().join();
      // the commit found the table gone: the next one creates it with the records after the last commit
      p.commitNow().join();
      assertEquals(Map.of(2L, 2L), rows("dropped"));
      assertEquals(2, p.committedOffset(0));
    }
  }
}
