package io.floe.broker.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The broker's configuration: Kafka-style {@code server.properties} keys with Kafka's names and defaults
 * where Kafka has one. Immutable; unknown keys are kept (other modules read their own prefixes).
 */
public final class BrokerConfig {

  public static final String LISTENERS = "listeners";
  public static final String ADVERTISED_LISTENERS = "advertised.listeners";
  public static final String NODE_ID = "node.id";
  public static final String CLUSTER_ID = "cluster.id";
  public static final String DATA_DIR = "floe.data.dir";
  public static final String METADATA_STORE_URL = "metadata.store.url";
  public static final String SOCKET_REQUEST_MAX_BYTES = "socket.request.max.bytes";
  public static final String NUM_PARTITIONS = "num.partitions";
  public static final String DEFAULT_REPLICATION_FACTOR = "default.replication.factor";
  public static final String AUTO_CREATE_TOPICS_ENABLE = "auto.create.topics.enable";
  public static final String DELETE_TOPIC_ENABLE = "delete.topic.enable";
  public static final String LOG_RETENTION_MS = "log.retention.ms";
  public static final String LOG_RETENTION_MINUTES = "log.retention.minutes";
  public static final String LOG_RETENTION_HOURS = "log.retention.hours";
  public static final String LOG_RETENTION_BYTES = "log.retention.bytes";
  public static final String LOG_CLEANUP_POLICY = "log.cleanup.policy";
  public static final String LOG_RETENTION_CHECK_INTERVAL_MS = "log.retention.check.interval.ms";
  public static final String MESSAGE_MAX_BYTES = "message.max.bytes";
  public static final String LOG_MESSAGE_TIMESTAMP_TYPE = "log.message.timestamp.type";
  public static final String GROUP_INITIAL_REBALANCE_DELAY_MS = "group.initial.rebalance.delay.ms";
  public static final String GROUP_MIN_SESSION_TIMEOUT_MS = "group.min.session.timeout.ms";
  public static final String GROUP_MAX_SESSION_TIMEOUT_MS = "group.max.session.timeout.ms";
  public static final String NUM_NETWORK_THREADS = "num.network.threads";
  public static final String WAL_UPLOAD_BYTES = "s3.wal.upload.bytes";
  public static final String WAL_UPLOAD_INTERVAL_MS = "s3.wal.upload.interval.ms";
  public static final String WAL_BUFFER_MAX_BYTES = "s3.wal.buffer.max.bytes";
  public static final String WAL_UPLOAD_WHEN_IDLE = "s3.wal.upload.when.idle";
  public static final String WAL_PATH = "s3.wal.path";
  public static final String CACHE_BYTES = "s3.block.cache.size";
  public static final String SHUTDOWN_TIMEOUT_MS = "floe.shutdown.timeout.ms";
  public static final String REST_CATALOG_ENABLE = "floe.rest.catalog.enable";
  public static final String REST_CATALOG_LISTENERS = "floe.rest.catalog.listeners";
  public static final String SCHEMA_REGISTRY_ENABLE = "floe.schema.registry.enable";
  public static final String SCHEMA_REGISTRY_LISTENERS = "floe.schema.registry.listeners";
  /** AutoMQ's key: the registry table topics read schemas from; unset, the built-in one (in process). */
  public static final String TABLE_TOPIC_SCHEMA_REGISTRY_URL = "automq.table.topic.schema.registry.url";
  public static final String BROKER_HEARTBEAT_INTERVAL_MS = "broker.heartbeat.interval.ms";
  public static final String BROKER_SESSION_TIMEOUT_MS = "broker.session.timeout.ms";
  public static final String BROKER_RACK = "broker.rack";
  public static final String COMPACTION_ENABLE = "s3.stream.object.compaction.enable";
  /** AutoMQ's key; {@link #COMPACTION_INTERVAL_MS} takes precedence. */
  public static final String COMPACTION_INTERVAL_MINUTES = "s3.stream.object.compaction.interval.minutes";
  public static final String COMPACTION_INTERVAL_MS = "s3.stream.object.compaction.interval.ms";
  public static final String COMPACTION_MAX_SIZE_BYTES = "s3.stream.object.compaction.max.size.bytes";
  public static final String COMPACTION_MIN_AGE_MS = "s3.stream.object.compaction.min.age.ms";
  public static final String OBJECT_DELETE_GRACE_MS = "s3.object.delete.grace.ms";
  public static final String OBJECT_CLEANUP_INTERVAL_MS = "s3.object.cleanup.interval.ms";

  private static final Map<String, String> DEFAULTS = defaults();

  private final Map<String, String> values;

  private BrokerConfig(Map<String, String> values) {
    this.values = Collections.unmodifiableMap(new TreeMap<>(values));
  }

  private static Map<String, String> defaults() {
    Map<String, String> d = new HashMap<>();
    d.put(LISTENERS, "PLAINTEXT://127.0.0.1:9092");
    d.put(NODE_ID, "1");
    d.put(CLUSTER_ID, "floe-cluster");
    d.put(DATA_DIR, "./floe-data");
    d.put(SOCKET_REQUEST_MAX_BYTES, String.valueOf(100 * 1024 * 1024));
    d.put(NUM_PARTITIONS, "1");
    d.put(DEFAULT_REPLICATION_FACTOR, "1");
    d.put(AUTO_CREATE_TOPICS_ENABLE, "true");
    d.put(DELETE_TOPIC_ENABLE, "true");
    d.put(LOG_RETENTION_HOURS, "168");
    d.put(LOG_RETENTION_BYTES, "-1");
    d.put(LOG_CLEANUP_POLICY, "delete");
    d.put(LOG_RETENTION_CHECK_INTERVAL_MS, "300000");
    d.put(MESSAGE_MAX_BYTES, "1048588");
    d.put(LOG_MESSAGE_TIMESTAMP_TYPE, "CreateTime");
    d.put(GROUP_INITIAL_REBALANCE_DELAY_MS, "3000");
    d.put(GROUP_MIN_SESSION_TIMEOUT_MS, "6000");
    d.put(GROUP_MAX_SESSION_TIMEOUT_MS, "1800000");
    d.put(NUM_NETWORK_THREADS, String.valueOf(Math.max(2, Runtime.getRuntime().availableProcessors())));
    d.put(WAL_UPLOAD_BYTES, String.valueOf(8 * 1024 * 1024));
    d.put(WAL_BUFFER_MAX_BYTES, String.valueOf(64 * 1024 * 1024));
    d.put(CACHE_BYTES, String.valueOf(256 * 1024 * 1024));
    d.put(SHUTDOWN_TIMEOUT_MS, "30000");
    d.put(REST_CATALOG_ENABLE, "true");
    d.put(REST_CATALOG_LISTENERS, "http://127.0.0.1:8181");
    d.put(SCHEMA_REGISTRY_ENABLE, "true");
    // Confluent's default port, so serializers' defaults find it
    d.put(SCHEMA_REGISTRY_LISTENERS, "http://127.0.0.1:8081");
    // Shorter than Kafka's 9000 ms: a Floe broker taking over copies no data, so detection is the whole failover.
    d.put(BROKER_HEARTBEAT_INTERVAL_MS, "500");
    d.put(BROKER_SESSION_TIMEOUT_MS, "6000");
    return d;
  }

  /** Defaults, then {@code props}, then {@code overrides} (later wins). */
  public static BrokerConfig of(Properties props, Map<String, String> overrides) {
    Map<String, String> v = new HashMap<>(DEFAULTS);
    for (String name : props.stringPropertyNames()) {
      v.put(name, props.getProperty(name).trim());
    }
    v.putAll(overrides);
    BrokerConfig config = new BrokerConfig(v);
    config.validate();
    return config;
  }

  public static BrokerConfig of(Map<String, String> overrides) {
    return of(new Properties(), overrides);
  }

  private void validate() {
    listener();
    positiveInt(SOCKET_REQUEST_MAX_BYTES);
    positiveInt(NUM_PARTITIONS);
    positiveInt(MESSAGE_MAX_BYTES);
    getInt(NODE_ID);
    logRetentionMs();
    if (getLong(BROKER_SESSION_TIMEOUT_MS) < 2 * getLong(BROKER_HEARTBEAT_INTERVAL_MS)
        || getLong(BROKER_HEARTBEAT_INTERVAL_MS) <= 0) {
      throw new ConfigException(BROKER_SESSION_TIMEOUT_MS, get(BROKER_SESSION_TIMEOUT_MS),
          "must be at least twice " + BROKER_HEARTBEAT_INTERVAL_MS + " (" + get(BROKER_HEARTBEAT_INTERVAL_MS)
              + "), which must be positive");
    }
  }

  private int positiveInt(String key) {
    int v = getInt(key);
    if (v <= 0) {
      throw new ConfigException(key, get(key), "must be positive");
    }
    return v;
  }

  public String get(String key) {
    return values.get(key);
  }

  /** Whether {@code key} was given explicitly (properties file or override), not taken from defaults. */
  public boolean isExplicit(String key) {
    return values.containsKey(key) && !DEFAULTS.containsKey(key)
        || values.containsKey(key) && !values.get(key).equals(DEFAULTS.get(key));
  }

  public Map<String, String> all() {
    return values;
  }

  public int getInt(String key) {
    String v = values.get(key);
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException | NullPointerException e) {
      throw new ConfigException(key, v, "must be an integer");
    }
  }

  public long getLong(String key) {
    String v = values.get(key);
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException | NullPointerException e) {
      throw new ConfigException(key, v, "must be a long");
    }
  }

  public boolean getBoolean(String key) {
    String v = values.get(key);
    if ("true".equalsIgnoreCase(v)) {
      return true;
    }
    if ("false".equalsIgnoreCase(v)) {
      return false;
    }
    throw new ConfigException(key, v, "must be true or false");
  }

  public int nodeId() {
    return getInt(NODE_ID);
  }

  public String clusterId() {
    return get(CLUSTER_ID);
  }

  public Path dataDir() {
    return Path.of(get(DATA_DIR)).toAbsolutePath().normalize();
  }

  /**
   * The local WAL file's directory ({@code s3.wal.path}), if set: a path or a {@code file:} URI, optionally with
   * AutoMQ's {@code <id>@} prefix ({@code 0@file:///data/wal}). A relative path is under the data directory.
   */
  public java.util.Optional<Path> walPath() {
    String v = get(WAL_PATH);
    if (v == null || v.isBlank()) {
      return java.util.Optional.empty();
    }
    String spec = v.trim().replaceFirst("^[0-9]+@", "");
    if (spec.contains("?")) {
      throw new ConfigException(WAL_PATH, v, "takes a directory only; AutoMQ's ?capacity=... options do not apply,"
          + " the WAL file holds what is not yet in objects (at most s3.wal.buffer.max.bytes and one 64 MiB segment)");
    }
    Path path;
    if (spec.startsWith("file:")) {
      try {
        path = Path.of(java.net.URI.create(spec));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(WAL_PATH, v, "is not a valid file: URI (" + e.getMessage() + ")");
      }
    } else if (spec.contains("://")) {
      throw new ConfigException(WAL_PATH, v, "must be a local directory (a path or a file: URI)");
    } else {
      path = Path.of(spec);
    }
    return java.util.Optional.of(dataDir().resolve(path).normalize());
  }

  public Listener listener() {
    return Listener.parse(LISTENERS, get(LISTENERS));
  }

  /** Where clients are told to connect: advertised.listeners, else listeners. */
  public Listener advertisedListener() {
    String adv = get(ADVERTISED_LISTENERS);
    if (adv != null && !adv.isBlank()) {
      return Listener.parse(ADVERTISED_LISTENERS, adv);
    }
    Listener l = listener();
    if (l.host().isEmpty() || "0.0.0.0".equals(l.host()) || "::".equals(l.host())) {
      // Like Kafka: a wildcard listener advertises this machine's name.
      try {
        return new Listener(l.name(), java.net.InetAddress.getLocalHost().getCanonicalHostName(), l.port());
      } catch (java.net.UnknownHostException e) {
        throw new ConfigException(LISTENERS, get(LISTENERS), "listens on all interfaces but the host name is unknown; set "
            + ADVERTISED_LISTENERS);
      }
    }
    return l;
  }

  /** Kafka's precedence: log.retention.ms, then minutes, then hours. */
  public long logRetentionMs() {
    if (values.containsKey(LOG_RETENTION_MS)) {
      return getLong(LOG_RETENTION_MS);
    }
    if (values.containsKey(LOG_RETENTION_MINUTES)) {
      return getLong(LOG_RETENTION_MINUTES) * 60_000L;
    }
    return getLong(LOG_RETENTION_HOURS) * 3_600_000L;
  }

  /** One listener, {@code NAME://host:port}; only PLAINTEXT is served. */
  public record Listener(String name, String host, int port) {
    /** An HTTP listener, {@code http://host:port}. */
    public static Listener parseHttp(String key, String value) {
      try {
        URI uri = new URI(value.split(",")[0].trim());
        if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
          throw new ConfigException(key, value, "expected http://host:port");
        }
        return new Listener("HTTP", uri.getHost(), uri.getPort());
      } catch (java.net.URISyntaxException e) {
        throw new ConfigException(key, value, "expected http://host:port");
      }
    }

    static Listener parse(String key, String value) {
      String first = value.split(",")[0].trim();
      try {
        URI uri = new URI(first);
        String scheme = uri.getScheme();
        if (scheme == null || uri.getPort() < 0) {
          throw new ConfigException(key, value, "expected NAME://host:port");
        }
        if (!"PLAINTEXT".equalsIgnoreCase(scheme)) {
          throw new ConfigException(key, value, "only the PLAINTEXT security protocol is supported");
        }
        String host = uri.getHost() == null ? "0.0.0.0" : uri.getHost();
        return new Listener(scheme.toUpperCase(), host, uri.getPort());
      } catch (java.net.URISyntaxException e) {
        throw new ConfigException(key, value, "expected NAME://host:port");
      }
    }
  }
}
