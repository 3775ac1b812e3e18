package io.floe.broker.metrics;

import io.floe.broker.cluster.ClusterMembership;
import io.floe.broker.cluster.ClusterView;
import io.floe.broker.log.LogManager;
import io.floe.broker.log.PartitionLog;
import io.floe.broker.log.TopicState;
import io.floe.storage.FloeStorage;
import io.floe.storage.objectstore.S3ObjectStorage;
import io.floe.storage.retry.Retrier;
import io.floe.storage.stream.BlockCacheStats;
import io.floe.storage.stream.CompactionStats;
import io.floe.storage.wal.WriteAheadLog;
import io.floe.tabletopic.TableTopicManager;
import io.floe.tabletopic.worker.TableTopicMetrics;
import java.util.Map;

/**
 * Everything the broker exposes to Prometheus, rendered on demand (served at {@code /metrics} on the
 * built-in REST catalog's port): requests per API, the WAL, the object store's retries, S3 requests by kind
 * (when the log is in S3), catch-up reads, partitions' offsets and each table topic's progress.
 */
public final class BrokerMetrics {

  private final RequestMetrics requests;
  private final FloeStorage storage;
  private final LogManager logs;
  private final TableTopicManager tables;
  private final ClusterMembership cluster;

  public BrokerMetrics(RequestMetrics requests, FloeStorage storage, LogManager logs, TableTopicManager tables,
      ClusterMembership cluster) {
    this.requests = requests;
    this.storage = storage;
    this.logs = logs;
    this.tables = tables;
    this.cluster = cluster;
  }

  private static void single(PrometheusText t, String name, String type, String help, long value) {
    t.family(name, type, help);
    t.sample(name, value);
  }

  private void partitionFamily(PrometheusText t, String name, String help,
      java.util.function.ToLongFunction<PartitionLog> value) {
    t.family(name, "gauge", help);
    for (TopicState topic : logs.topics()) {
      for (PartitionLog p : topic.localPartitions()) {
        t.sample(name, value.applyAsLong(p), "topic", topic.name(), "partition", String.valueOf(p.partition()));
      }
    }
  }

  private static void tableFamily(PrometheusText t, Map<String, TableTopicMetrics> all, String name, String type,
      String help, java.util.function.ToLongFunction<TableTopicMetrics> value) {
    t.family(name, type, help);
    all.forEach((topic, m) -> t.sample(name, value.applyAsLong(m), "topic", topic));
  }

  /** Only with the log in S3: requests by kind, which with S3's price list give the request cost per GB. */
  private static void s3Families(PrometheusText t, S3ObjectStorage.Stats s3) {
    t.family("floe_s3_requests_total", "counter",
        "S3 requests sent by the log's object store, by kind (put, get, head, list, delete), failed ones included");
    for (S3ObjectStorage.RequestType type : S3ObjectStorage.RequestType.values()) {
      t.sample("floe_s3_requests_total", s3.requests(type), "type", type.label());
    }
    single(t, "floe_s3_request_failures_total", "counter", "S3 requests that failed, for any reason", s3.failures());
    single(t, "floe_s3_throttled_total", "counter", "S3 requests refused as throttled (503 SlowDown, 429)",
        s3.throttled());
    single(t, "floe_s3_written_bytes_total", "counter", "Object bytes written by successful S3 PUTs", s3.bytesWritten());
    single(t, "floe_s3_read_bytes_total", "counter", "Object bytes returned by successful S3 GETs", s3.bytesRead());
  }

  public String scrape() {
    PrometheusText t = new PrometheusText();
    requests.writeTo(t);

    WriteAheadLog.Stats wal = storage.streamStore().walStats();
    single(t, "floe_wal_objects_committed_total", "counter", "WAL objects written and indexed", wal.objectsCommitted());
    single(t, "floe_wal_index_commits_total", "counter", "Metadata transactions committing WAL objects", wal.indexCommits());
    single(t, "floe_wal_bytes_committed_total", "counter", "Bytes of batches made durable", wal.bytesCommitted());
    single(t, "floe_wal_batches_failed_total", "counter", "Batches whose upload or commit failed (never acknowledged)", wal.batchesFailed());
    single(t, "floe_wal_upload_retries_total", "counter", "WAL object uploads retried", wal.uploadRetries());
    single(t, "floe_wal_buffered_bytes", "gauge", "Appended bytes not yet durable", wal.bufferedBytes());
    t.family("floe_wal_seals_total", "counter",
        "WAL buffers sealed into objects, by reason (size, interval, idle, flush)");
    wal.seals().forEach((reason, n) -> t.sample("floe_wal_seals_total", n, "reason", reason.label()));
    single(t, "floe_wal_file_records_total", "counter",
        "Records written to the WAL file (s3.wal.path), each acknowledging the batches it holds",
        wal.journal().records());
    single(t, "floe_wal_file_unindexed_bytes", "gauge",
        "Acknowledged bytes in the WAL file and in memory, not yet in objects", wal.journal().unindexedBytes());
    single(t, "floe_wal_file_index_failures_total", "counter",
        "Failed uploads or index commits of WAL file batches (retried; the batches stay acknowledged)",
        wal.journal().indexFailures());
    t.histogram("floe_wal_append_latency_seconds",
        "From a batch's append to the WAL until it is durable: its object committed, or its WAL file record written"
            + " (what an acks=all produce waits for)",
        wal.timings().append());
    t.histogram("floe_wal_seal_age_seconds", "How long a WAL buffer was open before it was sealed",
        wal.timings().sealAge());
    t.histogram("floe_wal_upload_latency_seconds", "One WAL object's upload, retries included",
        wal.timings().upload());
    t.histogram("floe_wal_commit_latency_seconds", "One metadata transaction committing WAL objects",
        wal.timings().commit());
    t.histogram("floe_wal_file_write_latency_seconds",
        "One WAL file record's write, from its hand-over to the file until it is written (with s3.wal.path)",
        wal.timings().fileWrite());

    Retrier.Stats retries = storage.objectStoreRetryStats();
    single(t, "floe_object_store_calls_total", "counter", "Object store calls", retries.calls());
    single(t, "floe_object_store_retries_total", "counter", "Object store calls retried (throttling, 5xx, timeouts)", retries.retries());
    single(t, "floe_object_store_gave_up_total", "counter", "Object store calls that failed after every retry", retries.exhausted());

    storage.s3Stats().ifPresent(s3 -> s3Families(t, s3));

    CompactionStats compaction = storage.streamStore().compactionStats();
    single(t, "floe_compaction_ranges_compacted_total", "counter",
        "Partition ranges rewritten from small WAL objects into per-partition objects", compaction.rangesCompacted());
    single(t, "floe_compaction_objects_written_total", "counter", "Per-partition objects written by compaction",
        compaction.objectsWritten());
    single(t, "floe_compaction_bytes_rewritten_total", "counter", "Bytes rewritten by compaction",
        compaction.bytesRewritten());
    single(t, "floe_compaction_conflicts_total", "counter",
        "Compactions dropped because the ranges changed meanwhile (trim, new owner)", compaction.conflicts());
    single(t, "floe_objects_deleted_total", "counter",
        "Objects deleted after compaction, retention or DeleteRecords released them", compaction.objectsDeleted());

    ClusterView view = cluster.view();
    single(t, "floe_cluster_live_brokers", "gauge", "Brokers whose heartbeat is within broker.session.timeout.ms",
        view.live().size());
    single(t, "floe_cluster_is_controller", "gauge", "1 if this broker assigns partitions to brokers",
        view.isController() ? 1 : 0);
    single(t, "floe_cluster_owned_partitions", "gauge", "Partitions this broker serves",
        logs.topics().stream().mapToLong(topic -> topic.local().size()).sum());
    single(t, "floe_cluster_rounds_total", "counter", "Heartbeat rounds completed", cluster.rounds());
    single(t, "floe_cluster_owner_changes_total", "counter", "Resources this broker moved as controller",
        cluster.ownerChanges());

    BlockCacheStats reads = storage.streamStore().readStats();
    single(t, "floe_block_cache_bytes", "gauge", "Bytes in the catch-up read cache", reads.bytes());
    single(t, "floe_block_cache_hits_total", "counter", "Catch-up reads served from the block cache", reads.hits());
    single(t, "floe_block_cache_misses_total", "counter", "Catch-up reads that went to the object store", reads.misses());
    single(t, "floe_tail_cache_bytes", "gauge", "Bytes of recent batches held in memory", storage.streamStore().cachedBytes());

    partitionFamily(t, "floe_partition_log_end_offset", "High watermark of each partition", PartitionLog::highWatermark);
    partitionFamily(t, "floe_partition_log_start_offset", "Log start offset of each partition",
        PartitionLog::logStartOffset);

    Map<String, TableTopicMetrics> tableMetrics = tables.metrics();
    tableFamily(t, tableMetrics, "floe_table_topic_records_written_total", "counter",
        "Records written to table data files", m -> m.recordsWritten.get());
    tableFamily(t, tableMetrics, "floe_table_topic_records_skipped_total", "counter",
        "Records skipped by errors.tolerance", m -> m.recordsSkipped.get());
    tableFamily(t, tableMetrics, "floe_table_topic_records_dead_lettered_total", "counter",
        "Skipped records acknowledged by the dead-letter topic", m -> m.recordsDeadLettered.get());
    tableFamily(t, tableMetrics, "floe_table_topic_failure_retries_total", "counter",
        "Pauses at a record whose conversion needed an unavailable service (a schema registry)",
        m -> m.failureRetries.get());
    tableFamily(t, tableMetrics, "floe_table_topic_lag_records", "gauge",
        "Records in the log that the table does not hold yet", m -> m.lagRecords.getAsLong());
    tableFamily(t, tableMetrics, "floe_table_topic_equality_deletes_total", "counter",
        "Upserts and deletes written as equality deletes because the key index could not find the row",
        m -> m.equalityDeletes.get());
    tableFamily(t, tableMetrics, "floe_table_topic_truncates_total", "counter",
        "Truncates of the source table applied to the table", m -> m.truncates.get());
    tableFamily(t, tableMetrics, "floe_table_topic_rewrites_total", "counter",
        "Maintenance rewrites committed (deletes applied, small files merged)", m -> m.maintenance.rewrites().get());
    tableFamily(t, tableMetrics, "floe_table_topic_files_rewritten_total", "counter",
        "Data files replaced by maintenance rewrites", m -> m.maintenance.filesRewritten().get());
    tableFamily(t, tableMetrics, "floe_table_topic_orphan_files_deleted_total", "counter",
        "Files of failed commits deleted by maintenance", m -> m.maintenance.orphansDeleted().get());
    tableFamily(t, tableMetrics, "floe_table_topic_offsets_lost_total", "counter",
        "Offsets deleted from the log before the table had them", m -> m.offsetsLost.get());
    tableFamily(t, tableMetrics, "floe_table_topic_commits_total", "counter", "Snapshots committed", m -> m.commits.get());
    tableFamily(t, tableMetrics, "floe_table_topic_commit_conflicts_total", "counter",
        "Commits that lost to another writer (re-written)", m -> m.commitConflicts.get());
    tableFamily(t, tableMetrics, "floe_table_topic_commit_failures_total", "counter",
        "Commits that failed or had an unknown outcome", m -> m.commitFailures.get());
    tableFamily(t, tableMetrics, "floe_table_topic_blocked_partitions", "gauge",
        "Partitions stopped by errors.tolerance=none", m -> m.blockedPartitions.get());
    tableFamily(t, tableMetrics, "floe_table_topic_last_commit_timestamp_ms", "gauge",
        "When the last snapshot was committed", m -> m.lastCommitMs.get());
    return t.toString();
  }
}
