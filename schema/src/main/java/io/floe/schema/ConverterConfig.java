package io.floe.schema;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The converter-related topic configs, with AutoMQ's names and defaults (value {@code raw}, key
 * {@code string}, transform {@code none}).
 */
public record ConverterConfig(
    ConvertType valueType, ConvertType keyType, TransformType transformType) {

  public static final String PREFIX = "automq.table.topic.";
  public static final String CONVERT_VALUE_TYPE = PREFIX + "convert.value.type";
  public static final String CONVERT_KEY_TYPE = PREFIX + "convert.key.type";
  public static final String TRANSFORM_VALUE_TYPE = PREFIX + "transform.value.type";

  /** How bytes become a value. */
  public enum ConvertType {
    /** The bytes, as a {@code binary} column. */
    RAW,
    /** The bytes decoded as UTF-8, as a {@code string} column. */
    STRING,
    /** Floe's schemaless JSON: the schema is inferred from the records and evolves with them. */
    JSON,
    /** Avro/Protobuf by the schema id in the record (Confluent wire format). Not implemented yet. */
    BY_SCHEMA_ID,
    /** Avro/Protobuf by the registry subject's latest schema. Not implemented yet. */
    BY_LATEST_SCHEMA;

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
        parse(topicConfigs, CONVERT_VALUE_TYPE, ConvertType.class, ConvertType.RAW),
        parse(topicConfigs, CONVERT_KEY_TYPE, ConvertType.class, ConvertType.STRING),
        parse(topicConfigs, TRANSFORM_VALUE_TYPE, TransformType.class, TransformType.NONE));
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
