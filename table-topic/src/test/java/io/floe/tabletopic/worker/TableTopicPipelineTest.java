package io.floe.tabletopic.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.storage.FloeStorage;
import io.floe.storage.stream.Stream;
import io.floe.tabletopic.commit.TableCommitter;
import io.floe.tabletopic.config.TableTopicConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The pipeline against the real stream store and a real Iceberg JDBC catalog on SQLite. */
class TableTopicPipelineTest {

  PipelineFixture fixture;
  FloeStorage storage;
  JdbcCatalog catalog;
  ExecutorService workers;
  ScheduledExecutorService scheduler;

  @BeforeEach
  void setUp() throws Exception {
    fixture = new PipelineFixture("floe-tt-");
    storage = fixture.storage;
    catalog = fixture.catalog;
    workers = fixture.workers;
    scheduler = fixture.scheduler;
  }

  @AfterEach
  void tearDown() throws Exception {
    fixture.close();
  }

  private List<Stream> streams(int n) {
    List<Stream> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(storage.streamStore().open(100 + i).join());
    }
    return out;
  }

  /** Appends {@code count} string records as one batch; values are "p<partition>-<offset>". */
  private static void append(Stream s, int partition, int count) {
    long base = s.nextOffset();
    SimpleRecord[] records = new SimpleRecord[count];
    for (int i = 0; i < count; i++) {
      long offset = base + i;
      records[i] = new SimpleRecord(System.currentTimeMillis(), ("k" + offset).getBytes(StandardCharsets.UTF_8),
          ("p" + partition + "-" + offset).getBytes(StandardCharsets.UTF_8));
    }
    ByteBuffer b = MemoryRecords.withRecords(base, Compression.NONE, records).buffer();
    ByteBuf buf = Unpooled.directBuffer(b.remaining());
    buf.writeBytes(b);
    s.append(base, count, System.currentTimeMillis(), buf).join();
  }

  private TableTopicPipeline pipeline(List<Stream> streams, Map<String, String> extra) {
    return pipeline(streams, extra, ConvertingRecordProcessor.forConfig(TableTopicConfig.parse(Map.of(TableTopicConfig.CONVERT_VALUE_TYPE, "string"))));
  }

  private TableTopicPipeline pipeline(List<Stream> streams, Map<String, String> extra, RecordProcessor processor) {
    Map<String, String> configs = new HashMap<>(Map.of(
        TableTopicConfig.ENABLE, "true", TableTopicConfig.CONVERT_VALUE_TYPE, "string",
        TableTopicConfig.COMMIT_INTERVAL_MS, "60000"));
    configs.putAll(extra);
    TableTopicConfig config = TableTopicConfig.parse(configs);
    return new TableTopicPipeline("orders", config, catalog, processor, streams, workers, scheduler);
  }

  private List<Record> rows() throws Exception {
    Table t = catalog.loadTable(TableIdentifier.of(Namespace.of("default"), "orders"));
    List<Record> out = new ArrayList<>();
    try (CloseableIterable<Record> it = IcebergGenerics.read(t).build()) {
      it.forEach(out::add);
    }
    return out;
  }

  private static Set<String> values(List<Record> rows) {
    Set<String> out = new HashSet<>();
    rows.forEach(r -> out.add((String) r.getField("value")));
    return out;
  }

  @Test
  void committedRecordsBecomeRowsWithMetadataAndOffsetsInTheSummary() throws Exception {
    // Given two partitions with records
    List<Stream> s = streams(2);
    append(s.get(0), 0, 10);
    append(s.get(1), 1, 5);

    // When the pipeline runs and commits
    try (TableTopicPipeline p = pipeline(s, Map.of())) {
      p.start().join();
      p.commitNow().join();
      assertEquals(10, p.committedOffset(0));
      assertEquals(5, p.committedOffset(1));
    }

    // Then the table has one row per record with its metadata, and the snapshot carries the offsets
    List<Record> rows = rows();
    assertEquals(15, rows.size());
    assertTrue(values(rows).contains("p1-4"));
    Record any = rows.stream().filter(r -> "p0-3".equals(r.getField("value"))).findFirst().orElseThrow();
    assertEquals("k3", any.getField("_kafka_key"));
    Record meta = (Record) any.getField("_kafka_metadata");
    assertEquals(0, meta.getField("partition"));
    assertEquals(3L, meta.getField("offset"));
    assertNotNull(meta.getField("timestamp"));
    Table t = catalog.loadTable(TableIdentifier.of(Namespace.of("default"), "orders"));
    assertEquals("{\"0\":10,\"1\":5}", t.currentSnapshot().summary().get(TableCommitter.OFFSETS));
  }

  @Test
  void aRestartedPipelineResumesFromTheTableWithoutDuplicates() throws Exception {
    List<Stream> s = streams(1);
    append(s.get(0), 0, 10);
    try (TableTopicPipeline p = pipeline(s, Map.of())) {
      p.start().join();
      p.commitNow().join();
    }
    // Records written but never committed (a crash before the commit) are not in the table...
    append(s.get(0), 0, 7);
    TableTopicPipeline crashed = pipeline(s, Map.of());
    crashed.start().join();
    crashed.close();

    // ...and a new pipeline writes them exactly once
    append(s.get(0), 0, 3);
    try (TableTopicPipeline p = pipeline(s, Map.of())) {
      p.start().join();
      p.commitNow().join();
    }
    List<Record> rows = rows();
    assertEquals(20, rows.size());
    assertEquals(20, values(rows).size());
  }

  /** Refuses the record at one offset of partition 0, like a value that cannot be converted. */
  private static RecordProcessor failingAt(long badOffset) {
    RecordProcessor ok = ConvertingRecordProcessor.forConfig(TableTopicConfig.parse(Map.of(TableTopicConfig.CONVERT_VALUE_TYPE, "string")));
    return new RecordProcessor() {
      @Override
      public org.apache.iceberg.Schema initialSchema() {
        return ok.initialSchema();
      }

      @Override
      public ProcessedRecord process(KafkaRecord record, org.apache.iceberg.Schema tableSchema) {
        return record.partition() == 0 && record.offset() == badOffset
            ? ProcessedRecord.Failure.invalidData("field x: expected long, got string") : ok.process(record, tableSchema);
      }
    };
  }

  @Test
  void errorsToleranceNoneStopsThePartitionAtTheBadRecordAndOthersGoOn() throws Exception {
    List<Stream> s = streams(2);
    append(s.get(0), 0, 10);
    append(s.get(1), 1, 10);
    try (TableTopicPipeline p = pipeline(s, Map.of(TableTopicConfig.ERRORS_TOLERANCE, "none"), failingAt(4))) {
      p.start().join();
      p.commitNow().join();
      // Partition 0 stops at offset 4 (0..3 committed), partition 1 is complete; the log keeps everything.
      assertEquals(4, p.committedOffset(0));
      assertEquals(10, p.committedOffset(1));
      assertEquals(1, p.metrics().blockedPartitions.get());
      append(s.get(0), 0, 5);
      p.commitNow().join();
      assertEquals(4, p.committedOffset(0));
    }
    assertEquals(14, rows().size());
    assertEquals(15, s.get(0).confirmedOffset());
  }

  @Test
  void errorsToleranceInvalidDataSkipsAndCountsTheBadRecord() throws Exception {
    List<Stream> s = streams(1);
    append(s.get(0), 0, 10);
    try (TableTopicPipeline p = pipeline(s, Map.of(TableTopicConfig.ERRORS_TOLERANCE, "invalid_data"), failingAt(4))) {
      p.start().join();
      p.commitNow().join();
      assertEquals(10, p.committedOffset(0));
      assertEquals(1, p.metrics().recordsSkipped.get());
    }
    Set<String> v = values(rows());
    assertEquals(9, v.size());
    assertTrue(!v.contains("p0-4"));
  }

  @Test
  void schemalessJsonRecordsOfOneChunkSettleAColumnsTypeBeforeTheTableIsEvolved() throws Exception {
    // Given one batch where v is first an integer, then a fraction
    List<Stream> s = streams(1);
    long base = s.get(0).nextOffset();
    ByteBuffer b = MemoryRecords.withRecords(base, Compression.NONE,
        new SimpleRecord(1L, null, "{\"v\": 1}".getBytes(StandardCharsets.UTF_8)),
        new SimpleRecord(2L, null, "{\"v\": 2.5, \"w\": \"x\"}".getBytes(StandardCharsets.UTF_8))).buffer();
    ByteBuf buf = Unpooled.directBuffer(b.remaining());
    buf.writeBytes(b);
    s.get(0).append(base, 2, 2L, buf).join();
    Map<String, String> json = Map.of(TableTopicConfig.CONVERT_VALUE_TYPE, "json",
        TableTopicConfig.TRANSFORM_VALUE_TYPE, "flatten");
    RecordProcessor processor = ConvertingRecordProcessor.forConfig(TableTopicConfig.parse(json));

    // When the table topic writes it
    try (TableTopicPipeline p = pipeline(s, json, processor)) {
      p.start().join();
      p.commitNow().join();
      assertEquals(0, p.metrics().recordsSkipped.get());
    }

    // Then v is a double column holding both values, rather than a long that refuses the second
    Table t = catalog.loadTable(TableIdentifier.of(Namespace.of("default"), "orders"));
    assertEquals(org.apache.iceberg.types.Types.DoubleType.get(), t.schema().findType("v"));
    Set<Object> v = new HashSet<>();
    rows().forEach(r -> v.add(r.getField("v")));
    assertEquals(Set.of(1.0, 2.5), v);
  }

  @Test
  void theTableMovesPastADeadLetteredRecordOnlyOnceTheDeadLetterTopicHasIt() throws Exception {
    // Given a bad record at offset 4 and a dead-letter topic that refuses the first write
    List<Stream> s = streams(1);
    append(s.get(0), 0, 10);
    java.util.concurrent.atomic.AtomicInteger refusals = new java.util.concurrent.atomic.AtomicInteger(1);
    List<Long> deadLettered = new java.util.concurrent.CopyOnWriteArrayList<>();
    io.floe.tabletopic.errors.DeadLetterProducer producer = (topic, key, value, headers) -> {
      if (refusals.getAndDecrement() > 0) {
        return java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException("not enough replicas"));
      }
      for (org.apache.kafka.common.header.Header h : headers) {
        if (h.key().equals(io.floe.tabletopic.errors.DeadLetterTopic.OFFSET)) {
          deadLettered.add(Long.parseLong(new String(h.value(), StandardCharsets.UTF_8)));
        }
      }
      assertEquals("orders-dead", topic);
      return java.util.concurrent.CompletableFuture.completedFuture(null);
    };
    Map<String, String> configs = new HashMap<>(Map.of(TableTopicConfig.ENABLE, "true",
        TableTopicConfig.CONVERT_VALUE_TYPE, "string", TableTopicConfig.ERRORS_DEAD_LETTER_TOPIC, "orders-dead"));
    TableTopicConfig config = TableTopicConfig.parse(configs);

    try (TableTopicPipeline p = new TableTopicPipeline("orders", config, catalog, failingAt(4), s, workers, scheduler,
        producer)) {
      p.start().join();
      // When the first commit finds the dead letter not acknowledged
      p.commitNow().join();
      // Then nothing is committed past it
      assertTrue(p.committedOffset(0) <= 4, "committed " + p.committedOffset(0));

      // And once the dead-letter topic takes it, the table moves on, the record sent again
      long deadline = System.currentTimeMillis() + 30_000;
      while (p.committedOffset(0) < 10 && System.currentTimeMillis() < deadline) {
        Thread.sleep(200);
        p.commitNow().join();
      }
      assertEquals(10, p.committedOffset(0));
      assertEquals(List.of(4L), deadLettered);
      assertEquals(1, p.metrics().recordsDeadLettered.get());
    }
    assertEquals(9, values(rows()).size());
  }

  @Test
  void aRecordWhoseConversionNeedsAnUnavailableServiceWaitsAndIsWrittenOnceItIsBack() throws Exception {
    // Given a record that fails as UNAVAILABLE (its registry is down) the first two times it is processed
    List<Stream> s = streams(1);
    append(s.get(0), 0, 10);
    RecordProcessor ok = ConvertingRecordProcessor.forConfig(TableTopicConfig.parse(Map.of(TableTopicConfig.CONVERT_VALUE_TYPE, "string")));
    java.util.concurrent.atomic.AtomicInteger outages = new java.util.concurrent.atomic.AtomicInteger(2);
    RecordProcessor flaky = new RecordProcessor() {
      @Override
      public org.apache.iceberg.Schema initialSchema() {
        return ok.initialSchema();
      }

      @Override
      public ProcessedRecord process(KafkaRecord record, org.apache.iceberg.Schema tableSchema) {
        if (record.offset() == 4 && outages.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
          return new ProcessedRecord.Failure(ProcessedRecord.Failure.Kind.UNAVAILABLE, "registry unreachable");
        }
        return ok.process(record, tableSchema);
      }
    };

    // When the pipeline runs with AutoMQ's default tolerance (invalid_data), which skips only bad data
    try (TableTopicPipeline p = pipeline(s, Map.of(), flaky)) {
      p.start().join();
      p.commitNow().join();
      // Then the partition waits at the record instead of skipping it...
      assertEquals(4, p.committedOffset(0));
      long deadline = System.currentTimeMillis() + 30_000;
      while (p.committedOffset(0) < 10 && System.currentTimeMillis() < deadline) {
        Thread.sleep(200);
        p.commitNow().join();
      }
      // ...and writes it and the rest once the service answers, losing nothing
      assertEquals(10, p.committedOffset(0));
      assertEquals(2, p.metrics().failureRetries.get());
      assertEquals(0, p.metrics().recordsSkipped.get());
    }
    assertEquals(10, values(rows()).size());
  }

  @Test
  void recordsDeletedFromTheLogBeforeTheTableHadThemAreSkippedCountedAndRecorded() throws Exception {
    // Given a table with offsets 0..2, then records 3..9 of which 3..5 are deleted from the log
    // (DeleteRecords, or retention with retention.wait.for.table=false) before the table had them
    List<Stream> s = streams(1);
    append(s.get(0), 0, 3);
    try (TableTopicPipeline p = pipeline(s, Map.of())) {
      p.start().join();
      p.commitNow().join();
    }
    append(s.get(0), 0, 3);
    append(s.get(0), 0, 4);
    s.get(0).trim(6).join();

    // When the pipeline resumes
    try (TableTopicPipeline p = pipeline(s, Map.of())) {
      p.start().join();
      p.commitNow().join();
      // Then it does not get stuck on the gap: the rest is written, and the gap is counted and recorded
      assertEquals(10, p.committedOffset(0));
      assertEquals(3, p.metrics().offsetsLost.get());
    }
    assertEquals(7, rows().size());
    Table t = catalog.loadTable(TableIdentifier.of(Namespace.of("default"), "orders"));
    assertEquals("3-6", t.currentSnapshot().summary().get("floe.kafka.lost.0"));
  }

  @Test
  void aConflictingCommitIsNotAppliedTwice() throws Exception {
    // Given a pipeline that has written records but not committed them
    List<Stream> s = streams(1);
    append(s.get(0), 0, 10);
    try (TableTopicPipeline p = pipeline(s, Map.of())) {
      p.start().join();
      p.commitNow().join();
      append(s.get(0), 0, 5);

      // When another writer commits to the table meanwhile (here: the same offsets, like a zombie)
      Table t = catalog.loadTable(TableIdentifier.of(Namespace.of("default"), "orders"));
      t.newAppend().set(TableCommitter.OFFSETS, "{\"0\":12}").commit();
      p.commitNow().join();

      // Then the pipeline's commit conflicted, it resumed from the table's offset 12 and wrote 12..14 once
      assertTrue(p.metrics().commitConflicts.get() >= 1);
      p.commitNow().join();
      assertEquals(15, p.committedOffset(0));
    }
    Set<String> v = values(rows());
    assertEquals(13, rows().size()); // 0..9 and 12..14: 10 and 11 belong to the other writer's commit
    assertTrue(v.contains("p0-14") && !v.contains("p0-10"));
  }

}
