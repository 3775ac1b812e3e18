package io.floe.schema.registry;

import org.apache.iceberg.relocated.com.google.common.base.Preconditions;

/**
 * A schema's dependency on another registered schema: {@code name} is how the referencing schema names it (an
 * Avro named type's full name, a Protobuf import path, a JSON Schema {@code $ref} URL), {@code subject} and
 * {@code version} where it is registered. A stored reference always has a concrete version; {@code -1} (the
 * subject's latest) is allowed only in a registration request, which resolves it.
 */
public record SchemaReference(String name, String subject, int version) {
  public SchemaReference {
    Preconditions.checkArgument(name != null && !name.isEmpty(), "Cannot create schema reference: name is empty");
    Preconditions.checkArgument(
        subject != null && !subject.isEmpty(), "Cannot create schema reference %s: subject is empty", name);
    Preconditions.checkArgument(
        version > 0 || version == -1,
        "Cannot create schema reference %s: version must be positive or -1 (latest), got %s",
        name,
        version);
  }
}
