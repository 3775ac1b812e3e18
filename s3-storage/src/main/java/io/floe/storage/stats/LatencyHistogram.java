package io.floe.storage.stats;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * A cumulative latency histogram with fixed millisecond buckets, cheap to record from many threads, for
 * Prometheus (a {@code histogram} family: per-bucket counts, sum, count).
 */
public final class LatencyHistogram {

  /** Upper bounds of the buckets, in milliseconds; a last bucket takes everything above. */
  public static final double[] BOUNDS_MS = {
    1, 2.5, 5, 10, 25, 50, 75, 100, 150, 200, 250, 300, 375, 500, 625, 750, 1000, 1500, 2500, 5000, 10000
  };

  private final LongAdder[] buckets = new LongAdder[BOUNDS_MS.length + 1];
  private final LongAdder sumNanos = new LongAdder();

  public LatencyHistogram() {
    for (int i = 0; i < buckets.length; i++) {
      buckets[i] = new LongAdder();
    }
  }

  public void recordNanos(long nanos) {
    double ms = nanos / 1e6;
    int i = 0;
    while (i < BOUNDS_MS.length && ms > BOUNDS_MS[i]) {
      i++;
    }
    buckets[i].increment();
    sumNanos.add(Math.max(0, nanos));
  }

  /** Records the time since {@code startNanos} ({@link System#nanoTime()}). */
  public void recordSince(long startNanos) {
    recordNanos(System.nanoTime() - startNanos);
  }

  public Snapshot snapshot() {
    long[] counts = new long[buckets.length];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = buckets[i].sum();
    }
    return new Snapshot(counts, sumNanos.sum());
  }

  /**
   * Counts per bucket (not cumulative; the last is above every bound) and the sum of what was recorded.
   */
  public record Snapshot(long[] counts, long sumNanos) {

    public long count() {
      long n = 0;
      for (long c : counts) {
        n += c;
      }
      return n;
    }

    public double sumSeconds() {
      return sumNanos / (double) TimeUnit.SECONDS.toNanos(1);
    }

    /** How many recorded values were at most {@code BOUNDS_MS[bucket]}. */
    public long cumulative(int bucket) {
      long n = 0;
      for (int i = 0; i <= bucket; i++) {
        n += counts[i];
      }
      return n;
    }
  }
}
