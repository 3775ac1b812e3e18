package io.floe.storage.objectstore;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.storage.objectstore.S3ObjectStorage.RequestType;
import io.floe.storage.objectstore.S3ObjectStorage.Stats;
import io.floe.storage.testing.LeakCheck;
import io.floe.storage.testing.S3ProxyServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The per-kind request counters the S3 cost figures are computed from, against S3Proxy. */
class S3RequestCountsTest {
  private static S3ProxyServer s3;

  @BeforeAll
  static void startS3() {
    s3 = S3ProxyServer.start();
  }

  @AfterAll
  static void stopS3() {
    if (s3 != null) {
      s3.close();
    }
    LeakCheck.provoke();
  }

  @Test
  void everyRequestIsCountedByItsKind() throws Exception {
    // Given a store on an empty bucket, behind retries as the broker runs it (S3Proxy now and then drops a
    // kept-alive connection under a request: that attempt is a request too, and counts as a failure)
    s3.createBucket("floe-counts");
    try (S3ObjectStorage store = S3ObjectStorage.open(s3.config("floe-counts").build());
        RetryingObjectStorage retrying = new RetryingObjectStorage(store, RetryingObjectStorage.defaultRetrier(5, 10_000))) {
      // When it writes two objects, reads two ranges and an empty range, lists once and deletes both objects
      await(retrying.write("wal/0000000000000000001", Unpooled.copiedBuffer("hello", UTF_8)));
      await(retrying.write("wal/0000000000000000002", Unpooled.copiedBuffer("world", UTF_8)));
      release(await(retrying.rangeRead("wal/0000000000000000001", 0, 2)));
      release(await(retrying.rangeRead("wal/0000000000000000002", 1, 5)));
      release(await(retrying.rangeRead("wal/0000000000000000002", 3, 3)));
      assertEquals(2, await(retrying.list("wal/")).size());
      await(retrying.delete(List.of("wal/0000000000000000001", "wal/0000000000000000002")));

      // Then each kind counts its requests: 2 PUTs, 2 GETs, 1 HEAD, 1 LIST, 1 DELETE, and nothing else
      Stats stats = store.stats();
      Map<RequestType, Long> expected =
          Map.of(RequestType.PUT, 2L, RequestType.GET, 2L, RequestType.HEAD, 1L, RequestType.LIST, 1L,
              RequestType.DELETE, 1L);
      long sum = 0;
      for (RequestType type : RequestType.values()) {
        assertTrue(stats.requests(type) >= expected.get(type)
            && stats.requests(type) <= expected.get(type) + stats.failures(), type + ": " + stats);
        sum += stats.requests(type);
      }
      assertEquals(stats.requests(), sum, "the kinds add up to the request count");
      assertEquals(7, stats.requests() - stats.failures(), "one successful request per call: " + stats);
      assertEquals(10, stats.bytesWritten());
      assertEquals(6, stats.bytesRead());
    }
  }

  private static <T> T await(CompletableFuture<T> f) throws Exception {
    return f.get(30, TimeUnit.SECONDS);
  }

  private static void release(ByteBuf buf) {
    buf.release();
  }
}
