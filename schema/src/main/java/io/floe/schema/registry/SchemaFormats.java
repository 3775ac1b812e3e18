package io.floe.schema.registry;

import io.floe.schema.internal.protobuf.ProtobufFormat;
import java.util.Map;

/** The schema languages Floe's registry accepts. */
public final class SchemaFormats {

  private SchemaFormats() {}

  /** Avro, Protobuf and JSON Schema, as Confluent's registry accepts them. */
  public static Map<SchemaType, SchemaFormat> all() {
    return Map.of(
        SchemaType.AVRO, new AvroFormat(),
        SchemaType.PROTOBUF, new ProtobufFormat(),
        SchemaType.JSON, new JsonSchemaFormat());
  }
}
