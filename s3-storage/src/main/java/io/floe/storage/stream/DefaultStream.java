package io.floe.storage.stream;

import io.floe.storage.metadata.StaleStreamEpochException;
import io.floe.storage.metadata.StreamMetadata;
import io.floe.storage.metadata.StreamRange;
import io.floe.storage.wal.WalObjectFormat;
import io.floe.storage.wal.WalObjectFormat.Entry;
import io.floe.storage.wal.WalStream;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Stream} owned by this broker under one epoch: appends go through the shared WAL; reads come from the
 * confirmed-batch cache when it holds the offset, else from the WAL objects through the in-memory copy of the
 * stream's index ranges.
 */
final class DefaultStream implements Stream, WalStream {
  private static final Logger LOG = LoggerFactory.getLogger(DefaultStream.class);
  private static final long MIN_READ_CHUNK = 32 * 1024;
  private static final int MAX_READ_HINTS = 16;

  private final long streamId;
  private final long epoch;
  private final DefaultStreamStore store;
  private final ConfirmedBatchCache.Segment cacheSegment;
  /** Committed ranges by start offset; ranges wholly below the start offset are removed by trim. */
  private final ConcurrentSkipListMap<Long, StreamRange> ranges = new ConcurrentSkipListMap<>();
  private final AtomicLong rangeBytes = new AtomicLong();
  private final CopyOnWriteArrayList<Runnable> listeners = new CopyOnWriteArrayList<>();
  /**
   * Where recent object reads stopped inside a range: offset -> {object id, byte position of the entry holding
   * it}, so a sequential reader continues with a ranged read of just what it needs instead of re-reading the
   * range from its start. A few entries serve a few concurrent readers.
   */
  private final Map<Long, long[]> readHints =
      java.util.Collections.synchronizedMap(
          new java.util.LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, long[]> eldest) {
              return size() > MAX_READ_HINTS;
            }
          });

  private volatile long startOffset;
  /** Written only by the appending thread (callers serialize appends per stream). */
  private volatile long nextOffset;
  private volatile long confirmedOffset;
  private volatile Throwable fenceCause;
  /** Set once this instance was replaced or deleted: committed batches then go nowhere. */
  private volatile boolean cacheDropped;

  DefaultStream(StreamMetadata metadata, DefaultStreamStore store) {
    this.streamId = metadata.streamId();
    this.epoch = metadata.epoch();
    this.store = store;
    this.cacheSegment = store.cache().newSegment();
    this.startOffset = metadata.startOffset();
    this.nextOffset = metadata.endOffset();
    this.confirmedOffset = metadata.endOffset();
    for (StreamRange r : metadata.ranges()) {
      ranges.put(r.startOffset(), r);
      rangeBytes.addAndGet(r.length());
    }
  }

  @Override
  public long streamId() {
    return streamId;
  }

  @Override
  public long epoch() {
    return epoch;
  }

  @Override
  public long startOffset() {
    return startOffset;
  }

  @Override
  public long nextOffset() {
    return nextOffset;
  }

  @Override
  public long confirmedOffset() {
    return confirmedOffset;
  }

  @Override
  public long sizeBytes() {
    return rangeBytes.get();
  }

  // ---------------------------------------------------------------- append and commit

  @Override
  public CompletableFuture<Void> append(long baseOffset, int count, long maxTimestamp, ByteBuf batch) {
    Throwable fenced = fenceCause;
    if (fenced != null) {
      batch.release();
      return CompletableFuture.failedFuture(
          new StreamFencedException("Cannot append to stream " + streamId + ": it is fenced (" + fenced.getMessage()
              + "); reopen it", fenced));
    }
    if (baseOffset != nextOffset || count <= 0) {
      batch.release();
      return CompletableFuture.failedFuture(
          new IllegalArgumentException(
              "Cannot append to stream " + streamId + ": batch [" + baseOffset + ", +" + count
                  + ") does not start at the next offset " + nextOffset));
    }
    nextOffset = baseOffset + count;
    return store.wal().append(this, baseOffset, count, maxTimestamp, batch);
  }

  @Override
  public boolean isFenced() {
    return fenceCause != null;
  }

  @Override
  public void fence(Throwable cause) {
    if (fenceCause == null) {
      fenceCause = cause;
      LOG.warn("Stream {} (epoch {}) is fenced: {}", streamId, epoch, cause.toString());
    }
  }

  @Override
  public void onCommitted(StreamRange range, List<CommittedBatch> batches) {
    ranges.put(range.startOffset(), range);
    rangeBytes.addAndGet(range.length());
    if (cacheDropped) {
      batches.forEach(b -> b.batch().release());
    } else {
      store.cache().put(cacheSegment, batches);
    }
    confirmedOffset = range.endOffset();
    for (Runnable listener : listeners) {
      try {
        listener.run();
      } catch (RuntimeException e) {
        LOG.error("Confirm listener of stream {} failed", streamId, e);
      }
    }
  }

  @Override
  public void addConfirmListener(Runnable listener) {
    listeners.add(listener);
  }

  @Override
  public void removeConfirmListener(Runnable listener) {
    listeners.remove(listener);
  }

  /** Releases the cached batches once this instance is replaced or deleted. */
  void dropCache() {
    cacheDropped = true;
    store.cache().drop(cacheSegment);
  }

  // ---------------------------------------------------------------- reads

  @Override
  public CompletableFuture<ReadResult> read(long offset, int maxBytes) {
    long start = startOffset;
    long confirmed = confirmedOffset;
    if (offset < start || offset > confirmed) {
      return CompletableFuture.failedFuture(outOfRange(offset, start, confirmed));
    }
    Read read = new Read(offset, Math.max(0, maxBytes), confirmed, start);
    return read.step();
  }

  /** One read in progress: collects batches from the cache and the objects until done. */
  private final class Read {
    final long until;
    final long startAtRead;
    final ReadBuffer out;
    long next;

    Read(long offset, int maxBytes, long until, long startAtRead) {
      this.next = offset;
      this.out = new ReadBuffer(maxBytes);
      this.until = until;
      this.startAtRead = startAtRead;
    }

    CompletableFuture<ReadResult> step() {
      while (next < until && !out.full()) {
        long reached = store.cache().read(cacheSegment, next, until, out);
        if (reached != next) {
          next = reached;
          continue;
        }
        Map.Entry<Long, StreamRange> e = ranges.floorEntry(next);
        if (e == null || e.getValue().endOffset() <= next) {
          // Trimmed concurrently: return what was collected, or report the new start.
          long start = startOffset;
          return out.isEmpty()
              ? failed(next < start ? outOfRange(next, start, until)
                  : new IllegalStateException("Stream " + streamId + " has no index range holding offset " + next))
              : CompletableFuture.completedFuture(result());
        }
        StreamRange range = e.getValue();
        long rangeEnd = range.position() + range.length();
        long from = range.position();
        boolean atEntryBoundary = next == range.startOffset();
        long[] hint = readHints.get(next);
        if (hint != null && hint[0] == range.objectId() && hint[1] > range.position() && hint[1] < rangeEnd) {
          from = hint[1];
          atEntryBoundary = true;
        }
        // From an entry boundary, read about what the caller can take; from inside a range, its whole rest.
        long length = rangeEnd - from;
        if (atEntryBoundary) {
          length = Math.min(length, Math.max((long) out.remaining() + WalObjectFormat.ENTRY_HEADER_BYTES, MIN_READ_CHUNK));
        }
        return readChunk(range, from, length);
      }
      return CompletableFuture.completedFuture(result());
    }

    private CompletableFuture<ReadResult> readChunk(StreamRange range, long from, long length) {
      return store
          .readObject(range.objectKey(), from, from + length)
          .handle(
              (buf, err) -> {
                if (err != null) {
                  return failed(unwrap(err));
                }
                try {
                  WalObjectFormat.Prefix prefix = WalObjectFormat.parsePrefix(buf, streamId);
                  if (prefix.entries().isEmpty() && prefix.incompleteEntryBytes() != 0) {
                    // The chunk did not hold one whole entry: read exactly the first one (or the rest).
                    long rest = range.position() + range.length() - from;
                    long exact = prefix.incompleteEntryBytes() > 0 ? prefix.incompleteEntryBytes() : rest;
                    if (exact <= length || exact > rest) {
                      return failed(new WalObjectFormat.CorruptWalObjectException(
                          "range " + range + " has an entry of " + exact + " bytes at byte " + from));
                    }
                    return readChunk(range, from, exact);
                  }
                  collect(range, from, prefix.entries());
                } catch (RuntimeException parseError) {
                  return failed(parseError);
                } finally {
                  buf.release();
                }
                return step();
              })
          .thenCompose(f -> f);
    }

    /** Takes the batches from {@code next} while they fit; remembers where a sequential reader continues. */
    private void collect(StreamRange range, long from, List<Entry> entries) {
      long before = next;
      long nextPosition = -1;
      for (Entry entry : entries) {
        if (entry.endOffset() <= next) {
          continue;
        }
        if (entry.baseOffset() >= until || !out.fits(entry.batch().readableBytes())) {
          break;
        }
        out.add(entry.batch().retainedSlice());
        next = entry.endOffset();
        nextPosition = from + entry.frameEnd();
      }
      if (next == before && !out.full()) {
        throw new IllegalStateException(
            "Stream " + streamId + ": range " + range + " does not hold offset " + next + " as its index says");
      }
      if (nextPosition >= 0 && next < range.endOffset()) {
        readHints.put(next, new long[] {range.objectId(), nextPosition});
      }
    }

    private ReadResult result() {
      return new ReadResult(out.take(), until, startAtRead);
    }

    private CompletableFuture<ReadResult> failed(Throwable t) {
      out.releaseAll();
      return CompletableFuture.failedFuture(t);
    }
  }

  private OffsetOutOfRangeException outOfRange(long offset, long start, long confirmed) {
    return new OffsetOutOfRangeException(
        "Offset " + offset + " of stream " + streamId + " is outside [" + start + ", " + confirmed + "]");
  }

  // ---------------------------------------------------------------- timestamps, retention, trim

  @Override
  public CompletableFuture<Long> offsetForTimestamp(long timestamp) {
    return offsetForTimestamp(timestamp, Long.MIN_VALUE);
  }

  private CompletableFuture<Long> offsetForTimestamp(long timestamp, long fromRange) {
    long start = startOffset;
    for (StreamRange range : ranges.tailMap(fromRange, true).values()) {
      if (range.maxTimestamp() < timestamp || range.endOffset() <= start) {
        continue;
      }
      return batchesOf(range)
          .thenCompose(
              batches -> {
                for (BatchInfo b : batches) {
                  if (b.endOffset > start && b.maxTimestamp >= timestamp) {
                    return CompletableFuture.completedFuture(Math.max(b.baseOffset, start));
                  }
                }
                // Every match in this range lies below the start offset: look further.
                return offsetForTimestamp(timestamp, range.endOffset());
              });
    }
    return CompletableFuture.completedFuture(-1L);
  }

  @Override
  public CompletableFuture<Long> offsetKeepingLastBytes(long maxBytes) {
    long start = startOffset;
    long kept = 0;
    long offset = confirmedOffset;
    for (StreamRange range : ranges.descendingMap().values()) {
      if (range.startOffset() >= offset) {
        continue; // committed after we read confirmedOffset
      }
      if (kept + range.length() <= maxBytes) {
        kept += range.length();
        offset = range.startOffset();
        continue;
      }
      // This range straddles the limit: keep as many of its last batches as fit.
      long keptBefore = kept;
      long offsetBefore = offset;
      return batchesOf(range)
          .thenApply(
              batches -> {
                long k = keptBefore;
                long o = offsetBefore;
                for (int i = batches.size() - 1; i >= 0; i--) {
                  BatchInfo b = batches.get(i);
                  if (b.baseOffset >= o) {
                    continue;
                  }
                  if (k + b.storedBytes > maxBytes) {
                    break;
                  }
                  k += b.storedBytes;
                  o = b.baseOffset;
                }
                return Math.max(o, start);
              });
    }
    return CompletableFuture.completedFuture(Math.max(offset, start));
  }

  @Override
  public CompletableFuture<Void> trim(long newStartOffset) {
    if (newStartOffset <= startOffset) {
      return CompletableFuture.completedFuture(null);
    }
    long confirmed = confirmedOffset;
    if (newStartOffset > confirmed) {
      return CompletableFuture.failedFuture(
          new OffsetOutOfRangeException(
              "Cannot trim stream " + streamId + " to " + newStartOffset + ": it is confirmed only up to " + confirmed));
    }
    return store
        .runMetadata(() -> store.index().trimStream(streamId, epoch, newStartOffset))
        .handle(
            (v, err) -> {
              if (err != null) {
                Throwable cause = unwrap(err);
                if (cause instanceof StaleStreamEpochException) {
                  StreamFencedException fenced =
                      new StreamFencedException("Cannot trim stream " + streamId + ": " + cause.getMessage(), cause);
                  fence(fenced);
                  throw fenced;
                }
                throw cause instanceof RuntimeException re ? re : new CompletionException(cause);
              }
              synchronized (this) {
                if (newStartOffset > startOffset) {
                  startOffset = newStartOffset;
                }
              }
              while (!ranges.isEmpty() && ranges.firstEntry().getValue().endOffset() <= newStartOffset) {
                StreamRange dropped = ranges.pollFirstEntry().getValue();
                rangeBytes.addAndGet(-dropped.length());
              }
              store.cache().trim(cacheSegment, newStartOffset);
              return null;
            });
  }

  /** Per-batch facts of a range, from the cache when it holds the whole range, else from the object. */
  private record BatchInfo(long baseOffset, long endOffset, long maxTimestamp, long storedBytes) {}

  private CompletableFuture<List<BatchInfo>> batchesOf(StreamRange range) {
    long firstCached = store.cache().firstOffset(cacheSegment);
    if (firstCached >= 0 && firstCached <= range.startOffset()) {
      List<BatchInfo> infos = new ArrayList<>();
      for (ConfirmedBatchCache.CachedBatch b : store.cache().batches(cacheSegment, range.startOffset(), range.endOffset())) {
        infos.add(new BatchInfo(b.baseOffset(), b.endOffset(), b.maxTimestamp(), WalObjectFormat.ENTRY_HEADER_BYTES + b.bytes()));
      }
      if (!infos.isEmpty() && infos.get(0).baseOffset == range.startOffset()
          && infos.get(infos.size() - 1).endOffset == range.endOffset()) {
        return CompletableFuture.completedFuture(infos);
      }
    }
    return store
        .readRange(range)
        .thenApply(
            buf -> {
              try {
                List<BatchInfo> infos = new ArrayList<>();
                for (Entry e : WalObjectFormat.parse(buf, streamId)) {
                  infos.add(
                      new BatchInfo(e.baseOffset(), e.endOffset(), e.maxTimestamp(),
                          WalObjectFormat.ENTRY_HEADER_BYTES + e.batch().readableBytes()));
                }
                return infos;
              } finally {
                buf.release();
              }
            });
  }

  private static Throwable unwrap(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  @Override
  public String toString() {
    return "Stream[" + streamId + "@" + epoch + ", start=" + startOffset + ", confirmed=" + confirmedOffset
        + ", next=" + nextOffset + (fenceCause != null ? ", fenced" : "") + "]";
  }
}
