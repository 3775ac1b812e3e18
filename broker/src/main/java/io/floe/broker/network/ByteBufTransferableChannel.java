package io.floe.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.apache.kafka.common.network.TransferableChannel;

/**
 * Collects what a Kafka {@code Send} writes into one composite buffer without copying the records: every direct
 * ByteBuffer the send hands over (record batches) is wrapped, not copied, so batches referenced by a response go to
 * the socket from where they are cached. The caller keeps those buffers alive until the composite has been written.
 *
 * <p>Heap buffers (the response's headers and fields, a few bytes each) are copied into direct ones: Netty copies a
 * composite that holds any heap component whole into one direct buffer before writing it, records included.
 */
final class ByteBufTransferableChannel implements TransferableChannel {

  private final ByteBufAllocator alloc;
  private final CompositeByteBuf out;

  ByteBufTransferableChannel(ByteBufAllocator alloc) {
    this.alloc = alloc;
    this.out = alloc.compositeBuffer(Integer.MAX_VALUE);
  }

  ByteBuf result() {
    return out;
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) {
    long n = 0;
    for (int i = offset; i < offset + length; i++) {
      n += write(srcs[i]);
    }
    return n;
  }

  @Override
  public long write(ByteBuffer[] srcs) {
    return write(srcs, 0, srcs.length);
  }

  @Override
  public int write(ByteBuffer src) {
    int n = src.remaining();
    if (n > 0 && src.isDirect()) {
      out.addComponent(true, Unpooled.wrappedBuffer(src.slice()));
      src.position(src.limit());
    } else if (n > 0) {
      ByteBuf copy = alloc.directBuffer(n, n);
      copy.writeBytes(src);
      out.addComponent(true, copy);
    }
    return n;
  }

  @Override
  public boolean hasPendingWrites() {
    return false;
  }

  @Override
  public long transferFrom(FileChannel fileChannel, long position, long count) {
    throw new IllegalStateException("Cannot transfer from a file: responses are built from buffers only");
  }

  @Override
  public boolean isOpen() {
    return true;
  }

  @Override
  public void close() {}
}
