package io.floe.tabletopic.worker;

import io.floe.storage.stream.Stream;
import io.floe.tabletopic.commit.TableChanges;
import io.floe.tabletopic.commit.TableCommitCoordinator;
import io.floe.tabletopic.commit.TableCommitter.CommittedState;
import io.floe.tabletopic.commit.TableCommitter.Outcome;
import io.floe.tabletopic.config.TableTopicConfig;
import io.floe.tabletopic.errors.DeadLetterProducer;
import io.floe.tabletopic.errors.DeadLetterTopic;
import io.floe.tabletopic.errors.DroppedRecords;
import io.floe.tabletopic.errors.ErrorSink;
import io.floe.tabletopic.index.KeyIndex;
import io.floe.tabletopic.maintenance.TableMaintenance;
import io.floe.tabletopic.writer.AppendingTableWriter;
import io.floe.tabletopic.writer.DeltaTableWriter;
import io.floe.tabletopic.writer.TableWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.iceberg.io.WriteResult;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one topic's committed records into an Iceberg table. Records are converted and written to Parquet
 * data files as they are confirmed in the log; every {@code commit.interval.ms} the files of all
 * partitions are committed as one snapshot whose summary carries every partition's next offset, so a
 * restart resumes exactly where the table ends (no duplicate, no gap).
 *
 * <p>All work of one table runs on one serial executor: draining the log and committing never overlap.
 */
public final class TableTopicPipeline implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TableTopicPipeline.class);
  /** Bytes read from one partition per read call. */
  static final int READ_BYTES = 4 << 20;
  /**
   * Bytes of records (keys and values, decompressed) one drain pass takes from a partition before letting a
   * commit or another partition run: about a second of conversion, so commits keep their interval under load.
   */
  static final long DRAIN_BYTES_PER_PASS = 8L << 20;
  /** Parquet row groups are buffered in memory: this bounds that buffer per open file. */
  static final long ROW_GROUP_BYTES = 16L << 20;
  /** Schema versions one chunk of records may bring before its records are taken one by one. */
  static final int MAX_EVOLUTIONS_PER_CHUNK = 8;
  /** How long a commit waits for the dead-letter topic to acknowledge the records sent to it. */
  static final long DEAD_LETTER_TIMEOUT_MS = 30_000;
  /** How long a partition waits before trying again a record whose conversion needs an unavailable service. */
  static final long RETRY_DELAY_MS = 5_000;

  private final String topic;
  private final TableTopicConfig config;
  private final RecordProcessor processor;
  private final Executor serial;
  private final ScheduledExecutorService scheduler;
  private final TableTopicMetrics metrics = new TableTopicMetrics();
  private final ErrorSink errors;
  private final LogRecordReader reader = new LogRecordReader();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final Map<Integer, Long> committedView = new ConcurrentHashMap<>();
  private final TableIdentifier tableId;
  private volatile List<Stream> streams;
  private final List<Runnable> listeners = new ArrayList<>();
  private volatile boolean closed;
  private ScheduledFuture<?> commitTask;

  // Everything below is touched only on the serial executor.
  private final TableCommitCoordinator coordinator;
  private final TableMaintenance maintenance;
  private final Map<Integer, Long> committed = new HashMap<>();
  private final Map<Integer, Long> written = new HashMap<>();
  /** Partitions stopped at a record (errors.tolerance=none) or pausing before trying it again, with why. */
  private final Map<Integer, String> blocked = new HashMap<>();
  /** Of {@link #blocked}, the partitions stopped by errors.tolerance=none (until a re-drive or a restart). */
  private final java.util.Set<Integer> stopped = new java.util.HashSet<>();
  private final Map<Integer, long[]> lostRanges = new TreeMap<>();
  /** What each writer closed since the last commit wrote, in order: committed as one snapshot each. */
  private final List<WriteResult> pending = new ArrayList<>();
  /** Whether the next commit empties the table before it adds what is pending. */
  private boolean pendingTruncate;
  private TableWriter writer;
  /**
   * Where the live rows of an identified table are, as of the last commit plus what is pending; null until a
   * writer of identified rows needs it, and dropped whenever pending files are.
   */
  private KeyIndex keyIndex;
  private long lastExpireMs;

  public TableTopicPipeline(String topic, TableTopicConfig config, Catalog catalog, RecordProcessor processor,
      List<Stream> streams, Executor workers, ScheduledExecutorService scheduler) {
    this(topic, config, catalog, processor, streams, workers, scheduler, (t, k, v, h) ->
        CompletableFuture.failedFuture(new IllegalStateException("Cannot write to dead-letter topic " + t
            + ": this table topic was started without a producer")));
  }

  /** @param deadLetters appends records to the dead-letter topic, if the config names one */
  public TableTopicPipeline(String topic, TableTopicConfig config, Catalog catalog, RecordProcessor processor,
      List<Stream> streams, Executor workers, ScheduledExecutorService scheduler, DeadLetterProducer deadLetters) {
    this.topic = topic;
    this.config = config;
    this.processor = processor;
    this.streams = List.copyOf(streams);
    this.errors = ErrorSink.forTolerance(config.errorsTolerance(), config.deadLetterTopic().isEmpty()
        ? new DroppedRecords()
        : new DeadLetterTopic(config.deadLetterTopic(), deadLetters, metrics.recordsDeadLettered));
    this.serial = new SerialExecutor(workers);
    this.scheduler = scheduler;
    this.tableId = TableIdentifier.of(Namespace.of(config.namespace()), topic);
    this.coordinator = new TableCommitCoordinator(catalog, tableId, topic, config, processor::initialSchema);
    this.maintenance = new TableMaintenance(config, coordinator, ROW_GROUP_BYTES, metrics.maintenance);
    metrics.lagRecords = this::lagRecords;
  }

  public String topic() {
    return topic;
  }

  public TableIdentifier tableId() {
    return tableId;
  }

  public TableTopicConfig config() {
    return config;
  }

  public TableTopicMetrics metrics() {
    return metrics;
  }

  /** The next offset of {@code partition} that is committed to the table (-1 if unknown yet). */
  public long committedOffset(int partition) {
    return committedView.getOrDefault(partition, -1L);
  }

  /**
   * Records confirmed in the log that the table does not hold yet, over all partitions (any thread; the offsets
   * are read without the table's executor, so the figure is a moment's).
   */
  public long lagRecords() {
    long lag = 0;
    List<Stream> s = streams;
    for (int p = 0; p < s.size(); p++) {
      long committed = committedView.getOrDefault(p, s.get(p).startOffset());
      lag += Math.max(0, s.get(p).confirmedOffset() - committed);
    }
    return lag;
  }

  /** Loads the table's committed offsets, then starts following the log and committing. */
  public CompletableFuture<Void> start() {
    CompletableFuture<Void> started = new CompletableFuture<>();
    serial.execute(() -> {
      try {
        load();
        started.complete(null);
      } catch (RuntimeException e) {
        started.completeExceptionally(e);
      }
    });
    return started.thenRun(() -> {
      subscribe(streams);
      // Fixed rate: a record waits at most one interval plus one commit, however long commits take.
      commitTask = scheduler.scheduleAtFixedRate(() -> serial.execute(this::commit),
          config.commitIntervalMs(), config.commitIntervalMs(), TimeUnit.MILLISECONDS);
      scheduleDrain();
      LOG.info("Table topic {} writes to table {} (commit every {} ms, values {}/{}), resuming at {}", topic, tableId,
          config.commitIntervalMs(), config.convertValueType(), config.transformValueType(), committedView);
    });
  }

  /**
   * The topic gained partitions, or a partition's stream was reopened after a storage failure: follow the
   * new streams. Offsets are untouched: the table resumes where it is.
   */
  public void updateStreams(List<Stream> newStreams) {
    List<Stream> copy = List.copyOf(newStreams);
    serial.execute(() -> {
      for (int p = 0; p < copy.size(); p++) {
        long start = copy.get(p).startOffset();
        committed.putIfAbsent(p, start);
        written.putIfAbsent(p, committed.get(p));
        committedView.putIfAbsent(p, committed.get(p));
      }
    });
    synchronized (listeners) {
      List<Stream> old = streams;
      for (int p = 0; p < copy.size(); p++) {
        if (p < old.size() && old.get(p) == copy.get(p)) {
          continue;
        }
        if (p < old.size() && p < listeners.size()) {
          old.get(p).removeConfirmListener(listeners.get(p));
          Runnable l = this::scheduleDrain;
          listeners.set(p, l);
          copy.get(p).addConfirmListener(l);
        } else {
          subscribe(copy.get(p));
        }
      }
      streams = copy;
    }
    scheduleDrain();
  }

  private void subscribe(List<Stream> all) {
    synchronized (listeners) {
      all.forEach(this::subscribe);
    }
  }

  private void subscribe(Stream s) {
    Runnable l = this::scheduleDrain;
    listeners.add(l);
    s.addConfirmListener(l);
  }

  private void scheduleDrain() {
    if (!closed && drainScheduled.compareAndSet(false, true)) {
      serial.execute(() -> {
        drainScheduled.set(false);
        drain();
      });
    }
  }

  // ------------------------------------------------------------------ state

  private void load() {
    CommittedState state = coordinator.reload();
    committed.clear();
    committed.putAll(state.offsets());
    List<Stream> s = streams;
    for (int p = 0; p < s.size(); p++) {
      committed.putIfAbsent(p, s.get(p).startOffset());
    }
    written.clear();
    written.putAll(committed);
    committedView.putAll(committed);
    blocked.clear();
    metrics.blockedPartitions.addAndGet(-stopped.size());
    stopped.clear();
    keyIndex = null;
    // read the key index now rather than when the first change arrives, which would then wait for it
    List<String> ids = processor.identifierColumns();
    if (!ids.isEmpty() && coordinator.tableExists()) {
      keyIndex(ids);
    }
  }

  // ------------------------------------------------------------------ drain

  private void drain() {
    if (closed) {
      return;
    }
    boolean more = false;
    List<Stream> s = streams;
    try {
      for (int p = 0; p < s.size(); p++) {
        if (blocked.containsKey(p)) {
          continue;
        }
        more |= drainPartition(p, s.get(p));
      }
    } catch (RuntimeException e) {
      // Storage or table trouble (not a bad record): drop what is open and write it again from the
      // committed offsets after a pause.
      LOG.warn("Table topic {}: writing failed, retrying from the committed offsets", topic, e);
      rewindToCommitted();
      return;
    }
    if (more) {
      scheduleDrain();
    }
  }

  /** Writes what is committed in the log after {@code written}; returns true if more remains. */
  private boolean drainPartition(int partition, Stream stream) {
    long budget = DRAIN_BYTES_PER_PASS;
    while (!closed && written.get(partition) < stream.confirmedOffset() && budget > 0 && !blocked.containsKey(partition)) {
      long from = written.get(partition);
      LogRecordReader.Progress progress = reader.read(stream, partition, from, READ_BYTES, c -> write(partition, c));
      if (progress.skipped()) {
        long lost = progress.skippedTo() - progress.skippedFrom();
        metrics.offsetsLost.addAndGet(lost);
        lostRanges.merge(partition, new long[] {progress.skippedFrom(), progress.skippedTo()},
            (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
        LOG.warn("Table topic {} partition {}: offsets {}..{} were deleted from the log (retention or DeleteRecords) "
            + "before the table had them; {} records are missing from table {}", topic, partition,
            progress.skippedFrom(), progress.skippedTo() - 1, lost, tableId);
      }
      if (progress.nextOffset() == from && !progress.skipped() && !blocked.containsKey(partition)) {
        return false;
      }
      written.put(partition, progress.nextOffset());
      budget -= Math.max(progress.recordBytes(), 1);
    }
    return !closed && !blocked.containsKey(partition) && written.get(partition) < stream.confirmedOffset();
  }

  /**
   * Converts and writes a chunk of consecutive records, evolving the table first if the chunk needs it (once
   * per schema version it holds, at most {@value #MAX_EVOLUTIONS_PER_CHUNK} times); returns how many records
   * were taken: fewer stops the partition at the first not taken (errors.tolerance=none, or a retry).
   */
  private int write(int partition, List<KafkaRecord> chunk) {
    List<ProcessedRecord> processed = processor.process(chunk, coordinator.schema());
    for (int attempt = 0; needsSchema(processed) != null && attempt < MAX_EVOLUTIONS_PER_CHUNK; attempt++) {
      evolve(needsSchema(processed).columns());
      processed = processor.process(chunk, coordinator.schema());
    }
    if (needsSchema(processed) != null) {
      // the chunk's needs did not settle: take its records one by one
      for (int i = 0; i < chunk.size(); i++) {
        if (!write(partition, chunk.get(i))) {
          return i;
        }
      }
      return chunk.size();
    }
    for (int i = 0; i < chunk.size(); i++) {
      if (!apply(partition, chunk.get(i), processed.get(i))) {
        return i;
      }
    }
    return chunk.size();
  }

  private static ProcessedRecord.SchemaNeeded needsSchema(List<ProcessedRecord> processed) {
    return processed.size() == 1 && processed.get(0) instanceof ProcessedRecord.SchemaNeeded need ? need : null;
  }

  /** Converts and writes one record; false stops the partition at this record. */
  private boolean write(int partition, KafkaRecord record) {
    ProcessedRecord processed = processor.process(record, coordinator.schema());
    for (int attempt = 0; processed instanceof ProcessedRecord.SchemaNeeded need && attempt < 3; attempt++) {
      evolve(need.columns());
      processed = processor.process(record, coordinator.schema());
    }
    return apply(partition, record, processed);
  }

  /** Writes a processed record's row, or applies the error sink's decision; false stops the partition here. */
  private boolean apply(int partition, KafkaRecord record, ProcessedRecord processed) {
    if (processed instanceof ProcessedRecord.RowChange change) {
      TableWriter w = writer();
      switch (change.operation()) {
        case INSERT -> w.write(change.row());
        case UPSERT -> w.upsert(change.row());
        case DELETE -> w.delete(change.row());
        default -> throw new IllegalStateException("Unknown operation " + change.operation());
      }
      metrics.recordsWritten.incrementAndGet();
      if (w.full()) {
        closeWriterIntoPending();
      }
      return true;
    }
    if (processed instanceof ProcessedRecord.Truncate truncate) {
      truncate(partition, record, truncate);
      return true;
    }
    if (processed instanceof ProcessedRecord.Ignored) {
      return true;
    }
    ProcessedRecord.Failure failure = processed instanceof ProcessedRecord.Failure f
        ? f : ProcessedRecord.Failure.invalidData("the schema kept changing while converting it");
    switch (errors.onFailure(topic, record, failure)) {
      case SKIP -> {
        metrics.recordsSkipped.incrementAndGet();
        return true;
      }
      case STOP -> {
        blocked.put(partition, failure.message());
        if (stopped.add(partition)) {
          metrics.blockedPartitions.incrementAndGet();
        }
        return false;
      }
      case RETRY_LATER -> {
        pause(partition, failure.message());
        return false;
      }
      default -> throw new IllegalStateException("Unknown decision for " + failure);
    }
  }

  /**
   * Tries again the records that stopped partitions under {@code errors.tolerance=none}, after the cause was
   * fixed (a schema registered, .proto files corrected): they are read on from the record they stopped at,
   * and stop there again if it still cannot be converted. Completes with how many partitions were stopped.
   */
  public CompletableFuture<Integer> redrive() {
    CompletableFuture<Integer> done = new CompletableFuture<>();
    serial.execute(() -> {
      int n = stopped.size();
      stopped.forEach(blocked::remove);
      stopped.clear();
      metrics.blockedPartitions.addAndGet(-n);
      if (n > 0) {
        LOG.info("Table topic {}: re-driving {} stopped partition(s)", topic, n);
        scheduleDrain();
      }
      done.complete(n);
    });
    return done;
  }

  /** Stops reading {@code partition} for {@link #RETRY_DELAY_MS}, then reads on from the same record. */
  private void pause(int partition, String reason) {
    blocked.put(partition, reason);
    metrics.failureRetries.incrementAndGet();
    scheduler.schedule(() -> serial.execute(() -> {
      if (blocked.remove(partition, reason)) {
        scheduleDrain();
      }
    }), RETRY_DELAY_MS, TimeUnit.MILLISECONDS);
  }

  /**
   * Empties the table at this record: what is written but not committed is dropped (the truncate removes it
   * anyway), and the next commit deletes every data file before it adds what follows.
   */
  private void truncate(int partition, KafkaRecord record, ProcessedRecord.Truncate truncate) {
    dropUncommittedFiles();
    pendingTruncate = true;
    if (keyIndex != null) {
      keyIndex.clear();
    }
    metrics.truncates.incrementAndGet();
    LOG.info("Table topic {} partition {} offset {}: source table {} was truncated; table {} is emptied with the next"
        + " commit", topic, partition, record.offset(), truncate.source(), tableId);
  }

  private TableWriter writer() {
    if (writer == null) {
      List<String> ids = processor.identifierColumns();
      writer = ids.isEmpty()
          ? new AppendingTableWriter(coordinator.writeTarget(), ROW_GROUP_BYTES)
          : new DeltaTableWriter(coordinator.writeTarget(), keyIndex(ids), metrics.equalityDeletes, ROW_GROUP_BYTES);
    }
    return writer;
  }

  /** The key index of {@code ids}, read from the table if there is none yet (or it was of other columns). */
  private KeyIndex keyIndex(List<String> ids) {
    if (keyIndex == null || !keyIndex.columns().equals(ids)) {
      KeyIndex index = new KeyIndex(ids, config.keyIndexMaxBytes());
      if (!pendingTruncate) {
        long start = System.nanoTime();
        index.rebuild(coordinator.writeTarget());
        LOG.info("Table {}: key index of {} holds {} keys ({} bytes{}), read in {} ms", tableId, ids, index.size(),
            index.estimatedBytes(), index.complete() ? "" : ", incomplete: equality deletes for the rest",
            (System.nanoTime() - start) / 1_000_000);
      }
      keyIndex = index;
    }
    return keyIndex;
  }

  /** Stages the schema change a record needs; it is committed with the next data commit. */
  private void evolve(List<Types.NestedField> columns) {
    closeWriterIntoPending();
    coordinator.evolve(columns);
    metrics.schemaChanges.incrementAndGet();
  }

  private void closeWriterIntoPending() {
    if (writer == null) {
      return;
    }
    try {
      pending.add(writer.complete());
    } finally {
      writer = null;
    }
  }

  private void abortOpenFiles() {
    dropUncommittedFiles();
    keyIndex = null;
  }

  /** Deletes the open writer's files and those pending for the next commit, and forgets a pending truncate. */
  private void dropUncommittedFiles() {
    if (writer != null) {
      writer.abort();
      writer = null;
    }
    deleteFiles(pending);
    forgetPending();
  }

  private boolean nothingPending() {
    return writer == null && pending.isEmpty() && !pendingTruncate;
  }

  /** Nothing is pending for the next commit any more: it was committed, or it is dropped. */
  private void forgetPending() {
    pending.clear();
    pendingTruncate = false;
  }

  private void deleteFiles(List<WriteResult> results) {
    for (WriteResult r : results) {
      Arrays.stream(r.dataFiles()).forEach(f -> coordinator.deleteUncommitted(f.location()));
      Arrays.stream(r.deleteFiles()).forEach(f -> coordinator.deleteUncommitted(f.location()));
    }
  }

  // ------------------------------------------------------------------ commit

  private void commit() {
    if (closed) {
      return;
    }
    try {
      closeWriterIntoPending();
      boolean advanced = !written.equals(committed);
      // offsets that moved only past skipped records are committed too (creating the table if needed), so
      // they are not skipped, or dead-lettered, again after a restart
      if (!advanced && pending.isEmpty() && !pendingTruncate) {
        coordinator.maybeExpireSnapshots(System.currentTimeMillis());
        maintain();
        return;
      }
      if (!deadLettersDurable()) {
        return;
      }
      Map<String, String> extra = new HashMap<>();
      lostRanges.forEach((p, r) -> extra.put("floe.kafka.lost." + p, r[0] + "-" + r[1]));
      Map<Integer, Long> offsets = new TreeMap<>(written);
      List<WriteResult> files = List.copyOf(pending);
      Outcome outcome = coordinator.commitWrites(new TableChanges(pendingTruncate, files), offsets, extra);
      switch (outcome.kind()) {
        case COMMITTED -> {
          committed.clear();
          committed.putAll(offsets);
          committedView.putAll(offsets);
          forgetPending();
          lostRanges.clear();
          metrics.commits.incrementAndGet();
          metrics.lastCommitMs.set(System.currentTimeMillis());
          LOG.debug("Table {} committed snapshot {} with {} files up to offsets {}", tableId, outcome.snapshotId(),
              files.size(), offsets);
          coordinator.maybeExpireSnapshots(System.currentTimeMillis());
          maintain();
        }
        case CONFLICT -> {
          metrics.commitConflicts.incrementAndGet();
          deleteFiles(files);
          forgetPending();
          reloadAfterFailedCommit();
        }
        case TABLE_DROPPED -> {
          // the table is created again by the next writer, holding the records from the offsets last committed
          deleteFiles(files);
          forgetPending();
          keyIndex = null;
          written.clear();
          written.putAll(committed);
          LOG.warn("Table topic {}: table {} was dropped; it is created again with the records from offsets {}",
              topic, tableId, committed);
          scheduleDrain();
        }
        case NOT_COMMITTED -> {
          // The outcome was unknown and the commit is not in the table: its files are left alone (Iceberg's
          // contract), and the records are written again from the table's offsets.
          metrics.commitFailures.incrementAndGet();
          forgetPending();
          reloadAfterFailedCommit();
        }
        default -> throw new IllegalStateException(outcome.kind().toString());
      }
    } catch (RuntimeException e) {
      // Nothing was committed (unknown outcomes are handled above): keep the files and offsets and try again
      // at the next interval.
      metrics.commitFailures.incrementAndGet();
      LOG.warn("Table topic {}: commit to {} failed; it is retried at the next interval", topic, tableId, e);
    }
  }

  /** Runs table maintenance if due; only when nothing is pending, so it replaces no file an uncommitted delete names. */
  private void maintain() {
    if (nothingPending() && maintenance.maybeRun(System.currentTimeMillis(), committed)) {
      keyIndex = null;
    }
  }

  /**
   * Waits for the records sent to the dead-letter topic; if one is not acknowledged, nothing is committed and
   * the records are written again from the committed offsets (so the dead letters are sent again).
   */
  private boolean deadLettersDurable() {
    try {
      errors.flush().get(DEAD_LETTER_TIMEOUT_MS, TimeUnit.MILLISECONDS);
      return true;
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      metrics.commitFailures.incrementAndGet();
      LOG.warn("Table topic {}: skipped records did not reach the dead-letter topic {} ({}); nothing is committed"
          + " and the records are read again from the committed offsets", topic, config.deadLetterTopic(),
          e.toString());
      rewindToCommitted();
      return false;
    }
  }

  /** Drops what is written but not committed and reads it again from the committed offsets after a pause. */
  private void rewindToCommitted() {
    abortOpenFiles();
    written.clear();
    written.putAll(committed);
    scheduler.schedule(this::scheduleDrain, 1, TimeUnit.SECONDS);
  }

  private void reloadAfterFailedCommit() {
    dropUncommittedFiles();
    keyIndex = null;
    CommittedState state = coordinator.reload();
    committed.putAll(state.offsets());
    written.clear();
    written.putAll(committed);
    committedView.putAll(committed);
    lostRanges.clear();
    LOG.info("Table topic {} resumes from the table's offsets {}", topic, committed);
    scheduleDrain();
  }

  /** Commits what is written now (used at shutdown and by tests); completes when done. */
  public CompletableFuture<Void> commitNow() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    serial.execute(() -> {
      drain();
      commit();
      done.complete(null);
    });
    return done;
  }

  /**
   * Commits what is written, then runs table maintenance as if it were {@code nowMs} (tests); completes with
   * whether data files were replaced.
   */
  public CompletableFuture<Boolean> maintainNow(long nowMs) {
    CompletableFuture<Boolean> done = new CompletableFuture<>();
    serial.execute(() -> {
      drain();
      commit();
      boolean rewrote = nothingPending() && coordinator.tableExists() && maintenance.run(nowMs, committed);
      if (rewrote) {
        keyIndex = null;
      }
      done.complete(rewrote);
    });
    return done;
  }

  /** Stops following the log. Files not yet committed are deleted; the table resumes from its offsets. */
  @Override
  public void close() {
    closed = true;
    if (commitTask != null) {
      commitTask.cancel(false);
    }
    synchronized (listeners) {
      List<Stream> s = streams;
      for (int i = 0; i < listeners.size() && i < s.size(); i++) {
        s.get(i).removeConfirmListener(listeners.get(i));
      }
      listeners.clear();
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    serial.execute(() -> {
      if (coordinator.tableExists()) {
        abortOpenFiles();
      }
      done.complete(null);
    });
    try {
      done.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("Table topic {} did not stop within 30 s", topic, e);
    }
  }
}
