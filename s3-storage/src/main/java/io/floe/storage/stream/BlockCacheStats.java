package io.floe.storage.stream;

/**
 * Counters of the block cache that serves reads of older data (see {@link StreamStoreConfig#blockCacheBytes()}),
 * for monitoring and benchmarks. Counts are since the store started.
 *
 * @param bytes bytes of blocks cached now (never above the configured bound)
 * @param blocks blocks cached now
 * @param hits block lookups served from memory
 * @param misses block lookups that had to read the object storage (and were not already being read)
 * @param prefetches blocks read ahead for sequential readers
 * @param prefetchHits blocks read ahead that a reader then asked for (cached, or still loading)
 * @param prefetchesSkipped read-ahead rounds cut short because the read-ahead bytes in flight were at their bound
 * @param prefetchInflightBytes bytes of read-ahead loads in flight now
 * @param evictions blocks evicted to stay within the bound
 * @param evictedUnread blocks read ahead but evicted before anyone read them (read-ahead wasted)
 * @param loadFailures block reads from the object storage that failed
 */
public record BlockCacheStats(
    long bytes,
    int blocks,
    long hits,
    long misses,
    long prefetches,
    long prefetchHits,
    long prefetchesSkipped,
    long prefetchInflightBytes,
    long evictions,
    long evictedUnread,
    long loadFailures) {}
