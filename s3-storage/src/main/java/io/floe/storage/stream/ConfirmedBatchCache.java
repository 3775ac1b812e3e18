package io.floe.storage.stream;

import io.floe.storage.wal.WalStream.CommittedBatch;
import io.netty.buffer.ByteBuf;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Recently committed batches of every stream, bounded in total bytes, evicting the oldest first. Since batches
 * enter in commit order, each stream's cached batches are always a contiguous suffix of its log: a read is a
 * hit iff it starts at or after the stream's first cached offset.
 *
 * <p>Readers get {@link ByteBuf#retainedSlice()}s, never copies. One lock guards all state, so a buffer is
 * never retained by a reader after eviction released it (pooled buffers are recycled, so a late retain could
 * otherwise hit someone else's buffer). Every operation under the lock is a few map steps.
 */
final class ConfirmedBatchCache {
  private final long maxBytes;
  private final ReentrantLock lock = new ReentrantLock();
  // Guarded by lock.
  private final ArrayDeque<Node> fifo = new ArrayDeque<>();
  private long totalBytes;
  private long deadNodes;

  ConfirmedBatchCache(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** One stream's part of the cache. */
  static final class Segment {
    private final TreeMap<Long, Node> byBaseOffset = new TreeMap<>();
  }

  private static final class Node {
    final Segment segment;
    final long baseOffset;
    final long endOffset;
    final long maxTimestamp;
    final ByteBuf batch;
    boolean removed;

    Node(Segment segment, CommittedBatch b) {
      this.segment = segment;
      this.baseOffset = b.baseOffset();
      this.endOffset = b.endOffset();
      this.maxTimestamp = b.maxTimestamp();
      this.batch = b.batch();
    }

    int bytes() {
      return batch.readableBytes();
    }
  }

  /** A cached batch's facts, for timestamp and size lookups. */
  record CachedBatch(long baseOffset, long endOffset, long maxTimestamp, int bytes) {}

  Segment newSegment() {
    return new Segment();
  }

  long totalBytes() {
    lock.lock();
    try {
      return totalBytes;
    } finally {
      lock.unlock();
    }
  }

  /** Caches the batches (taking ownership of their buffers), in offset order, evicting the oldest as needed. */
  void put(Segment segment, List<CommittedBatch> batches) {
    lock.lock();
    try {
      for (CommittedBatch b : batches) {
        if (maxBytes <= 0 || b.batch().readableBytes() > maxBytes) {
          b.batch().release();
          continue;
        }
        Node node = new Node(segment, b);
        Node previous = segment.byBaseOffset.put(node.baseOffset, node);
        if (previous != null) {
          remove(previous);
        }
        fifo.addLast(node);
        totalBytes += node.bytes();
      }
      while (totalBytes > maxBytes) {
        Node oldest = fifo.pollFirst();
        if (oldest.removed) {
          deadNodes--;
          continue;
        }
        oldest.segment.byBaseOffset.remove(oldest.baseOffset);
        oldest.removed = true;
        totalBytes -= oldest.bytes();
        oldest.batch.release();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Adds to {@code out} retained slices of the cached batches from the one containing {@code offset}, stopping
   * before {@code until}, at a gap, or when {@code out} is full. Returns the offset after the last batch added,
   * or {@code offset} if the cache does not hold it.
   */
  long read(Segment segment, long offset, long until, ReadBuffer out) {
    lock.lock();
    try {
      Map.Entry<Long, Node> first = segment.byBaseOffset.floorEntry(offset);
      if (first == null || first.getValue().endOffset <= offset) {
        return offset;
      }
      long next = offset;
      for (Node n : segment.byBaseOffset.tailMap(first.getKey(), true).values()) {
        if (n.baseOffset >= until || n.baseOffset > next || !out.fits(n.bytes())) {
          break;
        }
        out.add(n.batch.retainedSlice());
        next = n.endOffset;
      }
      return next;
    } finally {
      lock.unlock();
    }
  }

  /** The first cached offset of the stream, or -1 if nothing is cached. */
  long firstOffset(Segment segment) {
    lock.lock();
    try {
      return segment.byBaseOffset.isEmpty() ? -1 : segment.byBaseOffset.firstKey();
    } finally {
      lock.unlock();
    }
  }

  /** The cached batches' facts within {@code [from, until)} offsets, in order. */
  List<CachedBatch> batches(Segment segment, long from, long until) {
    lock.lock();
    try {
      Long start = segment.byBaseOffset.floorKey(from);
      return segment.byBaseOffset.subMap(start == null ? from : start, true, until, false).values().stream()
          .map(n -> new CachedBatch(n.baseOffset, n.endOffset, n.maxTimestamp, n.bytes()))
          .toList();
    } finally {
      lock.unlock();
    }
  }

  /** Drops the stream's batches that end at or before {@code startOffset}. */
  void trim(Segment segment, long startOffset) {
    lock.lock();
    try {
      while (!segment.byBaseOffset.isEmpty()) {
        Node n = segment.byBaseOffset.firstEntry().getValue();
        if (n.endOffset > startOffset) {
          break;
        }
        segment.byBaseOffset.pollFirstEntry();
        remove(n);
      }
      compactIfMostlyDead();
    } finally {
      lock.unlock();
    }
  }

  /** Drops all of the stream's batches. */
  void drop(Segment segment) {
    lock.lock();
    try {
      for (Node n : segment.byBaseOffset.values()) {
        remove(n);
      }
      segment.byBaseOffset.clear();
      compactIfMostlyDead();
    } finally {
      lock.unlock();
    }
  }

  /** Releases everything. */
  void clear() {
    lock.lock();
    try {
      for (Node n : fifo) {
        if (!n.removed) {
          n.segment.byBaseOffset.remove(n.baseOffset);
          remove(n);
        }
      }
      fifo.clear();
      deadNodes = 0;
    } finally {
      lock.unlock();
    }
  }

  private void remove(Node n) {
    n.removed = true;
    deadNodes++;
    totalBytes -= n.bytes();
    n.batch.release();
  }

  private void compactIfMostlyDead() {
    if (deadNodes > 1024 && deadNodes > fifo.size() / 2) {
      fifo.removeIf(n -> n.removed);
      deadNodes = 0;
    }
  }
}
