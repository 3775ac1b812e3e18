package io.floe.broker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.broker.testing.FloeExtension;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The kafka-clients Admin manages topics and configs on Floe as it does on Apache Kafka. */
class AdminClientTest {

  @RegisterExtension
  static final FloeExtension broker = new FloeExtension(Map.of("log.retention.bytes", "1073741824"));

  @Test
  void createsDescribesGrowsAndDeletesTopics() throws Exception {
    // Given a topic created with replication factor 3, as many tools ask for
    broker.admin().createTopics(List.of(new NewTopic("orders", 3, (short) 3))).all().get();

    // When it is described
    TopicDescription d = broker.admin().describeTopics(List.of("orders")).allTopicNames().get().get("orders");

    // Then it has three partitions led by this broker, and a topic id
    assertEquals(3, d.partitions().size());
    assertEquals(broker.floe().server().info().nodeId(), d.partitions().get(0).leader().id());
    assertFalse(d.topicId().toString().isEmpty());
    assertTrue(broker.admin().listTopics().names().get().contains("orders"));

    // And creating it again fails with TopicExists, shrinking it with InvalidPartitions
    ExecutionException exists = assertThrows(ExecutionException.class,
        () -> broker.admin().createTopics(List.of(new NewTopic("orders", 1, (short) 1))).all().get());
    assertInstanceOf(TopicExistsException.class, exists.getCause());
    ExecutionException shrink = assertThrows(ExecutionException.class,
        () -> broker.admin().createPartitions(Map.of("orders", NewPartitions.increaseTo(2))).all().get());
    assertInstanceOf(InvalidPartitionsException.class, shrink.getCause());

    // When it grows to 5 partitions and is deleted
    broker.admin().createPartitions(Map.of("orders", NewPartitions.increaseTo(5))).all().get();
    assertEquals(5, broker.admin().describeTopics(List.of("orders")).allTopicNames().get().get("orders").partitions().size());
    broker.admin().deleteTopics(List.of("orders")).all().get();

    // Then it is gone
    assertFalse(broker.admin().listTopics().names().get().contains("orders"));
    ExecutionException gone = assertThrows(ExecutionException.class,
        () -> broker.admin().describeTopics(List.of("orders")).allTopicNames().get());
    assertInstanceOf(UnknownTopicOrPartitionException.class, gone.getCause());
  }

  @Test
  void describesAndAltersTopicConfigsWithSources() throws Exception {
    // Given a topic with one explicit config
    broker.admin().createTopics(List.of(new NewTopic("configs", 1, (short) 1).configs(Map.of("retention.ms", "3600000"))))
        .all().get();
    ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "configs");

    // When its configs are described
    Config config = broker.admin().describeConfigs(List.of(topic)).all().get().get(topic);

    // Then the explicit one says so, the broker-set one comes from the broker, the rest are defaults
    assertEquals("3600000", config.get("retention.ms").value());
    assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, config.get("retention.ms").source());
    assertEquals("1073741824", config.get("retention.bytes").value());
    assertEquals(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG, config.get("retention.bytes").source());
    assertEquals("delete", config.get("cleanup.policy").value());
    assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, config.get("cleanup.policy").source());
    assertTrue(config.get("cleanup.policy").isDefault());

    // When configs are changed incrementally (set one, delete another)
    broker.admin().incrementalAlterConfigs(Map.of(topic, List.of(
        new AlterConfigOp(new ConfigEntry("max.message.bytes", "2048"), AlterConfigOp.OpType.SET),
        new AlterConfigOp(new ConfigEntry("retention.ms", null), AlterConfigOp.OpType.DELETE)))).all().get();
    Config after = broker.admin().describeConfigs(List.of(topic)).all().get().get(topic);

    // Then both changes show
    assertEquals("2048", after.get("max.message.bytes").value());
    assertEquals(String.valueOf(7 * 24 * 3_600_000L), after.get("retention.ms").value());
    assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, after.get("retention.ms").source());
  }

  @Test
  void rejectsBadConfigsWithInvalidConfig() throws Exception {
    // compact is not built yet: a clear INVALID_CONFIG, as the issue allows
    ExecutionException compact = assertThrows(ExecutionException.class, () -> broker.admin().createTopics(List.of(
        new NewTopic("compacted", 1, (short) 1).configs(Map.of("cleanup.policy", "compact")))).all().get());
    assertInstanceOf(InvalidConfigurationException.class, compact.getCause());
    assertTrue(compact.getCause().getMessage().contains("compact"), compact.getCause().getMessage());

    ExecutionException unknown = assertThrows(ExecutionException.class, () -> broker.admin().createTopics(List.of(
        new NewTopic("typo", 1, (short) 1).configs(Map.of("retention.msec", "1")))).all().get());
    assertInstanceOf(InvalidConfigurationException.class, unknown.getCause());

    broker.admin().createTopics(List.of(new NewTopic("valid", 1, (short) 1))).all().get();
    ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "valid");
    ExecutionException bad = assertThrows(ExecutionException.class, () -> broker.admin().incrementalAlterConfigs(Map.of(topic,
        List.of(new AlterConfigOp(new ConfigEntry("retention.ms", "soon"), AlterConfigOp.OpType.SET)))).all().get());
    assertInstanceOf(InvalidConfigurationException.class, bad.getCause());
    Collection<String> names = broker.admin().listTopics().names().get();
    assertFalse(names.contains("compacted") || names.contains("typo"));
  }

  @Test
  void describesTheCluster() throws Exception {
    assertEquals("floe-cluster", broker.admin().describeCluster().clusterId().get());
    assertEquals(1, broker.admin().describeCluster().nodes().get().size());
    assertEquals(broker.floe().server().info().nodeId(), broker.admin().describeCluster().controller().get().id());
    assertEquals(Set.of(), Set.copyOf(broker.admin().listConsumerGroups().all().get()));
  }
}
