package io.floe.broker.log;

import io.floe.storage.stream.ReadResult;
import io.floe.storage.stream.Stream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.Time;

/**
 * One topic partition on this broker: validates produced batches, assigns their offsets and hands them to
 * the partition's {@link Stream}, which makes them durable in the object store.
 *
 * <p>The produce path never decompresses or re-encodes a batch: it checks the header and CRC, copies the
 * batch once into a pooled direct buffer and rewrites the base offset (and, for LogAppendTime topics, the
 * max timestamp) in place.
 */
public final class PartitionLog {

  /** Producer ids tracked per partition for idempotence (least recently used evicted). */
  static final int MAX_PRODUCERS_PER_PARTITION = 10_000;

  private final String topic;
  private final int partition;
  private final Time time;
  private final Reopener reopener;
  private ProducerStateTable producers = new ProducerStateTable(MAX_PRODUCERS_PER_PARTITION);
  private volatile Stream stream;
  private boolean reopening;
  /** The owner epoch of the partition, stamped into each batch as its partition leader epoch. */
  private volatile int leaderEpoch;
  /** Set once another broker serves the partition: appends still arriving here are turned away. */
  private volatile boolean moved;

  /**
   * Opens the partition's stream again with a new epoch after an append failed and fenced it (an object
   * store outage outlasted the retries): the failed, unacknowledged appends are gone, and the partition
   * serves again from its durable end. {@code onReopened} runs once the new stream is in place.
   */
  public interface Reopener {
    CompletableFuture<Stream> reopen(long streamId);

    default void onReopened(PartitionLog log) {}
  }

  public PartitionLog(String topic, int partition, Stream stream, Time time, Reopener reopener) {
    this.topic = topic;
    this.partition = partition;
    this.stream = stream;
    this.time = time;
    this.reopener = reopener;
  }

  public String topic() {
    return topic;
  }

  public int partition() {
    return partition;
  }

  public Stream stream() {
    return stream;
  }

  public int leaderEpoch() {
    return leaderEpoch;
  }

  public void setLeaderEpoch(int epoch) {
    this.leaderEpoch = epoch;
  }

  /** This broker no longer serves the partition. */
  public void markMoved() {
    moved = true;
  }

  public boolean isMoved() {
    return moved;
  }

  public long logStartOffset() {
    return stream.startOffset();
  }

  /** The high watermark: every offset below it is durable and readable. */
  public long highWatermark() {
    return stream.confirmedOffset();
  }

  /** Settings an append depends on, resolved by the caller from the topic's configs. */
  public record AppendSettings(int maxMessageBytes, boolean logAppendTime) {}

  /** The outcome for one partition of a produce request; errors are values. */
  public record AppendResult(Errors error, String message, long baseOffset, long logAppendTime, long logStartOffset) {
    static AppendResult error(Errors error, String message) {
      return new AppendResult(error, message, -1, RecordBatch.NO_TIMESTAMP, -1);
    }
  }

  /**
   * Validates and appends every batch in {@code records}. The future completes once all of them are durable
   * (or with an error result); it never completes exceptionally for bad input.
   */
  public CompletableFuture<AppendResult> append(MemoryRecords records, AppendSettings settings, ByteBufAllocator alloc) {
    if (moved) {
      return CompletableFuture.completedFuture(AppendResult.error(Errors.NOT_LEADER_OR_FOLLOWER,
          "Partition " + this + " is served by another broker now"));
    }
    List<MutableRecordBatch> batches = new ArrayList<>();
    try {
      for (MutableRecordBatch batch : records.batches()) {
        AppendResult invalid = validate(batch, settings);
        if (invalid != null) {
          return CompletableFuture.completedFuture(invalid);
        }
        batches.add(batch);
      }
    } catch (CorruptRecordException | InvalidRecordException e) {
      return CompletableFuture.completedFuture(AppendResult.error(Errors.CORRUPT_MESSAGE, e.getMessage()));
    }
    if (batches.isEmpty()) {
      return CompletableFuture.completedFuture(AppendResult.error(Errors.INVALID_RECORD, "The request has no record batch"));
    }
    long appendTime = settings.logAppendTime() ? time.milliseconds() : RecordBatch.NO_TIMESTAMP;
    synchronized (this) {
      List<CompletableFuture<Void>> durable = new ArrayList<>(batches.size());
      long firstOffset = -1;
      for (MutableRecordBatch batch : batches) {
        long base;
        if (batch.hasProducerId()) {
          ProducerStateTable.Check check =
              producers.check(batch.producerId(), batch.producerEpoch(), batch.baseSequence(), batch.lastSequence(),
                  stream.nextOffset() == 0);
          if (check.error() != Errors.NONE) {
            return CompletableFuture.completedFuture(AppendResult.error(check.error(), check.message()));
          }
          if (check.isDuplicate()) {
            // A retry of a batch already written: answer with its offset once it is durable; write nothing.
            if (firstOffset < 0) {
              firstOffset = check.duplicateOffset();
            }
            durable.add(check.duplicateOf().durable());
            continue;
          }
        }
        base = stream.nextOffset();
        int count = lastOffsetDelta(batch) + 1;
        ByteBuf copy = copyWithOffset(batch, base, leaderEpoch, appendTime, alloc);
        long maxTimestamp = appendTime != RecordBatch.NO_TIMESTAMP ? appendTime : batch.maxTimestamp();
        CompletableFuture<Void> appended = stream.append(base, count, maxTimestamp, copy);
        appended.whenComplete((v, t) -> {
          if (t != null) {
            reopenAfterFailure(t);
          }
        });
        durable.add(appended);
        if (batch.hasProducerId()) {
          producers.record(batch.producerId(), batch.producerEpoch(), batch.baseSequence(), batch.lastSequence(), base,
              appended);
        }
        if (firstOffset < 0) {
          firstOffset = base;
        }
      }
      long resultOffset = firstOffset;
      return CompletableFuture.allOf(durable.toArray(CompletableFuture[]::new))
          .handle((v, t) -> t == null
              ? new AppendResult(Errors.NONE, null, resultOffset, appendTime, stream.startOffset())
              : failedAppend(t));
    }
  }

  /**
   * A failed append: NOT_LEADER_OR_FOLLOWER when another broker took the partition over (its epoch fenced this
   * one's commit), so the client looks up the new owner; KAFKA_STORAGE_ERROR otherwise. Both are retriable.
   */
  private AppendResult failedAppend(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof io.floe.storage.metadata.StaleStreamEpochException || moved) {
        return AppendResult.error(Errors.NOT_LEADER_OR_FOLLOWER,
            "Partition " + this + " was taken over by another broker: " + rootMessage(t));
      }
    }
    return AppendResult.error(Errors.KAFKA_STORAGE_ERROR, "The batch could not be made durable: " + rootMessage(t));
  }

  /** After a failed append the stream is fenced: open it again (once) so the partition recovers by itself. */
  private void reopenAfterFailure(Throwable cause) {
    Stream failed;
    synchronized (this) {
      if (reopening || moved) {
        return;
      }
      reopening = true;
      failed = stream;
    }
    org.slf4j.LoggerFactory.getLogger(PartitionLog.class).warn(
        "Partition {} could not make an append durable ({}); reopening its stream", this, rootMessage(cause));
    reopener.reopen(failed.streamId()).thenCompose(s -> {
      synchronized (this) {
        stream = s;
        producers = new ProducerStateTable(MAX_PRODUCERS_PER_PARTITION);
      }
      return recoverProducerState(LogManager.PRODUCER_STATE_TAIL_BYTES);
    }).whenComplete((v, t) -> {
      synchronized (this) {
        reopening = false;
      }
      if (t != null && rootCause(t) instanceof org.apache.kafka.common.errors.NotLeaderOrFollowerException) {
        moved = true;
        org.slf4j.LoggerFactory.getLogger(PartitionLog.class).info(
            "Partition {} is served by another broker now: {}", this, rootMessage(t));
      } else if (t != null) {
        org.slf4j.LoggerFactory.getLogger(PartitionLog.class).error(
            "Partition {} could not be reopened; the next failed append tries again", this, t);
      } else {
        org.slf4j.LoggerFactory.getLogger(PartitionLog.class).info("Partition {} reopened at offset {}", this,
            stream.nextOffset());
        reopener.onReopened(this);
      }
    });
  }

  private static AppendResult validate(MutableRecordBatch batch, AppendSettings settings) {
    if (batch.magic() < RecordBatch.MAGIC_VALUE_V2) {
      return AppendResult.error(Errors.UNSUPPORTED_FOR_MESSAGE_FORMAT,
          "Record batch magic " + batch.magic() + " is not supported; only v2 batches are accepted");
    }
    if (batch.sizeInBytes() > settings.maxMessageBytes()) {
      return AppendResult.error(Errors.MESSAGE_TOO_LARGE, "The record batch of " + batch.sizeInBytes()
          + " bytes is larger than max.message.bytes=" + settings.maxMessageBytes());
    }
    try {
      batch.ensureValid();
    } catch (CorruptRecordException e) {
      return AppendResult.error(Errors.CORRUPT_MESSAGE, e.getMessage());
    }
    Integer count = batch.countOrNull();
    if (count == null || count <= 0 || lastOffsetDelta(batch) != count - 1) {
      return AppendResult.error(Errors.CORRUPT_MESSAGE,
          "Record batch count " + count + " does not match its last offset delta " + lastOffsetDelta(batch));
    }
    if (batch.isTransactional() || batch.isControlBatch()) {
      return AppendResult.error(Errors.INVALID_RECORD, "Transactional batches are not supported yet");
    }
    return null;
  }

  private static ByteBuf copyWithOffset(
      MutableRecordBatch batch, long base, int leaderEpoch, long appendTime, ByteBufAllocator alloc) {
    int size = batch.sizeInBytes();
    ByteBuf copy = alloc.directBuffer(size, size);
    ByteBuffer target = copy.nioBuffer(0, size);
    batch.writeTo(target);
    copy.writerIndex(size);
    MutableRecordBatch rewritten = MemoryRecords.readableRecords(copy.nioBuffer(0, size)).batches().iterator().next();
    rewritten.setLastOffset(base + lastOffsetDelta(batch));
    rewritten.setPartitionLeaderEpoch(leaderEpoch);
    if (appendTime != RecordBatch.NO_TIMESTAMP) {
      rewritten.setMaxTimestamp(TimestampType.LOG_APPEND_TIME, appendTime);
    }
    return copy;
  }

  private static int lastOffsetDelta(MutableRecordBatch batch) {
    return (int) (batch.lastOffset() - batch.baseOffset());
  }

  /**
   * Rebuilds idempotent-producer state from the last {@code tailBytes} of the log, so a producer retrying a
   * batch that was written just before a crash (but never acknowledged) gets its original offset instead
   * of a duplicate. Call before the first append.
   */
  public CompletableFuture<Void> recoverProducerState(long tailBytes) {
    Stream stream = this.stream;
    long end = stream.confirmedOffset();
    if (end <= stream.startOffset()) {
      return CompletableFuture.completedFuture(null);
    }
    return stream.offsetKeepingLastBytes(tailBytes).thenCompose(from -> replayProducers(from, end));
  }

  private CompletableFuture<Void> replayProducers(long from, long end) {
    Stream stream = this.stream;
    if (from >= end) {
      return CompletableFuture.completedFuture(null);
    }
    return stream.read(from, 1 << 20).thenCompose(r -> {
      long next = end;
      try {
        synchronized (this) {
          for (ByteBuf b : r.batches()) {
            for (MutableRecordBatch batch : MemoryRecords.readableRecords(b.nioBuffer()).batches()) {
              if (batch.hasProducerId()) {
                producers.record(batch.producerId(), batch.producerEpoch(), batch.baseSequence(), batch.lastSequence(),
                    batch.baseOffset(), CompletableFuture.completedFuture(null));
              }
              next = batch.lastOffset() + 1;
            }
          }
        }
      } finally {
        r.release();
      }
      return r.batches().isEmpty() ? CompletableFuture.completedFuture(null) : replayProducers(next, end);
    });
  }

  /** Reads durable batches from {@code offset}; see {@link Stream#read}. The caller releases the result. */
  public CompletableFuture<ReadResult> read(long offset, int maxBytes) {
    return stream.read(offset, maxBytes);
  }

  private static String rootMessage(Throwable t) {
    return rootCause(t).toString();
  }

  private static Throwable rootCause(Throwable t) {
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  @Override
  public String toString() {
    return topic + "-" + partition;
  }
}
