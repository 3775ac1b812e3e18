package io.floe.storage;

import io.floe.storage.metadata.JdbcMetadataStore;
import io.floe.storage.metadata.MetadataStore;
import io.floe.storage.objectstore.LocalFileObjectStorage;
import io.floe.storage.objectstore.ObjectStorage;
import io.floe.storage.objectstore.RetryingObjectStorage;
import io.floe.storage.objectstore.S3ObjectStorage;
import io.floe.storage.retry.Retrier;
import io.floe.storage.stream.DefaultStreamStore;
import io.floe.storage.wal.WalJournal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A broker's whole storage, built from a {@link StorageConfig}: the metadata store, the object storage (an S3
 * bucket when {@link StorageConfig#s3()} is set, else a local directory; either way behind {@link
 * RetryingObjectStorage}, the one place object-store faults are retried) and the stream store on top of them. {@link #close()} first flushes and acknowledges (or fails) pending appends, then
 * closes the parts in reverse order.
 */
public final class FloeStorage implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FloeStorage.class);
  /** Where the documented {@code s3.wal.path=wal} puts the WAL file: checked for leftovers when none is set. */
  private static final String DEFAULT_WAL_DIR = "wal";
  /** A file in the data directory naming the WAL file's directory of the last run that used one. */
  private static final String WAL_LOCATION_FILE = "wal-file.location";

  private final StorageConfig config;
  private final JdbcMetadataStore metadata;
  private final RetryingObjectStorage objects;
  private final DefaultStreamStore streams;
  /** One per broker: it holds the broker's liveness lock session. */
  private final io.floe.storage.metadata.JdbcClusterStore cluster;
  private final io.floe.storage.metadata.JdbcSchemaStore schemas;

  private FloeStorage(
      StorageConfig config, JdbcMetadataStore metadata, RetryingObjectStorage objects, DefaultStreamStore streams) {
    this.config = config;
    this.metadata = metadata;
    this.objects = objects;
    this.streams = streams;
    this.cluster = new io.floe.storage.metadata.JdbcClusterStore(metadata);
    this.schemas = new io.floe.storage.metadata.JdbcSchemaStore(metadata);
  }

  /** Creates the directories if needed, opens (and migrates) the metadata store, and starts the stream store. */
  public static FloeStorage open(StorageConfig config) {
    JdbcMetadataStore metadata = null;
    RetryingObjectStorage objects = null;
    try {
      Files.createDirectories(config.dataDir());
      checkNoWalFileLeftBehind(config);
      sqliteFile(config.metadataJdbcUrl()).ifPresent(FloeStorage::createParent);
      metadata = JdbcMetadataStore.open(config.metadataJdbcUrl());
      objects = new RetryingObjectStorage(openObjectStorage(config), objectStoreRetrier(config));
      DefaultStreamStore streams = config.walPath().isPresent()
          ? DefaultStreamStore.withJournal(objects, metadata, config.streamStoreConfig(),
              new WalJournal(config.walPath().get(), WalJournal.DEFAULT_SEGMENT_BYTES, config.fsync()))
          : new DefaultStreamStore(objects, metadata, config.streamStoreConfig());
      LOG.info(
          "Floe storage: metadata at {}, objects {}, {}WAL objects of up to {} bytes every {} ms"
              + " with {} parallel uploads, {} bytes of tail cache",
          metadata,
          config.s3().map(s3 -> "in " + s3.describe())
              .orElse("under " + config.objectsDir() + " (fsync " + (config.fsync() ? "on" : "off") + ")"),
          config.walPath().map(p -> "appends acknowledged once in the WAL file in " + p + ", ").orElse(""),
          config.walUploadBytes(), config.walUploadIntervalMs(), config.walMaxInflightUploads(), config.cacheBytes());
      return new FloeStorage(config, metadata, objects, streams);
    } catch (IOException e) {
      closeQuietly(objects, metadata);
      throw new UncheckedIOException("Cannot create the data directory " + config.dataDir(), e);
    } catch (RuntimeException e) {
      closeQuietly(objects, metadata);
      throw e;
    }
  }

  /**
   * Refuses to start when a WAL file that this start would not read still holds records: the last run used one (at
   * the location it noted in the data directory, or at the documented {@code <dataDir>/wal}) and did not stop
   * cleanly, so acknowledged records may not be in objects yet. Then notes the location this run uses.
   */
  private static void checkNoWalFileLeftBehind(StorageConfig config) {
    Path noted = config.dataDir().resolve(WAL_LOCATION_FILE);
    java.util.Set<Path> earlier = new java.util.LinkedHashSet<>();
    try {
      if (Files.isRegularFile(noted)) {
        earlier.add(Path.of(Files.readString(noted, StandardCharsets.UTF_8).trim()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read where the last run kept its WAL file, " + noted, e);
    }
    earlier.add(config.dataDir().resolve(DEFAULT_WAL_DIR));
    for (Path dir : earlier) {
      if (!config.walPath().equals(java.util.Optional.of(dir)) && WalJournal.holdsRecords(dir)) {
        throw new IllegalStateException("Cannot start " + config.walPath().map(p -> "with the WAL file in " + p)
            .orElse("without a WAL file") + ": " + dir + " holds WAL files of a run that did not stop cleanly, and"
            + " their acknowledged records may not be in objects yet. Start once with s3.wal.path=" + dir
            + " (a clean stop then puts everything into objects and empties it)");
      }
    }
    if (config.walPath().isPresent()) {
      Path tmp = noted.resolveSibling(WAL_LOCATION_FILE + ".tmp");
      try {
        Files.writeString(tmp, config.walPath().get().toString(), StandardCharsets.UTF_8);
        Files.move(tmp, noted, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot note where this run keeps its WAL file, in " + noted, e);
      }
    }
  }

  public StorageConfig config() {
    return config;
  }

  public MetadataStore metadataStore() {
    return metadata;
  }

  /** Broker registrations and resource owners, in the same database as the rest of the metadata. */
  public io.floe.storage.metadata.ClusterStore clusterStore() {
    return cluster;
  }

  /** The schema registry's subjects, versions and configs, in the same database as the rest of the metadata. */
  public io.floe.storage.metadata.SchemaStore schemaStore() {
    return schemas;
  }

  public DefaultStreamStore streamStore() {
    return streams;
  }

  /** The object storage, with retries; {@link RetryingObjectStorage#delegate()} is the S3 or local store. */
  public RetryingObjectStorage objectStorage() {
    return objects;
  }

  /** Object-store retry counters, for metrics. */
  public Retrier.Stats objectStoreRetryStats() {
    return objects.retrier().stats();
  }

  /** The S3 request counters, when the objects are in S3. */
  public java.util.Optional<S3ObjectStorage.Stats> s3Stats() {
    return objects.delegate() instanceof S3ObjectStorage s3 ? java.util.Optional.of(s3.stats()) : java.util.Optional.empty();
  }

  private static ObjectStorage openObjectStorage(StorageConfig config) {
    if (config.s3().isPresent()) {
      return S3ObjectStorage.open(config.s3().get());
    }
    // Mapped reads: about half the CPU per byte of a catch-up read, which on a small machine the consumers need.
    return new LocalFileObjectStorage(config.objectsDir(), config.fsync(), 4, true);
  }

  private static Retrier objectStoreRetrier(StorageConfig config) {
    return RetryingObjectStorage.defaultRetrier(
        config.objectStoreRetryAttempts(), config.objectStoreRetryMaxElapsedMs());
  }

  @Override
  public void close() {
    try {
      streams.close();
    } finally {
      closeQuietly(objects, metadata);
    }
    LOG.info("Floe storage closed");
  }

  private static void closeQuietly(ObjectStorage objects, MetadataStore metadata) {
    if (objects != null) {
      try {
        objects.close();
      } catch (RuntimeException e) {
        LOG.warn("Cannot close object storage cleanly", e);
      }
    }
    if (metadata != null) {
      metadata.close();
    }
  }

  private static java.util.Optional<Path> sqliteFile(String url) {
    if (!url.startsWith("jdbc:sqlite:")) {
      return java.util.Optional.empty();
    }
    String path = url.substring("jdbc:sqlite:".length());
    int query = path.indexOf('?');
    if (query >= 0) {
      path = path.substring(0, query);
    }
    if (path.isEmpty() || path.startsWith(":memory:") || path.startsWith("file:")) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(Path.of(path));
  }

  private static void createParent(Path file) {
    Path parent = file.toAbsolutePath().getParent();
    try {
      if (parent != null) {
        Files.createDirectories(parent);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create the metadata directory " + parent, e);
    }
  }
}
