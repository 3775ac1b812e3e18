package io.floe.storage;

import static io.floe.storage.internal.Preconditions.checkArgument;
import static io.floe.storage.internal.Preconditions.checkNotNull;

import io.floe.storage.objectstore.S3Config;
import io.floe.storage.stream.CompactionConfig;
import io.floe.storage.stream.StreamStoreConfig;
import io.floe.storage.wal.WalConfig;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Everything needed to build a broker's storage ({@link FloeStorage#open}). Build with {@link #builder(Path)};
 * unset values take the defaults below, chosen for the embedded setup (local object directory, SQLite). Setting
 * {@link Builder#s3Bucket} puts the objects in that S3 bucket instead of the local directory.
 *
 * @param dataDir root of the broker's local data
 * @param metadataJdbcUrl metadata store; default {@code jdbc:sqlite:<dataDir>/meta.db}
 * @param objectsDir root of the local object store; default {@code <dataDir>/objects}; unused with {@code s3}
 * @param s3 the S3 bucket objects live in, when set (see {@link S3Config} for each setting and its default);
 *     default none: the local object store under {@code objectsDir}
 * @param objectStoreRetryAttempts attempts per object-store call for retriable failures (throttling, 5xx,
 *     timeouts, lost connections), the first included; default 5
 * @param objectStoreRetryMaxElapsedMs no object-store call is retried once this long has passed since its first
 *     attempt; default 15 s
 * @param walUploadBytes seal a WAL object at this size; default 8 MiB
 * @param walUploadIntervalMs seal a WAL object this long after its first append; default 1 ms for the local
 *     store, 250 ms for S3
 * @param walSealWhenIdle also seal a WAL object as soon as no upload is in flight (lowest latency, one object
 *     per round trip); default true for the local store, false for S3, where each object is a billed PUT
 * @param walMaxInflightUploads WAL objects uploaded in parallel; default 4
 * @param walBufferMaxBytes appended but uncommitted bytes before appends wait; default 64 MiB
 * @param walAppendTimeoutMs how long an append waits for WAL buffer space; default 10 s
 * @param walPath a local directory for the WAL file (AutoMQ's {@code s3.wal.path}): appends are acknowledged once
 *     written there and go into objects of up to {@code walUploadBytes} at least every {@code walUploadIntervalMs}
 *     (default 250 ms with it); single broker only, so it requires the SQLite metadata store. Default none: an
 *     append is acknowledged once its WAL object is in the index
 * @param cacheBytes tail cache of committed batches across all streams; default 256 MiB
 * @param fsync fsync each object before it is acknowledged; default false, like Kafka's log
 * @param objectDeleteGraceMs how long an unreferenced object stays for in-flight reads; default 60 s
 * @param cleanupIntervalMs how often unreferenced objects are deleted; default 10 s
 * @param deleteOrphansOnStart delete WAL objects an earlier run wrote but never committed; default true
 * @param orphanMinAgeMs minimum age of an orphan to delete; default 0 with SQLite (one writer), 10 min otherwise
 * @param blockCacheBytes block cache for reads of older data (from objects, and read ahead), across all streams;
 *     default 128 MiB; 0 disables it and read-ahead
 * @param readAheadBytes how far ahead of a sequential reader blocks are read into the block cache, and how many
 *     bytes of read-ahead may be in flight across streams; default 4 MiB (at most half the block cache; raise it
 *     for S3, e.g. 32 MiB); 0 disables read-ahead
 * @param readParallelism object reads one stream read issues at a time; default 8
 * @param compaction the background rewrite of small objects into per-stream objects ({@link CompactionConfig}):
 *     {@link Builder#compactionEnabled} default true, {@link Builder#compactionIntervalMs} default 5 minutes, {@link
 *     Builder#compactionSmallObjectBytes} default 8 MiB (at most half the max object size), {@link
 *     Builder#compactionMaxObjectBytes} default 16 MiB, {@link Builder#compactionMinAgeMs} default 60 s, {@link
 *     Builder#compactionMaxRunsPerCycle} default 32
 */
public record StorageConfig(
    Path dataDir,
    String metadataJdbcUrl,
    Path objectsDir,
    Optional<S3Config> s3,
    int objectStoreRetryAttempts,
    long objectStoreRetryMaxElapsedMs,
    long walUploadBytes,
    long walUploadIntervalMs,
    boolean walSealWhenIdle,
    int walMaxInflightUploads,
    long walBufferMaxBytes,
    long walAppendTimeoutMs,
    Optional<Path> walPath,
    long cacheBytes,
    boolean fsync,
    long objectDeleteGraceMs,
    long cleanupIntervalMs,
    boolean deleteOrphansOnStart,
    long orphanMinAgeMs,
    long blockCacheBytes,
    long readAheadBytes,
    int readParallelism,
    CompactionConfig compaction) {

  public static final long DEFAULT_SHARED_INDEX_ORPHAN_MIN_AGE_MS = 10 * 60_000;
  public static final int DEFAULT_OBJECT_STORE_RETRY_ATTEMPTS = 5;
  public static final long DEFAULT_OBJECT_STORE_RETRY_MAX_ELAPSED_MS = 15_000;

  public StorageConfig {
    checkNotNull(s3, "s3");
    checkNotNull(walPath, "walPath");
    checkNotNull(compaction, "compaction");
    checkArgument(objectStoreRetryAttempts > 0,
        "Cannot configure storage: objectStoreRetryAttempts must be positive, got %s", objectStoreRetryAttempts);
    checkArgument(objectStoreRetryMaxElapsedMs >= 0,
        "Cannot configure storage: objectStoreRetryMaxElapsedMs must be >= 0, got %s", objectStoreRetryMaxElapsedMs);
  }

  public static Builder builder(Path dataDir) {
    return new Builder(dataDir);
  }

  /** The stream store settings these values imply. */
  public StreamStoreConfig streamStoreConfig() {
    return new StreamStoreConfig(
        new WalConfig(
            walUploadBytes,
            walUploadIntervalMs,
            walMaxInflightUploads,
            walBufferMaxBytes,
            walAppendTimeoutMs,
            WalConfig.DEFAULT_UPLOAD_ATTEMPTS,
            WalConfig.DEFAULT_CLOSE_TIMEOUT_MS,
            walSealWhenIdle),
        cacheBytes,
        objectDeleteGraceMs,
        cleanupIntervalMs,
        deleteOrphansOnStart,
        orphanMinAgeMs,
        blockCacheBytes,
        readAheadBytes,
        readParallelism,
        compaction);
  }

  /** Collects settings; {@link #build()} fills defaults and validates. */
  public static final class Builder {
    private final Path dataDir;
    private String metadataJdbcUrl;
    private Path objectsDir;
    private String s3Bucket;
    private final S3Settings s3 = new S3Settings();
    private int objectStoreRetryAttempts = DEFAULT_OBJECT_STORE_RETRY_ATTEMPTS;
    private long objectStoreRetryMaxElapsedMs = DEFAULT_OBJECT_STORE_RETRY_MAX_ELAPSED_MS;
    private long walUploadBytes = WalConfig.DEFAULT_UPLOAD_BYTES;
    private Long walUploadIntervalMs;
    private Boolean walSealWhenIdle;
    private int walMaxInflightUploads = WalConfig.DEFAULT_MAX_INFLIGHT_UPLOADS;
    private long walBufferMaxBytes = WalConfig.DEFAULT_BUFFER_MAX_BYTES;
    private long walAppendTimeoutMs = WalConfig.DEFAULT_APPEND_TIMEOUT_MS;
    private Path walPath;
    private long cacheBytes = StreamStoreConfig.DEFAULT_CACHE_BYTES;
    private boolean fsync;
    private long objectDeleteGraceMs = StreamStoreConfig.DEFAULT_OBJECT_DELETE_GRACE_MS;
    private long cleanupIntervalMs = StreamStoreConfig.DEFAULT_CLEANUP_INTERVAL_MS;
    private boolean deleteOrphansOnStart = true;
    private Long orphanMinAgeMs;
    private long blockCacheBytes = StreamStoreConfig.DEFAULT_BLOCK_CACHE_BYTES;
    private long readAheadBytes = StreamStoreConfig.DEFAULT_READ_AHEAD_BYTES;
    private int readParallelism = StreamStoreConfig.DEFAULT_READ_PARALLELISM;
    private boolean compactionEnabled = true;
    private long compactionIntervalMs = CompactionConfig.DEFAULT_INTERVAL_MS;
    private Long compactionSmallObjectBytes;
    private long compactionMaxObjectBytes = CompactionConfig.DEFAULT_MAX_OBJECT_BYTES;
    private long compactionMinAgeMs = CompactionConfig.DEFAULT_MIN_AGE_MS;
    private int compactionMaxRunsPerCycle = CompactionConfig.DEFAULT_MAX_RUNS_PER_CYCLE;

    private Builder(Path dataDir) {
      this.dataDir = checkNotNull(dataDir, "dataDir");
    }

    public Builder metadataJdbcUrl(String v) {
      this.metadataJdbcUrl = v;
      return this;
    }

    public Builder objectsDir(Path v) {
      this.objectsDir = v;
      return this;
    }

    /** {@code s3.bucket}: keep objects in this S3 bucket instead of the local object directory. */
    public Builder s3Bucket(String v) {
      this.s3Bucket = v;
      return this;
    }

    /** {@code s3.prefix}: a key prefix within the bucket, e.g. {@code floe/cluster-1/}; default none. */
    public Builder s3Prefix(String v) {
      s3.prefix = v;
      return this;
    }

    /** {@code s3.endpoint}: e.g. {@code http://127.0.0.1:9000} for MinIO; default AWS's endpoint. */
    public Builder s3Endpoint(String v) {
      s3.endpoint = v;
      return this;
    }

    /** {@code s3.region}; default the SDK's region chain, else us-east-1. */
    public Builder s3Region(String v) {
      s3.region = v;
      return this;
    }

    /** {@code s3.path.style.access}: MinIO and S3Proxy need true; default false. */
    public Builder s3PathStyle(boolean v) {
      s3.pathStyle = v;
      return this;
    }

    /** {@code s3.access.key}: with {@link #s3SecretKey}; when neither is set the default credentials chain is used. */
    public Builder s3AccessKey(String v) {
      s3.accessKey = v;
      return this;
    }

    /** {@code s3.secret.key}. */
    public Builder s3SecretKey(String v) {
      s3.secretKey = v;
      return this;
    }

    /** {@code s3.max.connections}: HTTP connections (requests in flight) to S3 at most; default 64. */
    public Builder s3MaxConnections(int v) {
      s3.maxConnections = v;
      return this;
    }

    /** {@code s3.request.timeout.ms}: one attempt of one S3 request fails (retriably) after this; default 30 s. */
    public Builder s3RequestTimeoutMs(long v) {
      s3.requestTimeoutMs = v;
      return this;
    }

    /** Attempts per object-store call for retriable failures, the first included; default 5. */
    public Builder objectStoreRetryAttempts(int v) {
      this.objectStoreRetryAttempts = v;
      return this;
    }

    /** No object-store call is retried once this long has passed since its first attempt; default 15 s. */
    public Builder objectStoreRetryMaxElapsedMs(long v) {
      this.objectStoreRetryMaxElapsedMs = v;
      return this;
    }

    public Builder walUploadBytes(long v) {
      this.walUploadBytes = v;
      return this;
    }

    public Builder walSealWhenIdle(boolean v) {
      this.walSealWhenIdle = v;
      return this;
    }

    public Builder walUploadIntervalMs(long v) {
      this.walUploadIntervalMs = v;
      return this;
    }

    public Builder walMaxInflightUploads(int v) {
      this.walMaxInflightUploads = v;
      return this;
    }

    public Builder walBufferMaxBytes(long v) {
      this.walBufferMaxBytes = v;
      return this;
    }

    public Builder walAppendTimeoutMs(long v) {
      this.walAppendTimeoutMs = v;
      return this;
    }

    /** A local directory for the WAL file; default none (see {@link StorageConfig}). */
    public Builder walPath(Path v) {
      this.walPath = v;
      return this;
    }

    public Builder cacheBytes(long v) {
      this.cacheBytes = v;
      return this;
    }

    public Builder fsync(boolean v) {
      this.fsync = v;
      return this;
    }

    public Builder objectDeleteGraceMs(long v) {
      this.objectDeleteGraceMs = v;
      return this;
    }

    public Builder cleanupIntervalMs(long v) {
      this.cleanupIntervalMs = v;
      return this;
    }

    public Builder deleteOrphansOnStart(boolean v) {
      this.deleteOrphansOnStart = v;
      return this;
    }

    public Builder orphanMinAgeMs(long v) {
      this.orphanMinAgeMs = v;
      return this;
    }

    public Builder blockCacheBytes(long v) {
      this.blockCacheBytes = v;
      return this;
    }

    public Builder readAheadBytes(long v) {
      this.readAheadBytes = v;
      return this;
    }

    public Builder readParallelism(int v) {
      this.readParallelism = v;
      return this;
    }

    /**
     * Whether small WAL objects are rewritten into per-stream objects in the background (AutoMQ: {@code
     * s3.stream.object.compaction.*}); default true.
     */
    public Builder compactionEnabled(boolean v) {
      this.compactionEnabled = v;
      return this;
    }

    /**
     * Time between compaction cycles (AutoMQ: {@code s3.stream.object.compaction.interval.minutes}); default 5
     * minutes.
     */
    public Builder compactionIntervalMs(long v) {
      this.compactionIntervalMs = v;
      return this;
    }

    /**
     * Stream objects smaller than this are merged again with their neighbours; default 8 MiB, or half the max object
     * size if that is smaller.
     */
    public Builder compactionSmallObjectBytes(long v) {
      this.compactionSmallObjectBytes = v;
      return this;
    }

    /**
     * The largest object compaction writes, and the most bytes one compaction holds in memory (AutoMQ: {@code
     * s3.stream.object.compaction.max.size.bytes}); default 16 MiB.
     */
    public Builder compactionMaxObjectBytes(long v) {
      this.compactionMaxObjectBytes = v;
      return this;
    }

    /** Data confirmed less than this long ago is not compacted; default 60 s. */
    public Builder compactionMinAgeMs(long v) {
      this.compactionMinAgeMs = v;
      return this;
    }

    /** The most objects one compaction cycle writes; default 32. */
    public Builder compactionMaxRunsPerCycle(int v) {
      this.compactionMaxRunsPerCycle = v;
      return this;
    }

    public StorageConfig build() {
      Path dir = dataDir.toAbsolutePath().normalize();
      String url = metadataJdbcUrl != null ? metadataJdbcUrl : "jdbc:sqlite:" + dir.resolve("meta.db");
      checkArgument(url.startsWith("jdbc:"), "Cannot configure storage: metadata URL '%s' is not a JDBC URL", url);
      long orphanAge =
          orphanMinAgeMs != null
              ? orphanMinAgeMs
              : url.startsWith("jdbc:sqlite:") ? 0 : DEFAULT_SHARED_INDEX_ORPHAN_MIN_AGE_MS;
      Optional<S3Config> s3Config = s3Config();
      checkArgument(walPath == null || url.startsWith("jdbc:sqlite:"),
          "Cannot configure storage: a WAL file (s3.wal.path) needs the embedded SQLite metadata store, not %s:"
              + " acknowledged batches stay in one broker's file until they are in objects, so no other broker may take"
              + " its partitions over. Remove s3.wal.path to run brokers on a shared metadata store", url);
      long uploadIntervalMs =
          walUploadIntervalMs != null
              ? walUploadIntervalMs
              : s3Config.isPresent() || walPath != null
                  ? WalConfig.DEFAULT_UPLOAD_INTERVAL_MS_S3
                  : WalConfig.DEFAULT_UPLOAD_INTERVAL_MS_LOCAL;
      StorageConfig config =
          new StorageConfig(
              dir,
              url,
              objectsDir != null ? objectsDir.toAbsolutePath().normalize() : dir.resolve("objects"),
              s3Config,
              objectStoreRetryAttempts,
              objectStoreRetryMaxElapsedMs,
              walUploadBytes,
              uploadIntervalMs,
              walSealWhenIdle != null ? walSealWhenIdle : s3Config.isEmpty(),
              walMaxInflightUploads,
              walBufferMaxBytes,
              walAppendTimeoutMs,
              Optional.ofNullable(walPath).map(p -> p.toAbsolutePath().normalize()),
              cacheBytes,
              fsync,
              objectDeleteGraceMs,
              cleanupIntervalMs,
              deleteOrphansOnStart,
              orphanAge,
              blockCacheBytes,
              readAheadBytes,
              readParallelism,
              new CompactionConfig(
                  compactionEnabled,
                  compactionIntervalMs,
                  compactionSmallObjectBytes != null
                      ? compactionSmallObjectBytes
                      : Math.min(CompactionConfig.DEFAULT_SMALL_OBJECT_BYTES, compactionMaxObjectBytes / 2),
                  compactionMaxObjectBytes,
                  compactionMinAgeMs,
                  compactionMaxRunsPerCycle));
      config.streamStoreConfig(); // validates the numeric settings
      return config;
    }

    private Optional<S3Config> s3Config() {
      if (s3Bucket == null || s3Bucket.isBlank()) {
        checkArgument(!s3.anySet(),
            "Cannot configure storage: S3 settings are given (%s) but s3.bucket is not; set it to use S3, or remove"
                + " them to use the local object store", s3.describeSet());
        return Optional.empty();
      }
      S3Config.Builder b = S3Config.builder(s3Bucket).pathStyleAccess(s3.pathStyle);
      if (s3.prefix != null) {
        b.prefix(s3.prefix);
      }
      if (s3.endpoint != null && !s3.endpoint.isBlank()) {
        b.endpoint(s3.endpoint);
      }
      if (s3.region != null) {
        b.region(s3.region);
      }
      if (s3.accessKey != null) {
        b.accessKey(s3.accessKey);
      }
      if (s3.secretKey != null) {
        b.secretKey(s3.secretKey);
      }
      if (s3.maxConnections != null) {
        b.maxConnections(s3.maxConnections);
      }
      if (s3.requestTimeoutMs != null) {
        b.requestTimeoutMs(s3.requestTimeoutMs);
      }
      return Optional.of(b.build());
    }
  }

  /** The S3 settings as given, before a bucket makes them an {@link S3Config}. */
  private static final class S3Settings {
    String prefix;
    String endpoint;
    String region;
    boolean pathStyle;
    String accessKey;
    String secretKey;
    Integer maxConnections;
    Long requestTimeoutMs;

    boolean anySet() {
      return !describeSet().isEmpty();
    }

    String describeSet() {
      java.util.List<String> set = new java.util.ArrayList<>();
      if (prefix != null && !prefix.isBlank()) {
        set.add("s3.prefix");
      }
      if (endpoint != null && !endpoint.isBlank()) {
        set.add("s3.endpoint");
      }
      if (accessKey != null && !accessKey.isBlank()) {
        set.add("s3.access.key");
      }
      if (secretKey != null && !secretKey.isBlank()) {
        set.add("s3.secret.key");
      }
      return String.join(", ", set);
    }
  }
}
