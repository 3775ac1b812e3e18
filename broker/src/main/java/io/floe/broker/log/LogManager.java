package io.floe.broker.log;

import io.floe.broker.cluster.Cluster;
import io.floe.broker.cluster.ClusterView;
import io.floe.broker.config.BrokerConfig;
import io.floe.broker.config.TopicConfigs;
import io.floe.storage.metadata.MetadataConflictException;
import io.floe.storage.metadata.MetadataStore;
import io.floe.storage.metadata.TopicRecord;
import io.floe.storage.stream.Stream;
import io.floe.storage.stream.StreamStore;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
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
 * The topics of the cluster and the partitions this broker serves. Topic changes (create, delete, grow,
 * configs) and the cluster's rounds ({@link #apply}) are serialized on one admin thread, written to the
 * metadata store first, then published as a new immutable {@link TopicState}; produce and fetch read the
 * published states without locks.
 *
 * <p>A partition is served by the broker that owns its stream (see {@link Cluster}): taking one over opens the
 * stream, which raises its epoch and fences the previous owner; giving one up closes it here.
 */
public final class LogManager implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LogManager.class);

  /**
   * How much of each partition's tail is read at start to rebuild idempotent-producer state: a producer
   * has at most five batches in flight, so this covers them unless batches are very large.
   */
  static final long PRODUCER_STATE_TAIL_BYTES = 4L << 20;

  /** Partitions opened at once when a broker takes several over. */
  static final int OPEN_PARALLELISM = 8;

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
  /** When each topic was last published by this broker ({@link System#nanoTime()}), for {@link #apply}. */
  private final Map<String, Long> publishedAt = new ConcurrentHashMap<>();
  private volatile Cluster cluster;
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
      // Fenced because another broker took the stream over: reopening would take it back, so only the owner does.
      String resource = ClusterView.streamResource(streamId);
      return CompletableFuture.supplyAsync(() -> cluster.ownsNow(resource), admin).thenCompose(owned -> {
        if (!owned) {
          cluster.refreshSoon();
          return CompletableFuture.failedFuture(new org.apache.kafka.common.errors.NotLeaderOrFollowerException(
              "Stream " + streamId + " is owned by another broker now"));
        }
        return streams.open(streamId);
      });
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

  /**
   * Starts the retention task. Partitions are opened by the cluster's rounds ({@link #apply}), the first of
   * which runs before the broker accepts clients.
   */
  public void start(Cluster cluster) {
    this.cluster = cluster;
    long interval = config.getLong(BrokerConfig.LOG_RETENTION_CHECK_INTERVAL_MS);
    retention.scheduleWithFixedDelay(this::enforceRetention, interval, interval, TimeUnit.MILLISECONDS);
  }

  /**
   * Brings this broker in line with a cluster round: topics created, changed or deleted by other brokers, and
   * the partitions this broker now owns (opened) or no longer owns (closed here). Topics this broker changed
   * after the round began reading are left to the next round. Waits until applied.
   */
  public void apply(ClusterView view, List<TopicRecord> records) {
    CompletableFuture.runAsync(() -> reconcile(view, records), admin).join();
  }

  private void reconcile(ClusterView view, List<TopicRecord> records) {
    Set<String> names = new HashSet<>();
    int opened = 0;
    int closed = 0;
    // Partitions taken over are opened several at a time (reading each one's tail for producer state takes a
    // while on S3), then placed. At most OPEN_PARALLELISM at once: each holds up to a 1 MiB read in memory.
    Map<String, CompletableFuture<PartitionLog>> opening = new HashMap<>();
    List<java.util.function.Supplier<CompletableFuture<PartitionLog>>> opens = new ArrayList<>();
    for (TopicRecord r : records) {
      if (newerThan(r.name(), view)) {
        continue;
      }
      TopicState old = byName.get(r.name());
      boolean sameTopic = old != null && old.record().topicId().equals(r.topicId());
      for (int p = 0; p < r.partitions(); p++) {
        PartitionLog existing = sameTopic ? old.partition(p) : null;
        if (view.ownsLocally(ClusterView.streamResource(r.streamId(p))) && (existing == null || existing.isMoved())) {
          if (existing != null) {
            release(existing); // fenced by another owner meanwhile: start afresh
          }
          String key = r.name() + "/" + p;
          int partition = p;
          opens.add(() -> {
            CompletableFuture<PartitionLog> f = openPartitionAsync(r, partition);
            opening.put(key, f);
            return f;
          });
        }
      }
    }
    for (int i = 0; i < opens.size(); i += OPEN_PARALLELISM) {
      List<CompletableFuture<PartitionLog>> wave = new ArrayList<>();
      for (var open : opens.subList(i, Math.min(opens.size(), i + OPEN_PARALLELISM))) {
        wave.add(open.get().exceptionally(e -> null));
      }
      CompletableFuture.allOf(wave.toArray(CompletableFuture[]::new)).join();
    }
    for (TopicRecord r : records) {
      names.add(r.name());
      if (newerThan(r.name(), view)) {
        continue;
      }
      TopicState old = byName.get(r.name());
      if (old != null && !old.record().topicId().equals(r.topicId())) {
        forget(old); // deleted and created again elsewhere
        old = null;
      }
      Map<Integer, PartitionLog> local = new HashMap<>();
      boolean changed = old == null || !old.record().equals(r);
      for (int p = 0; p < r.partitions(); p++) {
        PartitionLog existing = old == null ? null : old.partition(p);
        String resource = ClusterView.streamResource(r.streamId(p));
        if (existing != null && existing.isMoved()) {
          if (!opening.containsKey(r.name() + "/" + p)) {
            release(existing); // fenced by another owner, and not ours any more
          }
          closed++;
          changed = true;
          existing = null;
        }
        if (view.ownsLocally(resource)) {
          PartitionLog log = existing;
          if (log == null) {
            try {
              log = opening.get(r.name() + "/" + p).join();
              opened++;
              changed = true;
            } catch (RuntimeException e) {
              LOG.warn("Cannot take over partition {}-{}; the next round tries again", r.name(), p, e);
              continue;
            }
          }
          log.setLeaderEpoch(view.ownerEpoch(resource));
          local.put(p, log);
        } else if (existing != null) {
          release(existing);
          closed++;
          changed = true;
        }
      }
      if (changed) {
        TopicState t = new TopicState(r, TopicState.toKafka(r.topicId()), local);
        publish(t);
        notifyTopic(t);
      }
    }
    for (TopicState t : List.copyOf(byName.values())) {
      if (!names.contains(t.name()) && !newerThan(t.name(), view)) {
        forget(t);
        LOG.info("Topic {} was deleted by another broker", t.name());
        for (TopicListener l : listeners) {
          l.onTopicDeleted(t.name());
        }
      }
    }
    if (opened > 0 || closed > 0) {
      LOG.info("Broker {} took over {} partitions and handed over {}; it serves {} partitions", view.localNodeId(),
          opened, closed, byName.values().stream().mapToInt(t -> t.local().size()).sum());
    }
  }

  private boolean newerThan(String topic, ClusterView view) {
    Long at = publishedAt.get(topic);
    return at != null && at - view.readAtNanos() > 0;
  }

  /** Stops serving the partition here: its stream is closed, what it still has in flight fails or commits. */
  private void release(PartitionLog log) {
    log.markMoved();
    try {
      streams.close(log.stream().streamId()).join();
    } catch (RuntimeException e) {
      LOG.warn("Closing the stream of {} failed", log, e);
    }
  }

  private void forget(TopicState t) {
    t.localPartitions().forEach(this::release);
    byName.remove(t.name());
    byId.remove(t.topicId());
    publishedAt.remove(t.name());
  }

  /** Opens the partitions this broker owns, placing the topic's new streams among live brokers first. */
  private Map<Integer, PartitionLog> openOwned(TopicRecord r, int fromPartition, Map<Integer, PartitionLog> into) {
    List<String> resources = new ArrayList<>();
    for (int p = fromPartition; p < r.partitions(); p++) {
      resources.add(ClusterView.streamResource(r.streamId(p)));
    }
    Map<String, io.floe.storage.metadata.ClusterStore.Owner> owners =
        cluster.placeNew(resources, movesAsOne(r));
    int self = cluster.view().localNodeId();
    for (int p = fromPartition; p < r.partitions(); p++) {
      var owner = owners.get(ClusterView.streamResource(r.streamId(p)));
      if (owner != null && owner.nodeId() == self) {
        PartitionLog log = openPartition(r, p);
        log.setLeaderEpoch(owner.epoch());
        into.put(p, log);
      }
    }
    return into;
  }

  /** Topics whose partitions are owned by one broker together: table topics, written by one pipeline. */
  public static boolean movesAsOne(TopicRecord r) {
    return "true".equalsIgnoreCase(r.configs().getOrDefault("automq.table.topic.enable", "false").trim());
  }

  private PartitionLog openPartition(TopicRecord r, int partition) {
    return openPartitionAsync(r, partition).join();
  }

  private CompletableFuture<PartitionLog> openPartitionAsync(TopicRecord r, int partition) {
    return streams.open(r.streamId(partition)).thenCompose(s -> {
      PartitionLog log = new PartitionLog(r.name(), partition, s, time, reopener);
      return log.recoverProducerState(PRODUCER_STATE_TAIL_BYTES).thenApply(v -> log);
    });
  }

  private void publish(TopicState t) {
    byName.put(t.name(), t);
    byId.put(t.topicId(), t);
    publishedAt.put(t.name(), System.nanoTime());
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
      TopicState t = new TopicState(r, TopicState.toKafka(r.topicId()), openOwned(r, 0, new HashMap<>()));
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
      t.localPartitions().forEach(PartitionLog::markMoved);
      byName.remove(name);
      byId.remove(t.topicId());
      publishedAt.put(name, System.nanoTime());
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
      if (total <= t.partitionCount()) {
        throw new InvalidPartitionsException("Topic currently has " + t.partitionCount()
            + " partitions, which is higher than the requested " + total + ".");
      }
      if (validateOnly) {
        return t;
      }
      int before = t.partitionCount();
      TopicRecord r = metadata.addPartitions(name, total);
      TopicState updated = new TopicState(r, t.topicId(), openOwned(r, before, new HashMap<>(t.local())));
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
      TopicState updated = new TopicState(r, t.topicId(), t.local());
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
      for (PartitionLog log : t.localPartitions()) {
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
