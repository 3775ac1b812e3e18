package io.floe.schema.registry;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@link SchemaRegistryStore} in memory, for tests and for a broker without a metadata store: what it holds is
 * lost when the process ends. Every method holds the store's lock, which makes each one atomic.
 */
public final class InMemorySchemaRegistryStore implements SchemaRegistryStore {

  private record Content(SchemaType type, String schema, List<SchemaReference> references) {}

  private record Entry(int id, boolean deleted) {}

  private final Map<String, TreeMap<Integer, Entry>> subjects = new TreeMap<>();
  private final Map<Integer, Content> schemas = new HashMap<>();
  private final Map<Content, Integer> ids = new HashMap<>();
  private final Map<String, CompatibilityLevel> configs = new HashMap<>();
  private int nextId = 1;

  @Override
  public synchronized Optional<Registration> register(
      String subject, SchemaType type, String schema, List<SchemaReference> references, int expectedLatestVersion) {
    Content content = new Content(type, schema, List.copyOf(references));
    TreeMap<Integer, Entry> versions = subjects.getOrDefault(subject, new TreeMap<>());
    Integer knownId = ids.get(content);
    if (knownId != null) {
      for (Map.Entry<Integer, Entry> e : versions.descendingMap().entrySet()) {
        if (e.getValue().id() == knownId && !e.getValue().deleted()) {
          return Optional.of(new Registration(knownId, e.getKey()));
        }
      }
    }
    int latest = versions.isEmpty() ? 0 : versions.lastKey();
    if (latest != expectedLatestVersion) {
      return Optional.empty();
    }
    int id;
    if (knownId != null) {
      id = knownId;
    } else {
      id = nextId++;
      ids.put(content, id);
      schemas.put(id, content);
    }
    versions.put(latest + 1, new Entry(id, false));
    subjects.put(subject, versions);
    return Optional.of(new Registration(id, latest + 1));
  }

  @Override
  public synchronized Optional<StoredVersion> version(String subject, int version) {
    TreeMap<Integer, Entry> versions = subjects.get(subject);
    Entry e = versions == null ? null : versions.get(version);
    return e == null ? Optional.empty() : Optional.of(stored(subject, version, e));
  }

  @Override
  public synchronized List<StoredVersion> versions(String subject, boolean includeDeleted) {
    List<StoredVersion> out = new ArrayList<>();
    subjects.getOrDefault(subject, new TreeMap<>()).forEach((v, e) -> {
      if (includeDeleted || !e.deleted()) {
        out.add(stored(subject, v, e));
      }
    });
    return out;
  }

  @Override
  public synchronized List<String> subjects(boolean includeDeleted) {
    List<String> out = new ArrayList<>();
    subjects.forEach((subject, versions) -> {
      if (includeDeleted || versions.values().stream().anyMatch(e -> !e.deleted())) {
        out.add(subject);
      }
    });
    return out;
  }

  @Override
  public synchronized List<StoredVersion> versionsOfId(int id) {
    List<StoredVersion> out = new ArrayList<>();
    subjects.forEach((subject, versions) -> versions.forEach((v, e) -> {
      if (e.id() == id) {
        out.add(stored(subject, v, e));
      }
    }));
    return out;
  }

  @Override
  public synchronized List<StoredVersion> referencedBy(String subject, int version) {
    List<StoredVersion> out = new ArrayList<>();
    subjects.forEach((s, versions) -> versions.forEach((v, e) -> {
      for (SchemaReference ref : schemas.get(e.id()).references()) {
        if (ref.subject().equals(subject) && ref.version() == version) {
          out.add(stored(s, v, e));
          break;
        }
      }
    }));
    out.sort(Comparator.comparing(StoredVersion::subject).thenComparingInt(StoredVersion::version));
    return out;
  }

  @Override
  public synchronized boolean softDelete(String subject, int version) {
    TreeMap<Integer, Entry> versions = subjects.get(subject);
    Entry e = versions == null ? null : versions.get(version);
    if (e == null || e.deleted()) {
      return false;
    }
    versions.put(version, new Entry(e.id(), true));
    return true;
  }

  @Override
  public synchronized boolean hardDelete(String subject, int version) {
    TreeMap<Integer, Entry> versions = subjects.get(subject);
    Entry e = versions == null ? null : versions.get(version);
    if (e == null || !e.deleted()) {
      return false;
    }
    versions.remove(version);
    if (versions.isEmpty()) {
      subjects.remove(subject);
    }
    boolean stillUsed =
        subjects.values().stream().anyMatch(vs -> vs.values().stream().anyMatch(other -> other.id() == e.id()));
    if (!stillUsed) {
      ids.remove(schemas.remove(e.id()));
    }
    return true;
  }

  @Override
  public synchronized Optional<CompatibilityLevel> compatibility(String scope) {
    return Optional.ofNullable(configs.get(scope));
  }

  @Override
  public synchronized void setCompatibility(String scope, CompatibilityLevel level) {
    configs.put(scope, level);
  }

  @Override
  public synchronized boolean deleteCompatibility(String scope) {
    return configs.remove(scope) != null;
  }

  private StoredVersion stored(String subject, int version, Entry e) {
    Content c = schemas.get(e.id());
    return new StoredVersion(subject, version, e.id(), c.type(), c.schema(), c.references(), e.deleted());
  }
}
