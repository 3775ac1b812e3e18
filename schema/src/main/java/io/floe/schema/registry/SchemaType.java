package io.floe.schema.registry;

/** The schema languages of a Confluent-compatible registry, by their API names. */
public enum SchemaType {
  AVRO,
  PROTOBUF,
  JSON
}
