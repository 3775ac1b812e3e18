package io.floe.tabletopic.maintenance;

import io.floe.tabletopic.commit.TableCommitCoordinator;
import io.floe.tabletopic.commit.TableCommitter.Outcome;
import io.floe.tabletopic.config.TableTopicConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A table topic's background maintenance, run on its table's serial executor right after a commit (so it
 * never races ingestion) at most once per {@code maintenance.interval.ms}: data files with deletes are
 * rewritten with the deletes applied and small files merged ({@link RewritePlanner}), committed through the
 * commit coordinator on top of the snapshot it planned from; then files of failed commits are deleted ({@link
 * OrphanFiles}). Snapshot expiry stays with the coordinator.
 */
public final class TableMaintenance {

  private static final Logger LOG = LoggerFactory.getLogger(TableMaintenance.class);

  private final TableTopicConfig config;
  private final TableCommitCoordinator coordinator;
  private final DataFileRewriter rewriter;
  private final Counters counters;
  private long lastRunMs;
  private boolean toldCannotList;

  /** What maintenance did, for metrics. */
  public record Counters(AtomicLong rewrites, AtomicLong filesRewritten, AtomicLong deleteFilesRemoved,
      AtomicLong orphansDeleted) {
    public Counters() {
      this(new AtomicLong(), new AtomicLong(), new AtomicLong(), new AtomicLong());
    }
  }

  public TableMaintenance(TableTopicConfig config, TableCommitCoordinator coordinator, long rowGroupBytes,
      Counters counters) {
    this.config = config;
    this.coordinator = coordinator;
    this.rewriter = new DataFileRewriter(rowGroupBytes);
    this.counters = counters;
    this.lastRunMs = System.currentTimeMillis();
  }

  /**
   * Runs maintenance if it is due; {@code offsets} are the table's committed offsets, carried by the rewrite's
   * snapshot. Returns true if data files were replaced (row positions changed: a key index must be read again).
   * Never throws: a failure is logged and the next run tries again.
   */
  public boolean maybeRun(long nowMs, Map<Integer, Long> offsets) {
    if (!config.maintenance().enabled() || nowMs - lastRunMs < config.maintenance().intervalMs()
        || !coordinator.tableExists()) {
      return false;
    }
    lastRunMs = nowMs;
    return run(nowMs, offsets);
  }

  /** Runs maintenance now (tests, and {@link #maybeRun}); see there. */
  public boolean run(long nowMs, Map<Integer, Long> offsets) {
    boolean rewrote = false;
    try {
      rewrote = rewrite(offsets);
    } catch (RuntimeException e) {
      LOG.warn("Table {}: rewriting data files failed; tried again at the next run", coordinator.tableName(), e);
    }
    try {
      int orphans = OrphanFiles.delete(coordinator.table(), nowMs - config.maintenance().orphanFilesOlderThanMs());
      if (orphans < 0 && !toldCannotList) {
        toldCannotList = true;
        LOG.info("Table {}: its file IO cannot list files, so files of failed commits are not removed",
            coordinator.tableName());
      }
      if (orphans > 0) {
        counters.orphansDeleted().addAndGet(orphans);
        LOG.info("Table {}: deleted {} files no snapshot references", coordinator.tableName(), orphans);
      }
    } catch (RuntimeException e) {
      LOG.warn("Table {}: removing orphan files failed; tried again at the next run", coordinator.tableName(), e);
    }
    return rewrote;
  }

  private boolean rewrite(Map<Integer, Long> offsets) {
    Table table = coordinator.table();
    TableTopicConfig.Maintenance m = config.maintenance();
    RewritePlanner planner = new RewritePlanner(new RewritePlanner.Thresholds(m.deleteFileThreshold(),
        m.minInputFiles(), m.smallFileBytes(), m.maxRewriteBytes()));
    RewritePlanner.Plan plan = planner.plan(table);
    for (RewritePlanner.Group g : plan.tooLarge()) {
      LOG.warn("Table {}: partition {} needs a rewrite ({}) but holds {} bytes, more than"
          + " {}={}; it is left as it is", coordinator.tableName(), g.partition(), g.reason(), g.inputBytes(),
          TableTopicConfig.MAINTENANCE_MAX_REWRITE_BYTES, m.maxRewriteBytes());
    }
    if (plan.groups().isEmpty()) {
      return false;
    }
    long startMs = System.currentTimeMillis();
    List<FileScanTask> tasks = new ArrayList<>();
    Set<DeleteFile> deletes = new HashSet<>();
    for (RewritePlanner.Group g : plan.groups()) {
      tasks.addAll(g.dataFiles());
      deletes.addAll(g.deleteFiles());
    }
    List<DataFile> replaced = tasks.stream().map(FileScanTask::file).toList();
    DataFileRewriter.Result result = rewriter.rewrite(coordinator.writeTarget(), tasks);
    List<DataFile> added = Arrays.asList(result.files().dataFiles());
    Outcome outcome = coordinator.commitRewrite(replaced, List.copyOf(deletes), added, offsets);
    if (outcome.kind() != Outcome.Kind.COMMITTED) {
      if (outcome.kind() == Outcome.Kind.CONFLICT) {
        added.forEach(f -> coordinator.deleteUncommitted(f.location()));
      }
      LOG.warn("Table {}: the rewrite was not committed ({}); tried again at the next run", coordinator.tableName(),
          outcome.detail());
      return true;
    }
    counters.rewrites().incrementAndGet();
    counters.filesRewritten().addAndGet(replaced.size());
    counters.deleteFilesRemoved().addAndGet(deletes.size());
    LOG.info("Table {}: rewrote {} data files and {} delete files of {} partitions into {} data files ({} rows) in"
        + " {} ms", coordinator.tableName(), replaced.size(), deletes.size(), plan.groups().size(), added.size(),
        result.rows(), System.currentTimeMillis() - startMs);
    return true;
  }
}
