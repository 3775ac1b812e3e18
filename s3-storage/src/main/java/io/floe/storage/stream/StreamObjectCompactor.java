package io.floe.storage.stream;

import io.floe.storage.metadata.MetadataCommitStateUnknownException;
import io.floe.storage.metadata.MetadataConflictException;
import io.floe.storage.metadata.ObjectCommit;
import io.floe.storage.metadata.RangeReplacement;
import io.floe.storage.metadata.StaleStreamEpochException;
import io.floe.storage.metadata.StreamIndexStore;
import io.floe.storage.metadata.StreamRange;
import io.floe.storage.objectstore.ObjectStorage;
import io.floe.storage.wal.WalObjectFormat;
import io.floe.storage.wal.WalObjectFormat.Entry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rewrites the data a stream has in small objects (its ranges in shared WAL objects, and small stream objects) into
 * objects of its own ({@link StreamObjectFormat}), so that a catch-up read of one partition reads a few large
 * ranges instead of a slice of every WAL object, and so that WAL objects, once none of their ranges is left, are
 * deleted. Which ranges are merged is said in {@link CompactionConfig}.
 *
 * <p>One run becomes one object: its ranges are read from the object storage ({@code readParallelism} at a time,
 * the run's bytes, at most {@link CompactionConfig#maxObjectBytes()}, held until written), checked against their
 * framing, written under a new object id, and committed with {@link StreamIndexStore#replaceRanges}, fenced by the
 * stream's epoch and conditional on every old range being unchanged. Only then does the stream read from the new
 * object. The old objects are deleted by the store's cleanup once unreferenced for its grace period, so a read that
 * looked up an old range just before still finds it.
 *
 * <p>Failures: a conflict (a trim or a deletion came first) or a stale epoch deletes the new object and skips the
 * run (a stale epoch also fences the stream); an object-store or metadata error does the same and the run is tried
 * again next cycle. If the commit's outcome is unknown, the stream's ranges are read back to learn it; if even that
 * fails the stream is fenced, so that its owner reopens it and reads what the index holds, and the object is left
 * (if it is not referenced, it is an orphan that the next start deletes).
 *
 * <p>Only the owner compacts its streams: the store runs cycles over the streams it has open and skips fenced ones.
 * Cycles run one at a time on a store thread and block it; a cycle writes at most {@link
 * CompactionConfig#maxRunsPerCycle()} objects, resuming the next cycle from the stream after the last one served.
 */
final class StreamObjectCompactor {
  private static final Logger LOG = LoggerFactory.getLogger(StreamObjectCompactor.class);

  private final ObjectStorage storage;
  private final StreamIndexStore index;
  private final CompactionConfig config;
  private final int readParallelism;
  private final BooleanSupplier stopped;
  private final Object cycleLock = new Object();
  /** The last stream a cycle worked on; the next cycle starts after it. Guarded by cycleLock. */
  private long lastStreamId = Long.MIN_VALUE;

  private final LongAdder cycles = new LongAdder();
  private final LongAdder rangesCompacted = new LongAdder();
  private final LongAdder objectsWritten = new LongAdder();
  private final LongAdder bytesRewritten = new LongAdder();
  private final LongAdder conflicts = new LongAdder();
  private final LongAdder failures = new LongAdder();

  StreamObjectCompactor(
      ObjectStorage storage, StreamIndexStore index, CompactionConfig config, int readParallelism,
      BooleanSupplier stopped) {
    this.storage = storage;
    this.index = index;
    this.config = config;
    this.readParallelism = readParallelism;
    this.stopped = stopped;
  }

  /** What one cycle did. */
  record Cycle(int streams, int objectsWritten, int rangesCompacted, long bytesRewritten, int conflicts, int failures) {
    boolean didSomething() {
      return objectsWritten + conflicts + failures > 0;
    }
  }

  /** Counters since start; {@code objectsDeleted} is the store's to fill in. */
  CompactionStats stats(long objectsDeleted) {
    return new CompactionStats(
        cycles.sum(), rangesCompacted.sum(), objectsWritten.sum(), bytesRewritten.sum(), conflicts.sum(),
        failures.sum(), objectsDeleted);
  }

  /** Runs one cycle over {@code streams}, blocking the calling thread; cycles never overlap. */
  Cycle runCycle(List<DefaultStream> streams) {
    synchronized (cycleLock) {
      long startNanos = System.nanoTime();
      List<DefaultStream> order = new ArrayList<>(streams);
      order.sort(Comparator.comparingLong(DefaultStream::streamId));
      int first = 0;
      while (first < order.size() && order.get(first).streamId() <= lastStreamId) {
        first++;
      }
      int runsLeft = config.maxRunsPerCycle();
      int streamsCompacted = 0;
      Tally tally = new Tally();
      Set<Long> pinned = pinnedWalObjects(order);
      for (int i = 0; i < order.size() && runsLeft > 0 && !stopped.getAsBoolean(); i++) {
        DefaultStream stream = order.get((first + i) % order.size());
        if (stream.isFenced()) {
          lastStreamId = stream.streamId();
          continue;
        }
        long upTo = stream.compactableOffset(System.currentTimeMillis(), config.minAgeMs());
        List<List<StreamRange>> runs = planRuns(stream.rangesBelow(upTo), config, pinned);
        int before = tally.objectsWritten;
        int done = 0;
        for (List<StreamRange> run : runs) {
          if (runsLeft == 0 || stopped.getAsBoolean() || stream.isFenced()) {
            break;
          }
          runsLeft--;
          compact(stream, run, tally);
          done++;
        }
        if (done == runs.size()) {
          lastStreamId = stream.streamId(); // else the next cycle starts with this stream's remaining runs
        }
        if (tally.objectsWritten > before) {
          streamsCompacted++;
        }
      }
      cycles.increment();
      Cycle cycle =
          new Cycle(streamsCompacted, tally.objectsWritten, tally.rangesCompacted, tally.bytesRewritten,
              tally.conflicts, tally.failures);
      if (cycle.didSomething()) {
        LOG.info(
            "Compacted {} ranges of {} streams into {} stream objects ({} bytes) in {} ms; {} conflicts, {} failures",
            cycle.rangesCompacted(), cycle.streams(), cycle.objectsWritten(), cycle.bytesRewritten(),
            (System.nanoTime() - startNanos) / 1_000_000, cycle.conflicts(), cycle.failures());
      }
      return cycle;
    }
  }

  /** Counts of one cycle. */
  private static final class Tally {
    int objectsWritten;
    int rangesCompacted;
    long bytesRewritten;
    int conflicts;
    int failures;
  }

  /**
   * The runs to compact among {@code ranges} (consecutive ranges of one stream, in offset order): maximal sequences
   * of candidates, cut at {@link CompactionConfig#maxObjectBytes()}, each without a leading stream object larger than
   * the rest together (WAL ranges under {@link #WAL_RANGE_KEPT_BYTES} are always rewritten: that is what releases
   * the shared objects). A run of one range only if it is in a WAL object that is not in {@code pinnedWalObjects}:
   * rewriting it alone merges nothing, and is only worth its PUT when it helps release its WAL object; a lone
   * stream object is never rewritten (that would change nothing).
   */
  static List<List<StreamRange>> planRuns(List<StreamRange> ranges, CompactionConfig config, Set<Long> pinnedWalObjects) {
    return planRunsOf(ranges, config, pinnedWalObjects);
  }

  /**
   * The WAL objects some open stream keeps a large slice in (see {@link #WAL_RANGE_KEPT_BYTES}): they stay until
   * retention whatever compaction does, so a lone small slice in one is not worth a PUT of its own.
   */
  private static Set<Long> pinnedWalObjects(List<DefaultStream> streams) {
    Set<Long> pinned = new HashSet<>();
    for (DefaultStream stream : streams) {
      for (StreamRange r : stream.rangesBelow(Long.MAX_VALUE)) {
        if (isWal(r) && r.length() >= WAL_RANGE_KEPT_BYTES) {
          pinned.add(r.objectId());
        }
      }
    }
    return pinned;
  }

  /**
   * WAL ranges of at least this size are left where they are. Such a slice is read with one GET per 512 KiB or
   * more (at most 2,048 GETs, $0.0008 at S3's list price, per GB read back from cold objects), while rewriting it
   * costs a PUT ($0.005 per 1,000) per slice when it sits alone between larger ones, as a moderately busy
   * broker's slices do (a WAL object sealed on the interval between ones sealed on size): several times what
   * reading it would cost, unless the same cold data is read again and again.
   */
  static final long WAL_RANGE_KEPT_BYTES = 512L << 10;

  private static List<List<StreamRange>> planRunsOf(
      List<StreamRange> ranges, CompactionConfig config, Set<Long> pinnedWalObjects) {
    List<List<StreamRange>> runs = new ArrayList<>();
    List<StreamRange> run = new ArrayList<>();
    long runBytes = 0;
    for (StreamRange r : ranges) {
      boolean candidate = isCandidate(r, config);
      boolean consecutive = run.isEmpty() || run.get(run.size() - 1).endOffset() == r.startOffset();
      if (!candidate || !consecutive || runBytes + r.length() > config.maxObjectBytes()) {
        addRun(runs, run, pinnedWalObjects);
        run = new ArrayList<>();
        runBytes = 0;
      }
      if (candidate) {
        run.add(r);
        runBytes += r.length();
      }
    }
    addRun(runs, run, pinnedWalObjects);
    return runs;
  }

  private static boolean isCandidate(StreamRange r, CompactionConfig config) {
    if (isWal(r)) {
      // A large slice is already cheap to read (one GET per 512 KiB or more); rewriting it would cost a PUT
      // for little gain. It stays in its WAL object until retention releases it.
      return r.length() < WAL_RANGE_KEPT_BYTES && r.length() <= config.maxObjectBytes();
    }
    return StreamObjectFormat.objectId(r.objectKey()) >= 0 && r.length() < config.smallObjectBytes();
  }

  private static void addRun(List<List<StreamRange>> runs, List<StreamRange> run, Set<Long> pinnedWalObjects) {
    long rest = 0;
    for (StreamRange r : run) {
      rest += r.length();
    }
    int from = 0;
    while (run.size() - from >= 2 && !isWal(run.get(from))) {
      long head = run.get(from).length();
      rest -= head;
      if (head <= rest) {
        break;
      }
      from++;
    }
    List<StreamRange> kept = run.subList(from, run.size());
    if (kept.size() >= 2
        || (kept.size() == 1 && isWal(kept.get(0)) && !pinnedWalObjects.contains(kept.get(0).objectId()))) {
      runs.add(List.copyOf(kept));
    }
  }

  private static boolean isWal(StreamRange r) {
    return WalObjectFormat.objectId(r.objectKey()) >= 0;
  }

  /** Compacts one run of {@code stream} into one object, counting the outcome. */
  private void compact(DefaultStream stream, List<StreamRange> run, Tally tally) {
    long streamId = stream.streamId();
    String key = null;
    // Once a write was sent the object may exist, even if the write failed; it stays only if it is referenced.
    boolean keep = true;
    try {
      long objectId = index.allocateObjectIds(1);
      String objectKey = StreamObjectFormat.objectKey(streamId, objectId);
      CompositeByteBuf data = readRun(streamId, run);
      long size = data.readableBytes();
      try {
        key = objectKey;
        keep = false;
        storage.write(objectKey, data).join();
      } finally {
        data.release();
      }
      long maxTimestamp = Long.MIN_VALUE;
      for (StreamRange r : run) {
        maxTimestamp = Math.max(maxTimestamp, r.maxTimestamp());
      }
      StreamRange merged =
          new StreamRange(streamId, run.get(0).startOffset(), run.get(run.size() - 1).endOffset(), objectId,
              objectKey, 0, size, maxTimestamp);
      ObjectCommit object = new ObjectCommit(objectId, objectKey, size, List.of(merged), Map.of(streamId, stream.epoch()));
      Outcome outcome = commit(stream, new RangeReplacement(run, object));
      keep = outcome == Outcome.COMMITTED || outcome == Outcome.UNKNOWN;
      switch (outcome) {
        case COMMITTED -> {
          stream.replaceRanges(run, merged);
          tally.objectsWritten++;
          tally.rangesCompacted += run.size();
          tally.bytesRewritten += size;
          objectsWritten.increment();
          rangesCompacted.add(run.size());
          bytesRewritten.add(size);
        }
        case CONFLICT -> {
          tally.conflicts++;
          conflicts.increment();
        }
        case NOT_APPLIED, UNKNOWN -> {
          tally.failures++;
          failures.increment();
        }
      }
    } catch (RuntimeException e) {
      tally.failures++;
      failures.increment();
      LOG.warn("Cannot compact {} ranges of stream {} (offsets {} to {}); will try again next cycle", run.size(),
          streamId, run.get(0).startOffset(), run.get(run.size() - 1).endOffset(), unwrap(e));
    } finally {
      if (!keep) {
        deleteQuietly(key);
      }
    }
  }

  /** How a compaction's commit ended. */
  private enum Outcome {
    COMMITTED,
    /** The ranges changed meanwhile or the stream has a new owner: nothing applied. */
    CONFLICT,
    /** The confirmation was lost, and reading the stream back shows that it was not applied. */
    NOT_APPLIED,
    /** The confirmation was lost and the stream could not be read back: the stream is fenced. */
    UNKNOWN
  }

  private Outcome commit(DefaultStream stream, RangeReplacement replacement) {
    long streamId = stream.streamId();
    try {
      index.replaceRanges(replacement);
      return Outcome.COMMITTED;
    } catch (StaleStreamEpochException e) {
      stream.fence(new StreamFencedException("Cannot compact stream " + streamId + ": " + e.getMessage(), e));
      return Outcome.CONFLICT;
    } catch (MetadataConflictException e) {
      LOG.debug("Compaction of stream {} conflicted: {}", streamId, e.getMessage());
      return Outcome.CONFLICT;
    } catch (MetadataCommitStateUnknownException unknown) {
      long objectId = replacement.replacement().objectId();
      try {
        // Serializable, after the lost commit: it either sees the new range now or never will.
        boolean applied = index.stream(streamId).ranges().stream().anyMatch(r -> r.objectId() == objectId);
        LOG.warn("Lost the confirmation of compacting stream {} into object {}; read back: {}", streamId, objectId,
            applied ? "committed" : "not committed");
        return applied ? Outcome.COMMITTED : Outcome.NOT_APPLIED;
      } catch (RuntimeException readBack) {
        unknown.addSuppressed(readBack);
        stream.fence(
            new StreamFencedException(
                "Cannot tell whether compaction of stream " + streamId + " into object " + objectId
                    + " was committed; reopen the stream to read its ranges from the index",
                unknown));
        return Outcome.UNKNOWN;
      }
    }
  }

  /** The bytes of the run's ranges, back to back, each checked to hold exactly its range's entries. */
  private CompositeByteBuf readRun(long streamId, List<StreamRange> run) {
    CompositeByteBuf out = PooledByteBufAllocator.DEFAULT.compositeDirectBuffer(Math.max(2, run.size()));
    List<CompletableFuture<ByteBuf>> reads = new ArrayList<>(run.size());
    int taken = 0;
    try {
      for (; taken < run.size(); taken++) {
        while (reads.size() < run.size() && reads.size() < taken + readParallelism) {
          StreamRange r = run.get(reads.size());
          reads.add(storage.rangeRead(r.objectKey(), r.position(), r.position() + r.length()));
        }
        ByteBuf buf = reads.get(taken).join();
        try {
          check(streamId, run.get(taken), buf);
        } catch (RuntimeException e) {
          buf.release();
          throw e;
        }
        out.addComponent(true, buf);
      }
      return out;
    } catch (RuntimeException e) {
      for (int i = taken + 1; i < reads.size(); i++) {
        reads.get(i).thenAccept(ByteBuf::release);
      }
      out.release();
      throw e;
    }
  }

  private static void check(long streamId, StreamRange range, ByteBuf buf) {
    if (buf.readableBytes() != range.length()) {
      throw new WalObjectFormat.CorruptWalObjectException(
          "range " + range + " read as " + buf.readableBytes() + " bytes");
    }
    List<Entry> entries = WalObjectFormat.parse(buf, streamId);
    if (entries.isEmpty()
        || entries.get(0).baseOffset() != range.startOffset()
        || entries.get(entries.size() - 1).endOffset() != range.endOffset()) {
      throw new WalObjectFormat.CorruptWalObjectException("range " + range + " does not hold its offsets");
    }
  }

  private void deleteQuietly(String key) {
    try {
      storage.delete(List.of(key)).join();
    } catch (RuntimeException e) {
      LOG.warn("Cannot delete {}, written by a compaction that was not committed; the next start deletes it as an"
          + " orphan", key, unwrap(e));
    }
  }

  private static Throwable unwrap(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
