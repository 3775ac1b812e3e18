package io.floe.storage;

import static io.floe.storage.internal.Preconditions.checkArgument;
import static io.floe.storage.internal.Preconditions.checkNotNull;

import io.floe.storage.stream.StreamStoreConfig;
import io.floe.storage.wal.WalConfig;
import java.nio.file.Path;

/**
 * Everything needed to build a broker's storage ({@link FloeStorage#open}). Build with {@link #builder(Path)};
 * unset values take the defaults below, chosen for the embedded setup (local object directory, SQLite).
 *
 * @param dataDir root of the broker's local data
 * @param metadataJdbcUrl metadata store; default {@code jdbc:sqlite:<dataDir>/meta.db}
 * @param objectsDir root of the local object store; default {@code <dataDir>/objects}
 * @param walUploadBytes seal a WAL object at this size; default 8 MiB
 * @param walUploadIntervalMs while uploads are in flight, seal a WAL object this long after its first append;
 *     default 1 ms for the local store (use ~250 ms for S3)
 * @param walMaxInflightUploads WAL objects uploaded in parallel; default 4
 * @param walBufferMaxBytes appended but uncommitted bytes before appends wait; default 64 MiB
 * @param walAppendTimeoutMs how long an append waits for WAL buffer space; default 10 s
 * @param cacheBytes tail cache of committed batches across all streams; default 256 MiB
 * @param fsync fsync each object before it is acknowledged; default false, like Kafka's log
 * @param objectDeleteGraceMs how long an unreferenced object stays for in-flight reads; default 60 s
 * @param cleanupIntervalMs how often unreferenced objects are deleted; default 10 s
 * @param deleteOrphansOnStart delete WAL objects an earlier run wrote but never committed; default true
 * @param orphanMinAgeMs minimum age of an orphan to delete; default 0 with SQLite (one writer), 10 min otherwise
 * @param blockCacheBytes block cache for reads of older data (from objects, and read ahead), across all streams;
 *     default 128 MiB; 0 disables it and read-ahead
 * @param readAheadBytes how far ahead of a sequential reader blocks are read into the block cache; default 8 MiB
 *     (at most half the block cache); 0 disables read-ahead
 * @param readParallelism object reads one stream read issues at a time; default 8
 */
public record StorageConfig(
    Path dataDir,
    String metadataJdbcUrl,
    Path objectsDir,
    long walUploadBytes,
    long walUploadIntervalMs,
    int walMaxInflightUploads,
    long walBufferMaxBytes,
    long walAppendTimeoutMs,
    long cacheBytes,
    boolean fsync,
    long objectDeleteGraceMs,
    long cleanupIntervalMs,
    boolean deleteOrphansOnStart,
    long orphanMinAgeMs,
    long blockCacheBytes,
    long readAheadBytes,
    int readParallelism) {

  public static final long DEFAULT_SHARED_INDEX_ORPHAN_MIN_AGE_MS = 10 * 60_000;

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
            WalConfig.DEFAULT_CLOSE_TIMEOUT_MS),
        cacheBytes,
        objectDeleteGraceMs,
        cleanupIntervalMs,
        deleteOrphansOnStart,
        orphanMinAgeMs,
        blockCacheBytes,
        readAheadBytes,
        readParallelism);
  }

  /** Collects settings; {@link #build()} fills defaults and validates. */
  public static final class Builder {
    private final Path dataDir;
    private String metadataJdbcUrl;
    private Path objectsDir;
    private long walUploadBytes = WalConfig.DEFAULT_UPLOAD_BYTES;
    private long walUploadIntervalMs = WalConfig.DEFAULT_UPLOAD_INTERVAL_MS_LOCAL;
    private int walMaxInflightUploads = WalConfig.DEFAULT_MAX_INFLIGHT_UPLOADS;
    private long walBufferMaxBytes = WalConfig.DEFAULT_BUFFER_MAX_BYTES;
    private long walAppendTimeoutMs = WalConfig.DEFAULT_APPEND_TIMEOUT_MS;
    private long cacheBytes = StreamStoreConfig.DEFAULT_CACHE_BYTES;
    private boolean fsync;
    private long objectDeleteGraceMs = StreamStoreConfig.DEFAULT_OBJECT_DELETE_GRACE_MS;
    private long cleanupIntervalMs = StreamStoreConfig.DEFAULT_CLEANUP_INTERVAL_MS;
    private boolean deleteOrphansOnStart = true;
    private Long orphanMinAgeMs;
    private long blockCacheBytes = StreamStoreConfig.DEFAULT_BLOCK_CACHE_BYTES;
    private long readAheadBytes = StreamStoreConfig.DEFAULT_READ_AHEAD_BYTES;
    private int readParallelism = StreamStoreConfig.DEFAULT_READ_PARALLELISM;

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

    public Builder walUploadBytes(long v) {
      this.walUploadBytes = v;
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

    public StorageConfig build() {
      Path dir = dataDir.toAbsolutePath().normalize();
      String url = metadataJdbcUrl != null ? metadataJdbcUrl : "jdbc:sqlite:" + dir.resolve("meta.db");
      checkArgument(url.startsWith("jdbc:"), "Cannot configure storage: metadata URL '%s' is not a JDBC URL", url);
      long orphanAge =
          orphanMinAgeMs != null
              ? orphanMinAgeMs
              : url.startsWith("jdbc:sqlite:") ? 0 : DEFAULT_SHARED_INDEX_ORPHAN_MIN_AGE_MS;
      StorageConfig config =
          new StorageConfig(
              dir,
              url,
              objectsDir != null ? objectsDir.toAbsolutePath().normalize() : dir.resolve("objects"),
              walUploadBytes,
              walUploadIntervalMs,
              walMaxInflightUploads,
              walBufferMaxBytes,
              walAppendTimeoutMs,
              cacheBytes,
              fsync,
              objectDeleteGraceMs,
              cleanupIntervalMs,
              deleteOrphansOnStart,
              orphanAge,
              blockCacheBytes,
              readAheadBytes,
              readParallelism);
      config.streamStoreConfig(); // validates the numeric settings
      return config;
    }
  }
}
