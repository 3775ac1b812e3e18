package io.floe.tabletopic.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.schema.SchemaSources;
import io.floe.storage.stream.Stream;
import io.floe.tabletopic.config.TableTopicConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code upsert.enable} and {@code cdc.field}: keyed JSON rows of producers other than Debezium. */
class UpsertPipelineTest {

  PipelineFixture fixture;

  @BeforeEach
  void setUp() throws Exception {
    fixture = new PipelineFixture("floe-tt-upsert-");
  }

  @AfterEach
  void tearDown() throws Exception {
    fixture.close();
  }

  private TableTopicPipeline pipeline(Stream s, String topic, Map<String, String> extra) {
    Map<String, String> configs = new HashMap<>(Map.of(TableTopicConfig.ENABLE, "true",
        TableTopicConfig.CONVERT_VALUE_TYPE, "json", TableTopicConfig.TRANSFORM_VALUE_TYPE, "flatten",
        TableTopicConfig.ID_COLUMNS, "[id]"));
    configs.putAll(extra);
    TableTopicConfig config = TableTopicConfig.parse(configs);
    return new TableTopicPipeline(topic, config, fixture.catalog,
        RecordProcessors.forConfig(config, SchemaSources.withoutRegistry(topic)), List.of(s), fixture.workers,
        fixture.scheduler);
  }

  private Map<Long, Record> rows(String topic) throws Exception {
    Map<Long, Record> out = new TreeMap<>();
    try (CloseableIterable<Record> it = IcebergGenerics.read(
        fixture.catalog.loadTable(TableIdentifier.of(Namespace.of("default"), topic))).build()) {
      for (Record r : it) {
        assertEquals(null, out.put((Long) r.getField("id"), r.copy()), "two rows of id " + r.getField("id"));
      }
    }
    return out;
  }

  private static int[] ids(int n) {
    return new int[n];
  }

  @Test
  void upsertEnableReplacesRowsWithTheSameId() throws Exception {
    Stream s = fixture.storage.streamStore().open(400).join();
    try (TableTopicPipeline p = pipeline(s, "prices", Map.of(TableTopicConfig.UPSERT_ENABLE, "true"))) {
      p.start().join();
      DebeziumPipelineTest.append(s, ids(3), "{\"id\":1,\"price\":10}", "{\"id\":2,\"price\":20}",
          "{\"id\":1,\"price\":11}");
      p.commitNow().join();
      DebeziumPipelineTest.append(s, ids(2), "{\"id\":2,\"price\":21}", "{\"price\":99}");
      p.commitNow().join();
      Map<Long, Record> rows = rows("prices");
      assertEquals(List.of(1L, 2L), List.copyOf(rows.keySet()));
      assertEquals(11L, rows.get(1L).getField("price"));
      assertEquals(21L, rows.get(2L).getField("price"));
      // the row without an id is invalid data, skipped (errors.tolerance=invalid_data)
      assertEquals(1, p.metrics().recordsSkipped.get());
    }
  }

  @Test
  void aCdcFieldInsertsUpdatesAndDeletes() throws Exception {
    Stream s = fixture.storage.streamStore().open(401).join();
    try (TableTopicPipeline p = pipeline(s, "accounts", Map.of(TableTopicConfig.CDC_FIELD, "op"))) {
      p.start().join();
      DebeziumPipelineTest.append(s, ids(4), "{\"id\":1,\"owner\":\"ada\",\"op\":\"I\"}",
          "{\"id\":2,\"owner\":\"bob\",\"op\":\"I\"}", "{\"id\":3,\"owner\":\"cy\",\"op\":\"i\"}",
          "{\"id\":1,\"owner\":\"ada l\",\"op\":\"U\"}");
      p.commitNow().join();
      DebeziumPipelineTest.append(s, ids(3), "{\"id\":2,\"op\":\"D\"}", "{\"id\":3,\"owner\":\"cy\",\"op\":\"X\"}",
          "{\"id\":2,\"owner\":\"bob again\",\"op\":\"I\"}");
      p.commitNow().join();
      Map<Long, Record> rows = rows("accounts");
      assertEquals(List.of(1L, 2L, 3L), List.copyOf(rows.keySet()));
      assertEquals("ada l", rows.get(1L).getField("owner"));
      assertEquals("bob again", rows.get(2L).getField("owner"));
      assertEquals(1, p.metrics().recordsSkipped.get());
      assertEquals(0, p.metrics().equalityDeletes.get());
    }
  }

  @Test
  void upsertsNeedIdColumnsAndFlattenedValues() {
    IllegalArgumentException noIds = assertThrows(IllegalArgumentException.class, () -> TableTopicConfig.parse(Map.of(
        TableTopicConfig.CONVERT_VALUE_TYPE, "json", TableTopicConfig.TRANSFORM_VALUE_TYPE, "flatten",
        TableTopicConfig.UPSERT_ENABLE, "true")));
    assertTrue(noIds.getMessage().contains(TableTopicConfig.ID_COLUMNS), noIds.getMessage());
    IllegalArgumentException notFlat = assertThrows(IllegalArgumentException.class, () -> TableTopicConfig.parse(
        Map.of(TableTopicConfig.CDC_FIELD, "op", TableTopicConfig.ID_COLUMNS, "[id]")));
    assertTrue(notFlat.getMessage().contains("flatten"), notFlat.getMessage());
    IllegalArgumentException partitioned = assertThrows(IllegalArgumentException.class, () -> TableTopicConfig.parse(
        Map.of(TableTopicConfig.CONVERT_VALUE_TYPE, "json", TableTopicConfig.TRANSFORM_VALUE_TYPE, "flatten",
            TableTopicConfig.UPSERT_ENABLE, "true", TableTopicConfig.ID_COLUMNS, "[id]",
            TableTopicConfig.PARTITION_BY, "[day(ts)]")));
    assertTrue(partitioned.getMessage().contains("identifier columns only"), partitioned.getMessage());
  }
}
