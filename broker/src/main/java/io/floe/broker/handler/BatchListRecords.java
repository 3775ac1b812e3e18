package io.floe.broker.handler;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.kafka.common.network.TransferableChannel;
import org.apache.kafka.common.record.BaseRecords;
import org.apache.kafka.common.record.RecordsSend;

/**
 * Stored record batches placed in a fetch response without copying: the response's send hands the batches'
 * own memory to the socket. The buffers stay owned by the caller, who releases them after the send.
 */
final class BatchListRecords implements BaseRecords {

  private final List<ByteBuf> batches;
  private final int size;

  BatchListRecords(List<ByteBuf> batches) {
    this.batches = batches;
    int n = 0;
    for (ByteBuf b : batches) {
      n += b.readableBytes();
    }
    this.size = n;
  }

  @Override
  public int sizeInBytes() {
    return size;
  }

  @Override
  public RecordsSend<BatchListRecords> toSend() {
    return new RecordsSend<>(this, size) {
      @Override
      protected int writeTo(TransferableChannel channel, int previouslyWritten, int remaining) throws IOException {
        if (previouslyWritten != 0) {
          throw new IOException("Cannot resume a partial write of fetched batches");
        }
        ByteBuffer[] buffers = new ByteBuffer[batches.size()];
        for (int i = 0; i < buffers.length; i++) {
          ByteBuf b = batches.get(i);
          buffers[i] = b.nioBuffer(b.readerIndex(), b.readableBytes());
        }
        return (int) channel.write(buffers);
      }
    };
  }
}
