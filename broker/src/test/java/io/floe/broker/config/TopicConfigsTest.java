package io.floe.broker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicConfigsTest {

  @Test
  void defaultsComeFromBrokerSynonymsWithKafkasPrecedence() {
    TopicConfigs c = new TopicConfigs(BrokerConfig.of(Map.of("log.retention.minutes", "5", "message.max.bytes", "2048")));
    assertEquals("300000", c.defaultValue("retention.ms"));
    assertTrue(c.defaultIsFromBroker("retention.ms"));
    assertEquals("2048", c.defaultValue("max.message.bytes"));
    assertFalse(c.defaultIsFromBroker("retention.bytes"));
    assertEquals("-1", c.defaultValue("retention.bytes"));
  }

  @Test
  void rejectsUnknownKeysBadValuesAndCompactWithAMessage() {
    TopicConfigs c = new TopicConfigs(BrokerConfig.of(Map.of()));
    assertTrue(assertThrows(TopicConfigs.InvalidTopicConfigException.class,
        () -> c.validate(Map.of("retention.msec", "1"))).getMessage().contains("retention.msec"));
    assertTrue(assertThrows(TopicConfigs.InvalidTopicConfigException.class,
        () -> c.validate(Map.of("retention.ms", "-2"))).getMessage().contains("at least -1"));
    assertTrue(assertThrows(TopicConfigs.InvalidTopicConfigException.class,
        () -> c.validate(Map.of("cleanup.policy", "compact"))).getMessage().contains("not supported"));
    c.validate(Map.of("retention.ms", "-1", "cleanup.policy", "delete", "message.timestamp.type", "LogAppendTime"));
  }

  @Test
  void brokerConfigRejectsBadListenersAndNumbers() {
    assertThrows(ConfigException.class, () -> BrokerConfig.of(Map.of("listeners", "SSL://127.0.0.1:9093")));
    assertThrows(ConfigException.class, () -> BrokerConfig.of(Map.of("num.partitions", "zero")));
    assertEquals(9092, BrokerConfig.of(Map.of()).listener().port());
  }
}
