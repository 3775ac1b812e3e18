package io.floe.schema;

import io.floe.schema.registry.SchemaRegistryClient;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.apache.iceberg.relocated.com.google.common.base.Preconditions;

/**
 * Where converters of values with declared schemas get them: the topic (for the default registry subjects
 * {@code <topic>-value} and {@code <topic>-key}), the schema registry, and a clock for their caches.
 */
public record SchemaSources(String topic, Optional<SchemaRegistryClient> registry, LongSupplier clock) {

  public SchemaSources {
    Preconditions.checkArgument(topic != null, "Cannot create schema sources: topic is null");
    Preconditions.checkArgument(registry != null, "Cannot create schema sources: registry is null");
    Preconditions.checkArgument(clock != null, "Cannot create schema sources: clock is null");
  }

  /** No registry: raw, string, json and protobuf (.proto files) values only. */
  public static SchemaSources withoutRegistry(String topic) {
    return new SchemaSources(topic, Optional.empty(), System::currentTimeMillis);
  }

  /** Schemas from {@code registry}, on the wall clock. */
  public static SchemaSources of(String topic, SchemaRegistryClient registry) {
    Preconditions.checkArgument(registry != null, "Cannot create schema sources: registry is null");
    return new SchemaSources(topic, Optional.of(registry), System::currentTimeMillis);
  }
}
