package io.floe.storage.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Test batches: pooled direct buffers with recognizable content. */
public final class Batches {
  private Batches() {}

  /** A batch whose content names the stream and offset, padded to {@code size} bytes. */
  public static ByteBuf batch(long streamId, long baseOffset, int size) {
    String label = content(streamId, baseOffset, size);
    ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(size);
    buf.writeCharSequence(label, UTF_8);
    return buf;
  }

  public static String content(long streamId, long baseOffset, int size) {
    StringBuilder sb = new StringBuilder("s" + streamId + "@" + baseOffset + ";");
    while (sb.length() < size) {
      sb.append('.');
    }
    sb.setLength(size);
    return sb.toString();
  }

  public static String text(ByteBuf buf) {
    return buf.toString(UTF_8);
  }

  public static List<String> texts(List<ByteBuf> bufs) {
    return bufs.stream().map(Batches::text).toList();
  }

  public static <T> T await(CompletableFuture<T> f) {
    try {
      return f.get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new AssertionError(e.getCause());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Polls until the condition holds, failing after 10 s. */
  public static void eventually(java.util.function.BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("Timed out waiting for " + what);
      }
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }
}
