package io.floe.storage.stream;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletableFuture;

/**
 * One partition's log: an ordered sequence of opaque record batches, each covering a contiguous range of
 * offsets {@code [baseOffset, baseOffset + count)}. The storage never looks inside a batch.
 *
 * <p>Offsets: {@link #startOffset()} <= {@link #confirmedOffset()} <= {@link #nextOffset()}. Batches below
 * {@code nextOffset} have been appended; batches below {@code confirmedOffset} are durable (their WAL
 * object and index are committed) and are the only ones {@link #read} returns.
 *
 * <p>Threading: {@link #append} must not be called concurrently for the same stream (the caller holds the
 * partition's lock while it assigns the offsets it passes in). Everything else is thread-safe.
 */
public interface Stream {

  long streamId();

  /** The first offset still readable (raised by {@link #trim} and retention). */
  long startOffset();

  /** The offset the next appended batch must start at. */
  long nextOffset();

  /** The end of durable data: every offset below it has been acknowledged as committed. */
  long confirmedOffset();

  /**
   * Appends one batch covering {@code [baseOffset, baseOffset + count)}. {@code baseOffset} must equal
   * {@link #nextOffset()}, which this call advances before returning. The future completes, in append
   * order, once the batch is durable; only then may the produce be acknowledged. On failure the future
   * completes exceptionally and the stream is fenced: later appends fail until it is reopened.
   *
   * <p>Ownership: the stream takes ownership of {@code batch} (one reference) and releases it when it is
   * no longer needed (after upload and cache eviction).
   *
   * <p>Backpressure: when the broker's unflushed appends reach their memory bound, this call blocks (for a
   * bounded time) until uploads free space; if none frees up, the future fails and the stream is fenced.
   */
  CompletableFuture<Void> append(long baseOffset, int count, long maxTimestamp, ByteBuf batch);

  /**
   * Reads whole batches from the first one containing {@code startOffset} up to {@link #confirmedOffset()},
   * stopping before the batch that would take the total over {@code maxBytes}, but always returning at least
   * one batch when one exists. Fails with {@link OffsetOutOfRangeException} if {@code startOffset} is below
   * {@link #startOffset()} or above {@link #confirmedOffset()}. The caller releases the returned buffers.
   */
  CompletableFuture<ReadResult> read(long startOffset, int maxBytes);

  /**
   * The base offset of the first batch whose max timestamp is >= {@code timestamp}, or -1 if there is none.
   */
  CompletableFuture<Long> offsetForTimestamp(long timestamp);

  /** Raises {@link #startOffset()} to {@code newStartOffset} (never lowers it); data below it may be deleted. */
  CompletableFuture<Void> trim(long newStartOffset);

  /**
   * For {@code retention.bytes}: the smallest batch-aligned offset such that the batches from it up to {@link
   * #confirmedOffset()} take at most {@code maxBytes} as stored (batch bytes plus a few bytes of framing each),
   * never below {@link #startOffset()}. Pass the result to {@link #trim}. Returns {@link #confirmedOffset()} if
   * not even the last batch fits.
   */
  default CompletableFuture<Long> offsetKeepingLastBytes(long maxBytes) {
    return CompletableFuture.failedFuture(
        new UnsupportedOperationException(getClass().getName() + " does not support size-based retention"));
  }

  /**
   * The approximate number of bytes stored for this stream from about {@link #startOffset()} to {@link
   * #confirmedOffset()} (storage granularity: it may include some bytes below the start offset).
   */
  default long sizeBytes() {
    throw new UnsupportedOperationException(getClass().getName() + " does not report its size");
  }

  /** Registers a callback run (on a storage thread, it must not block) every time confirmedOffset advances. */
  void addConfirmListener(Runnable listener);

  void removeConfirmListener(Runnable listener);
}
