package io.floe.storage.objectstore;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.storage.retry.Retrier;
import io.floe.storage.testing.LeakCheck;
import io.floe.storage.testing.S3ProxyServer;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The object-store contract against a real S3-compatible server (S3Proxy), plus what is S3's own. */
class S3ObjectStorageTest extends ObjectStorageContractTest {
  private static final AtomicInteger BUCKETS = new AtomicInteger();
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

  /**
   * The S3 store behind the retrying store, as {@link io.floe.storage.FloeStorage} builds it: S3ObjectStorage
   * makes one attempt per call, and S3Proxy (Jetty) now and then closes a kept-alive connection under a request,
   * a lost connection that is retried exactly as on AWS.
   */
  @Override
  protected ObjectStorage createStorage() {
    return new RetryingObjectStorage(
        S3ObjectStorage.open(s3.config(newBucket()).build()), RetryingObjectStorage.defaultRetrier(5, 10_000));
  }

  private static String newBucket() {
    String bucket = "floe-test-" + BUCKETS.incrementAndGet();
    s3.createBucket(bucket);
    return bucket;
  }

  @Test
  void keysLiveUnderThePrefixAndListingSeesOnlyThem() throws Exception {
    // Given a bucket holding an object outside Floe's prefix, and a store on the prefix
    String bucket = newBucket();
    try (S3ObjectStorage outside = S3ObjectStorage.open(s3.config(bucket).build());
        S3ObjectStorage prefixed = S3ObjectStorage.open(s3.config(bucket).prefix("floe/cluster-1").build())) {
      await(outside.write("wal/0000000000000000001", Unpooled.copiedBuffer("not ours", UTF_8)));

      // When the prefixed store writes an object
      await(prefixed.write("wal/0000000000000000001", Unpooled.copiedBuffer("ours", UTF_8)));

      // Then it lands under the prefix, and the prefixed store lists and reads only its own keys
      ListObjectsV2Response all = s3.client().listObjectsV2(b -> b.bucket(bucket)).get(10, TimeUnit.SECONDS);
      assertEquals(List.of("floe/cluster-1/wal/0000000000000000001", "wal/0000000000000000001"),
          all.contents().stream().map(S3Object::key).sorted().toList());
      assertEquals(List.of("wal/0000000000000000001"), keys(await(prefixed.list(""))));
      assertEquals("ours", new String(ByteBufs.bytes(await(prefixed.rangeRead("wal/0000000000000000001", 0, 10))), UTF_8));
      assertEquals(4, prefixed.stats().bytesRead());
    }
  }

  @Test
  void aMissingBucketFailsWithAClearErrorThatIsNotRetried() {
    try (S3ObjectStorage store = S3ObjectStorage.open(s3.config("no-such-bucket").build())) {
      ObjectStorageException cause = null;
      // S3Proxy now and then drops a kept-alive connection under a request (a retriable transport error,
      // as the contract tests note); the bucket's answer is what this test is about.
      for (int attempt = 0; attempt < 5 && (cause == null || cause.retriable()); attempt++) {
        ExecutionException e =
            assertThrows(ExecutionException.class,
                () -> store.write("k", Unpooled.copiedBuffer("x", UTF_8)).get(10, TimeUnit.SECONDS));
        cause = assertInstanceOf(ObjectStorageException.class, e.getCause());
      }
      assertFalse(cause.retriable(), cause.getMessage());
      assertTrue(cause.getMessage().contains("bucket does not exist"), cause.getMessage());
    }
  }

  @Test
  void wrongCredentialsFailWithoutRetry() {
    String bucket = newBucket();
    try (S3ObjectStorage store =
        S3ObjectStorage.open(s3.config(bucket).credentials(S3ProxyServer.ACCESS_KEY, "wrong-secret").build())) {
      ExecutionException e =
          assertThrows(ExecutionException.class, () -> store.list("").get(10, TimeUnit.SECONDS));
      ObjectStorageException cause = assertInstanceOf(ObjectStorageException.class, e.getCause());
      assertFalse(cause.retriable());
      assertTrue(cause.getMessage().contains("403"), cause.getMessage());
    }
  }

  @Test
  void anUnreachableEndpointFailsAsRetriable() throws IOException {
    // Given an endpoint nobody listens on
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    S3Config config = s3.config("any").endpoint("http://127.0.0.1:" + port).build();
    try (S3ObjectStorage store = S3ObjectStorage.open(config)) {
      // When a read is attempted, Then it fails as retriable: S3 may come back
      ExecutionException e =
          assertThrows(ExecutionException.class, () -> store.rangeRead("k", 0, 1).get(10, TimeUnit.SECONDS));
      assertTrue(assertInstanceOf(ObjectStorageException.class, e.getCause()).retriable(), e.getCause().toString());
      assertEquals(1, store.stats().failures());
    }
  }

  @Test
  void connectionsLostOnTheWireAreRetriedAndTheObjectIsWhole() throws Exception {
    // Given a store whose first PUT fails before it is sent, and whose second is written but its reply lost
    AtomicInteger puts = new AtomicInteger();
    ExecutionInterceptor faults =
        new ExecutionInterceptor() {
          @Override
          public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
            if (context.request() instanceof PutObjectRequest && puts.incrementAndGet() == 1) {
              throw SdkClientException.create("injected", new IOException("Connection reset by peer"));
            }
          }

          @Override
          public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
            if (context.request() instanceof PutObjectRequest && puts.get() == 2) {
              throw SdkClientException.create("injected", new IOException("Connection closed before the response"));
            }
          }
        };
    Retrier retrier =
        Retrier.builder("test").maxAttempts(4).backoffMs(1, 10).retryOn(ObjectStorageException.class,
            ObjectStorageException::retriable).build();
    byte[] content = new byte[300_000];
    new java.util.Random(7).nextBytes(content);
    try (S3ObjectStorage s3Store = S3ObjectStorage.open(s3.config(newBucket()).build(), List.of(faults));
        RetryingObjectStorage store = new RetryingObjectStorage(s3Store, retrier)) {
      // When an object is written through the retrying store
      await(store.write("wal/0000000000000000007", Unpooled.wrappedBuffer(content)));

      // Then it took three PUTs, two of them retries, and the object reads back whole
      assertEquals(3, puts.get());
      assertEquals(new Retrier.Stats(1, 2, 0, 0), retrier.stats());
      assertEquals(3, s3Store.stats().requests());
      assertEquals(2, s3Store.stats().failures());
      assertEquals(content.length, s3Store.stats().bytesWritten());
      org.junit.jupiter.api.Assertions.assertArrayEquals(content,
          ByteBufs.bytes(await(store.rangeRead("wal/0000000000000000007", 0, Long.MAX_VALUE))));
    }
  }

  @Test
  void s3ErrorsMapToRetriableOrNot() {
    assertRetriable(true, serviceError(503, "SlowDown"));
    assertRetriable(true, serviceError(500, "InternalError"));
    assertRetriable(true, serviceError(502, null));
    assertRetriable(true, serviceError(429, null));
    assertRetriable(true, serviceError(400, "RequestTimeout"));
    assertRetriable(true, ApiCallAttemptTimeoutException.create(30_000));
    assertRetriable(true, SdkClientException.create("io", new IOException("Connection reset")));
    assertRetriable(false, serviceError(403, "AccessDenied"));
    assertRetriable(false, serviceError(404, "NoSuchBucket"));
    assertRetriable(false, serviceError(416, "InvalidRange"));
    assertRetriable(false, SdkClientException.create("Unable to load credentials from any provider"));
    assertInstanceOf(ObjectNotFoundException.class,
        S3ObjectStorage.toStorageException("read k", "k", serviceError(404, "NoSuchKey"), false));
    assertFalse(S3ObjectStorage.toStorageException("read k", "k", serviceError(503, "SlowDown"), true).retriable(),
        "a failure caused by closing the store is final");
  }

  private static void assertRetriable(boolean expected, Throwable sdkError) {
    ObjectStorageException e = S3ObjectStorage.toStorageException("write k", "k", sdkError, false);
    assertEquals(expected, e.retriable(), e.getMessage());
    assertTrue(e.getMessage().startsWith("Cannot write k"), e.getMessage());
  }

  private static S3Exception serviceError(int status, String code) {
    return (S3Exception)
        S3Exception.builder()
            .statusCode(status)
            .message("injected")
            .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage("injected " + code).build())
            .build();
  }

  /** Copies a buffer's readable bytes out and releases it. */
  private static final class ByteBufs {
    static byte[] bytes(io.netty.buffer.ByteBuf buf) {
      try {
        return io.netty.buffer.ByteBufUtil.getBytes(buf);
      } finally {
        buf.release();
      }
    }
  }
}
