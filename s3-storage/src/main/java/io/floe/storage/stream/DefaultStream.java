package io.floe.storage.stream;

import io.floe.storage.metadata.StaleStreamEpochException;
import io.floe.storage.metadata.StreamMetadata;
import io.floe.storage.metadata.StreamRange;
import io.floe.storage.stream.ObjectBlockCache.BlockRef;
import io.floe.storage.wal.WalObjectFormat;
import io.floe.storage.wal.WalObjectFormat.Entry;
import io.floe.storage.wal.WalStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Stream} owned by this broker under one epoch: appends go through the shared WAL; reads come from the
 * confirmed-batch cache when it holds the offset, else from the WAL objects: the in-memory copy of the stream's
 * index ranges says which bytes of which objects hold the offsets, and those are read, in parallel, through the
 * store's {@link ObjectBlockCache}, into which sequential readers also read ahead.
 *
 * <p>Ownership of read buffers: a read holds one reference to each block it fetched while it takes batches
 * from it, and hands the caller a retained slice per batch (a copy for a batch that spans two blocks); the
 * caller releases those through {@link ReadResult#release()}.
 *
 * <p>Compaction replaces consecutive ranges by one range in a new object ({@link #replaceRanges}) while reads run:
 * the new range goes in under the key of the first old one, then the others go out, so a lookup always finds a
 * range holding its offset. A read that planned with the old ranges reads the old objects, which stay for the
 * store's deletion grace period; a plan that sees the map mid-swap is cut where it stops being consecutive and the
 * read plans again. Trim and the swap exclude each other, and so do the scans that add up ranges (retention by
 * bytes, timestamp lookup), which must not see a range twice or miss one.
 */
final class DefaultStream implements Stream, WalStream {
  private static final Logger LOG = LoggerFactory.getLogger(DefaultStream.class);
  private static final int MAX_READ_HINTS = 16;
  /**
   * Ranges are cached and read in blocks of at most this many bytes, cut from each range's start: a small range
   * is one block, a large one is read in parallel pieces and never held whole for one small read.
   */
  static final int BLOCK_BYTES = 1 << 20;
  /** Bounds the work of one read round over many tiny ranges; the read continues in another round. */
  private static final int MAX_SEGMENTS_PER_ROUND = 1024;

  private final long streamId;
  private final long epoch;
  private final DefaultStreamStore store;
  private final ConfirmedBatchCache.Segment cacheSegment;
  /** Committed ranges by start offset; ranges wholly below the start offset are removed by trim. */
  private final ConcurrentSkipListMap<Long, StreamRange> ranges = new ConcurrentSkipListMap<>();
  /** Held to remove ranges (trim, compaction) and by scans that must see the ranges consecutive. */
  private final Object rangesLock = new Object();
  private final AtomicLong rangeBytes = new AtomicLong();
  /**
   * When offsets were confirmed: {time ms, confirmed offset then} samples, oldest first, at most one per {@link
   * #commitSampleMs}, none older than needed to answer {@link #compactableOffset}. Guarded by itself.
   */
  private final ArrayDeque<long[]> commitTimes = new ArrayDeque<>();
  private final long commitSampleMs;
  private final CopyOnWriteArrayList<Runnable> listeners = new CopyOnWriteArrayList<>();
  /**
   * Where recent object reads stopped inside a range: offset -> {object id, byte position of the entry holding
   * it}, so a sequential reader continues with the blocks from there instead of re-reading the range from its
   * start. A few entries serve a few concurrent readers.
   */
  private final Map<Long, long[]> readHints = Collections.synchronizedMap(recentlyUsed());
  /** Offsets where recent reads ended: a read starting at one is sequential and gets read-ahead. */
  private final Set<Long> recentReadEnds = Collections.newSetFromMap(Collections.synchronizedMap(recentlyUsed()));

  private volatile long startOffset;
  /** Written only by the appending thread (callers serialize appends per stream). */
  private volatile long nextOffset;
  private volatile long confirmedOffset;
  private volatile Throwable fenceCause;
  /**
   * With a journal: acknowledged batches not yet in the index, by base offset, each holding a reference of its own.
   * Also the lock for {@link #cacheDropped} changes.
   */
  private final NavigableMap<Long, CommittedBatch> unindexed = new TreeMap<>();
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
    // What is there at open counts as confirmed now: compaction waits its minimum age after a takeover too.
    this.commitSampleMs = Math.max(1, store.compactionMinAgeMs() / 16);
    noteConfirmed(metadata.endOffset());
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
    confirmed(batches, range.endOffset());
  }

  @Override
  public void onJournaled(List<CommittedBatch> batches) {
    // The batches are in no object yet: they stay here (a second reference) until their range is indexed.
    synchronized (unindexed) {
      if (!cacheDropped) {
        for (CommittedBatch b : batches) {
          b.batch().retain();
          unindexed.put(b.baseOffset(), b);
        }
      }
    }
    confirmed(batches, batches.get(batches.size() - 1).endOffset());
  }

  @Override
  public void onIndexed(StreamRange range) {
    ranges.put(range.startOffset(), range);
    rangeBytes.addAndGet(range.length());
    // Readers that miss the batches from now on find the range.
    synchronized (unindexed) {
      while (!unindexed.isEmpty() && unindexed.firstEntry().getValue().endOffset() <= range.endOffset()) {
        unindexed.pollFirstEntry().getValue().batch().release();
      }
    }
  }

  /** Hands the batches to the tail cache and makes them readable up to {@code endOffset}. */
  private void confirmed(List<CommittedBatch> batches, long endOffset) {
    if (cacheDropped) {
      batches.forEach(b -> b.batch().release());
    } else {
      store.cache().put(cacheSegment, batches);
    }
    confirmedOffset = endOffset;
    noteConfirmed(endOffset);
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
    synchronized (unindexed) {
      cacheDropped = true;
      unindexed.values().forEach(b -> b.batch().release());
      unindexed.clear();
    }
    store.cache().drop(cacheSegment);
  }

  /**
   * Adds to {@code out} retained slices of the acknowledged batches not yet in the index (with a journal), from the
   * one containing {@code offset}, stopping before {@code until} or when {@code out} is full. Returns the offset
   * after the last batch added, or {@code offset} if none holds it.
   */
  private long readUnindexed(long offset, long until, ReadBuffer out) {
    synchronized (unindexed) {
      Map.Entry<Long, CommittedBatch> first = unindexed.floorEntry(offset);
      if (first == null || first.getValue().endOffset() <= offset) {
        return offset;
      }
      long next = offset;
      for (CommittedBatch b : unindexed.tailMap(first.getKey(), true).values()) {
        if (b.baseOffset() >= until || b.baseOffset() > next || !out.fits(b.batch().readableBytes())) {
          break;
        }
        out.add(b.batch().retainedSlice());
        next = b.endOffset();
      }
      return next;
    }
  }

  /** Drops the cached blocks of every range, once the stream is deleted. */
  void dropBlocks() {
    for (StreamRange r : ranges.values()) {
      dropBlocks(r);
    }
  }

  private void dropBlocks(StreamRange r) {
    store.blocks().invalidate(r.objectId(), r.position(), r.position() + r.length());
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

  /**
   * One read in progress. Each round plans, from the in-memory index, the byte segments of the ranges holding
   * the next offsets (about as many bytes as the caller can take), fetches their blocks in parallel through the
   * block cache, then takes the batches from the segments in order. Rounds repeat until the read is full, reaches
   * the tail cache (checked first each round) or the confirmed offset. A sequential read also starts reading
   * ahead of where it will stop.
   */
  private final class Read {
    final long until;
    final long startAtRead;
    final ReadBuffer out;
    final boolean sequential;
    long next;
    /** Plan at least this many bytes next round: the entry at {@code next} is larger than the last plan. */
    long minBytes;
    /** Where the last segment's taken batches end (object position), or -1 if it gave none. */
    long takenThrough;
    boolean readAheadStarted;

    Read(long offset, int maxBytes, long until, long startAtRead) {
      this.next = offset;
      this.out = new ReadBuffer(maxBytes);
      this.until = until;
      this.startAtRead = startAtRead;
      this.sequential = recentReadEnds.contains(offset);
    }

    CompletableFuture<ReadResult> step() {
      while (next < until && !out.full()) {
        long reached = store.cache().read(cacheSegment, next, until, out);
        if (reached == next) {
          reached = readUnindexed(next, until, out);
        }
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
        List<Segment> plan = plan(e.getValue());
        BlockFetch fetch = new BlockFetch(plan);
        fetch.start();
        if (sequential && !readAheadStarted) {
          readAheadStarted = true;
          readAhead(plan.get(plan.size() - 1));
        }
        if (!fetch.done.isDone()) {
          return fetch.done
              .handle((v, err) -> {
                Throwable failure = take(plan, fetch);
                return failure != null ? failed(failure) : step();
              })
              .thenCompose(f -> f);
        }
        Throwable failure = take(plan, fetch);
        if (failure != null) {
          return failed(failure);
        }
      }
      return CompletableFuture.completedFuture(result());
    }

    /**
     * The segments to read this round: from the entry holding {@code next} in {@code first} (from a read hint,
     * else from the range's start), then the following ranges from their starts, until about the bytes the
     * caller can take, the tail cache's first offset, or the read's end.
     */
    private List<Segment> plan(StreamRange first) {
      long need = Math.max(Math.max(out.remaining(), minBytes), WalObjectFormat.ENTRY_HEADER_BYTES);
      minBytes = 0;
      // Framing adds a few bytes per batch; rounding up to whole blocks adds the rest.
      long budget = need + need / 16 + WalObjectFormat.ENTRY_HEADER_BYTES;
      List<Segment> plan = new ArrayList<>();
      long rangeEnd = first.position() + first.length();
      long[] hint = next == first.startOffset() ? null : readHints.get(next);
      if (next == first.startOffset()) {
        plan.add(segment(first, first.position(), first.startOffset(), budget));
      } else if (hint != null && hint[0] == first.objectId() && hint[1] > first.position() && hint[1] < rangeEnd) {
        plan.add(segment(first, hint[1], next, budget));
      } else {
        // Inside a range with no hint of where the entry holding next starts: read the range's whole rest.
        plan.add(segment(first, first.position(), first.startOffset(), first.length()));
        budget = need;
      }
      budget -= plan.get(0).length();
      long tailStart = store.cache().firstOffset(cacheSegment);
      for (StreamRange r : ranges.tailMap(first.startOffset(), false).values()) {
        if (budget <= 0 || r.startOffset() >= until || (tailStart >= 0 && r.startOffset() >= tailStart)
            || plan.size() == MAX_SEGMENTS_PER_ROUND) {
          break;
        }
        Segment s = segment(r, r.position(), r.startOffset(), budget);
        plan.add(s);
        budget -= s.length();
      }
      return plan;
    }

    /** Takes the batches of a fetched plan in order; returns the failure, if any. Releases the blocks. */
    private Throwable take(List<Segment> plan, BlockFetch fetch) {
      try {
        if (fetch.failure != null) {
          return unwrap(fetch.failure);
        }
        // A sequential reader will not come back: blocks it went past are evicted first (see ObjectBlockCache).
        List<BlockRef> passed = sequential ? new ArrayList<>() : null;
        for (Segment s : plan) {
          if (s.fromOffset() > next) {
            // Planned from ranges that compaction swapped meanwhile: plan again from next with the current ones.
            break;
          }
          boolean more = take(s, fetch.buffers);
          if (passed != null) {
            for (BlockRef b : s.blocks()) {
              if (next >= s.range().endOffset() || b.end() <= takenThrough) {
                passed.add(b);
              }
            }
          }
          if (!more) {
            break;
          }
        }
        if (passed != null && !passed.isEmpty()) {
          store.blocks().passed(passed);
        }
        return null;
      } catch (RuntimeException e) {
        return e;
      } finally {
        fetch.releaseBuffers();
      }
    }

    /** Takes the segment's batches from {@code next}; returns whether the next segment is needed too. */
    private boolean take(Segment s, ByteBuf[] buffers) {
      StreamRange range = s.range();
      long rangeEnd = range.position() + range.length();
      CompositeByteBuf joined = null;
      ByteBuf bytes;
      if (s.blockCount() == 1) {
        BlockRef b = s.blocks().get(0);
        bytes = slice(buffers[s.firstBuffer()], s.from() - b.position(), s.length());
      } else {
        joined = PooledByteBufAllocator.DEFAULT.compositeDirectBuffer(s.blockCount());
        for (int i = 0; i < s.blockCount(); i++) {
          BlockRef b = s.blocks().get(i);
          long from = Math.max(s.from(), b.position());
          long to = Math.min(s.to(), b.end());
          joined.addComponent(true, retainedSlice(buffers[s.firstBuffer() + i], from - b.position(), to - from));
        }
        bytes = joined;
      }
      try {
        WalObjectFormat.Prefix prefix = WalObjectFormat.parsePrefix(bytes, streamId);
        long before = next;
        long parsedOffset = s.fromOffset();
        long parsedPosition = s.from();
        long takenPosition = -1;
        takenThrough = -1;
        for (Entry entry : prefix.entries()) {
          parsedOffset = entry.endOffset();
          parsedPosition = s.from() + entry.frameEnd();
          if (entry.endOffset() <= next) {
            continue;
          }
          if (entry.baseOffset() >= until || !out.fits(entry.batch().readableBytes())) {
            break;
          }
          out.add(batchOf(s, entry, buffers));
          next = entry.endOffset();
          takenPosition = parsedPosition;
          takenThrough = parsedPosition;
        }
        if (out.full() || next >= until) {
          if (takenPosition >= 0 && next < range.endOffset()) {
            readHints.put(next, new long[] {range.objectId(), takenPosition});
          }
          return false;
        }
        if (next >= range.endOffset()) {
          return true;
        }
        // More of this range is needed.
        if (s.to() >= rangeEnd) {
          throw prefix.incompleteEntryBytes() != 0
              ? new WalObjectFormat.CorruptWalObjectException("range " + range + " ends inside an entry")
              : new IllegalStateException(
                  "Stream " + streamId + ": range " + range + " does not hold offset " + next + " as its index says");
        }
        if (parsedOffset == next) {
          // The plan stopped inside the range: continue from the entry holding next, with room for all of it.
          readHints.put(next, new long[] {range.objectId(), parsedPosition});
          long cut = s.to() - parsedPosition;
          minBytes = Math.max(prefix.incompleteEntryBytes(), next == before ? cut + 1 : 0);
        }
        return false;
      } finally {
        if (joined != null) {
          joined.release();
        }
      }
    }

    /** A retained buffer of the entry's batch: a slice of its block, or a copy if it spans two blocks. */
    private ByteBuf batchOf(Segment s, Entry entry, ByteBuf[] buffers) {
      int length = entry.batch().readableBytes();
      long start = s.from() + entry.frameOffset() + WalObjectFormat.ENTRY_HEADER_BYTES;
      for (int i = 0; i < s.blockCount(); i++) {
        BlockRef b = s.blocks().get(i);
        if (start >= b.position() && start + length <= b.end()) {
          return retainedSlice(buffers[s.firstBuffer() + i], start - b.position(), length);
        }
      }
      ByteBuf copy = PooledByteBufAllocator.DEFAULT.directBuffer(length, length);
      copy.writeBytes(entry.batch(), entry.batch().readerIndex(), length);
      return copy;
    }

    private ReadResult result() {
      if (!out.isEmpty()) {
        recentReadEnds.add(next);
      }
      return new ReadResult(out.take(), until, startAtRead);
    }

    private CompletableFuture<ReadResult> failed(Throwable t) {
      out.releaseAll();
      return CompletableFuture.failedFuture(t);
    }
  }

  /**
   * Bytes {@code [from, to)} of a range, starting at the entry holding offset {@code fromOffset}, and the blocks
   * holding them ({@code blockCount} of the plan's, from {@code firstBuffer}).
   */
  private record Segment(StreamRange range, long from, long to, long fromOffset, List<BlockRef> blocks, int firstBuffer) {
    long length() {
      return to - from;
    }

    int blockCount() {
      return blocks.size();
    }
  }

  /** Bytes {@code [offset, offset + length)} of a block's readable bytes, sharing its reference count. */
  private static ByteBuf slice(ByteBuf block, long offset, long length) {
    return block.slice(block.readerIndex() + (int) offset, (int) length);
  }

  private static ByteBuf retainedSlice(ByteBuf block, long offset, long length) {
    return block.retainedSlice(block.readerIndex() + (int) offset, (int) length);
  }

  /** A segment from {@code from} covering at least {@code bytes} (up to the end of its last block) or the range's rest. */
  private static Segment segment(StreamRange range, long from, long fromOffset, long bytes) {
    long rangeEnd = range.position() + range.length();
    long wanted = Math.min(rangeEnd, from + Math.max(1, bytes));
    long firstBlock = (from - range.position()) / BLOCK_BYTES;
    long lastBlock = (wanted - 1 - range.position()) / BLOCK_BYTES;
    long to = Math.min(rangeEnd, range.position() + (lastBlock + 1) * BLOCK_BYTES);
    List<BlockRef> blocks = new ArrayList<>((int) (lastBlock - firstBlock + 1));
    for (long k = firstBlock; k <= lastBlock; k++) {
      blocks.add(block(range, k));
    }
    return new Segment(range, from, to, fromOffset, blocks, -1);
  }

  /** Block {@code k} of a range: blocks are cut from the range's start, so every reader names the same ones. */
  private static BlockRef block(StreamRange range, long k) {
    long position = range.position() + k * BLOCK_BYTES;
    int length = (int) Math.min(BLOCK_BYTES, range.position() + range.length() - position);
    return new BlockRef(range.objectId(), range.objectKey(), position, length);
  }

  /**
   * The blocks of a plan, fetched through the block cache, at most {@code readParallelism} at a time. {@code done}
   * completes once every fetch issued has completed: all of them, or those issued before the first failure.
   */
  private final class BlockFetch {
    final List<BlockRef> refs = new ArrayList<>();
    final ByteBuf[] buffers;
    final CompletableFuture<Void> done = new CompletableFuture<>();
    private final int parallelism = store.readParallelism();
    // Guarded by this.
    private int issued;
    private int inFlight;
    private int completed;
    volatile Throwable failure;

    BlockFetch(List<Segment> plan) {
      for (int i = 0; i < plan.size(); i++) {
        Segment s = plan.get(i);
        plan.set(i, new Segment(s.range(), s.from(), s.to(), s.fromOffset(), s.blocks(), refs.size()));
        refs.addAll(s.blocks());
      }
      buffers = new ByteBuf[refs.size()];
    }

    void start() {
      while (true) {
        int i;
        synchronized (this) {
          if (issued == refs.size() || failure != null || inFlight >= parallelism) {
            break;
          }
          i = issued++;
          inFlight++;
        }
        CompletableFuture<ByteBuf> f = store.blocks().get(refs.get(i));
        if (f.isDone()) {
          f.whenComplete((buf, err) -> onFetched(i, buf, err));
        } else {
          f.whenComplete(
              (buf, err) -> {
                onFetched(i, buf, err);
                start();
              });
        }
      }
    }

    private void onFetched(int i, ByteBuf buf, Throwable err) {
      boolean finished;
      synchronized (this) {
        inFlight--;
        completed++;
        if (err != null) {
          if (failure == null) {
            failure = err;
          }
        } else {
          buffers[i] = buf;
        }
        finished = completed == refs.size() || (failure != null && completed == issued);
      }
      if (finished) {
        done.complete(null);
      }
    }

    void releaseBuffers() {
      for (int i = 0; i < buffers.length; i++) {
        if (buffers[i] != null) {
          buffers[i].release();
          buffers[i] = null;
        }
      }
    }
  }

  /**
   * Reads ahead for a sequential reader: the blocks after the plan's last segment, up to the read-ahead bytes,
   * stopping at the tail cache, so that the reader's next read finds them in memory.
   */
  private void readAhead(Segment last) {
    long budget = store.readAheadBytes();
    if (budget <= 0) {
      return;
    }
    List<BlockRef> refs = new ArrayList<>();
    StreamRange range = last.range();
    long rangeEnd = range.position() + range.length();
    for (long k = (last.to() - range.position() + BLOCK_BYTES - 1) / BLOCK_BYTES;
        budget > 0 && range.position() + k * BLOCK_BYTES < rangeEnd;
        k++) {
      BlockRef b = block(range, k);
      refs.add(b);
      budget -= b.length();
    }
    long tailStart = store.cache().firstOffset(cacheSegment);
    for (StreamRange r : ranges.tailMap(range.startOffset(), false).values()) {
      if (budget <= 0 || (tailStart >= 0 && r.startOffset() >= tailStart)) {
        break;
      }
      for (long k = 0; budget > 0 && k * BLOCK_BYTES < r.length(); k++) {
        BlockRef b = block(r, k);
        refs.add(b);
        budget -= b.length();
      }
    }
    if (!refs.isEmpty()) {
      store.blocks().prefetch(refs);
    }
  }

  private static <V> Map<Long, V> recentlyUsed() {
    return new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Long, V> eldest) {
        return size() > MAX_READ_HINTS;
      }
    };
  }

  private OffsetOutOfRangeException outOfRange(long offset, long start, long confirmed) {
    return new OffsetOutOfRangeException(
        "Offset " + offset + " of stream " + streamId + " is outside [" + start + ", " + confirmed + "]");
  }

  // ---------------------------------------------------------------- timestamps, retention, trim

  @Override
  public CompletableFuture<Long> offsetForTimestamp(long timestamp) {
    return indexedFirst().thenCompose(v -> offsetForTimestamp(timestamp, Long.MIN_VALUE));
  }

  /**
   * Completes once every acknowledged batch is in the index (at once without a journal), for the answers that
   * are computed from the index's ranges.
   */
  private CompletableFuture<Void> indexedFirst() {
    synchronized (unindexed) {
      if (unindexed.isEmpty()) {
        return CompletableFuture.completedFuture(null);
      }
    }
    return store.wal().flush();
  }

  /** The answer among the batches from the one holding {@code fromOffset} on. */
  private CompletableFuture<Long> offsetForTimestamp(long timestamp, long fromOffset) {
    long start = startOffset;
    StreamRange found = null;
    synchronized (rangesLock) {
      // From the range holding fromOffset: compaction may have merged it into one that starts before.
      Long from = ranges.floorKey(fromOffset);
      for (StreamRange range : ranges.tailMap(from != null ? from : fromOffset, true).values()) {
        if (range.maxTimestamp() >= timestamp && range.endOffset() > start && range.endOffset() > fromOffset) {
          found = range;
          break;
        }
      }
    }
    if (found != null) {
      StreamRange range = found;
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
    return indexedFirst().thenCompose(v -> indexedOffsetKeepingLastBytes(maxBytes));
  }

  private CompletableFuture<Long> indexedOffsetKeepingLastBytes(long maxBytes) {
    long start = startOffset;
    long kept = 0;
    long offset = confirmedOffset;
    StreamRange straddling = null;
    synchronized (rangesLock) {
      for (StreamRange range : ranges.descendingMap().values()) {
        if (range.startOffset() >= offset) {
          continue; // committed after we read confirmedOffset
        }
        if (kept + range.length() <= maxBytes) {
          kept += range.length();
          offset = range.startOffset();
          continue;
        }
        straddling = range;
        break;
      }
    }
    if (straddling != null) {
      // This range straddles the limit: keep as many of its last batches as fit.
      StreamRange range = straddling;
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
    // The index's start offset must not pass its end offset.
    return indexedFirst().thenCompose(v -> trimIndexed(newStartOffset));
  }

  private CompletableFuture<Void> trimIndexed(long newStartOffset) {
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
              synchronized (rangesLock) {
                while (!ranges.isEmpty() && ranges.firstEntry().getValue().endOffset() <= newStartOffset) {
                  StreamRange dropped = ranges.pollFirstEntry().getValue();
                  rangeBytes.addAndGet(-dropped.length());
                  dropBlocks(dropped);
                }
              }
              store.cache().trim(cacheSegment, newStartOffset);
              return null;
            });
  }

  // ---------------------------------------------------------------- compaction

  /**
   * The offset below which every batch was confirmed at least {@code minAgeMs} before {@code nowMs} (to within a
   * sixteenth of the age), or {@link #startOffset()} if none was.
   */
  long compactableOffset(long nowMs, long minAgeMs) {
    if (minAgeMs == 0) {
      return confirmedOffset;
    }
    long cutoff = nowMs - minAgeMs;
    synchronized (commitTimes) {
      pruneCommitTimes(cutoff);
      long[] oldest = commitTimes.peekFirst();
      return oldest != null && oldest[0] <= cutoff ? oldest[1] : startOffset;
    }
  }

  private void noteConfirmed(long offset) {
    long minAgeMs = store.compactionMinAgeMs();
    if (minAgeMs <= 0) {
      return;
    }
    long now = System.currentTimeMillis();
    synchronized (commitTimes) {
      long[] last = commitTimes.peekLast();
      // A sample keeps the offset of its time, so ages are never underestimated.
      if (last == null || now - last[0] >= commitSampleMs) {
        commitTimes.addLast(new long[] {now, offset});
        pruneCommitTimes(now - minAgeMs);
      }
    }
  }

  /** Drops samples older than the newest one at or before {@code cutoff}, which alone answers for it. */
  private void pruneCommitTimes(long cutoff) {
    while (commitTimes.size() >= 2) {
      long[] first = commitTimes.pollFirst();
      if (commitTimes.peekFirst()[0] > cutoff) {
        commitTimes.addFirst(first);
        break;
      }
    }
  }

  /** The ranges wholly below {@code offset}, in offset order, as one consistent view. */
  List<StreamRange> rangesBelow(long offset) {
    List<StreamRange> result = new ArrayList<>();
    synchronized (rangesLock) {
      for (StreamRange r : ranges.values()) {
        if (r.endOffset() > offset) {
          break;
        }
        result.add(r);
      }
    }
    return result;
  }

  /**
   * After the index committed the replacement of {@code replaced} by {@code merged}: swaps them in memory, so that
   * reads from now on go to the new object. Readers holding old ranges still read the old objects (which outlive
   * the swap by the deletion grace). Ranges a trim removed meanwhile stay removed; the merged range goes in only
   * if the start offset has not passed its end (else the index dropped it too, or will).
   */
  void replaceRanges(List<StreamRange> replaced, StreamRange merged) {
    synchronized (rangesLock) {
      StreamRange first = replaced.get(0);
      int from = 0;
      if (merged.endOffset() > startOffset) {
        StreamRange previous = ranges.put(merged.startOffset(), merged);
        rangeBytes.addAndGet(merged.length());
        if (previous != null) {
          rangeBytes.addAndGet(-previous.length());
          if (previous.equals(first)) {
            dropBlocks(previous);
            from = 1;
          }
        }
      }
      for (StreamRange old : replaced.subList(from, replaced.size())) {
        if (ranges.remove(old.startOffset(), old)) {
          rangeBytes.addAndGet(-old.length());
          dropBlocks(old);
        }
      }
    }
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
