package io.floe.broker.registry;

import io.floe.schema.registry.CompatibilityLevel;
import io.floe.schema.registry.RegistryUnavailableException;
import io.floe.schema.registry.SchemaReference;
import io.floe.schema.registry.SchemaRegistryStore;
import io.floe.schema.registry.SchemaType;
import io.floe.storage.metadata.MetadataStoreException;
import io.floe.storage.metadata.SchemaStore;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The schema registry's store in the metadata store ({@link SchemaStore}), so its subjects survive restarts and
 * are shared by a cluster's brokers. A metadata store failure is {@link RegistryUnavailableException}: the
 * registry cannot answer, which says nothing about the schema asked for.
 */
final class MetadataSchemaRegistryStore implements SchemaRegistryStore {

  private final SchemaStore store;

  MetadataSchemaRegistryStore(SchemaStore store) {
    this.store = store;
  }

  @Override
  public Optional<Registration> register(String subject, SchemaType type, String schema,
      List<SchemaReference> references, int expectedLatestVersion) {
    return call(() -> store.register(subject, type.name(), schema, toStore(references), expectedLatestVersion)
        .map(r -> new Registration(r.id(), r.version())));
  }

  @Override
  public Optional<StoredVersion> version(String subject, int version) {
    return call(() -> store.version(subject, version).map(MetadataSchemaRegistryStore::fromStore));
  }

  @Override
  public List<StoredVersion> versions(String subject, boolean includeDeleted) {
    return call(() -> fromStore(store.versions(subject, includeDeleted)));
  }

  @Override
  public List<String> subjects(boolean includeDeleted) {
    return call(() -> store.subjects(includeDeleted));
  }

  @Override
  public List<StoredVersion> versionsOfId(int id) {
    return call(() -> fromStore(store.versionsOfId(id)));
  }

  @Override
  public List<StoredVersion> referencedBy(String subject, int version) {
    return call(() -> fromStore(store.referencedBy(subject, version)));
  }

  @Override
  public boolean softDelete(String subject, int version) {
    return call(() -> store.softDelete(subject, version));
  }

  @Override
  public boolean hardDelete(String subject, int version) {
    return call(() -> store.hardDelete(subject, version));
  }

  @Override
  public Optional<CompatibilityLevel> compatibility(String scope) {
    return call(() -> store.compatibility(scope).flatMap(CompatibilityLevel::forName));
  }

  @Override
  public void setCompatibility(String scope, CompatibilityLevel level) {
    call(() -> {
      store.setCompatibility(scope, level.name());
      return null;
    });
  }

  @Override
  public boolean deleteCompatibility(String scope) {
    return call(() -> store.deleteCompatibility(scope));
  }

  private static <T> T call(Supplier<T> work) {
    try {
      return work.get();
    } catch (MetadataStoreException e) {
      throw new RegistryUnavailableException("the metadata store failed: " + e.getMessage(), e);
    }
  }

  private static List<SchemaStore.Reference> toStore(List<SchemaReference> refs) {
    return refs.stream().map(r -> new SchemaStore.Reference(r.name(), r.subject(), r.version())).toList();
  }

  private static List<StoredVersion> fromStore(List<SchemaStore.SchemaVersion> versions) {
    return versions.stream().map(MetadataSchemaRegistryStore::fromStore).toList();
  }

  private static StoredVersion fromStore(SchemaStore.SchemaVersion v) {
    return new StoredVersion(v.subject(), v.version(), v.id(), SchemaType.valueOf(v.type()), v.schema(),
        v.references().stream().map(r -> new SchemaReference(r.name(), r.subject(), r.version())).toList(),
        v.deleted());
  }
}
