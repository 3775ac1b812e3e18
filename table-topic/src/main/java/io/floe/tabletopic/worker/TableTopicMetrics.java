package io.floe.tabletopic.worker;

import io.floe.tabletopic.maintenance.TableMaintenance;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** Counters of one table topic, read by the broker's metrics endpoint and by tests. */
public final class TableTopicMetrics {
  public final AtomicLong recordsWritten = new AtomicLong();
  public final AtomicLong recordsSkipped = new AtomicLong();
  /** Skipped records acknowledged by the dead-letter topic. */
  public final AtomicLong recordsDeadLettered = new AtomicLong();
  public final AtomicLong offsetsLost = new AtomicLong();
  public final AtomicLong commits = new AtomicLong();
  public final AtomicLong commitConflicts = new AtomicLong();
  public final AtomicLong commitFailures = new AtomicLong();
  public final AtomicLong schemaChanges = new AtomicLong();
  public final AtomicLong blockedPartitions = new AtomicLong();
  /** Pauses of a partition at a record whose conversion needed a service that was unavailable. */
  public final AtomicLong failureRetries = new AtomicLong();
  /** Deletes of upsert tables written as equality deletes because the key index could not find the row. */
  public final AtomicLong equalityDeletes = new AtomicLong();
  /** Truncates of the source table applied to the table. */
  public final AtomicLong truncates = new AtomicLong();
  /** Rewrites and orphan removals of table maintenance. */
  public final TableMaintenance.Counters maintenance = new TableMaintenance.Counters();
  /** Records confirmed in the log and not yet committed to the table, over all partitions (set by the pipeline). */
  public volatile LongSupplier lagRecords = () -> 0;
  public final AtomicLong lastCommitMs = new AtomicLong();
}
