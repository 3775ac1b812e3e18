package io.floe.tabletopic;

import io.floe.storage.stream.Stream;
import io.floe.tabletopic.config.TableTopicConfig;
import io.floe.tabletopic.errors.DeadLetterProducer;
import io.floe.tabletopic.worker.RecordProcessors;
import io.floe.tabletopic.worker.RecordProcessor;
import io.floe.tabletopic.worker.TableTopicMetrics;
import io.floe.tabletopic.worker.TableTopicPipeline;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.apache.iceberg.catalog.Catalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link TableTopicPipeline} per topic with {@code automq.table.topic.enable=true}. The broker
 * tells it about every topic it serves (at start, on create, on config change, when partitions are added)
 * and when a topic is deleted; the table itself is kept when a topic is deleted or the flag turned off.
 *
 * <p>Conversion runs on its own bounded thread pool, never on the network threads.
 */
public final class TableTopicManager implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TableTopicManager.class);

  private final Catalog catalog;
  private final BiFunction<String, TableTopicConfig, RecordProcessor> processors;
  private final DeadLetterProducer deadLetters;
  private final ExecutorService workers;
  private final ScheduledExecutorService scheduler;
  private final Map<String, TableTopicPipeline> pipelines = new ConcurrentHashMap<>();

  /**
   * @param threads conversion threads shared by all table topics
   * @param processors the record processor for a topic and its settings
   * @param deadLetters appends records to dead-letter topics
   */
  public TableTopicManager(Catalog catalog, int threads, BiFunction<String, TableTopicConfig, RecordProcessor> processors,
      DeadLetterProducer deadLetters) {
    this.catalog = catalog;
    this.deadLetters = deadLetters;
    this.processors = processors;
    AtomicInteger n = new AtomicInteger();
    this.workers = Executors.newFixedThreadPool(threads, r -> daemon(r, "floe-table-topic-" + n.incrementAndGet()));
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "floe-table-topic-commit"));
  }

  /** The record processor for a topic's settings without a schema registry (raw, string, json, protobuf). */
  public static RecordProcessor processorFor(String topic, TableTopicConfig config) {
    return RecordProcessors.forConfig(config, io.floe.schema.SchemaSources.withoutRegistry(topic));
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  public Catalog catalog() {
    return catalog;
  }

  /**
   * The topic exists with these explicit configs and partition streams: start, restart, grow or stop its
   * pipeline accordingly.
   */
  public synchronized void onTopic(String topic, Map<String, String> configs, List<Stream> streams) {
    TableTopicConfig config;
    try {
      config = TableTopicConfig.parse(configs);
    } catch (IllegalArgumentException e) {
      LOG.error("Topic {} has invalid table topic configs; its table is not written: {}", topic, e.getMessage());
      stop(topic);
      return;
    }
    TableTopicPipeline running = pipelines.get(topic);
    if (!config.enabled()) {
      if (running != null) {
        LOG.info("Table topic disabled on {}: the table {} stays as it is", topic, running.tableId());
        stop(topic);
      }
      return;
    }
    if (running != null && running.config().equals(config)) {
      running.updateStreams(streams);
      return;
    }
    if (running != null) {
      stop(topic);
    }
    RecordProcessor processor;
    try {
      processor = processors.apply(topic, config);
    } catch (IllegalArgumentException e) {
      LOG.error("Table topic {} cannot read its records, so its table is not written: {}", topic, e.getMessage());
      return;
    }
    TableTopicPipeline p = new TableTopicPipeline(topic, config, catalog, processor, streams, workers, scheduler,
        deadLetters);
    pipelines.put(topic, p);
    p.start().whenComplete((v, e) -> {
      if (e != null) {
        LOG.error("Table topic {} could not start; it is retried when the topic changes or the broker restarts", topic, e);
        pipelines.remove(topic, p);
      }
    });
  }

  /** The topic was deleted: stop writing; the table stays (drop it through the catalog if wanted). */
  public synchronized void onTopicDeleted(String topic) {
    if (pipelines.containsKey(topic)) {
      LOG.info("Topic {} deleted: its table stays in the catalog", topic);
    }
    stop(topic);
  }

  /**
   * Re-drives {@code topic}'s table: the partitions {@code errors.tolerance=none} stopped try their record again.
   * Completes with how many partitions were stopped; empty if this broker writes no table for the topic.
   */
  public java.util.Optional<CompletableFuture<Integer>> redrive(String topic) {
    TableTopicPipeline p = pipelines.get(topic);
    return p == null ? java.util.Optional.empty() : java.util.Optional.of(p.redrive());
  }

  /**
   * The topic's partitions are served by another broker now (or only some of them are left here): commit what
   * was written and stop. The new owner resumes from the offsets in the table; the conditional commit keeps a
   * late commit of this broker from being applied twice.
   */
  public synchronized void onTopicMoved(String topic) {
    if (pipelines.containsKey(topic)) {
      LOG.info("Table topic {} is written by another broker from now on", topic);
    }
    stop(topic);
  }

  private void stop(String topic) {
    TableTopicPipeline p = pipelines.remove(topic);
    if (p != null) {
      p.commitNow().orTimeout(60, TimeUnit.SECONDS).exceptionally(e -> null).join();
      p.close();
    }
  }

  /**
   * The lowest offset retention may delete up to for a table topic's partition: the next offset its table
   * has committed. Empty when retention need not wait (not a table topic, or it opted out).
   */
  public OptionalLong retentionFloor(String topic, int partition) {
    TableTopicPipeline p = pipelines.get(topic);
    if (p == null || !p.config().retentionWaitsForTable()) {
      return OptionalLong.empty();
    }
    long o = p.committedOffset(partition);
    return o < 0 ? OptionalLong.of(0) : OptionalLong.of(o);
  }

  public Map<String, TableTopicMetrics> metrics() {
    Map<String, TableTopicMetrics> out = new HashMap<>();
    pipelines.forEach((t, p) -> out.put(t, p.metrics()));
    return out;
  }

  public TableTopicPipeline pipeline(String topic) {
    return pipelines.get(topic);
  }

  /** Commits what every table has written, then stops. */
  @Override
  public synchronized void close() {
    for (String topic : List.copyOf(pipelines.keySet())) {
      stop(topic);
    }
    scheduler.shutdownNow();
    workers.shutdown();
    try {
      workers.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
