package io.floe.broker.log;

import io.floe.broker.config.BrokerConfig;
import io.floe.broker.config.TopicConfigs;
import io.floe.storage.metadata.MetadataConflictException;
import io.floe.storage.metadata.MetadataStore;
import io.floe.storage.metadata.TopicRecord;
import io.floe.storage.stream.Stream;
import io.floe.storage.stream.StreamStore;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topics and partitions this broker serves. Topic changes (create, delete, grow, configs) are
 * serialized on one admin thread, written to the metadata store first, then published as a new immutable
 * {@link TopicState}; produce and fetch read the published states without locks.
 */
public final class LogManager implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LogManager.class);

  /**
   * How much of each partition's tail is read at start to rebuild idempotent-producer state: a producer
   * has at most five batches in flight, so this covers them unless batches are very large.
   */
  static final long PRODUCER_STATE_TAIL_BYTES = 4L << 20;

  private final BrokerConfig config;
  private final TopicConfigs topicConfigs;
  private final MetadataStore metadata;
  private final StreamStore streams;
  private final Time time;
  private final ExecutorService admin =
      Executors.newSingleThreadExecutor(r -> daemon(r, "floe-topic-admin"));
  private final ScheduledExecutorService retention =
      Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "floe-retention"));
  private final Map<String, TopicState> byName = new ConcurrentHashMap<>();
  private final java.util.List<TopicListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile RetentionFloor retentionFloor = (topic, partition) -> java.util.OptionalLong.empty();

  /** Told about every topic (at start, create, config change, new partitions) and every deletion. */
  public interface TopicListener {
    void onTopic(TopicState topic);

    void onTopicDeleted(String topic);
  }

  /** The lowest offset retention may trim a partition to, if something (a table) still needs older records. */
  @FunctionalInterface
  public interface RetentionFloor {
    java.util.OptionalLong floor(String topic, int partition);
  }

  public void addListener(TopicListener listener) {
    listeners.add(listener);
  }

  public void setRetentionFloor(RetentionFloor floor) {
    this.retentionFloor = floor;
  }

  private void notifyTopic(TopicState t) {
    for (TopicListener l : listeners) {
      try {
        l.onTopic(t);
      } catch (RuntimeException e) {
        LOG.error("Topic listener failed for {}", t.name(), e);
      }
    }
  }
  private final Map<Uuid, TopicState> byId = new ConcurrentHashMap<>();
  /** Reopens fenced streams, then tells listeners (tables follow the new stream). */
  private final PartitionLog.Reopener reopener = new PartitionLog.Reopener() {
    @Override
    public CompletableFuture<Stream> reopen(long streamId) {
      return streams.open(streamId);
    }

    @Override
    public void onReopened(PartitionLog log) {
      TopicState t = byName.get(log.topic());
      if (t != null) {
        admin.execute(() -> notifyTopic(t));
      }
    }
  };

  public LogManager(BrokerConfig config, TopicConfigs topicConfigs, MetadataStore metadata, StreamStore streams, Time time) {
    this.config = config;
    this.topicConfigs = topicConfigs;
    this.metadata = metadata;
    this.streams = streams;
    this.time = time;
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** Opens every stored topic's partitions, then starts the retention task. */
  public void start() {
    List<TopicRecord> records = metadata.topics();
    for (TopicRecord r : records) {
      publish(open(r));
    }
    byName.values().forEach(this::notifyTopic);
    long interval = config.getLong(BrokerConfig.LOG_RETENTION_CHECK_INTERVAL_MS);
    retention.scheduleWithFixedDelay(this::enforceRetention, interval, interval, TimeUnit.MILLISECONDS);
    LOG.info("Opened {} topics with {} partitions", records.size(),
        byName.values().stream().mapToInt(t -> t.partitions().size()).sum());
  }

  private TopicState open(TopicRecord r) {
    List<PartitionLog> logs = new ArrayList<>(r.partitions());
    for (int p = 0; p < r.partitions(); p++) {
      logs.add(openPartition(r, p));
    }
    return new TopicState(r, TopicState.toKafka(r.topicId()), logs);
  }

  private PartitionLog openPartition(TopicRecord r, int partition) {
    Stream s = streams.open(r.streamId(partition)).join();
    PartitionLog log = new PartitionLog(r.name(), partition, s, time, reopener);
    log.recoverProducerState(PRODUCER_STATE_TAIL_BYTES).join();
    return log;
  }

  private void publish(TopicState t) {
    byName.put(t.name(), t);
    byId.put(t.topicId(), t);
  }

  public TopicConfigs topicConfigs() {
    return topicConfigs;
  }

  public Optional<TopicState> topic(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  public Optional<TopicState> topic(Uuid id) {
    return Optional.ofNullable(byId.get(id));
  }

  public Collection<TopicState> topics() {
    return byName.values();
  }

  public PartitionLog partition(String topic, int partition) {
    TopicState t = byName.get(topic);
    return t == null ? null : t.partition(partition);
  }

  /**
   * Creates a topic. Fails with Kafka's exceptions (InvalidTopicException, TopicExistsException,
   * InvalidPartitionsException, InvalidTopicConfigException) so handlers can map them to error codes.
   * {@code validateOnly} checks everything without creating.
   */
  public CompletableFuture<TopicState> createTopic(String name, int partitions, Map<String, String> configs, boolean validateOnly) {
    return CompletableFuture.supplyAsync(() -> {
      Topic.validate(name);
      if (partitions <= 0) {
        throw new InvalidPartitionsException("Number of partitions must be larger than 0, was " + partitions);
      }
      Map<String, String> settings = TopicConfigs.normalize(configs);
      topicConfigs.validate(settings);
      topicConfigs.validateCombined(settings);
      if (byName.containsKey(name)) {
        throw new TopicExistsException("Topic '" + name + "' already exists.");
      }
      if (Topic.hasCollisionChars(name)) {
        for (String other : byName.keySet()) {
          if (Topic.hasCollision(name, other)) {
            throw new org.apache.kafka.common.errors.InvalidTopicException(
                "Topic '" + name + "' collides with existing topic: " + other);
          }
        }
      }
      if (validateOnly) {
        return null;
      }
      TopicRecord r;
      try {
        r = metadata.createTopic(name, partitions, settings);
      } catch (MetadataConflictException e) {
        throw new TopicExistsException("Topic '" + name + "' already exists.");
      }
      TopicState t = open(r);
      publish(t);
      LOG.info("Created topic {} with {} partitions and configs {}", name, partitions, settings);
      notifyTopic(t);
      return t;
    }, admin);
  }

  /** The topic, creating it with broker defaults if auto.create.topics.enable allows; empty otherwise. */
  public CompletableFuture<Optional<TopicState>> getOrAutoCreate(String name) {
    TopicState t = byName.get(name);
    if (t != null) {
      return CompletableFuture.completedFuture(Optional.of(t));
    }
    if (!config.getBoolean(BrokerConfig.AUTO_CREATE_TOPICS_ENABLE) || Topic.isInternal(name)) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return createTopic(name, config.getInt(BrokerConfig.NUM_PARTITIONS), Map.of(), false)
        .thenApply(Optional::of)
        .exceptionally(e -> Optional.ofNullable(byName.get(name)));
  }

  public CompletableFuture<Void> deleteTopic(String name) {
    return CompletableFuture.runAsync(() -> {
      TopicState t = byName.get(name);
      if (t == null) {
        throw new UnknownTopicOrPartitionException("Topic '" + name + "' does not exist.");
      }
      metadata.deleteTopic(name);
      metadata.deleteTopicOffsets(name);
      byName.remove(name);
      byId.remove(t.topicId());
      for (int p = 0; p < t.record().partitions(); p++) {
        streams.delete(t.record().streamId(p)).join();
      }
      LOG.info("Deleted topic {}", name);
      for (TopicListener l : listeners) {
        l.onTopicDeleted(name);
      }
    }, admin);
  }

  public CompletableFuture<TopicState> createPartitions(String name, int total, boolean validateOnly) {
    return CompletableFuture.supplyAsync(() -> {
      TopicState t = byName.get(name);
      if (t == null) {
        throw new UnknownTopicOrPartitionException("Topic '" + name + "' does not exist.");
      }
      if (total <= t.partitions().size()) {
        throw new InvalidPartitionsException("Topic currently has " + t.partitions().size()
            + " partitions, which is higher than the requested " + total + ".");
      }
      if (validateOnly) {
        return t;
      }
      TopicRecord r = metadata.addPartitions(name, total);
      List<PartitionLog> logs = new ArrayList<>(t.partitions());
      for (int p = logs.size(); p < total; p++) {
        logs.add(openPartition(r, p));
      }
      TopicState updated = new TopicState(r, t.topicId(), logs);
      publish(updated);
      LOG.info("Topic {} now has {} partitions", name, total);
      notifyTopic(updated);
      return updated;
    }, admin);
  }

  /** Sets and removes topic config keys (incremental), or replaces them all when {@code replace} is true. */
  public CompletableFuture<TopicState> alterConfigs(
      String name, Map<String, String> set, Set<String> remove, boolean replace, boolean validateOnly) {
    return CompletableFuture.supplyAsync(() -> {
      TopicState t = byName.get(name);
      if (t == null) {
        throw new UnknownTopicOrPartitionException("Topic '" + name + "' does not exist.");
      }
      Map<String, String> settings = TopicConfigs.normalize(set);
      topicConfigs.validate(settings);
      for (String key : remove) {
        if (topicConfigs.definition(key) == null) {
          throw new TopicConfigs.InvalidTopicConfigException("Unknown topic config name: " + key);
        }
      }
      Map<String, String> resulting = new java.util.HashMap<>(replace ? Map.of() : t.configs());
      remove.forEach(resulting::remove);
      resulting.putAll(settings);
      topicConfigs.validateCombined(resulting);
      if (validateOnly) {
        return t;
      }
      TopicRecord r = replace ? metadata.replaceConfigs(name, settings) : metadata.alterConfigs(name, settings, remove);
      TopicState updated = new TopicState(r, t.topicId(), t.partitions());
      publish(updated);
      LOG.info("Topic {} configs are now {}", name, r.configs());
      notifyTopic(updated);
      return updated;
    }, admin);
  }

  /** Applies retention.ms and retention.bytes to every partition (also run periodically). */
  public void enforceRetention() {
    long now = time.milliseconds();
    for (TopicState t : byName.values()) {
      long retentionMs = topicConfigs.getLong(t.configs(), TopicConfigs.RETENTION_MS);
      long retentionBytes = topicConfigs.getLong(t.configs(), TopicConfigs.RETENTION_BYTES);
      for (PartitionLog log : t.partitions()) {
        try {
          RetentionPolicy.apply(log.stream(), now, retentionMs, retentionBytes,
              retentionFloor.floor(t.name(), log.partition()));
        } catch (RuntimeException e) {
          LOG.warn("Retention of {} failed; it will be retried at the next check", log, e);
        }
      }
    }
  }

  @Override
  public void close() {
    retention.shutdownNow();
    admin.shutdown();
    try {
      admin.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
