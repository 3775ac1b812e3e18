package io.floe.schema.registry;

import java.util.List;
import org.apache.iceberg.relocated.com.google.common.base.Preconditions;

/**
 * A schema as registered: its global {@code id}, one {@code subject} and {@code version} it is registered
 * under, and its text with the references it needs. The same id may be registered under several subjects; a
 * schema looked up by id names the first of them that is not deleted, or subject {@code ""} and version 0 when a
 * remote registry does not tell.
 */
public record RegisteredSchema(
    int id, String subject, int version, SchemaType type, String schema, List<SchemaReference> references) {
  public RegisteredSchema {
    Preconditions.checkArgument(id > 0, "Cannot create registered schema: id must be positive, got %s", id);
    Preconditions.checkArgument(subject != null, "Cannot create registered schema %s: subject is null", id);
    Preconditions.checkArgument(
        version > 0 || (version == 0 && subject.isEmpty()),
        "Cannot create registered schema %s: version must be positive, got %s",
        id,
        version);
    Preconditions.checkArgument(type != null, "Cannot create registered schema %s: type is null", id);
    Preconditions.checkArgument(schema != null, "Cannot create registered schema %s: schema is null", id);
    references = List.copyOf(references);
  }
}
