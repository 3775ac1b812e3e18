package io.floe.storage.stream;

import static io.floe.storage.internal.Preconditions.checkArgument;
import static io.floe.storage.internal.Preconditions.checkNotNull;

import io.floe.storage.wal.WalConfig;

/**
 * Settings of a {@link DefaultStreamStore}.
 *
 * @param wal how appends are batched into WAL objects
 * @param cacheBytes bytes of recently committed batches kept in memory for tail reads, across all streams
 * @param objectDeleteGraceMs how long an object stays after it became unreferenced, so in-flight reads finish
 * @param cleanupIntervalMs how often unreferenced objects are looked for and deleted
 * @param deleteOrphansOnStart whether to delete, at start, WAL objects an earlier process wrote but never
 *     committed
 * @param orphanMinAgeMs only orphans at least this old are deleted; with an index shared by several brokers it
 *     must exceed the longest upload-to-commit time, with an embedded index 0 is exact
 * @param blockCacheBytes bytes of object blocks (read from WAL objects, or read ahead) kept in memory for reads
 *     of older data, across all streams; least recently used blocks are evicted beyond it; 0 disables the cache
 *     and read-ahead
 * @param readAheadBytes how far past a sequential reader's position its next blocks are read in the background
 *     (capped at half of {@code blockCacheBytes}); 0 disables read-ahead. Read-ahead loads in flight, across all
 *     streams, are bounded by the same number of bytes (and a quarter of the block cache), since a reader that
 *     catches up with its read-ahead waits behind them: on local files 4 MiB is plenty, on S3 raise it to cover
 *     a GET's latency at the rate readers consume (e.g. 32 MiB)
 * @param readParallelism object reads one stream read issues at a time (a read spanning several WAL objects
 *     reads them in parallel, up to this many); compaction reads a run's ranges up to this many at a time too
 * @param compaction how the streams' data in small objects is rewritten into per-stream objects
 */
public record StreamStoreConfig(
    WalConfig wal,
    long cacheBytes,
    long objectDeleteGraceMs,
    long cleanupIntervalMs,
    boolean deleteOrphansOnStart,
    long orphanMinAgeMs,
    long blockCacheBytes,
    long readAheadBytes,
    int readParallelism,
    CompactionConfig compaction) {

  public static final long DEFAULT_CACHE_BYTES = 256L << 20;
  public static final long DEFAULT_OBJECT_DELETE_GRACE_MS = 60_000;
  public static final long DEFAULT_CLEANUP_INTERVAL_MS = 10_000;
  public static final long DEFAULT_BLOCK_CACHE_BYTES = 128L << 20;
  public static final long DEFAULT_READ_AHEAD_BYTES = 4L << 20;
  public static final int DEFAULT_READ_PARALLELISM = 8;

  public StreamStoreConfig {
    checkNotNull(wal, "wal");
    checkNotNull(compaction, "compaction");
    checkArgument(cacheBytes >= 0, "Cannot configure stream store: cacheBytes must be >= 0, got %s", cacheBytes);
    checkArgument(objectDeleteGraceMs >= 0,
        "Cannot configure stream store: objectDeleteGraceMs must be >= 0, got %s", objectDeleteGraceMs);
    checkArgument(cleanupIntervalMs > 0,
        "Cannot configure stream store: cleanupIntervalMs must be positive, got %s", cleanupIntervalMs);
    checkArgument(orphanMinAgeMs >= 0, "Cannot configure stream store: orphanMinAgeMs must be >= 0, got %s",
        orphanMinAgeMs);
    checkArgument(blockCacheBytes >= 0, "Cannot configure stream store: blockCacheBytes must be >= 0, got %s",
        blockCacheBytes);
    checkArgument(readAheadBytes >= 0, "Cannot configure stream store: readAheadBytes must be >= 0, got %s",
        readAheadBytes);
    checkArgument(readParallelism > 0, "Cannot configure stream store: readParallelism must be positive, got %s",
        readParallelism);
  }

  /** Settings with the default block cache, read-ahead, read parallelism and compaction. */
  public StreamStoreConfig(
      WalConfig wal,
      long cacheBytes,
      long objectDeleteGraceMs,
      long cleanupIntervalMs,
      boolean deleteOrphansOnStart,
      long orphanMinAgeMs) {
    this(wal, cacheBytes, objectDeleteGraceMs, cleanupIntervalMs, deleteOrphansOnStart, orphanMinAgeMs,
        DEFAULT_BLOCK_CACHE_BYTES, DEFAULT_READ_AHEAD_BYTES, DEFAULT_READ_PARALLELISM, CompactionConfig.defaults());
  }

  /** Defaults for an embedded, single-broker store over the local file system. */
  public static StreamStoreConfig localDefaults() {
    return new StreamStoreConfig(
        WalConfig.localDefaults(), DEFAULT_CACHE_BYTES, DEFAULT_OBJECT_DELETE_GRACE_MS, DEFAULT_CLEANUP_INTERVAL_MS,
        true, 0);
  }

  public StreamStoreConfig withWal(WalConfig v) {
    return new StreamStoreConfig(
        v, cacheBytes, objectDeleteGraceMs, cleanupIntervalMs, deleteOrphansOnStart, orphanMinAgeMs, blockCacheBytes, readAheadBytes, readParallelism, compaction);
  }

  public StreamStoreConfig withCacheBytes(long v) {
    return new StreamStoreConfig(
        wal, v, objectDeleteGraceMs, cleanupIntervalMs, deleteOrphansOnStart, orphanMinAgeMs, blockCacheBytes, readAheadBytes, readParallelism, compaction);
  }

  public StreamStoreConfig withObjectDeleteGraceMs(long v) {
    return new StreamStoreConfig(
        wal, cacheBytes, v, cleanupIntervalMs, deleteOrphansOnStart, orphanMinAgeMs, blockCacheBytes, readAheadBytes, readParallelism, compaction);
  }

  public StreamStoreConfig withCleanupIntervalMs(long v) {
    return new StreamStoreConfig(
        wal, cacheBytes, objectDeleteGraceMs, v, deleteOrphansOnStart, orphanMinAgeMs, blockCacheBytes, readAheadBytes, readParallelism, compaction);
  }

  public StreamStoreConfig withDeleteOrphansOnStart(boolean v) {
    return new StreamStoreConfig(
        wal, cacheBytes, objectDeleteGraceMs, cleanupIntervalMs, v, orphanMinAgeMs, blockCacheBytes, readAheadBytes, readParallelism, compaction);
  }

  public StreamStoreConfig withOrphanMinAgeMs(long v) {
    return new StreamStoreConfig(
        wal, cacheBytes, objectDeleteGraceMs, cleanupIntervalMs, deleteOrphansOnStart, v, blockCacheBytes, readAheadBytes, readParallelism, compaction);
  }

  public StreamStoreConfig withBlockCacheBytes(long v) {
    return new StreamStoreConfig(
        wal, cacheBytes, objectDeleteGraceMs, cleanupIntervalMs, deleteOrphansOnStart, orphanMinAgeMs, v, readAheadBytes, readParallelism, compaction);
  }

  public StreamStoreConfig withReadAheadBytes(long v) {
    return new StreamStoreConfig(
        wal, cacheBytes, objectDeleteGraceMs, cleanupIntervalMs, deleteOrphansOnStart, orphanMinAgeMs, blockCacheBytes, v, readParallelism, compaction);
  }

  public StreamStoreConfig withReadParallelism(int v) {
    return new StreamStoreConfig(
        wal, cacheBytes, objectDeleteGraceMs, cleanupIntervalMs, deleteOrphansOnStart, orphanMinAgeMs, blockCacheBytes, readAheadBytes, v, compaction);
  }

  public StreamStoreConfig withCompaction(CompactionConfig v) {
    return new StreamStoreConfig(
        wal, cacheBytes, objectDeleteGraceMs, cleanupIntervalMs, deleteOrphansOnStart, orphanMinAgeMs, blockCacheBytes, readAheadBytes, readParallelism, v);
  }
}
