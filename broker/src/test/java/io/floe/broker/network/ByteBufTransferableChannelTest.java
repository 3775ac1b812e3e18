package io.floe.broker.network;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** How a response's pieces become the buffer written to the socket. */
class ByteBufTransferableChannelTest {

  @Test
  void recordsAreWrappedNotCopiedAndTheResponseIsDirectSoNettyDoesNotCopyItWhole() {
    // Given a response whose header is on the heap and whose records are direct (as cached batches are)
    ByteBuffer header = ByteBuffer.wrap("head".getBytes(US_ASCII));
    ByteBuffer records = ByteBuffer.allocateDirect(7).put("records".getBytes(US_ASCII)).flip();
    ByteBufTransferableChannel channel = new ByteBufTransferableChannel(PooledByteBufAllocator.DEFAULT);

    // When the send writes both
    long written = channel.write(new ByteBuffer[] {header, records});
    ByteBuf out = channel.result();
    try {
      // Then every byte is there, both sources are consumed, and the whole is direct
      assertEquals(11, written);
      assertEquals("headrecords", out.toString(US_ASCII));
      assertEquals(0, header.remaining());
      assertEquals(0, records.remaining());
      assertTrue(out.isDirect(), "a heap component would make Netty copy the whole response before writing it");

      // And the records are the cached memory itself: a change to it shows through
      records.put(0, (byte) 'R');
      assertEquals("headRecords", out.toString(US_ASCII));
    } finally {
      out.release();
    }
  }
}
