package io.floe.broker;

import io.floe.broker.config.BrokerConfig;
import io.floe.broker.config.TopicConfigs;
import io.floe.broker.log.LogManager;
import io.floe.broker.log.PartitionLog;
import io.floe.broker.log.TopicState;
import io.floe.storage.stream.Stream;
import io.floe.tabletopic.TableTopicManager;
import io.floe.schema.SchemaSources;
import io.floe.schema.registry.SchemaRegistryClient;
import io.floe.tabletopic.config.TableTopicConfig;
import io.floe.tabletopic.worker.RecordProcessors;
import java.util.ArrayList;
import java.util.List;
import io.floe.catalog.rest.RestCatalogServer;
import org.apache.iceberg.catalog.Catalog;

/**
 * Table Topic in the broker: registers the {@code automq.table.topic.*} topic configs, feeds every topic's
 * partitions to the {@link TableTopicManager}, and holds log retention back until tables have committed.
 */
public final class TableTopicServices implements AutoCloseable {

  static final String THREADS = "floe.table.topic.threads";

  private final TableTopicManager manager;
  private final RestCatalogServer restCatalog;
  private final AutoCloseable catalogResources;
  private final LoopbackDeadLetterProducer deadLetters;

  TableTopicServices(BrokerConfig config, TopicConfigs topicConfigs, LogManager logs, Catalog catalog,
      RestCatalogServer restCatalog, AutoCloseable catalogResources, SchemaRegistryClient schemas,
      java.util.function.Supplier<String> bootstrap) {
    this.restCatalog = restCatalog;
    this.catalogResources = catalogResources;
    for (TableTopicConfig.Key k : TableTopicConfig.KEYS) {
      topicConfigs.register(new TopicConfigs.Definition(k.name(),
          k.name().endsWith(".enable") || k.name().endsWith(".enabled") || k.name().endsWith(".table")
              ? TopicConfigs.Type.BOOLEAN : TopicConfigs.Type.STRING,
          null, b -> k.defaultValue(), v -> k.validator().apply(v.trim()), k.documentation()));
    }
    topicConfigs.registerValidator(TableTopicConfig::validate);
    int threads = config.get(THREADS) == null ? 2 : config.getInt(THREADS);
    this.deadLetters = new LoopbackDeadLetterProducer(bootstrap, config.nodeId());
    this.manager = new TableTopicManager(catalog, threads,
        (topic, tableConfig) -> RecordProcessors.forConfig(tableConfig, SchemaSources.of(topic, schemas)),
        deadLetters);
    logs.setRetentionFloor(manager::retentionFloor);
    logs.addListener(new LogManager.TopicListener() {
      @Override
      public void onTopic(TopicState topic) {
        // A table topic's partitions have one owner (they move together); its pipeline runs there.
        if (topic.allLocal()) {
          manager.onTopic(topic.name(), topic.configs(), streams(topic));
        } else {
          manager.onTopicMoved(topic.name());
        }
      }

      @Override
      public void onTopicDeleted(String topic) {
        manager.onTopicDeleted(topic);
      }
    });
  }

  private static List<Stream> streams(TopicState topic) {
    List<Stream> out = new ArrayList<>(topic.partitionCount());
    for (PartitionLog p : topic.localPartitions()) {
      out.add(p.stream());
    }
    return out;
  }

  /** The built-in Iceberg REST catalog server, or null when it is turned off. */
  public RestCatalogServer restCatalog() {
    return restCatalog;
  }

  public TableTopicManager manager() {
    return manager;
  }

  /** Commits what the tables have written, then stops the pipelines and the catalog. */
  @Override
  public void close() throws Exception {
    manager.close();
    deadLetters.close();
    catalogResources.close();
  }

}
