package io.floe.storage.stream;

import static io.floe.storage.internal.Preconditions.checkArgument;

/**
 * How {@link StreamObjectCompactor} rewrites a stream's data held in small objects into stream objects of its own
 * (see {@link StreamStoreConfig#compaction()}).
 *
 * <p>A range is a candidate when it is at least {@code minAgeMs} old and lives in a shared WAL object (any size up
 * to {@code maxObjectBytes}) or in a stream object smaller than {@code smallObjectBytes}. A run is a sequence of
 * consecutive candidates of one stream, at most {@code maxObjectBytes} in all; it becomes one object. A stream
 * object that starts a run is left out while it is larger than the rest of the run together, so an object that is
 * already large is not rewritten for a little new data: each byte is rewritten a few times at most.
 *
 * @param enabled whether the store compacts at all
 * @param intervalMs how long after one cycle the next starts
 * @param smallObjectBytes stream objects smaller than this are merged again with their neighbours; at most {@code
 *     maxObjectBytes}
 * @param maxObjectBytes the largest object a run is written as, and so the most memory a cycle holds at once
 * @param minAgeMs ranges committed less than this long ago (the hot tail, read from memory) are left alone
 * @param maxRunsPerCycle the most objects one cycle writes, so a cycle's work is bounded
 */
public record CompactionConfig(
    boolean enabled,
    long intervalMs,
    long smallObjectBytes,
    long maxObjectBytes,
    long minAgeMs,
    int maxRunsPerCycle) {

  /**
   * AutoMQ's default for rewriting WAL (stream set) objects. Compaction rewrites what the WAL wrote, a core's worth
   * of work while it runs on a small machine, so it runs rarely and in large batches.
   */
  public static final long DEFAULT_INTERVAL_MS = 5 * 60_000;
  public static final long DEFAULT_SMALL_OBJECT_BYTES = 8L << 20;
  /**
   * A read without a position hint inside a range reads the range's rest (see {@link DefaultStream}), so objects
   * are kept to a size one such read may cost.
   */
  public static final long DEFAULT_MAX_OBJECT_BYTES = 16L << 20;
  public static final long DEFAULT_MIN_AGE_MS = 60_000;
  public static final int DEFAULT_MAX_RUNS_PER_CYCLE = 32;

  public CompactionConfig {
    checkArgument(intervalMs > 0, "Cannot configure compaction: intervalMs must be positive, got %s", intervalMs);
    checkArgument(maxObjectBytes > 0 && maxObjectBytes <= Integer.MAX_VALUE,
        "Cannot configure compaction: maxObjectBytes must be in [1, %s], got %s", Integer.MAX_VALUE, maxObjectBytes);
    checkArgument(smallObjectBytes >= 0 && smallObjectBytes <= maxObjectBytes,
        "Cannot configure compaction: smallObjectBytes must be in [0, maxObjectBytes=%s], got %s",
        maxObjectBytes, smallObjectBytes);
    checkArgument(minAgeMs >= 0, "Cannot configure compaction: minAgeMs must be >= 0, got %s", minAgeMs);
    checkArgument(maxRunsPerCycle > 0,
        "Cannot configure compaction: maxRunsPerCycle must be positive, got %s", maxRunsPerCycle);
  }

  public static CompactionConfig defaults() {
    return new CompactionConfig(
        true, DEFAULT_INTERVAL_MS, DEFAULT_SMALL_OBJECT_BYTES, DEFAULT_MAX_OBJECT_BYTES, DEFAULT_MIN_AGE_MS,
        DEFAULT_MAX_RUNS_PER_CYCLE);
  }

  public static CompactionConfig disabled() {
    return defaults().withEnabled(false);
  }

  public CompactionConfig withEnabled(boolean v) {
    return new CompactionConfig(v, intervalMs, smallObjectBytes, maxObjectBytes, minAgeMs, maxRunsPerCycle);
  }

  public CompactionConfig withIntervalMs(long v) {
    return new CompactionConfig(enabled, v, smallObjectBytes, maxObjectBytes, minAgeMs, maxRunsPerCycle);
  }

  public CompactionConfig withSmallObjectBytes(long v) {
    return new CompactionConfig(enabled, intervalMs, v, maxObjectBytes, minAgeMs, maxRunsPerCycle);
  }

  /** Also lowers {@code smallObjectBytes} to half of {@code v} if it is above {@code v}. */
  public CompactionConfig withMaxObjectBytes(long v) {
    return new CompactionConfig(
        enabled, intervalMs, smallObjectBytes <= v ? smallObjectBytes : v / 2, v, minAgeMs, maxRunsPerCycle);
  }

  public CompactionConfig withMinAgeMs(long v) {
    return new CompactionConfig(enabled, intervalMs, smallObjectBytes, maxObjectBytes, v, maxRunsPerCycle);
  }

  public CompactionConfig withMaxRunsPerCycle(int v) {
    return new CompactionConfig(enabled, intervalMs, smallObjectBytes, maxObjectBytes, minAgeMs, v);
  }
}
