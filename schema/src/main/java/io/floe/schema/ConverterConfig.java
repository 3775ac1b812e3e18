package io.floe.schema;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The converter-related topic configs, with AutoMQ's names and defaults (value {@code raw}, key
 * {@code string}, transform {@code none}), and Floe's {@code protobuf} type for bare Protobuf read
 * with .proto files the broker reads.
 */
public record ConverterConfig(Side value, Side key, TransformType transformType) {

  public static final String PREFIX = "automq.table.topic.";
  public static final String CONVERT_VALUE_TYPE = PREFIX + "convert.value.type";
  public static final String CONVERT_KEY_TYPE = PREFIX + "convert.key.type";
  public static final String TRANSFORM_VALUE_TYPE = PREFIX + "transform.value.type";
  /** AutoMQ's: the registry subject {@code by_latest_schema} reads; default {@code <topic>-value}. */
  public static final String VALUE_SUBJECT = PREFIX + "convert.value.by_latest_schema.subject";
  /** AutoMQ's: the Protobuf message {@code by_latest_schema} reads; default the file's first. */
  public static final String VALUE_MESSAGE = PREFIX + "convert.value.by_latest_schema.message.full.name";
  public static final String KEY_SUBJECT = PREFIX + "convert.key.by_latest_schema.subject";
  public static final String KEY_MESSAGE = PREFIX + "convert.key.by_latest_schema.message.full.name";
  /** Floe's: the directory of .proto files {@code protobuf} values are read with. */
  public static final String VALUE_PROTOBUF_PATH = PREFIX + "convert.value.protobuf.path";
  /** Floe's: the message full name {@code protobuf} values are, e.g. {@code shop.v1.Order}. */
  public static final String VALUE_PROTOBUF_MESSAGE = PREFIX + "convert.value.protobuf.message.full.name";
  public static final String KEY_PROTOBUF_PATH = PREFIX + "convert.key.protobuf.path";
  public static final String KEY_PROTOBUF_MESSAGE = PREFIX + "convert.key.protobuf.message.full.name";

  /**
   * How one side (key or value) is read.
   *
   * @param type the convert type
   * @param subject the {@code by_latest_schema} subject, or {@code ""} for {@code <topic>-value} (or -key)
   * @param messageFullName the {@code by_latest_schema} Protobuf message, or {@code ""} for the first
   * @param protobufPath the {@code protobuf} type's .proto directory, or {@code ""}
   * @param protobufMessage the {@code protobuf} type's message, or {@code ""}
   */
  public record Side(ConvertType type, String subject, String messageFullName, String protobufPath,
      String protobufMessage) {
    public static Side of(ConvertType type) {
      return new Side(type, "", "", "", "");
    }
  }

  public ConvertType valueType() {
    return value.type();
  }

  public ConvertType keyType() {
    return key.type();
  }

  /** How bytes become a value. */
  public enum ConvertType {
    /** The bytes, as a {@code binary} column. */
    RAW,
    /** The bytes decoded as UTF-8, as a {@code string} column. */
    STRING,
    /** Floe's schemaless JSON: the schema is inferred from the records and evolves with them. */
    JSON,
    /** Avro/Protobuf by the schema id in the record (Confluent wire format). */
    BY_SCHEMA_ID,
    /** Bare Avro/Protobuf bytes read with the registry subject's latest schema. */
    BY_LATEST_SCHEMA,
    /** Floe's: bare Protobuf bytes read with .proto files the broker reads, no registry. */
    PROTOBUF;

    public String configValue() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** How a converted value is laid out in the table. */
  public enum TransformType {
    /** The value is one column. */
    NONE,
    /** The value's top-level fields are columns. */
    FLATTEN,
    /** Debezium envelopes, unwrapped by the cdc module. Not handled by this module. */
    FLATTEN_DEBEZIUM;

    public String configValue() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * Reads the converter configs from a topic's config map (other keys are ignored; values are
   * case-insensitive and trimmed).
   *
   * @throws IllegalArgumentException naming the key and the allowed values if a value is invalid
   */
  public static ConverterConfig fromTopicConfigs(Map<String, String> topicConfigs) {
    return new ConverterConfig(
        new Side(parse(topicConfigs, CONVERT_VALUE_TYPE, ConvertType.class, ConvertType.RAW),
            text(topicConfigs, VALUE_SUBJECT), text(topicConfigs, VALUE_MESSAGE),
            text(topicConfigs, VALUE_PROTOBUF_PATH), text(topicConfigs, VALUE_PROTOBUF_MESSAGE)),
        new Side(parse(topicConfigs, CONVERT_KEY_TYPE, ConvertType.class, ConvertType.STRING),
            text(topicConfigs, KEY_SUBJECT), text(topicConfigs, KEY_MESSAGE),
            text(topicConfigs, KEY_PROTOBUF_PATH), text(topicConfigs, KEY_PROTOBUF_MESSAGE)),
        parse(topicConfigs, TRANSFORM_VALUE_TYPE, TransformType.class, TransformType.NONE));
  }

  private static String text(Map<String, String> configs, String key) {
    String v = configs.get(key);
    return v == null ? "" : v.trim();
  }

  private static <E extends Enum<E>> E parse(
      Map<String, String> configs, String key, Class<E> type, E defaultValue) {
    String raw = configs.get(key);
    if (raw == null || raw.isBlank()) {
      return defaultValue;
    }
    String normalized = raw.trim().toUpperCase(Locale.ROOT);
    for (E constant : type.getEnumConstants()) {
      if (constant.name().equals(normalized)) {
        return constant;
      }
    }
    String allowed =
        Arrays.stream(type.getEnumConstants())
            .map(e -> e.name().toLowerCase(Locale.ROOT))
            .collect(Collectors.joining(", "));
    throw new IllegalArgumentException(
        String.format("Invalid value %s for configuration %s: must be one of %s", raw, key, allowed));
  }
}
