package io.floe.storage.stream;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * The batches a read has collected so far, under its byte limit: a batch is accepted if it is the first or if
 * it keeps the total within {@code maxBytes}; once one is refused (or the limit is reached) the read is full.
 */
final class ReadBuffer {
  private final int maxBytes;
  private final List<ByteBuf> batches = new ArrayList<>();
  private int bytes;
  private boolean full;

  ReadBuffer(int maxBytes) {
    this.maxBytes = Math.max(0, maxBytes);
  }

  /** Offers a batch of {@code size} bytes; false (and full from now on) if it does not fit. */
  boolean fits(int size) {
    if (full || (!batches.isEmpty() && bytes + size > maxBytes)) {
      full = true;
      return false;
    }
    return true;
  }

  /** Adds a batch that {@link #fits}; takes ownership of the buffer. */
  void add(ByteBuf batch) {
    batches.add(batch);
    bytes += batch.readableBytes();
    if (bytes >= maxBytes) {
      full = true;
    }
  }

  /** Bytes that may still be added without exceeding the limit. */
  int remaining() {
    return Math.max(0, maxBytes - bytes);
  }

  boolean full() {
    return full;
  }

  boolean isEmpty() {
    return batches.isEmpty();
  }

  /** Hands the collected buffers to the caller. */
  List<ByteBuf> take() {
    List<ByteBuf> taken = List.copyOf(batches);
    batches.clear();
    return taken;
  }

  void releaseAll() {
    for (ByteBuf b : batches) {
      b.release();
    }
    batches.clear();
  }
}
