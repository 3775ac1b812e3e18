package io.floe.storage.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

/** Nudges Netty's leak detector: leaks are reported when leaked buffers are collected and then allocating. */
public final class LeakCheck {
  private LeakCheck() {}

  public static void provoke() {
    for (int i = 0; i < 3; i++) {
      System.gc();
      for (int j = 0; j < 100; j++) {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(16);
        b.release();
      }
    }
  }
}
