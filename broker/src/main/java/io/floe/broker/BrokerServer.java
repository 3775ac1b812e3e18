package io.floe.broker;

import io.floe.broker.cluster.ClusterMembership;
import io.floe.broker.config.BrokerConfig;
import io.floe.broker.config.TopicConfigs;
import io.floe.broker.handler.AlterConfigsHandler;
import io.floe.broker.handler.ApiVersionsHandler;
import io.floe.broker.handler.CreatePartitionsHandler;
import io.floe.broker.handler.CreateTopicsHandler;
import io.floe.broker.handler.DeleteRecordsHandler;
import io.floe.broker.handler.DeleteTopicsHandler;
import io.floe.broker.handler.DescribeClusterHandler;
import io.floe.broker.handler.DescribeConfigsHandler;
import io.floe.broker.handler.FetchHandler;
import io.floe.broker.handler.FindCoordinatorHandler;
import io.floe.broker.handler.HandlerRegistry;
import io.floe.broker.handler.IncrementalAlterConfigsHandler;
import io.floe.broker.handler.InitProducerIdHandler;
import io.floe.broker.handler.ListOffsetsHandler;
import io.floe.broker.handler.MetadataHandler;
import io.floe.broker.handler.OffsetForLeaderEpochHandler;
import io.floe.broker.handler.ProduceHandler;
import io.floe.broker.log.LogManager;
import io.floe.broker.network.KafkaServer;
import io.floe.broker.server.BrokerInfo;
import io.floe.storage.FloeStorage;
import io.floe.storage.StorageConfig;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One running broker: storage, topics, group coordinator and the Kafka listener, started and stopped together. */
public final class BrokerServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(BrokerServer.class);

  private final BrokerConfig config;
  private final FloeStorage storage;
  private final LogManager logs;
  private final ScheduledExecutorService timer;
  private final KafkaServer kafka;
  private final BrokerInfo info;
  private final GroupServices groups;
  private TableTopicServices tableTopics;
  private io.floe.broker.registry.SchemaRegistryServices schemaRegistry;
  private ClusterMembership cluster;
  private volatile boolean closed;

  private BrokerServer(BrokerConfig config) throws InterruptedException {
    this.config = config;
    Time time = Time.SYSTEM;
    this.storage = FloeStorage.open(storageConfig(config));
    this.logs = new LogManager(config, new TopicConfigs(config), storage.metadataStore(), storage.streamStore(), time);
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "floe-fetch-timer");
      t.setDaemon(true);
      return t;
    });
    try {
      this.schemaRegistry = io.floe.broker.registry.SchemaRegistryServices.start(config, storage.schemaStore());
      this.tableTopics = startTableTopics(config, logs.topicConfigs(), logs, schemaRegistry,
          this::advertisedBootstrap);
      BrokerConfig.Listener listener = config.listener();
      BrokerConfig.Listener advertised = config.advertisedListener();
      HandlerRegistry registry = new HandlerRegistry();
      this.info = new BrokerInfo(config.nodeId(), advertised.host(), advertised.port(), config.clusterId());
      this.groups = new GroupServices(config, storage.metadataStore());
      io.floe.broker.metrics.RequestMetrics requestMetrics = new io.floe.broker.metrics.RequestMetrics();
      this.cluster = new ClusterMembership(
          new ClusterMembership.Settings(config.nodeId(), info.host(), info::port, config.get(BrokerConfig.BROKER_RACK),
              config.getLong(BrokerConfig.BROKER_HEARTBEAT_INTERVAL_MS),
              config.getLong(BrokerConfig.BROKER_SESSION_TIMEOUT_MS)),
          storage.clusterStore(), storage.metadataStore(), LogManager::movesAsOne,
          (view, topics) -> {
            logs.apply(view, topics);
            groups.onView(view);
          });
      register(registry, time);
      logs.start(cluster);
      // The first cluster round opens this broker's partitions. It runs before the listener accepts clients,
      // so they never see a broker that has not opened its partitions yet; only an ephemeral port (0, in tests)
      // must be bound first to be known, and its clients cannot connect before start() returns anyway.
      boolean portKnown = advertised.port() != 0;
      if (portKnown) {
        cluster.start();
      }
      this.kafka = new KafkaServer(listener.host(), listener.port(), config.getInt(BrokerConfig.NUM_NETWORK_THREADS),
          config.getInt(BrokerConfig.SOCKET_REQUEST_MAX_BYTES), registry, requestMetrics);
      info.boundTo(kafka.port());
      if (!portKnown) {
        cluster.start();
      }
      if (tableTopics.restCatalog() != null) {
        io.floe.broker.metrics.BrokerMetrics metrics =
            new io.floe.broker.metrics.BrokerMetrics(requestMetrics, storage, logs, tableTopics.manager(), cluster);
        tableTopics.restCatalog().addRoute("/metrics", query -> io.floe.catalog.http.ExtraRoute.Reply.text(
            "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
        LOG.info("Prometheus metrics at {}", tableTopics.restCatalog().uri().resolve("/metrics"));
        tableTopics.restCatalog().addPostRoute(REDRIVE_PATH, this::redrive);
      }
    } catch (RuntimeException | InterruptedException e) {
      closeQuietly();
      throw e;
    }
    LOG.info("Floe broker {} started: Kafka on {}:{}, data in {}", config.nodeId(), info().host(), info().port(),
        config.dataDir());
  }

  public static BrokerServer start(BrokerConfig config) throws InterruptedException {
    return new BrokerServer(config);
  }

  private void register(HandlerRegistry registry, Time time) {
    BrokerInfo broker = info;
    registry.register(new ApiVersionsHandler(registry))
        .register(new MetadataHandler(logs, broker, cluster, config))
        .register(new ProduceHandler(logs))
        .register(new FetchHandler(logs, timer, time))
        .register(new ListOffsetsHandler(logs))
        .register(new CreateTopicsHandler(logs, config))
        .register(new DeleteTopicsHandler(logs))
        .register(new CreatePartitionsHandler(logs))
        .register(new DescribeConfigsHandler(logs, config, broker))
        .register(new AlterConfigsHandler(logs))
        .register(new IncrementalAlterConfigsHandler(logs))
        .register(new DescribeClusterHandler(broker, cluster))
        .register(new FindCoordinatorHandler(broker, cluster))
        .register(new DeleteRecordsHandler(logs))
        .register(new InitProducerIdHandler(time))
        .register(new OffsetForLeaderEpochHandler(logs));
    groups.register(registry);
  }

  /**
   * The catalog table topics write to: the one {@code automq.table.topic.catalog.*} names, else the
   * embedded default, an Iceberg JDBC catalog on SQLite beside the data. Its warehouse follows the log: with
   * {@code s3.bucket} set it is {@code s3://<bucket>/<s3.prefix>warehouse}, written through Iceberg's S3FileIO
   * with the log's S3 settings; otherwise the local directory {@code <data.dir>/warehouse} as a file:// URI.
   * The built-in Iceberg REST catalog server serves it (on by default), so engines query the tables Floe
   * writes with no other service.
   */
  private static TableTopicServices startTableTopics(BrokerConfig config, TopicConfigs topicConfigs, LogManager logs,
      io.floe.broker.registry.SchemaRegistryServices schemaRegistry, java.util.function.Supplier<String> bootstrap) {
    org.apache.iceberg.catalog.Catalog catalog;
    java.nio.file.Path catalogDb = config.dataDir().resolve("catalog.db");
    java.util.Optional<io.floe.storage.objectstore.S3Config> s3 = storageConfig(config).s3();
    String metadataUrl = config.get(BrokerConfig.METADATA_STORE_URL);
    boolean sharedMetadata = metadataUrl != null && metadataUrl.startsWith("jdbc:postgresql:");
    if (io.floe.catalog.CatalogFactory.isConfigured(config.all())) {
      catalog = io.floe.catalog.CatalogFactory.create(config.all());
    } else if (sharedMetadata) {
      // Brokers sharing a metadata store share the catalog in it: a table topic moving to another broker keeps
      // committing to the same table, and every broker's REST catalog serves every table.
      String location;
      Map<String, String> fileIo;
      if (s3.isPresent()) {
        io.floe.catalog.S3Warehouse warehouse = s3Warehouse(s3.get());
        location = warehouse.location();
        fileIo = warehouse.fileIoProperties();
      } else {
        java.nio.file.Path warehouseDir = config.dataDir().resolve("warehouse");
        location = warehouseDir.toUri().toString();
        fileIo = Map.of(org.apache.iceberg.CatalogProperties.FILE_IO_IMPL, io.floe.catalog.LocalFileIO.class.getName());
        LOG.warn("Table topics: the catalog is shared in the metadata store but the warehouse {} is this broker's"
            + " directory; with several brokers set s3.bucket so that every broker reaches every table's files",
            location);
      }
      try {
        catalog = io.floe.catalog.CatalogFactory.shared(metadataUrl, location, fileIo);
      } catch (IllegalArgumentException e) {
        throw new io.floe.broker.config.ConfigException(e.getMessage());
      }
      LOG.info("Table topics: Iceberg catalog shared in the metadata store, warehouse {}", location);
    } else if (s3.isPresent()) {
      io.floe.catalog.S3Warehouse warehouse = s3Warehouse(s3.get());
      try {
        catalog = io.floe.catalog.CatalogFactory.embedded(catalogDb, warehouse);
      } catch (IllegalArgumentException e) {
        throw new io.floe.broker.config.ConfigException(e.getMessage());
      }
      LOG.info("Table topics: embedded Iceberg catalog at {}, warehouse {}", catalogDb, warehouse);
    } else {
      java.nio.file.Path warehouseDir = config.dataDir().resolve("warehouse");
      catalog = io.floe.catalog.CatalogFactory.embedded(catalogDb, warehouseDir);
      LOG.info("Table topics: embedded Iceberg catalog at {}, warehouse {}", catalogDb, warehouseDir.toUri());
    }
    io.floe.catalog.rest.RestCatalogServer rest = null;
    if (config.getBoolean(BrokerConfig.REST_CATALOG_ENABLE)) {
      BrokerConfig.Listener l = BrokerConfig.Listener.parseHttp(BrokerConfig.REST_CATALOG_LISTENERS,
          config.get(BrokerConfig.REST_CATALOG_LISTENERS));
      rest = io.floe.catalog.rest.RestCatalogServer.builder().bind(l.host(), l.port()).catalog(catalog).build();
      try {
        rest.start();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException("Cannot start the Iceberg REST catalog on " + l.host() + ":" + l.port()
            + " (set " + BrokerConfig.REST_CATALOG_LISTENERS + " or " + BrokerConfig.REST_CATALOG_ENABLE + "=false)", e);
      }
    }
    io.floe.catalog.rest.RestCatalogServer server = rest;
    AutoCloseable resources = () -> {
      if (server != null) {
        server.close();
      }
      if (catalog instanceof AutoCloseable c) {
        c.close();
      }
    };
    return new TableTopicServices(config, topicConfigs, logs, catalog, server, resources,
        schemaRegistry.forTableTopics(), bootstrap);
  }

  /**
   * The embedded catalog's warehouse beside the log in its bucket, under the log's key prefix, reached with the
   * log's endpoint, path style and credentials. The region is resolved as the log resolves it (the SDK's region
   * chain, else us-east-1), so a MinIO or S3Proxy endpoint needs no region for either.
   */
  private static io.floe.catalog.S3Warehouse s3Warehouse(io.floe.storage.objectstore.S3Config s3) {
    io.floe.catalog.S3Warehouse.Builder b = io.floe.catalog.S3Warehouse.builder(s3.bucket(), s3.prefix() + "warehouse")
        .pathStyleAccess(s3.pathStyleAccess())
        .region(s3.region().orElseGet(() -> {
          try {
            return new software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain().getRegion().id();
          } catch (RuntimeException e) {
            return io.floe.storage.objectstore.S3Config.DEFAULT_REGION;
          }
        }));
    s3.endpoint().ifPresent(e -> b.endpoint(e.toString()));
    if (s3.accessKey().isPresent() && s3.secretKey().isPresent()) {
      b.credentials(s3.accessKey().get(), s3.secretKey().get());
    }
    return b.build();
  }

  /** This broker's advertised host:port, for clients it runs itself (dead-letter writes). */
  private String advertisedBootstrap() {
    return info.host() + ":" + info.port();
  }

  public TableTopicServices tableTopics() {
    return tableTopics;
  }

  /** The built-in schema registry and the one table topics read schemas from. */
  public io.floe.broker.registry.SchemaRegistryServices schemaRegistry() {
    return schemaRegistry;
  }

  static StorageConfig storageConfig(BrokerConfig config) {
    StorageConfig.Builder b = StorageConfig.builder(config.dataDir())
        .metadataJdbcUrl(config.get(BrokerConfig.METADATA_STORE_URL))
        .walUploadBytes(config.getLong(BrokerConfig.WAL_UPLOAD_BYTES))
        .walBufferMaxBytes(config.getLong(BrokerConfig.WAL_BUFFER_MAX_BYTES))
        .cacheBytes(config.getLong(BrokerConfig.CACHE_BYTES));
    if (config.get(BrokerConfig.WAL_UPLOAD_INTERVAL_MS) != null) {
      b.walUploadIntervalMs(config.getLong(BrokerConfig.WAL_UPLOAD_INTERVAL_MS));
    }
    if (config.get(BrokerConfig.WAL_UPLOAD_WHEN_IDLE) != null) {
      b.walSealWhenIdle(config.getBoolean(BrokerConfig.WAL_UPLOAD_WHEN_IDLE));
    }
    config.walPath().ifPresent(b::walPath);
    // S3 (AWS, MinIO, S3Proxy) when s3.bucket is set; the local object store otherwise.
    java.util.function.Function<String, String> s3 = key -> {
      String v = config.get(key);
      return v == null || v.isBlank() ? null : v.trim();
    };
    if (s3.apply("s3.bucket") != null) {
      b.s3Bucket(s3.apply("s3.bucket"));
    }
    if (s3.apply("s3.prefix") != null) {
      b.s3Prefix(s3.apply("s3.prefix"));
    }
    if (s3.apply("s3.endpoint") != null) {
      b.s3Endpoint(s3.apply("s3.endpoint"));
    }
    if (s3.apply("s3.region") != null) {
      b.s3Region(s3.apply("s3.region"));
    }
    if (s3.apply("s3.path.style.access") != null) {
      b.s3PathStyle(config.getBoolean("s3.path.style.access"));
    }
    if (s3.apply("s3.access.key") != null) {
      b.s3AccessKey(s3.apply("s3.access.key"));
    }
    if (s3.apply("s3.secret.key") != null) {
      b.s3SecretKey(s3.apply("s3.secret.key"));
    }
    if (s3.apply("s3.max.connections") != null) {
      b.s3MaxConnections(config.getInt("s3.max.connections"));
    }
    if (s3.apply("s3.request.timeout.ms") != null) {
      b.s3RequestTimeoutMs(config.getLong("s3.request.timeout.ms"));
    }
    if (s3.apply("s3.retry.max.attempts") != null) {
      b.objectStoreRetryAttempts(config.getInt("s3.retry.max.attempts"));
    }
    if (s3.apply(BrokerConfig.COMPACTION_ENABLE) != null) {
      b.compactionEnabled(config.getBoolean(BrokerConfig.COMPACTION_ENABLE));
    }
    if (s3.apply(BrokerConfig.COMPACTION_INTERVAL_MS) != null) {
      b.compactionIntervalMs(config.getLong(BrokerConfig.COMPACTION_INTERVAL_MS));
    } else if (s3.apply(BrokerConfig.COMPACTION_INTERVAL_MINUTES) != null) {
      b.compactionIntervalMs(config.getLong(BrokerConfig.COMPACTION_INTERVAL_MINUTES) * 60_000);
    }
    if (s3.apply(BrokerConfig.COMPACTION_MAX_SIZE_BYTES) != null) {
      b.compactionMaxObjectBytes(config.getLong(BrokerConfig.COMPACTION_MAX_SIZE_BYTES));
    }
    if (s3.apply(BrokerConfig.COMPACTION_MIN_AGE_MS) != null) {
      b.compactionMinAgeMs(config.getLong(BrokerConfig.COMPACTION_MIN_AGE_MS));
    }
    if (s3.apply(BrokerConfig.OBJECT_DELETE_GRACE_MS) != null) {
      b.objectDeleteGraceMs(config.getLong(BrokerConfig.OBJECT_DELETE_GRACE_MS));
    }
    if (s3.apply(BrokerConfig.OBJECT_CLEANUP_INTERVAL_MS) != null) {
      b.cleanupIntervalMs(config.getLong(BrokerConfig.OBJECT_CLEANUP_INTERVAL_MS));
    }
    if (s3.apply("s3.retry.max.elapsed.ms") != null) {
      b.objectStoreRetryMaxElapsedMs(config.getLong("s3.retry.max.elapsed.ms"));
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new io.floe.broker.config.ConfigException(e.getMessage());
    }
  }

  /** The broker's storage (for tests and tools that inspect the objects). */
  public FloeStorage storage() {
    return storage;
  }

  public BrokerInfo info() {
    return info;
  }

  /** The action that re-drives a table stopped by errors.tolerance=none: POST with {@code ?topic=<name>}. */
  public static final String REDRIVE_PATH = "/floe/v1/table-topics/redrive";

  private io.floe.catalog.http.ExtraRoute.Reply redrive(Map<String, String> query) throws java.io.IOException {
    String topic = query.get("topic");
    if (topic == null || !topic.matches("[a-zA-Z0-9._-]+")) {
      return json(400, "{\"error\":\"name the table topic: ?topic=<name>\"}");
    }
    java.util.Optional<java.util.concurrent.CompletableFuture<Integer>> redriven = tableTopics.manager().redrive(topic);
    if (redriven.isEmpty()) {
      return json(404, "{\"error\":\"no table topic " + topic + " is written by this broker\"}");
    }
    try {
      int stopped = redriven.get().get(30, java.util.concurrent.TimeUnit.SECONDS);
      return json(200, "{\"topic\":\"" + topic + "\",\"stoppedPartitions\":" + stopped + "}");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.IOException("Interrupted while re-driving " + topic, e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new java.io.IOException("Cannot re-drive " + topic + ": " + e, e);
    }
  }

  private static io.floe.catalog.http.ExtraRoute.Reply json(int status, String body) {
    return new io.floe.catalog.http.ExtraRoute.Reply(status, "application/json",
        body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  public int port() {
    return kafka.port();
  }

  public LogManager logs() {
    return logs;
  }

  /**
   * Stops accepting connections, lets the storage acknowledge (or fail) every pending produce, then closes
   * connections and stores. Nothing acknowledged is lost: acknowledgement follows the metadata commit.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    LOG.info("Stopping Floe broker {}", config.nodeId());
    if (kafka != null) {
      kafka.stopAccepting();
    }
    closeQuietly();
    LOG.info("Floe broker {} stopped", config.nodeId());
  }

  private void closeQuietly() {
    run(() -> {
      if (cluster != null) {
        cluster.stopRounds();
      }
    });
    run(() -> {
      if (groups != null) {
        groups.close();
      }
    });
    run(() -> {
      if (tableTopics != null) {
        try {
          tableTopics.close();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    });
    run(() -> {
      if (schemaRegistry != null) {
        schemaRegistry.close();
      }
    });
    run(() -> storage.streamStore().close());
    run(() -> {
      if (kafka != null) {
        kafka.close();
      }
    });
    run(logs::close);
    run(timer::shutdownNow);
    // Only now, with everything acknowledged flushed, may others take the partitions over.
    run(() -> {
      if (cluster != null) {
        cluster.close();
      }
    });
    run(storage::close);
  }

  private static void run(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      LOG.warn("Error while stopping", e);
    }
  }
}
