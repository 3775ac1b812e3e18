package io.floe.schema;

import static org.apache.iceberg.types.Types.NestedField.optional;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.schema.ConverterConfig.ConvertType;
import io.floe.schema.ConverterConfig.TransformType;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.iceberg.Schema;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;

class ValueConvertersTest {

  @Test
  void defaultsAreARawValueAndAStringKey() {
    // Given a topic with no converter configs
    Map<String, String> configs = Map.of("automq.table.topic.enable", "true");

    // When its converters are created
    ValueConverter value = ValueConverters.forValue(configs);
    ValueConverter key = ValueConverters.forKey(configs);

    // Then the value is a binary _kafka_value and the key a string _kafka_key
    assertEquals(Placement.column("_kafka_value"), value.placement());
    assertEquals("_kafka_value: binary", TypeText.of(value.columns()));
    assertEquals(Placement.column("_kafka_key"), key.placement());
    assertEquals("_kafka_key: string", TypeText.of(key.columns()));

    // And they need their columns until bound to a table that has them
    assertTrue(value.needsSchemaChange());
    value.useSchema(new Schema(optional(1, "_kafka_value", Types.BinaryType.get())));
    assertFalse(value.needsSchemaChange());
  }

  @Test
  void rawKeepsTheBytesAndStringDecodesUtf8() {
    // Given raw and string converters
    ValueConverter raw = ValueConverters.create(ConvertType.RAW, Placement.column("v"));
    ValueConverter string = ValueConverters.create(ConvertType.STRING, Placement.column("k"));
    byte[] bytes = {0, 1, 2, (byte) 0xff};

    // When they convert bytes, a slice, valid and invalid UTF-8, and nulls
    ConversionResult rawResult = raw.convert(bytes);
    ConversionResult slice = raw.convert(bytes, 1, 2);
    ConversionResult text = string.convert("grüße".getBytes(StandardCharsets.UTF_8));
    ConversionResult binaryKey = string.convert(new byte[] {'a', (byte) 0xff});

    // Then raw wraps the bytes, string decodes them (malformed bytes become U+FFFD, as Kafka's
    // StringDeserializer does), and null stays null
    assertEquals(ByteBuffer.wrap(bytes), rawResult.value());
    assertEquals(ByteBuffer.wrap(new byte[] {1, 2}), slice.value());
    assertEquals("grüße", text.value());
    assertEquals("a\uFFFD", binaryKey.value());
    assertNull(raw.convert(null).value());
    assertNull(string.convert(null).value());
  }

  @Test
  void aTableColumnOfAnotherTypeFailsEveryRecordWithTheReason() {
    // Given a table whose _kafka_value is a string, and a topic switched to raw values
    ValueConverter raw = ValueConverters.forValue(Map.of());
    raw.useSchema(new Schema(optional(1, "_kafka_value", Types.StringType.get())));

    // When a record is converted
    ConversionResult result = raw.convert(new byte[] {1});

    // Then it fails with a type conflict naming the column and both types
    assertEquals(ConversionError.Reason.TYPE_CONFLICT, result.error().reason());
    assertEquals(
        "field '_kafka_value' is string in the table, but this converter writes binary values;"
            + " the topic's convert type no longer matches the table",
        result.error().message());
  }

  @Test
  void configValuesAreCaseInsensitiveAndFlattenPlacesFieldsAtTheTop() {
    // When a topic asks for JSON values, flattened, and a JSON key
    ConverterConfig config =
        ValueConverters.validate(
            Map.of(
                ConverterConfig.CONVERT_VALUE_TYPE, " JSON ",
                ConverterConfig.CONVERT_KEY_TYPE, "json",
                ConverterConfig.TRANSFORM_VALUE_TYPE, "Flatten"));

    // Then they are parsed and the value converter flattens
    assertEquals(
        new ConverterConfig(ConverterConfig.Side.of(ConvertType.JSON), ConverterConfig.Side.of(ConvertType.JSON),
            TransformType.FLATTEN), config);
    assertEquals(
        Placement.flattened(),
        ValueConverters.forValue(Map.of(ConverterConfig.CONVERT_VALUE_TYPE, "json",
            ConverterConfig.TRANSFORM_VALUE_TYPE, "flatten")).placement());
  }

  @Test
  void invalidOrUnsupportedConfigsAreRejectedWithTheKeyAndTheReason() {
    assertEquals(
        "Invalid value avro for configuration automq.table.topic.convert.value.type: must be one of"
            + " raw, string, json, by_schema_id, by_latest_schema, protobuf",
        reject(Map.of(ConverterConfig.CONVERT_VALUE_TYPE, "avro")));
    assertEquals(
        "Cannot flatten raw values: automq.table.topic.transform.value.type=flatten needs structured"
            + " values (automq.table.topic.convert.value.type=json)",
        reject(Map.of(ConverterConfig.TRANSFORM_VALUE_TYPE, "flatten")));
    assertEquals(
        "Cannot convert with type protobuf: set automq.table.topic.convert.value.protobuf.path to the"
            + " directory of the .proto files and automq.table.topic.convert.value.protobuf.message.full.name"
            + " to the message's full name (e.g. shop.v1.Order)",
        reject(Map.of(ConverterConfig.CONVERT_VALUE_TYPE, "protobuf")));
    assertEquals(
        "Cannot convert with by_schema_id: no schema registry is configured (set"
            + " automq.table.topic.schema.registry.url)",
        reject(Map.of(ConverterConfig.CONVERT_VALUE_TYPE, "by_schema_id")));
    assertEquals(
        "Cannot convert with automq.table.topic.transform.value.type=flatten_debezium: Debezium"
            + " envelopes are unwrapped by the cdc module, not by a plain value converter",
        reject(Map.of(ConverterConfig.TRANSFORM_VALUE_TYPE, "flatten_debezium")));
  }

  private static String reject(Map<String, String> configs) {
    return assertThrows(IllegalArgumentException.class, () -> ValueConverters.forValue(configs))
        .getMessage();
  }
}
