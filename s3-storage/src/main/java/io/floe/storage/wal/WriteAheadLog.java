package io.floe.storage.wal;

import static io.floe.storage.internal.Preconditions.checkArgument;

import io.floe.storage.internal.NamedThreadFactory;
import io.floe.storage.metadata.ObjectCommit;
import io.floe.storage.metadata.StaleStreamEpochException;
import io.floe.storage.metadata.StreamIndexStore;
import io.floe.storage.metadata.StreamRange;
import io.floe.storage.objectstore.ObjectStorage;
import io.floe.storage.objectstore.ObjectStorageException;
import io.floe.storage.retry.Retrier;
import io.floe.storage.stats.LatencyHistogram;
import io.floe.storage.stream.StreamFencedException;
import io.floe.storage.wal.WalStream.CommittedBatch;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's write-ahead log: one buffer shared by every stream, written as WAL objects and committed to the
 * stream index with group commit.
 *
 * <p><b>Batching.</b> The buffer is sealed when it reaches {@link WalConfig#uploadBytes()} or when {@link
 * WalConfig#uploadIntervalMs()} has passed since its first append. With {@link WalConfig#sealWhenIdle()} (the
 * local store) it is also sealed at once when no upload is in flight, so a lone producer pays one upload and
 * one commit, and while uploads are in flight appends accumulate until the pipeline drains; without it (S3)
 * an object costs one PUT per interval at most, however light the load. Up to {@link WalConfig#maxInflightUploads()} objects upload in
 * parallel.
 *
 * <p><b>Commit order.</b> Objects are committed strictly in seal order, one transaction at a time on the
 * commit thread; objects whose uploads finished while a commit was running are committed together in the next
 * transaction. After a commit, for each object in order and each of its streams, {@link
 * WalStream#onCommitted} runs and then that stream's append futures complete, in append order. A future
 * completes successfully only if its batch's range is in the committed index.
 *
 * <p><b>Failures.</b> If an upload fails (after {@link WalConfig#uploadAttempts()} for retriable errors) or a
 * commit fails, the affected streams are fenced and their pending futures fail with {@link
 * StreamFencedException}; their later batches are never committed, so the index never has a gap. A stale
 * epoch fences only the streams it names; the rest of the commit is retried without them. An object written
 * but never committed is not in the index and is never read.
 *
 * <p><b>Memory.</b> Bytes from append to commit are bounded by {@link WalConfig#bufferMaxBytes()}: an append
 * that does not fit waits in line (without blocking its caller) up to {@link WalConfig#appendTimeoutMs()}, then
 * fails; the bytes of waiting appends are the callers' (requests already read), bounded by their own limits. Batch bytes are never copied:
 * an object is a {@link CompositeByteBuf} of entry headers and the appended buffers, which after the commit
 * are handed to the stream (its cache).
 *
 * <p><b>With a journal</b> ({@link #withJournal}, AutoMQ's {@code s3.wal.path}): what is sealed is first written
 * to a local {@link WalJournal} file, and its appends are acknowledged once that write completes ({@link
 * WalStream#onJournaled}). The journaled batches then go into objects of up to {@link WalConfig#uploadBytes()},
 * at least every {@link WalConfig#uploadIntervalMs()}, one upload and one index commit at a time ({@link
 * WalStream#onIndexed}); the journal space is released after that commit. An object upload or index commit that
 * fails is retried with backoff and never fails an acknowledged append: until it succeeds the buffer fills and
 * appends wait. On start, the records the journal still holds and the index lacks are put into objects before
 * anything else happens. A journal suits a single broker only: acknowledged batches live in its local file until
 * they are indexed, so no other broker may take its streams over.
 */
public final class WriteAheadLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WriteAheadLog.class);
  private static final int OBJECT_ID_BLOCK = 1000;
  private static final int MAX_OBJECTS_PER_COMMIT = 64;
  private static final int MAX_COMMIT_ATTEMPTS = 8;
  /** How often appends waiting for buffer space are checked for their timeout. */
  private static final long WAITING_CHECK_MS = 100;
  private static final long UPLOAD_RETRY_BACKOFF_MS = 100;
  private static final long UPLOAD_RETRY_MAX_BACKOFF_MS = 2_000;
  /** An upload still failing after this long fails its batches, however many attempts are left. */
  private static final long UPLOAD_RETRY_MAX_ELAPSED_MS = 30_000;
  /** With a journal: a record holds at most this much, and is written at most this long after its first append. */
  private static final long JOURNAL_RECORD_BYTES = 1L << 20;
  private static final long JOURNAL_RECORD_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  /** Backoff between attempts to index journaled batches after a failed upload or commit. */
  private static final long INDEX_RETRY_BACKOFF_MS = 500;
  private static final long INDEX_RETRY_MAX_BACKOFF_MS = 30_000;

  private final ObjectStorage storage;
  private final StreamIndexStore index;
  private final WalConfig config;
  private final ByteBufAllocator allocator = PooledByteBufAllocator.DEFAULT;
  private final ScheduledThreadPoolExecutor timer;
  private final ExecutorService committer;

  private final ReentrantLock lock = new ReentrantLock();
  // Guarded by lock.
  /** Appends waiting for buffer space, oldest first (see {@link #append}). */
  private final ArrayDeque<PendingEntry> waiting = new ArrayDeque<>();
  private ScheduledFuture<?> waitingExpiry;
  private List<PendingEntry> open = new ArrayList<>();
  private long openBytes;
  private long openSinceNanos;
  private ScheduledFuture<?> sealTimer;
  /** Sealed objects not yet committed or failed, in seal order (= object id order = commit order). */
  private final ArrayDeque<SealedObject> sealed = new ArrayDeque<>();
  private final ArrayDeque<SealedObject> awaitingUpload = new ArrayDeque<>();
  private int uploadsInFlight;
  private long bufferedBytes;
  private long nextObjectId;
  private long objectIdLimit;
  private final long firstObjectId;
  private boolean closed;

  /** The local file appends are acknowledged after, or null when they are acknowledged after the index commit. */
  private final WalJournal journal;
  // Guarded by lock; used with a journal only.
  /** Journaled objects not yet in the index, in journal order. Their bytes still count in bufferedBytes. */
  private final ArrayDeque<SealedObject> unindexed = new ArrayDeque<>();
  private long unindexedBytes;
  private long nextSequence;
  /** Index everything journaled up to this sequence now, whatever its size and age (a flush asked for it). */
  private long indexRequestedThrough = -1;
  private boolean indexing;
  private ScheduledFuture<?> indexTimer;
  private int indexFailuresInARow;
  private long indexNotBeforeNanos;

  private final LongAdder objectsCommitted = new LongAdder();
  private final LongAdder journalRecords = new LongAdder();
  private final LongAdder indexFailures = new LongAdder();
  private final LongAdder indexCommits = new LongAdder();
  private final LongAdder bytesCommitted = new LongAdder();
  private final LongAdder batchesFailed = new LongAdder();
  private final LongAdder[] seals = new LongAdder[SealReason.values().length];
  private final LatencyHistogram appendLatency = new LatencyHistogram();
  private final LatencyHistogram uploadLatency = new LatencyHistogram();
  private final LatencyHistogram fileWriteLatency = new LatencyHistogram();
  private final LatencyHistogram commitLatency = new LatencyHistogram();
  private final LatencyHistogram sealAge = new LatencyHistogram();
  private final Retrier uploadRetrier;

  /** Why a buffer was sealed into an object. */
  public enum SealReason {
    /** It reached {@link WalConfig#uploadBytes()}. */
    SIZE,
    /** {@link WalConfig#uploadIntervalMs()} passed since its first append. */
    INTERVAL,
    /** No upload was in flight ({@link WalConfig#sealWhenIdle()}). */
    IDLE,
    /** {@link #flush()} or close. */
    FLUSH;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** A WAL that acknowledges an append once its object is committed to the index. */
  public WriteAheadLog(ObjectStorage storage, StreamIndexStore index, WalConfig config) {
    this(storage, index, config, null);
  }

  /**
   * A WAL that acknowledges an append once it is written to {@code journal}, and indexes it later (see the class
   * comment). First puts what the journal holds from an earlier run and the index lacks into objects; fails if it
   * cannot, since those appends were acknowledged.
   */
  public static WriteAheadLog withJournal(
      ObjectStorage storage, StreamIndexStore index, WalConfig config, WalJournal journal) {
    WriteAheadLog wal = new WriteAheadLog(storage, index, config, journal);
    try {
      wal.recover();
    } catch (RuntimeException e) {
      wal.close();
      throw e;
    }
    return wal;
  }

  private WriteAheadLog(ObjectStorage storage, StreamIndexStore index, WalConfig config, WalJournal journal) {
    this.storage = storage;
    this.index = index;
    this.config = config;
    this.journal = journal;
    // Reserve ids up front: it checks the index works, and bounds which ids an earlier process could have used.
    this.nextObjectId = index.allocateObjectIds(OBJECT_ID_BLOCK);
    this.objectIdLimit = nextObjectId + OBJECT_ID_BLOCK;
    this.firstObjectId = nextObjectId;
    for (int i = 0; i < seals.length; i++) {
      seals[i] = new LongAdder();
    }
    this.timer = new ScheduledThreadPoolExecutor(1, new NamedThreadFactory("floe-wal-timer"));
    this.timer.setRemoveOnCancelPolicy(true);
    this.uploadRetrier =
        Retrier.builder("wal-upload")
            .maxAttempts(config.uploadAttempts())
            .backoffMs(UPLOAD_RETRY_BACKOFF_MS, UPLOAD_RETRY_MAX_BACKOFF_MS)
            .maxElapsedMs(UPLOAD_RETRY_MAX_ELAPSED_MS)
            .retryOn(ObjectStorageException.class, ObjectStorageException::retriable)
            .scheduler(timer)
            .build();
    this.committer =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new java.util.concurrent.LinkedBlockingQueue<>(),
            new NamedThreadFactory("floe-wal-commit"));
  }

  public WalConfig config() {
    return config;
  }

  /**
   * The first object id this WAL writes. Every WAL object with a smaller id that is not in the index was
   * written by an earlier writer and never committed (or, with a shared index, is still being committed).
   */
  public long firstObjectId() {
    return firstObjectId;
  }

  /**
   * Appends one batch of {@code stream}. Takes ownership of {@code batch}. The future completes after the
   * batch's object is committed to the index (see the class comment for order), or fails with {@link
   * StreamFencedException} (the stream is then fenced, with a {@link WalBufferFullException} as the cause when
   * it waited {@link WalConfig#appendTimeoutMs()} for buffer space in vain), or {@link IllegalStateException}
   * once closed. Never blocks: when the buffer is full the append waits in line, and its future completes later.
   */
  public CompletableFuture<Void> append(WalStream stream, long baseOffset, int count, long maxTimestamp, ByteBuf batch) {
    checkArgument(count > 0, "Cannot append to stream %s: count must be positive, got %s", stream.streamId(), count);
    PendingEntry entry = new PendingEntry(stream, baseOffset, count, maxTimestamp, batch);
    List<SealedObject> toUpload;
    lock.lock();
    try {
      RuntimeException rejection = null;
      if (closed) {
        rejection = new IllegalStateException("Cannot append to stream " + stream.streamId() + ": the WAL is closed");
      } else if (!waiting.isEmpty() || !fits(entry.framedBytes)) {
        // Backpressure without blocking the caller (a network thread serving other connections): the append
        // waits in line, in order behind earlier ones, until commits free space or its time is up.
        entry.waitingSinceNanos = System.nanoTime();
        waiting.add(entry);
        if (waitingExpiry == null) {
          waitingExpiry = timer.scheduleWithFixedDelay(this::expireWaiting, WAITING_CHECK_MS, WAITING_CHECK_MS,
              TimeUnit.MILLISECONDS);
        }
        return entry.future;
      }
      if (rejection != null) {
        batch.release();
        stream.fence(rejection);
        batchesFailed.increment();
        return CompletableFuture.failedFuture(rejection);
      }
      admit(entry);
      toUpload = sealIfDue(false);
    } finally {
      lock.unlock();
    }
    startUploads(toUpload);
    return entry.future;
  }

  /**
   * Seals what is buffered and returns a future that completes once every batch appended before this call is
   * committed or failed; with a journal, once every journaled batch is also in the index. It never completes
   * exceptionally: each append's own future carries its outcome.
   */
  public CompletableFuture<Void> flush() {
    CompletableFuture<Void> done;
    List<SealedObject> toUpload;
    lock.lock();
    try {
      toUpload = sealIfDue(true);
      SealedObject last = sealed.peekLast();
      if (journal == null) {
        done = last == null ? CompletableFuture.completedFuture(null) : last.processed;
      } else {
        // Journaled appends are in objects and the index before this completes.
        last = last != null ? last : unindexed.peekLast();
        done = last == null ? CompletableFuture.completedFuture(null) : last.indexed;
        indexRequestedThrough = nextSequence - 1;
      }
    } finally {
      lock.unlock();
    }
    startUploads(toUpload);
    if (journal != null) {
      scheduleIndexing();
    }
    return done;
  }

  /** Counters for monitoring and tests. */
  public record Stats(
      long objectsCommitted, long indexCommits, long bytesCommitted, long batchesFailed, long uploadRetries,
      long bufferedBytes, Map<SealReason, Long> seals, Timings timings, Journal journal) {}

  /**
   * Journal counters (zero without a journal).
   *
   * @param records journal records written (each acknowledged the appends it holds)
   * @param unindexedBytes journaled bytes not yet in an object and the index
   * @param indexFailures object uploads or index commits of journaled batches that failed and will be retried
   */
  public record Journal(long records, long unindexedBytes, long indexFailures) {}

  /**
   * Where an acknowledged append's time goes: from {@link #append} until its future completed, and the parts of
   * the pipeline that make it up.
   *
   * @param append from the append call until its object was committed (waiting for buffer space included)
   * @param sealAge how long a buffer was open, from its first append until it was sealed
   * @param upload one object's upload, retries included
   * @param commit one index transaction (it may commit several objects)
   * @param fileWrite with a WAL file: one record's write, from its hand-over to the file until it is written
   */
  public record Timings(
      LatencyHistogram.Snapshot append, LatencyHistogram.Snapshot sealAge, LatencyHistogram.Snapshot upload,
      LatencyHistogram.Snapshot commit, LatencyHistogram.Snapshot fileWrite) {}

  public Stats stats() {
    long buffered;
    long notIndexed;
    lock.lock();
    try {
      buffered = bufferedBytes;
      notIndexed = unindexedBytes;
    } finally {
      lock.unlock();
    }
    return new Stats(
        objectsCommitted.sum(), indexCommits.sum(), bytesCommitted.sum(), batchesFailed.sum(),
        uploadRetrier.stats().retries(),
        buffered,
        sealCounts(),
        new Timings(appendLatency.snapshot(), sealAge.snapshot(), uploadLatency.snapshot(), commitLatency.snapshot(),
            fileWriteLatency.snapshot()),
        new Journal(journalRecords.sum(), notIndexed, indexFailures.sum()));
  }

  private Map<SealReason, Long> sealCounts() {
    Map<SealReason, Long> counts = new EnumMap<>(SealReason.class);
    for (SealReason r : SealReason.values()) {
      counts.put(r, seals[r.ordinal()].sum());
    }
    return Collections.unmodifiableMap(counts);
  }

  /**
   * Stops accepting appends, waits up to {@link WalConfig#closeTimeoutMs()} for pending ones to commit, fails
   * whatever is left, and stops the WAL's threads. Does not close the object storage or the index.
   */
  @Override
  public void close() {
    CompletableFuture<Void> drained;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
    } finally {
      lock.unlock();
    }
    drained = flush();
    try {
      drained.get(config.closeTimeoutMs(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      LOG.error("WAL pending appends did not commit within {} ms of close; failing them", config.closeTimeoutMs());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("unreachable: flush never fails", e);
    }
    committer.shutdown();
    timer.shutdownNow();
    try {
      if (!committer.awaitTermination(config.closeTimeoutMs(), TimeUnit.MILLISECONDS)) {
        LOG.error("WAL commit thread did not stop within {} ms", config.closeTimeoutMs());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    failEverythingLeft(new IllegalStateException("The WAL was closed before the append was committed"));
    if (journal != null) {
      journal.close();
    }
  }

  // ---------------------------------------------------------------- sealing and uploading

  /** Whether {@code bytes} more fit in the buffer; an empty buffer takes anything. Call with the lock held. */
  private boolean fits(int bytes) {
    return bufferedBytes == 0 || bufferedBytes + bytes <= config.bufferMaxBytes();
  }

  /** Puts the entry in the open buffer. Call with the lock held. */
  private void admit(PendingEntry entry) {
    if (open.isEmpty()) {
      openSinceNanos = System.nanoTime();
    }
    open.add(entry);
    openBytes += entry.framedBytes;
    bufferedBytes += entry.framedBytes;
  }

  /**
   * Admits waiting appends, oldest first, while they fit; a waiting append of a stream fenced meanwhile fails
   * instead. Returns the appends that failed (complete them after releasing the lock). Call with the lock held.
   */
  private List<PendingEntry> admitWaiting() {
    List<PendingEntry> failed = List.of();
    while (!waiting.isEmpty() && fits(waiting.peek().framedBytes)) {
      PendingEntry e = waiting.poll();
      if (e.stream.isFenced()) {
        failed = failed.isEmpty() ? new ArrayList<>() : failed;
        failed.add(e);
      } else {
        admit(e);
      }
    }
    if (waiting.isEmpty() && waitingExpiry != null) {
      waitingExpiry.cancel(false);
      waitingExpiry = null;
    }
    return failed;
  }

  /** What freeing buffer space let in: waiting appends refused (their streams were fenced) and objects to upload. */
  private record Freed(List<PendingEntry> refused, List<SealedObject> toUpload) {}

  /**
   * Returns {@code bytes} to the buffer, admits the waiting appends that fit now and seals what is due. Call with
   * the lock held, then {@link #afterFreeing} without it.
   */
  private Freed free(long bytes) {
    bufferedBytes -= bytes;
    return new Freed(admitWaiting(), sealIfDue(false));
  }

  private void afterFreeing(Freed freed) {
    for (PendingEntry e : freed.refused()) {
      e.fail(new IllegalStateException("its stream was fenced while the append waited for buffer space"),
          batchesFailed);
    }
    startUploads(freed.toUpload());
  }

  /**
   * Fails the waiting appends that waited {@link WalConfig#appendTimeoutMs()}, and with them every later
   * waiting append of their streams (which are fenced), so no stream ever commits with a gap.
   */
  private void expireWaiting() {
    List<PendingEntry> expired = new ArrayList<>();
    long buffered;
    lock.lock();
    try {
      long now = System.nanoTime();
      long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(config.appendTimeoutMs());
      java.util.Set<WalStream> fenced = new java.util.HashSet<>();
      for (java.util.Iterator<PendingEntry> it = waiting.iterator(); it.hasNext(); ) {
        PendingEntry e = it.next();
        if (now - e.waitingSinceNanos >= timeoutNanos || fenced.contains(e.stream) || closed) {
          fenced.add(e.stream);
          expired.add(e);
          it.remove();
        }
      }
      buffered = bufferedBytes;
      if (waiting.isEmpty() && waitingExpiry != null) {
        waitingExpiry.cancel(false);
        waitingExpiry = null;
      }
    } finally {
      lock.unlock();
    }
    for (PendingEntry e : expired) {
      WalBufferFullException full = new WalBufferFullException(
          "Cannot append to stream " + e.stream.streamId() + ": the WAL buffer stayed full (" + buffered + " of "
              + config.bufferMaxBytes() + " bytes) for " + config.appendTimeoutMs()
              + " ms; object uploads or index commits are not keeping up");
      e.reject(full, batchesFailed);
    }
  }

  /**
   * Seals the open buffer if it is due (or {@code force}), and returns the objects that may start uploading
   * now, already counted as in flight. Call with the lock held; start the uploads after releasing it.
   */
  private List<SealedObject> sealIfDue(boolean force) {
    if (!open.isEmpty()) {
      // A journal record is sealed like an object of the local store: at once when the writer is idle, else soon.
      long sealBytes = journal != null ? Math.min(config.uploadBytes(), JOURNAL_RECORD_BYTES) : config.uploadBytes();
      boolean slotFree = uploadsInFlight + awaitingUpload.size() < config.maxInflightUploads();
      boolean idle = (journal != null || config.sealWhenIdle()) && uploadsInFlight == 0 && awaitingUpload.isEmpty();
      long ageNanos = System.nanoTime() - openSinceNanos;
      long intervalNanos =
          journal != null ? JOURNAL_RECORD_INTERVAL_NANOS : TimeUnit.MILLISECONDS.toNanos(config.uploadIntervalMs());
      boolean due = ageNanos >= intervalNanos;
      if (force || openBytes >= sealBytes || (slotFree && (idle || due))) {
        seal(force ? SealReason.FLUSH
            : openBytes >= sealBytes ? SealReason.SIZE
            : due ? SealReason.INTERVAL
            : SealReason.IDLE, ageNanos);
      } else if (!due && sealTimer == null && !closed) {
        // Once due, a finishing upload seals the buffer; until then the timer does.
        sealTimer = timer.schedule(this::onSealTimer, intervalNanos - ageNanos, TimeUnit.NANOSECONDS);
      }
    }
    List<SealedObject> start = List.of();
    while (uploadsInFlight < config.maxInflightUploads() && !awaitingUpload.isEmpty()) {
      if (start.isEmpty()) {
        start = new ArrayList<>();
      }
      start.add(awaitingUpload.poll());
      uploadsInFlight++;
    }
    return start;
  }

  private void onSealTimer() {
    List<SealedObject> toUpload;
    lock.lock();
    try {
      sealTimer = null;
      toUpload = sealIfDue(false);
    } finally {
      lock.unlock();
    }
    startUploads(toUpload);
  }

  /** Turns the open buffer into a sealed object laid out stream by stream. Call with the lock held. */
  private void seal(SealReason reason, long ageNanos) {
    seals[reason.ordinal()].increment();
    sealAge.recordNanos(ageNanos);
    if (sealTimer != null) {
      sealTimer.cancel(false);
      sealTimer = null;
    }
    List<PendingEntry> entries = open;
    long bytes = openBytes;
    open = new ArrayList<>();
    openBytes = 0;
    if (journal != null) {
      // A journal record: it gets its object id when its batches go into an object.
      SealedObject record = SealedObject.build(-1, "", entries, bytes, allocator);
      record.sequence = nextSequence++;
      sealed.add(record);
      awaitingUpload.add(record);
      return;
    }
    long objectId;
    try {
      objectId = nextObjectId();
    } catch (RuntimeException e) {
      LOG.error("Cannot allocate a WAL object id; failing {} buffered appends", entries.size(), e);
      SealedObject failed = new SealedObject(-1, "", List.of(), null, bytes);
      failed.uploadFailure = e;
      failed.uploaded = true;
      failed.orphanEntries = entries;
      sealed.add(failed);
      scheduleCommits();
      return;
    }
    sealed.add(SealedObject.build(objectId, WalObjectFormat.objectKey(objectId), entries, bytes, allocator));
    awaitingUpload.add(sealed.peekLast());
  }

  private long nextObjectId() {
    if (nextObjectId == objectIdLimit) {
      nextObjectId = index.allocateObjectIds(OBJECT_ID_BLOCK);
      objectIdLimit = nextObjectId + OBJECT_ID_BLOCK;
    }
    return nextObjectId++;
  }

  private void startUploads(List<SealedObject> objects) {
    for (SealedObject o : objects) {
      upload(o);
    }
  }

  /** Uploads {@code o}, retrying retriable failures: a PUT of the same bytes under the same key is idempotent. */
  private void upload(SealedObject o) {
    long start = System.nanoTime();
    if (journal != null) {
      journal.append(o.sequence, o.data.retain()).whenComplete((v, err) -> {
        fileWriteLatency.recordSince(start);
        onUploaded(o, unwrap(err));
      });
      return;
    }
    uploadRetrier
        .run("upload WAL object " + o.key, () -> storage.write(o.key, o.data))
        .whenComplete((v, err) -> {
          uploadLatency.recordSince(start);
          onUploaded(o, unwrap(err));
        });
  }

  private void onUploaded(SealedObject o, Throwable failure) {
    if (failure != null) {
      LOG.error("{} failed; failing its {} batches and fencing their streams",
          journal != null ? "Write of WAL record " + o.sequence : "Upload of WAL object " + o.key, o.entryCount(),
          failure);
    }
    List<SealedObject> toUpload;
    lock.lock();
    try {
      uploadsInFlight--;
      o.uploadFailure = failure;
      o.uploaded = true;
      toUpload = sealIfDue(false);
    } finally {
      lock.unlock();
    }
    startUploads(toUpload);
    scheduleCommits();
  }

  // ---------------------------------------------------------------- committing

  private void scheduleCommits() {
    try {
      committer.execute(this::drainCommits);
    } catch (RejectedExecutionException e) {
      // Closing: close() fails whatever is left.
    }
  }

  /** Commits every uploaded prefix of the sealed queue, in order. Runs on the commit thread only. */
  private void drainCommits() {
    while (true) {
      List<SealedObject> ready = new ArrayList<>();
      lock.lock();
      try {
        for (SealedObject o : sealed) {
          if (!o.uploaded || ready.size() == MAX_OBJECTS_PER_COMMIT) {
            break;
          }
          ready.add(o);
        }
      } finally {
        lock.unlock();
      }
      if (ready.isEmpty()) {
        return;
      }
      try {
        if (journal != null) {
          confirmJournaled(ready);
        } else {
          commit(ready);
        }
      } catch (Throwable t) {
        // A bug in a callback must not stall the pipeline; what was not completed is failed below.
        LOG.error("Unexpected error while completing WAL commits", t);
        for (SealedObject o : ready) {
          o.failRemaining(t, batchesFailed);
        }
      }
      long freed = 0;
      Freed admitted;
      // Objects with nothing to index, each with the journaled one before it whose indexing it waits for: a flush
      // waiting on the last object must not return before earlier acknowledged batches are in the index.
      Map<SealedObject, SealedObject> notJournaled = new LinkedHashMap<>();
      lock.lock();
      try {
        for (SealedObject o : ready) {
          SealedObject head = sealed.poll();
          assert head == o;
          if (journal != null && o.heldBytes > 0) {
            // Acknowledged; its bytes stay in the buffer until they are in an object.
            unindexed.add(o);
            unindexedBytes += o.heldBytes;
            freed += o.bytes - o.heldBytes;
          } else {
            freed += o.bytes;
            notJournaled.put(o, unindexed.peekLast());
          }
        }
        admitted = free(freed);
      } finally {
        lock.unlock();
      }
      afterFreeing(admitted);
      for (SealedObject o : ready) {
        o.release();
        o.processed.complete(null);
      }
      notJournaled.forEach((o, before) -> {
        if (before == null) {
          o.indexed.complete(null);
        } else {
          before.indexed.whenComplete((v, t) -> o.indexed.complete(null));
        }
      });
      if (journal != null) {
        indexIfDue();
      }
    }
  }

  // ---------------------------------------------------------------- with a journal

  /** Puts what the journal holds from an earlier run and the index lacks into objects, then clears it. */
  private void recover() {
    nextSequence =
        new WalJournalRecovery(storage, index, config.uploadBytes(), uploadRetrier, this::nextObjectId, allocator)
            .recover(journal);
  }

  /** Acknowledges the appends of journal records written in order. Runs on the commit thread only. */
  private void confirmJournaled(List<SealedObject> ready) {
    for (SealedObject o : ready) {
      if (o.uploadFailure != null) {
        o.failAll(o.uploadFailure, batchesFailed);
        continue;
      }
      o.dropFencedGroups(batchesFailed);
      journalRecords.increment();
      o.complete(appendLatency, true);
    }
  }

  private void scheduleIndexing() {
    try {
      committer.execute(this::indexIfDue);
    } catch (RejectedExecutionException e) {
      // Closing: what is not indexed stays in the journal for the next start.
    }
  }

  /**
   * Starts putting journaled batches into an object if they are due: {@link WalConfig#uploadBytes()} of them, the
   * oldest {@link WalConfig#uploadIntervalMs()} old, or a flush asked for them. One object at a time, so objects
   * are committed in journal order. Runs on the commit thread only.
   */
  private void indexIfDue() {
    List<SealedObject> batch = new ArrayList<>();
    long objectId;
    long bytes = 0;
    lock.lock();
    try {
      if (indexing || unindexed.isEmpty()) {
        return;
      }
      long now = System.nanoTime();
      SealedObject head = unindexed.peekFirst();
      long waitNanos = Math.max(
          head.journaledNanos + TimeUnit.MILLISECONDS.toNanos(config.uploadIntervalMs()) - now,
          indexNotBeforeNanos - now);
      boolean requested = head.sequence <= indexRequestedThrough || closed;
      if (waitNanos > 0 && (now < indexNotBeforeNanos || (!requested && unindexedBytes < config.uploadBytes()))) {
        if (indexTimer == null) {
          try {
            indexTimer = timer.schedule(() -> {
              lock.lock();
              try {
                indexTimer = null;
              } finally {
                lock.unlock();
              }
              scheduleIndexing();
            }, waitNanos, TimeUnit.NANOSECONDS);
          } catch (RejectedExecutionException e) {
            // Closed: the next start indexes what the journal holds.
          }
        }
        return;
      }
      for (SealedObject o : unindexed) {
        if (!batch.isEmpty() && bytes + o.heldBytes > config.uploadBytes()) {
          break;
        }
        batch.add(o);
        bytes += o.heldBytes;
      }
      try {
        objectId = nextObjectId();
      } catch (RuntimeException e) {
        indexFailed(e, "allocate an object id for");
        scheduleIndexing(); // arms the retry timer
        return;
      }
      indexing = true;
    } finally {
      lock.unlock();
    }
    List<PendingEntry> entries = new ArrayList<>();
    for (SealedObject o : batch) {
      for (StreamGroup g : o.groups) {
        if (!g.dropped) {
          entries.addAll(g.entries);
        }
      }
    }
    SealedObject object =
        SealedObject.build(objectId, WalObjectFormat.objectKey(objectId), entries, bytes, allocator);
    long start = System.nanoTime();
    uploadRetrier
        .run("upload WAL object " + object.key, () -> storage.write(object.key, object.data))
        .whenComplete((v, err) -> {
          uploadLatency.recordSince(start);
          try {
            committer.execute(() -> finishIndexing(batch, object, unwrap(err)));
          } catch (RejectedExecutionException closing) {
            object.release();
          }
        });
  }

  /** Commits an uploaded object of journaled batches to the index and frees them. Runs on the commit thread. */
  private void finishIndexing(List<SealedObject> batch, SealedObject object, Throwable uploadFailure) {
    boolean indexed = false;
    try {
      if (uploadFailure != null) {
        indexFailed(uploadFailure, "upload");
      } else {
        indexed = commitJournaled(object);
      }
    } finally {
      object.release();
    }
    if (!indexed) {
      scheduleIndexing();
      return;
    }
    Freed admitted;
    lock.lock();
    try {
      indexing = false;
      indexFailuresInARow = 0;
      indexNotBeforeNanos = 0;
      long freed = 0;
      for (SealedObject o : batch) {
        SealedObject head = unindexed.poll();
        assert head == o;
        freed += o.heldBytes;
      }
      unindexedBytes -= freed;
      admitted = free(freed);
    } finally {
      lock.unlock();
    }
    for (SealedObject o : batch) {
      o.releaseHeld();
      o.indexed.complete(null);
    }
    journal.release(batch.get(batch.size() - 1).sequence);
    afterFreeing(admitted);
    indexIfDue();
  }

  /**
   * Commits {@code object}, whose batches are acknowledged already. A stream the index no longer accepts (deleted,
   * or reopened by a later owner) is left out with an error, since nothing else can be done with its batches.
   * Returns false, to be retried later, if the commit failed otherwise.
   */
  private boolean commitJournaled(SealedObject object) {
    for (int attempt = 1; ; attempt++) {
      long start = System.nanoTime();
      try {
        ObjectCommit commit = object.toCommit();
        if (!commit.ranges().isEmpty()) {
          index.commitObjects(List.of(commit));
          commitLatency.recordSince(start);
          indexCommits.increment();
        }
        break;
      } catch (StaleStreamEpochException e) {
        boolean droppedAny = false;
        for (StreamGroup g : object.groups) {
          if (!g.dropped && e.streamIds().contains(g.stream.streamId())) {
            g.dropped = true;
            droppedAny = true;
            long endOffset = g.range(object.objectId, object.key).endOffset();
            if (streamDeleted(g.stream.streamId())) {
              LOG.info("Stream {} was deleted; its batches at offsets [{}, {}) go nowhere", g.stream.streamId(),
                  g.entries.get(0).baseOffset, endOffset);
            } else {
              LOG.error("Acknowledged batches of stream {} at offsets [{}, {}) cannot go into the index: the stream"
                      + " was taken over ({})", g.stream.streamId(), g.entries.get(0).baseOffset, endOffset,
                  e.getMessage());
            }
          }
        }
        if (!droppedAny || attempt == MAX_COMMIT_ATTEMPTS) {
          indexFailed(e, "commit");
          return false;
        }
      } catch (RuntimeException e) {
        indexFailed(e, "commit");
        return false;
      }
    }
    objectsCommitted.increment();
    bytesCommitted.add(object.data.readableBytes());
    for (StreamGroup g : object.groups) {
      if (g.dropped) {
        continue;
      }
      try {
        g.stream.onIndexed(g.range(object.objectId, object.key));
      } catch (RuntimeException err) {
        LOG.error("Stream {} failed to take its indexed range", g.stream.streamId(), err);
      }
    }
    return true;
  }

  private boolean streamDeleted(long streamId) {
    try {
      return index.stream(streamId).epoch() == 0;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Notes a failed attempt to index journaled batches and when to try again. */
  private void indexFailed(Throwable cause, String what) {
    lock.lock();
    try {
      noteIndexFailure(cause, what);
    } finally {
      lock.unlock();
    }
  }

  private void noteIndexFailure(Throwable cause, String what) {
    indexing = false;
    indexFailures.increment();
    long backoffMs = Math.min(INDEX_RETRY_MAX_BACKOFF_MS, INDEX_RETRY_BACKOFF_MS << Math.min(indexFailuresInARow, 16));
    indexFailuresInARow++;
    indexNotBeforeNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMs);
    LOG.error("Cannot {} a WAL object of {} journaled bytes (failure {} in a row); the batches are acknowledged and"
        + " stay in the WAL file, trying again in {} ms", what, unindexedBytes, indexFailuresInARow, backoffMs, cause);
  }

  private void commit(List<SealedObject> ready) {
    // Fence the streams of failed uploads first: their batches in later objects must not commit either.
    for (SealedObject o : ready) {
      if (o.uploadFailure != null) {
        o.failAll(o.uploadFailure, batchesFailed);
      }
    }
    List<SealedObject> written = new ArrayList<>();
    for (SealedObject o : ready) {
      if (o.uploadFailure == null) {
        written.add(o);
      }
    }
    if (written.isEmpty()) {
      return;
    }
    for (int attempt = 1; ; attempt++) {
      for (SealedObject o : written) {
        o.dropFencedGroups(batchesFailed);
      }
      List<ObjectCommit> commits = new ArrayList<>(written.size());
      for (SealedObject o : written) {
        commits.add(o.toCommit());
      }
      long start = System.nanoTime();
      try {
        index.commitObjects(commits);
        commitLatency.recordSince(start);
        indexCommits.increment();
        break;
      } catch (StaleStreamEpochException e) {
        Set<Long> stale = e.streamIds();
        boolean fencedAny = false;
        for (SealedObject o : written) {
          fencedAny |= o.fenceStreams(stale, e, batchesFailed);
        }
        if (!fencedAny || attempt == MAX_COMMIT_ATTEMPTS) {
          failCommit(written, e);
          return;
        }
        LOG.info("WAL commit rejected streams {} as stale; committing the rest", stale);
      } catch (RuntimeException e) {
        failCommit(written, e);
        return;
      }
    }
    for (SealedObject o : written) {
      objectsCommitted.increment();
      bytesCommitted.add(o.data.readableBytes());
      o.complete(appendLatency, false);
    }
  }

  private void failCommit(List<SealedObject> written, RuntimeException cause) {
    // The outcome may be unknown (a lost reply): fail the appends, and leave the objects for the orphan sweep.
    LOG.error("WAL index commit of {} objects failed; failing their appends and fencing their streams",
        written.size(), cause);
    for (SealedObject o : written) {
      o.failAll(cause, batchesFailed);
    }
  }

  private void failEverythingLeft(Throwable cause) {
    List<PendingEntry> stranded;
    List<SealedObject> left;
    List<SealedObject> notIndexed;
    lock.lock();
    try {
      stranded = new ArrayList<>(open);
      stranded.addAll(waiting);
      waiting.clear();
      open = new ArrayList<>();
      openBytes = 0;
      left = new ArrayList<>(sealed);
      notIndexed = new ArrayList<>(unindexed);
      unindexed.clear();
      if (indexTimer != null) {
        indexTimer.cancel(false);
        indexTimer = null;
      }
    } finally {
      lock.unlock();
    }
    for (PendingEntry e : stranded) {
      e.fail(cause, batchesFailed);
    }
    for (SealedObject o : left) {
      o.failRemaining(cause, batchesFailed);
      o.indexed.complete(null);
    }
    if (!notIndexed.isEmpty()) {
      // Acknowledged: they stay in the journal, and the next start puts them into objects.
      LOG.warn("{} journaled WAL records are not in objects yet; the next start indexes them", notIndexed.size());
    }
    for (SealedObject o : notIndexed) {
      o.releaseHeld();
      o.indexed.complete(null);
    }
  }

  /** The cause inside a future's {@link CompletionException}. */
  static Throwable unwrap(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  // ---------------------------------------------------------------- buffered state

  /** One appended batch until it is committed or failed. */
  static final class PendingEntry {
    final WalStream stream;
    final long baseOffset;
    final int count;
    final long maxTimestamp;
    final ByteBuf batch;
    final int framedBytes;
    final CompletableFuture<Void> future = new CompletableFuture<>();
    final long appendedNanos = System.nanoTime();
    boolean finished;
    /** When it started waiting for buffer space, if it had to. */
    long waitingSinceNanos;

    PendingEntry(WalStream stream, long baseOffset, int count, long maxTimestamp, ByteBuf batch) {
      this.stream = stream;
      this.baseOffset = baseOffset;
      this.count = count;
      this.maxTimestamp = maxTimestamp;
      this.batch = batch;
      this.framedBytes = WalObjectFormat.ENTRY_HEADER_BYTES + batch.readableBytes();
    }

    /** Fails the append with {@code cause} itself, fencing its stream with it. */
    void reject(RuntimeException cause, LongAdder failed) {
      if (finished) {
        return;
      }
      finished = true;
      stream.fence(cause);
      batch.release();
      failed.increment();
      future.completeExceptionally(cause);
    }

    void fail(Throwable cause, LongAdder failed) {
      if (finished) {
        return;
      }
      finished = true;
      Throwable fenced =
          cause instanceof StreamFencedException
              ? cause
              : new StreamFencedException(
                  "Append to stream " + stream.streamId() + " at offset " + baseOffset + " was not committed: " + cause,
                  cause);
      stream.fence(fenced);
      batch.release();
      failed.increment();
      future.completeExceptionally(fenced);
    }
  }

  /** One stream's entries within an object: one index range. */
  private static final class StreamGroup {
    final WalStream stream;
    final List<PendingEntry> entries;
    final long position;
    final long length;
    boolean dropped;

    StreamGroup(WalStream stream, List<PendingEntry> entries, long position, long length) {
      this.stream = stream;
      this.entries = entries;
      this.position = position;
      this.length = length;
    }

    StreamRange range(long objectId, String key) {
      long maxTs = Long.MIN_VALUE;
      for (PendingEntry e : entries) {
        maxTs = Math.max(maxTs, e.maxTimestamp);
      }
      PendingEntry last = entries.get(entries.size() - 1);
      return new StreamRange(
          stream.streamId(), entries.get(0).baseOffset, last.baseOffset + last.count, objectId, key, position, length,
          maxTs);
    }

    void fail(Throwable cause, LongAdder failed) {
      dropped = true;
      for (PendingEntry e : entries) {
        e.fail(cause, failed);
      }
    }
  }

  /** A sealed buffer: the object bytes and, per stream, the entries it holds. */
  static final class SealedObject {
    final long objectId;
    final String key;
    final List<StreamGroup> groups;
    final CompositeByteBuf data;
    final long bytes;
    final CompletableFuture<Void> processed = new CompletableFuture<>();
    /** With a journal: completes once the record's batches are in the index, or were never acknowledged. */
    final CompletableFuture<Void> indexed = new CompletableFuture<>();
    /** With a journal: the record's sequence in it. */
    long sequence = -1;
    /** With a journal: when the record's appends were acknowledged. */
    long journaledNanos;
    /** With a journal: framed bytes of the acknowledged batches, whose buffers the WAL holds until indexed. */
    long heldBytes;
    volatile boolean uploaded;
    volatile Throwable uploadFailure;
    /** Entries of an object that could not even be built (no id): failed, never uploaded. */
    List<PendingEntry> orphanEntries = List.of();

    private SealedObject(long objectId, String key, List<StreamGroup> groups, CompositeByteBuf data, long bytes) {
      this.objectId = objectId;
      this.key = key;
      this.groups = groups;
      this.data = data;
      this.bytes = bytes;
    }

    static SealedObject build(
        long objectId, String key, List<PendingEntry> entries, long bytes, ByteBufAllocator allocator) {
      Map<WalStream, List<PendingEntry>> byStream = new IdentityHashMap<>();
      List<WalStream> order = new ArrayList<>();
      for (PendingEntry e : entries) {
        byStream.computeIfAbsent(e.stream, s -> {
          order.add(s);
          return new ArrayList<>();
        }).add(e);
      }
      ByteBuf headers = allocator.directBuffer(entries.size() * WalObjectFormat.ENTRY_HEADER_BYTES);
      CompositeByteBuf data = allocator.compositeDirectBuffer(Math.max(2, entries.size() * 2));
      List<StreamGroup> groups = new ArrayList<>(order.size());
      long position = 0;
      try {
        for (WalStream s : order) {
          long groupStart = position;
          for (PendingEntry e : byStream.get(s)) {
            int headerAt = headers.writerIndex();
            WalObjectFormat.writeHeader(
                headers, s.streamId(), e.baseOffset, e.count, e.maxTimestamp, e.batch.readableBytes());
            data.addComponent(true, headers.retainedSlice(headerAt, WalObjectFormat.ENTRY_HEADER_BYTES));
            data.addComponent(true, e.batch.retainedSlice());
            position += e.framedBytes;
          }
          groups.add(new StreamGroup(s, byStream.get(s), groupStart, position - groupStart));
        }
      } finally {
        headers.release();
      }
      return new SealedObject(objectId, key, groups, data, bytes);
    }

    int entryCount() {
      int n = orphanEntries.size();
      for (StreamGroup g : groups) {
        n += g.entries.size();
      }
      return n;
    }

    void failAll(Throwable cause, LongAdder failed) {
      for (PendingEntry e : orphanEntries) {
        e.fail(cause, failed);
      }
      for (StreamGroup g : groups) {
        g.fail(cause, failed);
      }
    }

    /** Fails what is not yet completed; used when the pipeline itself breaks or closes. */
    void failRemaining(Throwable cause, LongAdder failed) {
      failAll(cause, failed);
    }

    void dropFencedGroups(LongAdder failed) {
      for (StreamGroup g : groups) {
        if (!g.dropped && g.stream.isFenced()) {
          g.fail(new StreamFencedException("Stream " + g.stream.streamId() + " was fenced before its append committed", null), failed);
        }
      }
    }

    boolean fenceStreams(Set<Long> streamIds, RuntimeException cause, LongAdder failed) {
      boolean any = false;
      for (StreamGroup g : groups) {
        if (!g.dropped && streamIds.contains(g.stream.streamId())) {
          g.fail(cause, failed);
          any = true;
        }
      }
      return any;
    }

    ObjectCommit toCommit() {
      List<StreamRange> ranges = new ArrayList<>();
      Map<Long, Long> epochs = new HashMap<>();
      for (StreamGroup g : groups) {
        if (!g.dropped) {
          ranges.add(g.range(objectId, key));
          epochs.put(g.stream.streamId(), g.stream.epoch());
        }
      }
      return new ObjectCommit(objectId, key, data.readableBytes(), ranges, epochs);
    }

    /**
     * Acknowledges the appends: hands each stream its batches, then completes their futures in append order. After
     * the index commit the stream gets the batches' range; after the journal write ({@code journaled}) the WAL keeps
     * a reference to each batch for the object it goes into later.
     */
    void complete(LatencyHistogram appendLatency, boolean journaled) {
      if (journaled) {
        journaledNanos = System.nanoTime();
      }
      for (StreamGroup g : groups) {
        if (g.dropped) {
          continue;
        }
        List<CommittedBatch> batches = new ArrayList<>(g.entries.size());
        for (PendingEntry e : g.entries) {
          e.finished = true;
          if (journaled) {
            e.batch.retain();
            heldBytes += e.framedBytes;
          }
          batches.add(new CommittedBatch(e.baseOffset, e.count, e.maxTimestamp, e.batch));
        }
        try {
          if (journaled) {
            g.stream.onJournaled(batches);
          } else {
            g.stream.onCommitted(g.range(objectId, key), batches);
          }
        } catch (RuntimeException err) {
          LOG.error("Stream {} failed to take its acknowledged batches; they are acknowledged anyway",
              g.stream.streamId(), err);
        }
        for (PendingEntry e : g.entries) {
          appendLatency.recordSince(e.appendedNanos);
          e.future.complete(null);
        }
      }
    }

    /** Releases the references {@link #complete} kept for a journal record. */
    void releaseHeld() {
      for (StreamGroup g : groups) {
        if (!g.dropped) {
          for (PendingEntry e : g.entries) {
            e.batch.release();
          }
        }
      }
    }

    void release() {
      if (data != null) {
        data.release();
      }
    }
  }
}
