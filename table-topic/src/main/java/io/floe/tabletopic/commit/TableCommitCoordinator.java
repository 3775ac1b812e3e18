package io.floe.tabletopic.commit;

import io.floe.schema.SchemaEvolution;
import io.floe.tabletopic.commit.TableCommitter.CommittedState;
import io.floe.tabletopic.commit.TableCommitter.Outcome;
import io.floe.tabletopic.config.TableTopicConfig;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.BaseTable;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.RewriteFiles;
import org.apache.iceberg.RowDelta;
import org.apache.iceberg.SnapshotUpdate;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.UpdateSchema;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.WriteResult;
import org.apache.iceberg.types.Types;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only code that commits to one table topic's table: its creation, schema and partition-spec changes,
 * data commits with every partition's next offset in the snapshot summary, and snapshot expiry. Used on the
 * table's serial executor only.
 *
 * <p>Exactly once: every change after creation commits only on top of the snapshot and schema this
 * coordinator last read ({@link ConditionalTableOperations}), and Iceberg never re-applies it elsewhere. A
 * schema change a record needs is staged in a transaction and committed atomically with the first data that
 * needs it, so the table never shows columns of records it does not hold, and a conflict or crash drops both.
 *
 * <p>Outcomes of {@link #commitWrites}: {@code COMMITTED}; {@code CONFLICT} (nothing was committed: call {@link
 * #reload()} and write again from its offsets); {@code NOT_COMMITTED} (the outcome was unknown and the table
 * does not have the commit: its files are left alone, Iceberg's contract, and the caller reloads likewise);
 * {@code TABLE_DROPPED} (someone dropped the table: the caller writes again from the offsets it last committed,
 * and the next write creates the table anew).
 */
public final class TableCommitCoordinator {

  private static final Logger LOG = LoggerFactory.getLogger(TableCommitCoordinator.class);
  /** Expiry runs at most this often, however short {@code expire.snapshot.older.than.hours} is. */
  static final long MAX_EXPIRE_INTERVAL_MS = 600_000L;
  /** Snapshot summary key of maintenance commits: what they did. */
  public static final String MAINTENANCE = "floe.maintenance";

  private final Catalog catalog;
  private final TableIdentifier tableId;
  private final String topic;
  private final TableTopicConfig config;
  private final Supplier<Schema> initialSchema;

  private Table table;
  private long snapshotId = -1;
  private int schemaId = -1;
  private Transaction staged;
  private Schema initial;
  private long lastExpireMs;
  /** The file IO of the table last dropped, to delete the files written for it. */
  private FileIO droppedTableIo;

  /**
   * @param initialSchema the schema a table is created with when it does not exist
   */
  public TableCommitCoordinator(Catalog catalog, TableIdentifier tableId, String topic, TableTopicConfig config,
      Supplier<Schema> initialSchema) {
    this.catalog = catalog;
    this.tableId = tableId;
    this.topic = topic;
    this.config = config;
    this.initialSchema = initialSchema;
  }

  /** Reads what the table has committed (no offsets if it does not exist); drops any staged change. */
  public CommittedState reload() {
    staged = null;
    if (table == null && !catalog.tableExists(tableId)) {
      snapshotId = -1;
      schemaId = -1;
      return new CommittedState(-1, Map.of());
    }
    if (table == null) {
      table = catalog.loadTable(tableId);
    }
    CommittedState state = TableCommitter.load(table);
    snapshotId = state.snapshotId();
    schemaId = table.schema().schemaId();
    return state;
  }

  /** The table's name, for logs. */
  public String tableName() {
    return tableId.toString();
  }

  /** The table as last read or committed (to read, never to commit to); null if it does not exist yet. */
  public Table table() {
    return table;
  }

  /** Whether the table exists (it is created when the first writer needs it). */
  public boolean tableExists() {
    return table != null;
  }

  /** The schema rows are built for: the staged one if a change waits for its data, else the table's. */
  public Schema schema() {
    if (staged != null) {
      return staged.table().schema();
    }
    if (table != null) {
      return table.schema();
    }
    if (initial == null) {
      initial = initialSchema.get();
    }
    return initial;
  }

  /**
   * The table data files are written for: its location, file IO, and the staged schema and spec if any.
   * Creates the table if it does not exist yet.
   */
  public Table writeTarget() {
    ensureTable();
    return staged != null ? staged.table() : table;
  }

  /**
   * Stages what {@code columns} need beyond {@link #schema()} (new optional columns, wider types; never a drop
   * or a narrowing), and the partition fields whose source columns now exist, to be committed with the next
   * data commit. Writers opened before must be completed first: their files keep the older schema, which
   * Iceberg reads by field id.
   */
  public void evolve(List<Types.NestedField> columns) {
    ensureTable();
    SchemaEvolution.Plan plan = SchemaEvolution.plan(schema(), columns);
    if (plan.isEmpty()) {
      return;
    }
    if (staged == null) {
      staged = conditional().newTransaction();
    }
    UpdateSchema update = staged.updateSchema();
    plan.applyTo(update);
    update.commit();
    PartitionSpecs.addMissing(staged, config.partitionTransforms(), topic);
    LOG.info("Table {} schema becomes {} with the next commit", tableId, staged.table().schema().asStruct());
  }

  /**
   * Commits what the writers wrote since the last commit, with {@code offsets} (all partitions' next offsets)
   * and the staged schema change, in one transaction on top of the snapshot last read: a delete of every data
   * file first if the changes truncate, then one snapshot per write result, in order (a row delta where it has
   * delete files), so a later writer's equality deletes apply to an earlier writer's rows; the last snapshot
   * carries the offsets. Never throws for a conflict or an unknown outcome: see the class comment. A staged
   * change is committed or dropped.
   */
  public Outcome commitWrites(TableChanges changes, Map<Integer, Long> offsets, Map<String, String> extraSummary) {
    ensureTable();
    Transaction stagedTxn = staged;
    staged = null;
    List<WriteResult> groups = mergeAppends(changes.writes());
    return commitConditionally(() -> stagedTxn != null ? stagedTxn : conditional().newTransaction(), (txn, commitId) -> {
      if (changes.truncate()) {
        txn.newDelete().deleteFromRowFilter(Expressions.alwaysTrue()).commit();
      }
      for (int i = 0; i < groups.size(); i++) {
        SnapshotUpdate<?> update = snapshotOf(txn, groups.get(i));
        if (i == groups.size() - 1) {
          summarize(update, commitId, offsets);
          extraSummary.forEach(update::set);
        }
        update.commit();
      }
    });
  }

  /**
   * Replaces data files by files holding the same live rows (table maintenance): {@code replaced} and {@code
   * deletes} leave the table, {@code added} enter it, in one snapshot on top of the snapshot last read, which
   * carries {@code offsets} (the table's committed offsets, unchanged). Outcomes as for {@link #commitWrites}.
   *
   * @throws IllegalStateException if a schema change is staged (maintenance runs between commits only)
   */
  public Outcome commitRewrite(List<DataFile> replaced, List<DeleteFile> deletes, List<DataFile> added,
      Map<Integer, Long> offsets) {
    if (staged != null) {
      throw new IllegalStateException("Cannot rewrite files of table " + tableId + " while a schema change waits");
    }
    ensureTable();
    long from = snapshotId;
    return commitConditionally(() -> conditional().newTransaction(), (txn, commitId) -> {
      RewriteFiles rewrite = txn.newRewrite().validateFromSnapshot(from);
      replaced.forEach(rewrite::deleteFile);
      deletes.forEach(rewrite::deleteFile);
      added.forEach(rewrite::addFile);
      summarize(rewrite, commitId, offsets);
      rewrite.set(MAINTENANCE, "rewrite");
      rewrite.commit();
    });
  }

  private void summarize(SnapshotUpdate<?> update, String commitId, Map<Integer, Long> offsets) {
    update.set(TableCommitter.OFFSETS, TableCommitter.formatOffsets(offsets));
    update.set(TableCommitter.COMMIT_ID, commitId);
    update.set(TableCommitter.TOPIC, topic);
  }

  /**
   * Begins a transaction, applies {@code changes} to it under a fresh commit id and commits it; see the class
   * comment.
   */
  private Outcome commitConditionally(Supplier<Transaction> begin, BiConsumer<Transaction, String> changes) {
    String commitId = UUID.randomUUID().toString();
    try {
      Transaction txn = begin.get();
      changes.accept(txn, commitId);
      txn.commitTransaction();
      table.refresh();
      snapshotId = table.currentSnapshot().snapshotId();
      schemaId = table.schema().schemaId();
      return new Outcome(Outcome.Kind.COMMITTED, snapshotId, commitId);
    } catch (ConditionalTableOperations.SnapshotMovedException | CommitFailedException e) {
      LOG.warn("Table {} commit {} conflicted ({}); reloading committed offsets", tableId, commitId, e.getMessage());
      return new Outcome(Outcome.Kind.CONFLICT, -1, e.getMessage());
    } catch (NoSuchTableException e) {
      LOG.warn("Table {} was dropped; it is created again with the next records", tableId);
      droppedTableIo = table.io();
      table = null;
      staged = null;
      snapshotId = -1;
      schemaId = -1;
      return new Outcome(Outcome.Kind.TABLE_DROPPED, -1, e.getMessage());
    } catch (CommitStateUnknownException e) {
      LOG.warn("Table {} commit {} has an unknown outcome ({}); looking for it in the table", tableId, commitId,
          e.getMessage());
      long found = TableCommitter.findCommit(table, commitId);
      if (found < 0) {
        return new Outcome(Outcome.Kind.NOT_COMMITTED, -1, e.getMessage());
      }
      snapshotId = found;
      schemaId = table.schema().schemaId();
      return new Outcome(Outcome.Kind.COMMITTED, found, commitId);
    }
  }

  /**
   * The write results as snapshots to commit: consecutive results without delete files are one append (no
   * order among them matters); at least one (empty) group, so offsets that moved past skipped records commit.
   */
  private static List<WriteResult> mergeAppends(List<WriteResult> writes) {
    List<WriteResult> groups = new java.util.ArrayList<>();
    WriteResult.Builder appends = null;
    for (WriteResult w : writes) {
      if (w.deleteFiles().length == 0) {
        if (appends == null) {
          appends = WriteResult.builder();
        }
        appends.addDataFiles(w.dataFiles());
        continue;
      }
      if (appends != null) {
        groups.add(appends.build());
        appends = null;
      }
      groups.add(w);
    }
    if (appends != null || groups.isEmpty()) {
      groups.add((appends != null ? appends : WriteResult.builder()).build());
    }
    return groups;
  }

  private static SnapshotUpdate<?> snapshotOf(Transaction txn, WriteResult group) {
    if (group.deleteFiles().length == 0) {
      AppendFiles append = txn.newAppend();
      java.util.Arrays.stream(group.dataFiles()).forEach(append::appendFile);
      return append;
    }
    RowDelta delta = txn.newRowDelta();
    // what the delta is validated against (deletion vectors added since) is the snapshot it is made on: the
    // whole commit is conditional on it already
    org.apache.iceberg.Snapshot base = txn.table().currentSnapshot();
    if (base != null) {
      delta.validateFromSnapshot(base.snapshotId());
    }
    java.util.Arrays.stream(group.dataFiles()).forEach(delta::addRows);
    java.util.Arrays.stream(group.deleteFiles()).forEach(delta::addDeletes);
    // deletion vectors (format v3) replace their data file's previous one
    java.util.Arrays.stream(group.rewrittenDeleteFiles()).forEach(delta::removeDeletes);
    return delta;
  }

  /**
   * Expires snapshots past {@code expire.snapshot.older.than.hours}, keeping {@code retain.last}, at most once
   * per {@link #MAX_EXPIRE_INTERVAL_MS} (or the age, if shorter). Never while a schema change is staged; a
   * failure is logged and tried again later.
   */
  public void maybeExpireSnapshots(long nowMs) {
    if (table == null || staged != null || !config.expireSnapshotEnabled()) {
      return;
    }
    long olderThanMs = config.expireSnapshotOlderThanHours() * 3_600_000L;
    if (nowMs - lastExpireMs < Math.min(olderThanMs, MAX_EXPIRE_INTERVAL_MS)) {
      return;
    }
    lastExpireMs = nowMs;
    try {
      table.expireSnapshots().expireOlderThan(nowMs - olderThanMs).retainLast(config.expireSnapshotRetainLast()).commit();
      table.refresh();
    } catch (RuntimeException e) {
      LOG.warn("Table {}: expiring old snapshots failed; retried later", tableId, e);
    }
  }

  /** Deletes a file this table's writers wrote and that will not be committed (best effort, logged). */
  public void deleteUncommitted(String location) {
    FileIO io = table != null ? table.io() : droppedTableIo;
    if (io == null) {
      return;
    }
    try {
      io.deleteFile(location);
    } catch (RuntimeException e) {
      LOG.warn("Could not delete uncommitted file {}", location, e);
    }
  }

  private Table conditional() {
    return new BaseTable(new ConditionalTableOperations(((HasTableOperations) table).operations(), snapshotId,
        schemaId), table.name());
  }

  private void ensureTable() {
    if (table != null) {
      return;
    }
    Schema schema = schema();
    if (catalog instanceof SupportsNamespaces ns && !ns.namespaceExists(tableId.namespace())) {
      try {
        ns.createNamespace(tableId.namespace());
      } catch (AlreadyExistsException e) {
        // created concurrently
      }
    }
    try {
      table = catalog.buildTable(tableId, schema)
          .withPartitionSpec(PartitionSpecs.build(schema, config.partitionTransforms(), topic))
          .withProperty(TableProperties.FORMAT_VERSION, String.valueOf(config.formatVersion()))
          .withProperty(TableProperties.PARQUET_COMPRESSION, "zstd")
          .withProperty("floe.kafka.topic", topic)
          .create();
      schemaId = table.schema().schemaId();
      LOG.info("Created table {} for topic {} at {}", tableId, topic, table.location());
    } catch (AlreadyExistsException e) {
      // Another writer created it: what it committed is unknown here, so the first commit conflicts and the
      // caller reloads the offsets.
      table = catalog.loadTable(tableId);
    }
    initial = null;
  }
}
