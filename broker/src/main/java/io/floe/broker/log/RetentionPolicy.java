package io.floe.broker.log;

import io.floe.storage.stream.Stream;

/** Kafka's delete policy on a stream: raise its start offset past what retention.ms / retention.bytes release. */
final class RetentionPolicy {

  private RetentionPolicy() {}

  /**
   * Trims {@code stream}, never above {@code floor} when one is given; blocks until the new start offset is
   * durable. Returns the new start offset.
   */
  static long apply(Stream stream, long nowMs, long retentionMs, long retentionBytes, java.util.OptionalLong floor) {
    long start = stream.startOffset();
    long end = stream.confirmedOffset();
    long newStart = start;
    if (retentionMs >= 0) {
      long firstKept = stream.offsetForTimestamp(nowMs - retentionMs).join();
      newStart = Math.max(newStart, firstKept < 0 ? end : firstKept);
    }
    if (retentionBytes >= 0) {
      newStart = Math.max(newStart, stream.offsetKeepingLastBytes(retentionBytes).join());
    }
    newStart = Math.min(newStart, end);
    if (floor.isPresent() && newStart > floor.getAsLong()) {
      // A table has not committed these records yet: keep them until it has.
      newStart = Math.max(start, floor.getAsLong());
    }
    if (newStart > start) {
      stream.trim(newStart).join();
    }
    return newStart;
  }
}
