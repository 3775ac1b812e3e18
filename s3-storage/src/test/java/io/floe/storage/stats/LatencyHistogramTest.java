package io.floe.storage.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

  private static long ms(double ms) {
    return (long) (ms * TimeUnit.MILLISECONDS.toNanos(1));
  }

  @Test
  void aValueCountsInTheFirstBucketWhoseBoundIsAtLeastIt() {
    // Given values on a bound, between bounds and above the last bound
    LatencyHistogram h = new LatencyHistogram();
    h.recordNanos(ms(1));
    h.recordNanos(ms(1.5));
    h.recordNanos(ms(250));
    h.recordNanos(ms(251));
    h.recordNanos(ms(60_000));

    // Then each lands where Prometheus' le semantics put it, and the sum is exact
    LatencyHistogram.Snapshot s = h.snapshot();
    assertEquals(1, s.cumulative(0), "le=1ms");
    assertEquals(2, s.cumulative(1), "le=2.5ms");
    int le250 = java.util.Arrays.binarySearch(LatencyHistogram.BOUNDS_MS, 250);
    assertEquals(3, s.cumulative(le250));
    assertEquals(4, s.cumulative(le250 + 1), "le=300ms");
    assertEquals(4, s.cumulative(LatencyHistogram.BOUNDS_MS.length - 1));
    assertEquals(5, s.count());
    assertEquals(ms(1) + ms(1.5) + ms(250) + ms(251) + ms(60_000), s.sumNanos());
  }

  @Test
  void aNegativeDurationCountsAsZero() {
    LatencyHistogram h = new LatencyHistogram();
    h.recordNanos(-5);
    assertEquals(1, h.snapshot().cumulative(0));
    assertEquals(0, h.snapshot().sumNanos());
  }
}
