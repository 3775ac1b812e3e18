package io.floe.storage.objectstore;

import static io.floe.storage.internal.Preconditions.checkNotNull;

import io.floe.storage.internal.NamedThreadFactory;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.nio.NioEventLoopGroup;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.core.async.SdkPublisher;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectsRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Error;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * {@link ObjectStorage} on an S3 bucket (AWS S3, MinIO, S3Proxy, ...) through the SDK's asynchronous client on
 * Netty. Keys are laid out exactly as under {@link LocalFileObjectStorage}'s directory, below an optional
 * {@linkplain S3Config#prefix() prefix}.
 *
 * <p><b>Failures are values.</b> Every failure completes the future with an {@link ObjectStorageException}:
 * {@link ObjectNotFoundException} for a missing key (404, NoSuchKey); {@linkplain
 * ObjectStorageException#retriable() retriable} for throttling (503 SlowDown, 429), server errors (5xx),
 * request timeouts and lost or refused connections; not retriable otherwise (403 AccessDenied, NoSuchBucket,
 * 416 for a range beyond the object, a closed store). This class makes one attempt per call: the SDK's own
 * retries are off, so that retries happen in one place with one policy and one metric, {@link
 * RetryingObjectStorage}.
 *
 * <p><b>Buffers.</b> A write sends the caller's buffer as it is (its NIO views, without a copy); the caller keeps
 * it until the future completes. A read lands in one pooled direct buffer of the range's size, which the caller
 * releases; a response that ends before its Content-Length fails the read as retriable, so a lost connection
 * can never pass for a short object.
 *
 * <p><b>Concurrency</b> is bounded by {@link S3Config#maxConnections()}: further requests wait for a connection
 * and fail as retriable if none frees up within the request timeout.
 */
public final class S3ObjectStorage implements ObjectStorage {
  private static final Logger LOG = LoggerFactory.getLogger(S3ObjectStorage.class);
  /** DeleteObjects takes at most this many keys per request. */
  static final int MAX_KEYS_PER_DELETE = 1000;
  /** S3 error codes that say "try again later" whatever their HTTP status. */
  private static final Set<String> RETRIABLE_CODES =
      Set.of("SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "RequestTimeTooSkewed",
          "InternalError", "ServiceUnavailable", "OperationAborted", "RequestLimitExceeded");

  /**
   * The I/O threads of every S3 client in this JVM. Daemon threads that live as long as the JVM: closing a
   * client then does not wait out Netty's graceful-shutdown quiet period (seconds), and several stores (tests,
   * tools) share two threads per core instead of creating their own.
   */
  private static final class SharedEventLoop {
    static final SdkEventLoopGroup GROUP =
        SdkEventLoopGroup.create(
            new NioEventLoopGroup(
                Math.max(2, 2 * Runtime.getRuntime().availableProcessors()), new NamedThreadFactory("floe-s3-io")));
  }

  private final S3Config config;
  private final S3AsyncClient client;
  private final ByteBufAllocator allocator = PooledByteBufAllocator.DEFAULT;
  private volatile boolean closed;

  /** Requests sent, by kind; their sum is the request count. */
  private final LongAdder[] requestsByType = newAdders(RequestType.values().length);
  private final LongAdder failures = new LongAdder();
  private final LongAdder throttled = new LongAdder();
  private final LongAdder bytesWritten = new LongAdder();
  private final LongAdder bytesRead = new LongAdder();

  private S3ObjectStorage(S3Config config, S3AsyncClient client) {
    this.config = config;
    this.client = client;
  }

  /** Creates the client for {@code config}. No request is made until the first operation. */
  public static S3ObjectStorage open(S3Config config) {
    return open(config, List.of());
  }

  /** Like {@link #open(S3Config)}, with SDK interceptors (tests use them to inject faults on the wire). */
  static S3ObjectStorage open(S3Config config, List<ExecutionInterceptor> interceptors) {
    checkNotNull(config, "config");
    S3AsyncClientBuilder builder =
        S3AsyncClient.builder()
            .httpClientBuilder(
                NettyNioAsyncHttpClient.builder()
                    .eventLoopGroup(SharedEventLoop.GROUP)
                    .maxConcurrency(config.maxConnections())
                    .connectionTimeout(Duration.ofMillis(config.connectTimeoutMs()))
                    .connectionAcquisitionTimeout(Duration.ofMillis(config.requestTimeoutMs())))
            .region(Region.of(config.region().orElseGet(S3ObjectStorage::defaultRegion)))
            .credentialsProvider(credentials(config))
            .forcePathStyle(config.pathStyleAccess())
            .overrideConfiguration(
                o -> {
                  o.retryStrategy(AwsRetryStrategy.doNotRetry())
                      .apiCallAttemptTimeout(Duration.ofMillis(config.requestTimeoutMs()))
                      .apiCallTimeout(Duration.ofMillis(config.requestTimeoutMs()));
                  interceptors.forEach(o::addExecutionInterceptor);
                });
    config.endpoint().ifPresent(builder::endpointOverride);
    S3ObjectStorage storage = new S3ObjectStorage(config, builder.build());
    LOG.info("S3 object storage: {}", config);
    return storage;
  }

  private static AwsCredentialsProvider credentials(S3Config config) {
    if (config.accessKey().isPresent()) {
      return StaticCredentialsProvider.create(
          AwsBasicCredentials.create(config.accessKey().get(), config.secretKey().orElseThrow()));
    }
    return DefaultCredentialsProvider.builder().build();
  }

  private static String defaultRegion() {
    try {
      return new DefaultAwsRegionProviderChain().getRegion().id();
    } catch (RuntimeException e) {
      return S3Config.DEFAULT_REGION;
    }
  }

  public S3Config config() {
    return config;
  }

  @Override
  public CompletableFuture<Void> write(String key, ByteBuf data) {
    CompletableFuture<Void> rejected = rejectIfClosedOrInvalid("write", key);
    if (rejected != null) {
      return rejected;
    }
    int length = data.readableBytes();
    PutObjectRequest request =
        PutObjectRequest.builder().bucket(config.bucket()).key(config.bucketKey(key)).contentLength((long) length)
            .build();
    // nioBuffers shares content but not indexes: the caller's ByteBuf is left untouched, and nothing is copied.
    AsyncRequestBody body =
        length == 0
            ? AsyncRequestBody.empty()
            : AsyncRequestBody.fromByteBuffersUnsafe(data.nioBuffers(data.readerIndex(), length));
    return call(RequestType.PUT, "write " + key, key, () -> client.putObject(request, body))
        .thenRun(() -> bytesWritten.add(length));
  }

  @Override
  public CompletableFuture<ByteBuf> rangeRead(String key, long start, long end) {
    CompletableFuture<ByteBuf> rejected = rejectIfClosedOrInvalid("read", key);
    if (rejected != null) {
      return rejected;
    }
    if (start < 0 || end < start) {
      return CompletableFuture.failedFuture(
          new ObjectStorageException("Cannot read " + key + ": invalid range [" + start + ", " + end + ")", null,
              false));
    }
    if (start == end) {
      return readEmptyRange(key, start);
    }
    // HTTP ranges are inclusive; an open end reads to the end of the object, like a range past it.
    String range = end == Long.MAX_VALUE ? "bytes=" + start + "-" : "bytes=" + start + "-" + (end - 1);
    GetObjectRequest request =
        GetObjectRequest.builder().bucket(config.bucket()).key(config.bucketKey(key)).range(range).build();
    long expectedAtMost = end - start;
    return call(RequestType.GET, "read " + key + " [" + start + ", " + end + ")", key,
            () -> client.getObject(request, new ByteBufResponse(key, expectedAtMost)))
        .thenApply(
            buf -> {
              bytesRead.add(buf.readableBytes());
              return buf;
            });
  }

  /** An empty range cannot be asked of S3; it exists if the key does and the object reaches {@code start}. */
  private CompletableFuture<ByteBuf> readEmptyRange(String key, long start) {
    HeadObjectRequest request = HeadObjectRequest.builder().bucket(config.bucket()).key(config.bucketKey(key)).build();
    return call(RequestType.HEAD, "read " + key + " [" + start + ", " + start + ")", key,
            () -> client.headObject(request))
        .thenApply(
            head -> {
              if (start > head.contentLength()) {
                throw new ObjectStorageException(
                    "Cannot read " + key + ": range [" + start + ", " + start + ") starts beyond the object's size "
                        + head.contentLength(),
                    null, false);
              }
              return allocator.directBuffer(0, 0);
            });
  }

  @Override
  public CompletableFuture<Void> delete(List<String> keys) {
    CompletableFuture<Void> rejected = rejectIfClosed("delete " + keys.size() + " objects");
    if (rejected != null) {
      return rejected;
    }
    List<ObjectIdentifier> ids = new ArrayList<>(keys.size());
    for (String key : keys) {
      try {
        ids.add(ObjectIdentifier.builder().key(config.bucketKey(ObjectKeys.check(key))).build());
      } catch (IllegalArgumentException e) {
        return CompletableFuture.failedFuture(new ObjectStorageException(e.getMessage(), e, false));
      }
    }
    List<CompletableFuture<Void>> batches = new ArrayList<>();
    for (int from = 0; from < ids.size(); from += MAX_KEYS_PER_DELETE) {
      List<ObjectIdentifier> batch = ids.subList(from, Math.min(ids.size(), from + MAX_KEYS_PER_DELETE));
      DeleteObjectsRequest request =
          DeleteObjectsRequest.builder()
              .bucket(config.bucket())
              .delete(Delete.builder().objects(batch).quiet(true).build())
              .build();
      String what = "delete " + batch.size() + " objects";
      batches.add(call(RequestType.DELETE, what, what, () -> client.deleteObjects(request))
          .thenAccept(r -> checkDeleted(what, r.errors())));
    }
    return CompletableFuture.allOf(batches.toArray(CompletableFuture[]::new));
  }

  /** DeleteObjects answers 200 even when some keys failed; those come back as per-key errors. */
  private void checkDeleted(String what, List<S3Error> errors) {
    List<S3Error> real = errors.stream().filter(e -> !"NoSuchKey".equals(e.code())).toList();
    if (real.isEmpty()) {
      return;
    }
    S3Error first = real.get(0);
    boolean retriable = real.stream().allMatch(e -> RETRIABLE_CODES.contains(e.code()));
    failures.increment();
    throw new ObjectStorageException(
        "Cannot " + what + ": " + real.size() + " failed, first " + first.key() + ": " + first.code() + " "
            + first.message(),
        null, retriable);
  }

  @Override
  public CompletableFuture<List<ObjectInfo>> list(String prefix) {
    CompletableFuture<List<ObjectInfo>> rejected = rejectIfClosed("list " + prefix);
    if (rejected != null) {
      return rejected;
    }
    List<ObjectInfo> result = new ArrayList<>();
    return listPage(prefix, null, result)
        .thenApply(
            v -> {
              result.sort(Comparator.comparing(ObjectInfo::key));
              return result;
            });
  }

  private CompletableFuture<Void> listPage(String prefix, String continuationToken, List<ObjectInfo> into) {
    ListObjectsV2Request request =
        ListObjectsV2Request.builder()
            .bucket(config.bucket())
            .prefix(config.bucketKey(prefix))
            .continuationToken(continuationToken)
            .build();
    return call(RequestType.LIST, "list " + prefix, prefix, () -> client.listObjectsV2(request))
        .thenCompose(
            page -> {
              addPage(page, into);
              if (Boolean.TRUE.equals(page.isTruncated()) && page.nextContinuationToken() != null) {
                return listPage(prefix, page.nextContinuationToken(), into);
              }
              return CompletableFuture.completedFuture(null);
            });
  }

  private void addPage(ListObjectsV2Response page, List<ObjectInfo> into) {
    int strip = config.prefix().length();
    for (S3Object o : page.contents()) {
      long modified = o.lastModified() != null ? o.lastModified().toEpochMilli() : 0;
      into.add(new ObjectInfo(o.key().substring(strip), o.size() != null ? o.size() : 0, modified));
    }
  }

  /** Counters since creation, for metrics. */
  public Stats stats() {
    long[] byType = new long[requestsByType.length];
    long requests = 0;
    for (int i = 0; i < byType.length; i++) {
      byType[i] = requestsByType[i].sum();
      requests += byType[i];
    }
    return new Stats(requests, failures.sum(), throttled.sum(), bytesWritten.sum(), bytesRead.sum(),
        byType[RequestType.PUT.ordinal()], byType[RequestType.GET.ordinal()], byType[RequestType.HEAD.ordinal()],
        byType[RequestType.LIST.ordinal()], byType[RequestType.DELETE.ordinal()]);
  }

  /**
   * The kinds of S3 request this store sends, as S3 bills them: each is one HTTP request, whether it succeeds
   * or fails (a retry by {@link RetryingObjectStorage} is a request of its own). A write is one PutObject (this
   * store never uploads in parts), a read one ranged GetObject (a HeadObject for an empty range), a listing one
   * ListObjectsV2 per page, a delete one DeleteObjects per 1,000 keys.
   */
  public enum RequestType {
    PUT, GET, HEAD, LIST, DELETE;

    /** The lower-case name, as a metric label. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * S3 request counters.
   *
   * @param requests requests sent, of every kind
   * @param failures requests that failed, for any reason (a missing key included)
   * @param throttled failures that were S3 asking to slow down (503 SlowDown, 429)
   * @param bytesWritten object bytes written by successful PUTs
   * @param bytesRead object bytes returned by successful GETs
   * @param puts PutObject requests sent
   * @param gets ranged GetObject requests sent
   * @param heads HeadObject requests sent
   * @param lists ListObjectsV2 requests (pages) sent
   * @param deletes DeleteObjects requests sent
   */
  public record Stats(long requests, long failures, long throttled, long bytesWritten, long bytesRead, long puts,
      long gets, long heads, long lists, long deletes) {

    /** Requests sent of one kind. */
    public long requests(RequestType type) {
      return switch (type) {
        case PUT -> puts;
        case GET -> gets;
        case HEAD -> heads;
        case LIST -> lists;
        case DELETE -> deletes;
      };
    }
  }

  private static LongAdder[] newAdders(int n) {
    LongAdder[] adders = new LongAdder[n];
    for (int i = 0; i < n; i++) {
      adders[i] = new LongAdder();
    }
    return adders;
  }

  /** Closes the client; operations in flight fail, later ones fail with a non-retriable error. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    client.close();
  }

  @Override
  public String toString() {
    return "S3ObjectStorage[" + config.describe() + "]";
  }

  // ---------------------------------------------------------------- requests and their failures

  /** Sends one request of {@code type} about {@code subject} (a key, or a prefix) and maps its failure. */
  private <T> CompletableFuture<T> call(
      RequestType type, String what, String subject, java.util.function.Supplier<CompletableFuture<T>> request) {
    requestsByType[type.ordinal()].increment();
    CompletableFuture<T> sent;
    try {
      sent = request.get();
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    // The SDK completes on its own threads; mapping the failure there is cheap and keeps the cause.
    CompletableFuture<T> result = new CompletableFuture<>();
    sent.whenComplete(
        (value, error) -> {
          if (error == null) {
            result.complete(value);
            return;
          }
          failures.increment();
          ObjectStorageException mapped = toStorageException(what, subject, error, closed);
          if (isThrottling(unwrap(error))) {
            throttled.increment();
          }
          result.completeExceptionally(mapped);
        });
    return result;
  }

  private <T> CompletableFuture<T> rejectIfClosedOrInvalid(String verb, String key) {
    CompletableFuture<T> closedFuture = rejectIfClosed(verb + " " + key);
    if (closedFuture != null) {
      return closedFuture;
    }
    try {
      ObjectKeys.check(key);
      return null;
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(new ObjectStorageException(e.getMessage(), e, false));
    }
  }

  private <T> CompletableFuture<T> rejectIfClosed(String what) {
    return closed
        ? CompletableFuture.failedFuture(
            new ObjectStorageException("Cannot " + what + ": the S3 object storage is closed", null, false))
        : null;
  }

  /**
   * Maps an SDK failure to the SPI's: not found, retriable (throttling, 5xx, timeouts, I/O) or not.
   * {@code closing} marks failures caused by {@link #close()} as final.
   */
  static ObjectStorageException toStorageException(String what, String subject, Throwable error, boolean closing) {
    Throwable t = unwrap(error);
    if (t instanceof ObjectStorageException ose) {
      return ose;
    }
    if (t instanceof AwsServiceException ase) {
      int status = ase.statusCode();
      String code = ase.awsErrorDetails() != null ? ase.awsErrorDetails().errorCode() : null;
      String detail = status + (code != null ? " " + code : "") + ": " + serviceMessage(ase);
      if ("NoSuchBucket".equals(code)) {
        return new ObjectStorageException("Cannot " + what + ": the bucket does not exist (" + detail + ")", t, false);
      }
      if (status == 404 || "NoSuchKey".equals(code)) {
        ObjectNotFoundException notFound = new ObjectNotFoundException(subject);
        notFound.addSuppressed(t);
        return notFound;
      }
      if (status == 416 || "InvalidRange".equals(code)) {
        return new ObjectStorageException(
            "Cannot " + what + ": the range starts beyond the object's size (" + detail + ")", t, false);
      }
      boolean retriable = status >= 500 || status == 429 || status == 408 || (code != null
          && RETRIABLE_CODES.contains(code)) || ase.retryable();
      return new ObjectStorageException("Cannot " + what + ": S3 answered " + detail, t, retriable && !closing);
    }
    if (t instanceof SdkException sdk) {
      boolean timeout = sdk instanceof ApiCallAttemptTimeoutException || sdk instanceof ApiCallTimeoutException
          || hasCause(sdk, TimeoutException.class);
      boolean io = hasCause(sdk, IOException.class);
      boolean retriable = !closing && (timeout || io || sdk.retryable()
          || (sdk instanceof SdkClientException && sdk.getMessage() != null
              && sdk.getMessage().contains("Acquire operation took longer")));
      String kind = timeout ? "timed out" : io ? "lost the connection" : "failed";
      return new ObjectStorageException("Cannot " + what + ": the request " + kind + ": " + t.getMessage(), t,
          retriable);
    }
    if (t instanceof IOException) {
      return new ObjectStorageException("Cannot " + what + ": " + t, t, !closing);
    }
    return new ObjectStorageException("Cannot " + what + ": " + t, t, false);
  }

  private static boolean isThrottling(Throwable t) {
    if (t instanceof AwsServiceException ase) {
      String code = ase.awsErrorDetails() != null ? ase.awsErrorDetails().errorCode() : null;
      return ase.statusCode() == 429 || "SlowDown".equals(code) || "Throttling".equals(code)
          || "ThrottlingException".equals(code) || "RequestLimitExceeded".equals(code) || ase.isThrottlingException();
    }
    return false;
  }

  private static String serviceMessage(AwsServiceException e) {
    String m = e.awsErrorDetails() != null ? e.awsErrorDetails().errorMessage() : null;
    return m != null ? m : e.getMessage();
  }

  private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
    }
    return false;
  }

  private static Throwable unwrap(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /**
   * Collects a GET's body into one pooled direct buffer. The SDK calls {@link #prepare()} once per attempt; the
   * buffer is released on every path that does not hand it to the caller.
   */
  private final class ByteBufResponse implements AsyncResponseTransformer<GetObjectResponse, ByteBuf> {
    private final String key;
    private final long expectedAtMost;
    private CompletableFuture<ByteBuf> future;
    private ByteBuf buf;
    private long contentLength;

    ByteBufResponse(String key, long expectedAtMost) {
      this.key = key;
      this.expectedAtMost = expectedAtMost;
    }

    @Override
    public synchronized CompletableFuture<ByteBuf> prepare() {
      discard();
      future = new CompletableFuture<>();
      return future;
    }

    @Override
    public synchronized void onResponse(GetObjectResponse response) {
      Long length = response.contentLength();
      contentLength = length != null ? length : -1;
      if (contentLength > expectedAtMost || contentLength > Integer.MAX_VALUE) {
        fail(new ObjectStorageException(
            "Cannot read " + key + ": S3 returned " + contentLength + " bytes for a range of " + expectedAtMost, null,
            false));
        return;
      }
      int capacity = contentLength >= 0 ? (int) contentLength : (int) Math.min(expectedAtMost, 64 << 10);
      int max = (int) Math.min(expectedAtMost, Integer.MAX_VALUE);
      buf = allocator.directBuffer(capacity, contentLength >= 0 ? capacity : max);
    }

    @Override
    public void onStream(SdkPublisher<ByteBuffer> publisher) {
      publisher.subscribe(
          new Subscriber<ByteBuffer>() {
            @Override
            public void onSubscribe(Subscription s) {
              s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(ByteBuffer chunk) {
              synchronized (ByteBufResponse.this) {
                if (buf == null || future.isDone()) {
                  return;
                }
                if (chunk.remaining() > buf.maxWritableBytes()) {
                  fail(new ObjectStorageException(
                      "Cannot read " + key + ": S3 sent more bytes than its Content-Length", null, true));
                  return;
                }
                buf.writeBytes(chunk);
              }
            }

            @Override
            public void onError(Throwable t) {
              exceptionOccurred(t);
            }

            @Override
            public void onComplete() {
              synchronized (ByteBufResponse.this) {
                if (buf == null || future.isDone()) {
                  return;
                }
                if (contentLength >= 0 && buf.readableBytes() != contentLength) {
                  fail(new ObjectStorageException(
                      "Cannot read " + key + ": the response ended after " + buf.readableBytes() + " of "
                          + contentLength + " bytes",
                      null, true));
                  return;
                }
                ByteBuf done = buf;
                buf = null;
                if (!future.complete(done)) {
                  done.release();
                }
              }
            }
          });
    }

    @Override
    public synchronized void exceptionOccurred(Throwable error) {
      fail(error);
    }

    private void fail(Throwable error) {
      discard();
      if (future != null) {
        future.completeExceptionally(error);
      }
    }

    private void discard() {
      if (buf != null) {
        buf.release();
        buf = null;
      }
    }
  }
}
