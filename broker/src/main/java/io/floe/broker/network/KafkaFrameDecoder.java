package io.floe.broker.network;

import io.netty.handler.codec.LengthFieldBasedFrameDecoder;

/**
 * Splits the byte stream into Kafka request frames (a 4-byte big-endian size, then the request). A frame
 * whose declared size is above {@code socket.request.max.bytes} (or negative) is rejected as soon as the
 * size is read, before any buffer is allocated for it: the decoder fails fast with a
 * {@link io.netty.handler.codec.TooLongFrameException} and the connection is closed.
 */
public final class KafkaFrameDecoder extends LengthFieldBasedFrameDecoder {

  public static final String NAME = "frameDecoder";

  public KafkaFrameDecoder(int maxRequestBytes) {
    super(maxRequestBytes, 0, 4, 0, 4, true);
  }
}
