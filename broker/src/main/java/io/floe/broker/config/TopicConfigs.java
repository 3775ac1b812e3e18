package io.floe.broker.config;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The topic-level configs Floe knows, with Kafka's names, types, broker-level synonyms and defaults, and
 * the validation applied on CreateTopics and AlterConfigs. A topic's effective value is its own setting,
 * else the broker's synonym, else the default.
 */
public final class TopicConfigs {

  public static final String RETENTION_MS = "retention.ms";
  public static final String RETENTION_BYTES = "retention.bytes";
  public static final String CLEANUP_POLICY = "cleanup.policy";
  public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
  public static final String MESSAGE_TIMESTAMP_TYPE = "message.timestamp.type";
  public static final String SEGMENT_BYTES = "segment.bytes";
  public static final String SEGMENT_MS = "segment.ms";
  public static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";
  public static final String COMPRESSION_TYPE = "compression.type";

  /** How a config is typed, for DescribeConfigs (v3+) and validation. */
  public enum Type {
    BOOLEAN, STRING, INT, SHORT, LONG, DOUBLE, LIST, CLASS, PASSWORD
  }

  /** One known topic config. {@code validator} returns an error message or null. */
  public record Definition(
      String name,
      Type type,
      String brokerSynonym,
      Function<BrokerConfig, String> defaultValue,
      Function<String, String> validator,
      String documentation) {}

  private final Map<String, Definition> definitions = new LinkedHashMap<>();
  private final java.util.List<java.util.function.Consumer<Map<String, String>>> combinedValidators =
      new java.util.concurrent.CopyOnWriteArrayList<>();
  private final BrokerConfig broker;

  public TopicConfigs(BrokerConfig broker) {
    this.broker = broker;
    define(RETENTION_MS, Type.LONG, BrokerConfig.LOG_RETENTION_MS, b -> String.valueOf(b.logRetentionMs()),
        TopicConfigs::atLeastMinusOne, "How long records are kept before they may be deleted; -1 keeps them forever.");
    define(RETENTION_BYTES, Type.LONG, BrokerConfig.LOG_RETENTION_BYTES, b -> b.get(BrokerConfig.LOG_RETENTION_BYTES),
        TopicConfigs::atLeastMinusOne, "The size a partition may grow to before its oldest records are deleted; -1 for no limit.");
    define(CLEANUP_POLICY, Type.LIST, BrokerConfig.LOG_CLEANUP_POLICY, b -> b.get(BrokerConfig.LOG_CLEANUP_POLICY),
        TopicConfigs::cleanupPolicy, "delete: old records are removed by retention. compact is not supported yet.");
    define(MAX_MESSAGE_BYTES, Type.INT, BrokerConfig.MESSAGE_MAX_BYTES, b -> b.get(BrokerConfig.MESSAGE_MAX_BYTES),
        v -> intAtLeast(v, 0), "The largest record batch size allowed in this topic.");
    define(MESSAGE_TIMESTAMP_TYPE, Type.STRING, BrokerConfig.LOG_MESSAGE_TIMESTAMP_TYPE,
        b -> b.get(BrokerConfig.LOG_MESSAGE_TIMESTAMP_TYPE),
        v -> "CreateTime".equals(v) || "LogAppendTime".equals(v) ? null : "must be CreateTime or LogAppendTime",
        "Whether record timestamps are the producer's (CreateTime) or the broker's append time (LogAppendTime).");
    define(SEGMENT_BYTES, Type.INT, null, b -> String.valueOf(1024 * 1024 * 1024), v -> intAtLeast(v, 14),
        "Accepted for compatibility; Floe's log has no segments (objects are sized by the WAL).");
    define(SEGMENT_MS, Type.LONG, null, b -> String.valueOf(7 * 24 * 3_600_000L), v -> longAtLeast(v, 1),
        "Accepted for compatibility; Floe's log has no segments (objects are sized by the WAL).");
    define(MIN_INSYNC_REPLICAS, Type.INT, null, b -> "1", v -> intAtLeast(v, 1),
        "Accepted for compatibility; every acknowledged write is already in the object store.");
    define(COMPRESSION_TYPE, Type.STRING, null, b -> "producer",
        v -> "producer".equals(v) ? null : "only 'producer' is supported (batches are stored as the producer sent them)",
        "Batches are stored compressed exactly as the producer sent them.");
  }

  private void define(String name, Type type, String synonym, Function<BrokerConfig, String> def,
      Function<String, String> validator, String doc) {
    definitions.put(name, new Definition(name, type, synonym, def, validator, doc));
  }

  /** Adds configs owned by another part of the broker (e.g. Table Topic). */
  public void register(Definition definition) {
    definitions.put(definition.name(), definition);
  }

  /**
   * Adds a check over a topic's whole explicit config (for rules across keys); it throws
   * IllegalArgumentException with the message the client gets with INVALID_CONFIG.
   */
  public void registerValidator(java.util.function.Consumer<Map<String, String>> validator) {
    combinedValidators.add(validator);
  }

  /** Runs the cross-key checks on a topic's resulting explicit configs. */
  public void validateCombined(Map<String, String> settings) {
    for (var v : combinedValidators) {
      try {
        v.accept(settings);
      } catch (IllegalArgumentException e) {
        throw new InvalidTopicConfigException(e.getMessage());
      }
    }
  }

  public Collection<Definition> definitions() {
    return definitions.values();
  }

  public Definition definition(String name) {
    return definitions.get(name);
  }

  /** The value a topic gets when it does not set {@code name}: the broker's synonym if set, else the default. */
  public String defaultValue(String name) {
    Definition d = definitions.get(name);
    if (d == null) {
      return null;
    }
    if (RETENTION_MS.equals(name)) {
      return String.valueOf(broker.logRetentionMs());
    }
    return d.defaultValue().apply(broker);
  }

  /** Whether the default of {@code name} comes from an explicitly set broker property. */
  public boolean defaultIsFromBroker(String name) {
    Definition d = definitions.get(name);
    if (d == null || d.brokerSynonym() == null) {
      return false;
    }
    if (RETENTION_MS.equals(name)) {
      return broker.isExplicit(BrokerConfig.LOG_RETENTION_MS) || broker.isExplicit(BrokerConfig.LOG_RETENTION_MINUTES)
          || broker.isExplicit(BrokerConfig.LOG_RETENTION_HOURS);
    }
    return broker.isExplicit(d.brokerSynonym());
  }

  /** Effective values of every known config for a topic with the given explicit settings. */
  public Map<String, String> effective(Map<String, String> topicSettings) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Definition d : definitions.values()) {
      String v = topicSettings.get(d.name());
      out.put(d.name(), v != null ? v : defaultValue(d.name()));
    }
    return out;
  }

  public long getLong(Map<String, String> topicSettings, String name) {
    String v = topicSettings.get(name);
    return Long.parseLong(v != null ? v : defaultValue(name));
  }

  public String getString(Map<String, String> topicSettings, String name) {
    String v = topicSettings.get(name);
    return v != null ? v : defaultValue(name);
  }

  /**
   * Validates explicit topic settings; throws {@link InvalidTopicConfigException} naming the first bad key.
   * Null values are treated as "remove" and skipped.
   */
  public void validate(Map<String, String> settings) {
    for (Map.Entry<String, String> e : settings.entrySet()) {
      Definition d = definitions.get(e.getKey());
      if (d == null) {
        throw new InvalidTopicConfigException("Unknown topic config name: " + e.getKey());
      }
      if (e.getValue() == null) {
        continue;
      }
      String error = d.validator().apply(e.getValue().trim());
      if (error != null) {
        throw new InvalidTopicConfigException(
            "Invalid value " + e.getValue() + " for configuration " + e.getKey() + ": " + error);
      }
    }
  }

  /** Copy of {@code settings} without null values, values trimmed. */
  public static Map<String, String> normalize(Map<String, String> settings) {
    Map<String, String> out = new HashMap<>();
    settings.forEach((k, v) -> {
      if (v != null) {
        out.put(k, v.trim());
      }
    });
    return out;
  }

  private static String atLeastMinusOne(String v) {
    return longAtLeast(v, -1);
  }

  private static String longAtLeast(String v, long min) {
    try {
      return Long.parseLong(v) >= min ? null : "must be at least " + min;
    } catch (NumberFormatException e) {
      return "must be a long";
    }
  }

  private static String intAtLeast(String v, int min) {
    try {
      return Integer.parseInt(v) >= min ? null : "must be at least " + min;
    } catch (NumberFormatException e) {
      return "must be an int";
    }
  }

  private static String cleanupPolicy(String v) {
    Set<String> policies = Set.of(v.replace(" ", "").split(","));
    for (String p : policies) {
      if ("compact".equals(p)) {
        return "cleanup.policy=compact is not supported yet: Floe does not compact logs; use delete";
      }
      if (!"delete".equals(p)) {
        return "must be delete (or compact, which is not supported yet)";
      }
    }
    return null;
  }

  /** A topic config was rejected; the message says which and why (sent to the client with INVALID_CONFIG). */
  public static class InvalidTopicConfigException extends org.apache.kafka.common.errors.InvalidConfigurationException {
    public InvalidTopicConfigException(String message) {
      super(message);
    }
  }
}
