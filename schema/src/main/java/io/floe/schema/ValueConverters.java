package io.floe.schema;

import io.floe.schema.ConverterConfig.ConvertType;
import io.floe.schema.ConverterConfig.TransformType;
import io.floe.schema.internal.FixedTypeConverter;
import io.floe.schema.internal.json.JsonValueConverter;
import io.floe.schema.internal.typed.TypedConverters;
import io.floe.schema.registry.SchemaRegistryClient;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.apache.iceberg.relocated.com.google.common.base.Preconditions;

/** Creates the {@link ValueConverter}s a table topic's configs ask for. */
public final class ValueConverters {

  /** The column that holds the key (AutoMQ's layout). */
  public static final String KEY_COLUMN = "_kafka_key";

  /** The column that holds the value when it is not flattened (AutoMQ's layout). */
  public static final String VALUE_COLUMN = "_kafka_value";

  private ValueConverters() {}

  /**
   * The value converter: {@code convert.value.type} placed by {@code transform.value.type} (flattened,
   * or in {@link #VALUE_COLUMN}).
   *
   * @throws IllegalArgumentException if the configs are invalid or not supported (see {@link
   *     #validate})
   */
  public static ValueConverter forValue(Map<String, String> topicConfigs) {
    return forValue(topicConfigs, VALUE_COLUMN);
  }

  /** As {@link #forValue(Map)}, with the value in {@code valueColumn} when it is not flattened. */
  public static ValueConverter forValue(Map<String, String> topicConfigs, String valueColumn) {
    return forValue(topicConfigs, valueColumn, SchemaSources.withoutRegistry(""));
  }

  /**
   * The value converter, with schemas from {@code sources} for {@code by_schema_id} and {@code
   * by_latest_schema}.
   *
   * @throws IllegalArgumentException if the configs are invalid, a registry is needed and {@code sources}
   *     has none, or the .proto files of {@code protobuf} cannot be read
   */
  public static ValueConverter forValue(
      Map<String, String> topicConfigs, String valueColumn, SchemaSources sources) {
    ConverterConfig config = validate(topicConfigs);
    Placement placement =
        config.transformType() == TransformType.FLATTEN
            ? Placement.flattened()
            : Placement.column(valueColumn);
    return create(config.value(), placement, sources, "value");
  }

  /** The key converter: {@code convert.key.type}, in {@link #KEY_COLUMN}. */
  public static ValueConverter forKey(Map<String, String> topicConfigs) {
    return forKey(topicConfigs, KEY_COLUMN);
  }

  /** As {@link #forKey(Map)}, with the key in {@code keyColumn}. */
  public static ValueConverter forKey(Map<String, String> topicConfigs, String keyColumn) {
    return forKey(topicConfigs, keyColumn, SchemaSources.withoutRegistry(""));
  }

  /** As {@link #forKey(Map, String)}, with schemas from {@code sources}. */
  public static ValueConverter forKey(
      Map<String, String> topicConfigs, String keyColumn, SchemaSources sources) {
    ConverterConfig config = validate(topicConfigs);
    return create(config.key(), Placement.column(keyColumn), sources, "key");
  }

  private static ValueConverter create(
      ConverterConfig.Side side, Placement placement, SchemaSources sources, String suffix) {
    switch (side.type()) {
      case BY_SCHEMA_ID:
        return TypedConverters.bySchemaId(placement, registry(side, sources), sources.clock());
      case BY_LATEST_SCHEMA:
        String subject = side.subject().isEmpty() ? sources.topic() + "-" + suffix : side.subject();
        return TypedConverters.byLatestSchema(
            placement, registry(side, sources), subject, side.messageFullName(), sources.clock());
      case PROTOBUF:
        return TypedConverters.protobufFiles(
            placement, Path.of(side.protobufPath()), side.protobufMessage());
      default:
        return create(side.type(), placement);
    }
  }

  private static SchemaRegistryClient registry(ConverterConfig.Side side, SchemaSources sources) {
    return sources.registry().orElseThrow(() -> new IllegalArgumentException(String.format(
        "Cannot convert with %s: no schema registry is configured (set %s)",
        side.type().configValue(), ConverterConfig.PREFIX + "schema.registry.url")));
  }

  /**
   * A converter of a type that needs no schema source (raw, string, json) and the given placement.
   *
   * @throws IllegalArgumentException if the type cannot be placed so, or needs a schema source
   */
  public static ValueConverter create(ConvertType type, Placement placement) {
    Preconditions.checkArgument(type != null, "Cannot create a converter: type is null");
    Preconditions.checkArgument(placement != null, "Cannot create a converter: placement is null");
    switch (type) {
      case RAW:
        checkNotFlattened(type, placement);
        return FixedTypeConverter.raw((Placement.Column) placement);
      case STRING:
        checkNotFlattened(type, placement);
        return FixedTypeConverter.string((Placement.Column) placement);
      case JSON:
        return new JsonValueConverter(placement);
      default:
        throw new IllegalArgumentException(
            String.format(
                "Cannot create a %s converter without its schema source: use forValue or forKey",
                type.configValue()));
    }
  }

  /**
   * Checks a topic's converter configs, for topic creation and config changes: the values are valid
   * and this build can convert them.
   *
   * @return the parsed configs
   * @throws IllegalArgumentException with a message naming the key and the problem
   */
  public static ConverterConfig validate(Map<String, String> topicConfigs) {
    Preconditions.checkArgument(topicConfigs != null, "Cannot read topic configs: null");
    ConverterConfig config = ConverterConfig.fromTopicConfigs(topicConfigs);
    checkProtobufFiles(config.value(), ConverterConfig.VALUE_PROTOBUF_PATH, ConverterConfig.VALUE_PROTOBUF_MESSAGE);
    checkProtobufFiles(config.key(), ConverterConfig.KEY_PROTOBUF_PATH, ConverterConfig.KEY_PROTOBUF_MESSAGE);
    if (config.transformType() == TransformType.FLATTEN_DEBEZIUM) {
      throw new IllegalArgumentException(
          String.format(
              "Cannot convert with %s=flatten_debezium: Debezium envelopes are unwrapped by the cdc"
                  + " module, not by a plain value converter",
              ConverterConfig.TRANSFORM_VALUE_TYPE));
    }
    if (config.transformType() == TransformType.FLATTEN
        && (config.valueType() == ConvertType.RAW || config.valueType() == ConvertType.STRING)) {
      throw new IllegalArgumentException(
          String.format(
              "Cannot flatten %s values: %s=flatten needs structured values (%s=json)",
              config.valueType().configValue(),
              ConverterConfig.TRANSFORM_VALUE_TYPE,
              ConverterConfig.CONVERT_VALUE_TYPE));
    }
    return config;
  }

  /**
   * Whether a top-level column name belongs to Floe's record metadata ({@code _kafka_*}, {@code _cdc},
   * any case), so a flattened value may not use it.
   */
  public static boolean isReservedColumn(String name) {
    return name.regionMatches(true, 0, "_kafka_", 0, 7)
        || name.toLowerCase(Locale.ROOT).equals("_cdc");
  }

  private static void checkProtobufFiles(ConverterConfig.Side side, String pathKey, String messageKey) {
    if (side.type() == ConvertType.PROTOBUF && (side.protobufPath().isEmpty() || side.protobufMessage().isEmpty())) {
      throw new IllegalArgumentException(
          String.format(
              "Cannot convert with type protobuf: set %s to the directory of the .proto files and %s to"
                  + " the message's full name (e.g. shop.v1.Order)",
              pathKey, messageKey));
    }
  }

  private static void checkNotFlattened(ConvertType type, Placement placement) {
    Preconditions.checkArgument(
        placement instanceof Placement.Column,
        "Cannot flatten %s values: flatten needs structured values (json)",
        type.configValue());
  }
}
