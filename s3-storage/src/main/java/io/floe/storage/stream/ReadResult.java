package io.floe.storage.stream;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * Batches returned by {@link Stream#read}, in offset order, each a whole batch as it was appended. The
 * receiver owns one reference to each buffer and must {@link #release()} them.
 */
public record ReadResult(List<ByteBuf> batches, long confirmedOffset, long startOffset) {

  public int totalBytes() {
    int n = 0;
    for (ByteBuf b : batches) {
      n += b.readableBytes();
    }
    return n;
  }

  public void release() {
    for (ByteBuf b : batches) {
      b.release();
    }
  }
}
