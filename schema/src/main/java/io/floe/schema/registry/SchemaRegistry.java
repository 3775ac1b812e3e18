package io.floe.schema.registry;

import io.floe.schema.registry.SchemaRegistryStore.Registration;
import io.floe.schema.registry.SchemaRegistryStore.StoredVersion;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.iceberg.relocated.com.google.common.base.Preconditions;

/**
 * A Confluent-compatible schema registry over a {@link SchemaRegistryStore}: validates schemas with their
 * {@link SchemaFormat}, gives each distinct schema one id, numbers the versions of each subject, enforces the
 * subject's compatibility level, and deletes softly then permanently. {@link SchemaRegistryApi} maps it to the
 * REST API; the broker's converters use it in process as a {@link SchemaRegistryClient}. Thread-safe: it keeps
 * no state of its own, and registrations racing in one subject (brokers sharing a store) are settled by the
 * store's atomic {@link SchemaRegistryStore#register}.
 *
 * <p>Failures: {@link SchemaRegistryException} with Confluent's error code when a request is refused, {@link
 * RegistryUnavailableException} when the store cannot be reached.
 */
public final class SchemaRegistry implements SchemaRegistryClient {
  /** Subjects are keys of the metadata store; Kafka topic names (at most 249) plus a record name fit. */
  public static final int MAX_SUBJECT_LENGTH = 1024;
  /** The level where neither the subject nor the global config sets one, as in Confluent's registry. */
  public static final CompatibilityLevel DEFAULT_COMPATIBILITY = CompatibilityLevel.BACKWARD;

  /** Rounds of check-then-register when other registrations keep landing in the same subject meanwhile. */
  private static final int MAX_REGISTER_ATTEMPTS = 10;
  /** Schemas referenced directly or transitively by one schema, at most: bounds a pathological chain. */
  private static final int MAX_REFERENCED_SCHEMAS = 1_000;

  /** A schema's text as a client sends it, with its type and the references it names. */
  public record SchemaText(SchemaType type, String schema, List<SchemaReference> references) {
    public SchemaText {
      Preconditions.checkArgument(type != null, "Cannot create schema text: type is null");
      references = List.copyOf(references);
    }
  }

  /** A schema that parsed: its canonical text and the texts of what it references, by reference name. */
  private record Resolved(
      SchemaType type,
      SchemaFormat format,
      String canonical,
      List<SchemaReference> references,
      Map<String, String> referenceTexts) {

    boolean sameAs(StoredVersion v) {
      return v.type() == type && v.schema().equals(canonical) && v.references().equals(references);
    }
  }

  private final SchemaRegistryStore store;
  private final Map<SchemaType, SchemaFormat> formats;

  public SchemaRegistry(SchemaRegistryStore store, Map<SchemaType, SchemaFormat> formats) {
    Preconditions.checkArgument(store != null, "Cannot create schema registry: store is null");
    Preconditions.checkArgument(
        formats != null && !formats.isEmpty(), "Cannot create schema registry: no schema format given");
    formats.forEach(
        (type, format) ->
            Preconditions.checkArgument(
                format.type() == type,
                "Cannot create schema registry: the format for %s handles %s",
                type,
                format.type()));
    this.store = store;
    this.formats = Collections.unmodifiableMap(new EnumMap<>(formats));
  }

  /** The schema types this registry accepts. */
  public Set<SchemaType> types() {
    return formats.keySet();
  }

  // ---------------------------------------------------------------- registering and looking up

  /**
   * Registers a schema under a subject and returns it as stored (its canonical text, its references with
   * concrete versions). Registering a schema the subject already has (not deleted) returns that version
   * unchanged; a schema another subject has keeps its id.
   *
   * @throws SchemaRegistryException 42201 if the schema or a reference is invalid, 409 if it is incompatible
   *     with the subject's versions under its compatibility level, 42208 for an invalid subject name
   */
  public RegisteredSchema register(String subject, SchemaText text) {
    checkSubject(subject);
    Resolved resolved = resolve(text);
    for (int attempt = 0; attempt < MAX_REGISTER_ATTEMPTS; attempt++) {
      List<StoredVersion> all = store.versions(subject, true);
      List<StoredVersion> liveNewestFirst = liveNewestFirst(all);
      for (StoredVersion v : liveNewestFirst) {
        if (resolved.sameAs(v)) {
          return registered(v);
        }
      }
      List<String> problems =
          incompatibilities(resolved, liveNewestFirst, effectiveCompatibility(subject));
      if (!problems.isEmpty()) {
        throw SchemaRegistryException.incompatible(subject, problems);
      }
      int latest = all.isEmpty() ? 0 : all.get(all.size() - 1).version();
      Optional<Registration> registration =
          store.register(subject, resolved.type(), resolved.canonical(), resolved.references(), latest);
      if (registration.isPresent()) {
        Registration r = registration.get();
        return new RegisteredSchema(
            r.id(), subject, r.version(), resolved.type(), resolved.canonical(), resolved.references());
      }
    }
    throw SchemaRegistryException.storeError(
        "Cannot register a schema under subject '" + subject + "': other versions kept being registered"
            + " concurrently in " + MAX_REGISTER_ATTEMPTS + " attempts; try again");
  }

  /**
   * The version of a subject that has this schema (the newest, if several), as {@code POST /subjects/{subject}}
   * answers.
   *
   * @throws SchemaRegistryException 40401 if the subject has no version, 40403 if none has this schema, 42201 if
   *     the schema is invalid
   */
  public RegisteredSchema lookup(String subject, SchemaText text, boolean includeDeleted) {
    Resolved resolved = resolve(text);
    List<StoredVersion> versions = store.versions(subject, includeDeleted);
    if (versions.isEmpty()) {
      throw SchemaRegistryException.subjectNotFound(subject);
    }
    for (int i = versions.size() - 1; i >= 0; i--) {
      if (resolved.sameAs(versions.get(i))) {
        return registered(versions.get(i));
      }
    }
    throw SchemaRegistryException.schemaNotFound();
  }

  @Override
  public RegisteredSchema byId(int id) {
    List<StoredVersion> versions = store.versionsOfId(id);
    if (versions.isEmpty()) {
      throw SchemaRegistryException.schemaNotFound(id);
    }
    // The same choice on every broker, whatever order the store answers in: live before soft-deleted, then by
    // subject and version.
    StoredVersion first =
        versions.stream()
            .min(Comparator.comparing(StoredVersion::deleted)
                .thenComparing(StoredVersion::subject)
                .thenComparingInt(StoredVersion::version))
            .orElseThrow();
    return registered(first);
  }

  @Override
  public RegisteredSchema latest(String subject) {
    return version(subject, -1, false);
  }

  @Override
  public RegisteredSchema version(String subject, int version) {
    return version(subject, version, false);
  }

  /**
   * A version of a subject; {@code -1} is the latest (among soft-deleted ones too, if included).
   *
   * @throws SchemaRegistryException 40401 if the subject has no version (counting soft-deleted ones if
   *     included), 40402 if it has not this one, 42202 for a version below 1 other than -1
   */
  public RegisteredSchema version(String subject, int version, boolean includeDeleted) {
    checkVersion(version);
    if (version == -1) {
      List<StoredVersion> versions = store.versions(subject, includeDeleted);
      if (versions.isEmpty()) {
        throw SchemaRegistryException.subjectNotFound(subject);
      }
      return registered(versions.get(versions.size() - 1));
    }
    Optional<StoredVersion> found = store.version(subject, version);
    if (found.isPresent() && (includeDeleted || !found.get().deleted())) {
      return registered(found.get());
    }
    if (store.versions(subject, includeDeleted).isEmpty()) {
      throw SchemaRegistryException.subjectNotFound(subject);
    }
    throw SchemaRegistryException.versionNotFound(version);
  }

  /** The subject's version numbers, ascending. @throws SchemaRegistryException 40401 if it has none */
  public List<Integer> versions(String subject, boolean includeDeleted) {
    List<StoredVersion> versions = store.versions(subject, includeDeleted);
    if (versions.isEmpty()) {
      throw SchemaRegistryException.subjectNotFound(subject);
    }
    return versions.stream().map(StoredVersion::version).toList();
  }

  /** The subjects starting with {@code prefix} (every one for ""), sorted. */
  public List<String> subjects(String prefix, boolean includeDeleted) {
    return store.subjects(includeDeleted).stream().filter(s -> s.startsWith(prefix)).sorted().toList();
  }

  /** The subjects using a schema id. @throws SchemaRegistryException 40403 for an unknown id */
  public List<String> subjectsOfId(int id, boolean includeDeleted) {
    return new ArrayList<>(
        new TreeSet<>(versionsOfId(id, includeDeleted).stream().map(RegisteredSchema::subject).toList()));
  }

  /** The subject versions using a schema id. @throws SchemaRegistryException 40403 for an unknown id */
  public List<RegisteredSchema> versionsOfId(int id, boolean includeDeleted) {
    List<StoredVersion> versions = store.versionsOfId(id);
    if (versions.isEmpty()) {
      throw SchemaRegistryException.schemaNotFound();
    }
    return versions.stream().filter(v -> includeDeleted || !v.deleted()).map(SchemaRegistry::registered).toList();
  }

  /**
   * The ids of the schemas that reference a subject version ({@code -1}: the latest, soft-deleted included).
   *
   * @throws SchemaRegistryException 40401 or 40402 if the version does not exist
   */
  public List<Integer> referencedBy(String subject, int version, boolean includeDeleted) {
    RegisteredSchema target = version(subject, version, true);
    return store.referencedBy(subject, target.version()).stream()
        .filter(v -> includeDeleted || !v.deleted())
        .map(StoredVersion::id)
        .distinct()
        .sorted()
        .toList();
  }

  // ---------------------------------------------------------------- deleting

  /**
   * Deletes every version of a subject, softly (they stay readable by id, and can be deleted permanently
   * later) or, once soft-deleted, permanently with the subject's config; returns the versions deleted.
   *
   * @throws SchemaRegistryException 40401 if the subject has no version, 40404 for a soft delete of a subject
   *     already soft-deleted, 40405 for a permanent delete of versions not soft-deleted first, 42206 if another
   *     subject's schema references one of the versions
   */
  public List<Integer> deleteSubject(String subject, boolean permanent) {
    List<StoredVersion> all = store.versions(subject, true);
    if (all.isEmpty()) {
      throw SchemaRegistryException.subjectNotFound(subject);
    }
    List<StoredVersion> targets =
        permanent ? all : all.stream().filter(v -> !v.deleted()).toList();
    if (!permanent && targets.isEmpty()) {
      throw SchemaRegistryException.subjectSoftDeleted(subject);
    }
    if (permanent && all.stream().anyMatch(v -> !v.deleted())) {
      throw SchemaRegistryException.subjectNotSoftDeleted(subject);
    }
    for (StoredVersion v : targets) {
      // The subject's own versions may reference each other; they all go together.
      List<String> referrers =
          referrers(v, permanent).stream().filter(r -> !r.subject().equals(subject)).map(SchemaRegistry::label)
              .toList();
      if (!referrers.isEmpty()) {
        throw SchemaRegistryException.referenceExists(subject, v.version(), referrers);
      }
    }
    List<Integer> deleted = new ArrayList<>();
    if (permanent) {
      // Newest first, so a version referencing an older one of the subject goes before it.
      for (int i = targets.size() - 1; i >= 0; i--) {
        StoredVersion v = targets.get(i);
        if (store.hardDelete(subject, v.version())) {
          deleted.add(0, v.version());
        }
      }
      store.deleteCompatibility(subject);
    } else {
      for (StoredVersion v : targets) {
        if (store.softDelete(subject, v.version())) {
          deleted.add(v.version());
        }
      }
    }
    return deleted;
  }

  /**
   * Deletes one version, softly or (once soft-deleted) permanently; {@code -1} is the latest (for a permanent
   * delete, soft-deleted ones included). Returns the version number deleted.
   *
   * @throws SchemaRegistryException 40401, 40402 if it does not exist, 40406 for a soft delete of a version
   *     already soft-deleted, 40407 for a permanent delete of a version not soft-deleted first, 42206 if a
   *     schema references it
   */
  public int deleteVersion(String subject, int version, boolean permanent) {
    checkVersion(version);
    StoredVersion target;
    if (version == -1) {
      List<StoredVersion> versions = store.versions(subject, permanent);
      if (versions.isEmpty()) {
        throw SchemaRegistryException.subjectNotFound(subject);
      }
      target = versions.get(versions.size() - 1);
    } else {
      Optional<StoredVersion> found = store.version(subject, version);
      if (found.isEmpty()) {
        if (store.versions(subject, true).isEmpty()) {
          throw SchemaRegistryException.subjectNotFound(subject);
        }
        throw SchemaRegistryException.versionNotFound(version);
      }
      target = found.get();
    }
    if (!permanent && target.deleted()) {
      throw SchemaRegistryException.versionSoftDeleted(subject, target.version());
    }
    if (permanent && !target.deleted()) {
      throw SchemaRegistryException.versionNotSoftDeleted(subject, target.version());
    }
    List<String> referrers = referrers(target, permanent).stream().map(SchemaRegistry::label).toList();
    if (!referrers.isEmpty()) {
      throw SchemaRegistryException.referenceExists(subject, target.version(), referrers);
    }
    if (permanent) {
      store.hardDelete(subject, target.version());
      if (store.versions(subject, true).isEmpty()) {
        store.deleteCompatibility(subject);
      }
    } else {
      store.softDelete(subject, target.version());
    }
    return target.version();
  }

  /** Who stops {@code v} from being deleted: live referrers for a soft delete, any for a permanent one. */
  private List<StoredVersion> referrers(StoredVersion v, boolean permanent) {
    return store.referencedBy(v.subject(), v.version()).stream().filter(r -> permanent || !r.deleted()).toList();
  }

  private static String label(StoredVersion v) {
    return v.subject() + " version " + v.version() + (v.deleted() ? " (soft-deleted)" : "");
  }

  // ---------------------------------------------------------------- compatibility

  /** The global level: the one set, else {@link #DEFAULT_COMPATIBILITY}. */
  public CompatibilityLevel globalCompatibility() {
    return store.compatibility(SchemaRegistryStore.GLOBAL).orElse(DEFAULT_COMPATIBILITY);
  }

  /** The level set for the subject itself, if any. */
  public Optional<CompatibilityLevel> subjectCompatibility(String subject) {
    return store.compatibility(subject);
  }

  /** The level that applies to the subject: its own, else the global one. */
  public CompatibilityLevel effectiveCompatibility(String subject) {
    return subjectCompatibility(subject).orElseGet(this::globalCompatibility);
  }

  public void setGlobalCompatibility(CompatibilityLevel level) {
    Preconditions.checkArgument(level != null, "Cannot set global compatibility: level is null");
    store.setCompatibility(SchemaRegistryStore.GLOBAL, level);
  }

  public void setSubjectCompatibility(String subject, CompatibilityLevel level) {
    Preconditions.checkArgument(level != null, "Cannot set compatibility of %s: level is null", subject);
    checkSubject(subject);
    store.setCompatibility(subject, level);
  }

  /** Resets the global level to the default; returns the level that applied before. */
  public CompatibilityLevel deleteGlobalCompatibility() {
    CompatibilityLevel before = globalCompatibility();
    store.deleteCompatibility(SchemaRegistryStore.GLOBAL);
    return before;
  }

  /**
   * Removes the subject's own level, so the global one applies; returns the removed level.
   *
   * @throws SchemaRegistryException 40401 if the subject has no level of its own
   */
  public CompatibilityLevel deleteSubjectCompatibility(String subject) {
    Optional<CompatibilityLevel> before = store.compatibility(subject);
    if (before.isEmpty() || !store.deleteCompatibility(subject)) {
      throw SchemaRegistryException.subjectNotFound(subject);
    }
    return before.get();
  }

  /**
   * Why the schema could not be registered under the subject now (empty if it could), checked against the
   * versions its compatibility level names.
   *
   * @throws SchemaRegistryException 42201 if the schema is invalid
   */
  public List<String> compatibilityWithSubject(String subject, SchemaText text) {
    Resolved resolved = resolve(text);
    return incompatibilities(
        resolved, liveNewestFirst(store.versions(subject, false)), effectiveCompatibility(subject));
  }

  /**
   * Why the schema is not compatible with one version of the subject (empty if it is), in the directions of
   * the subject's level; {@code -1} is the latest, and a subject without versions accepts anything.
   *
   * @throws SchemaRegistryException 40402 if the version does not exist or is soft-deleted, 42201 if the schema
   *     is invalid
   */
  public List<String> compatibilityWithVersion(String subject, int version, SchemaText text) {
    checkVersion(version);
    Optional<StoredVersion> against;
    if (version == -1) {
      List<StoredVersion> live = store.versions(subject, false);
      against = live.isEmpty() ? Optional.empty() : Optional.of(live.get(live.size() - 1));
    } else {
      against = store.version(subject, version).filter(v -> !v.deleted());
      if (against.isEmpty()) {
        throw SchemaRegistryException.versionNotFound(version);
      }
    }
    Resolved resolved = resolve(text);
    return incompatibilities(resolved, against.map(List::of).orElse(List.of()), effectiveCompatibility(subject));
  }

  /**
   * The problems of {@code candidate} against the first incompatible version: the newest only, or every one
   * for a transitive level. Confluent's registry stops at the first incompatible version too.
   */
  private List<String> incompatibilities(
      Resolved candidate, List<StoredVersion> newestFirst, CompatibilityLevel level) {
    if (level == CompatibilityLevel.NONE || newestFirst.isEmpty()) {
      return List.of();
    }
    List<StoredVersion> against = level.transitive() ? newestFirst : newestFirst.subList(0, 1);
    for (StoredVersion old : against) {
      List<String> problems = problemsAgainst(candidate, old, level);
      if (!problems.isEmpty()) {
        List<String> out = new ArrayList<>(problems);
        out.add("{oldSchemaVersion: " + old.version() + "}");
        out.add("{compatibility: '" + level + "'}");
        return out;
      }
    }
    return List.of();
  }

  private List<String> problemsAgainst(Resolved candidate, StoredVersion old, CompatibilityLevel level) {
    if (old.type() != candidate.type()) {
      return List.of(
          "Incompatible because of different schema type: the new schema is " + candidate.type() + ", version "
              + old.version() + " is " + old.type());
    }
    Map<String, String> oldReferences = referenceTexts(old.references());
    SchemaFormat format = candidate.format();
    List<String> problems = new ArrayList<>();
    try {
      if (level.newReadsOld()) {
        for (String p :
            format.readIncompatibilities(
                candidate.canonical(), candidate.referenceTexts(), old.schema(), oldReferences)) {
          problems.add("The new schema cannot read data written with version " + old.version() + ": " + p);
        }
      }
      if (level.oldReadsNew()) {
        for (String p :
            format.readIncompatibilities(
                old.schema(), oldReferences, candidate.canonical(), candidate.referenceTexts())) {
          problems.add("Version " + old.version() + " cannot read data written with the new schema: " + p);
        }
      }
    } catch (SchemaFormat.InvalidSchemaException e) {
      problems.add("Cannot check against version " + old.version() + ", whose schema no longer parses: "
          + e.getMessage());
    }
    return problems;
  }

  // ---------------------------------------------------------------- validation

  /** Parses and canonicalizes a schema with its references, resolved from the store. */
  private Resolved resolve(SchemaText text) {
    SchemaFormat format = formats.get(text.type());
    if (format == null) {
      throw SchemaRegistryException.invalidSchema(
          "Cannot use schema type " + text.type() + ": this registry supports " + formats.keySet());
    }
    if (text.schema() == null || text.schema().isBlank()) {
      throw SchemaRegistryException.invalidSchema("Empty schema");
    }
    List<SchemaReference> references = new ArrayList<>(text.references().size());
    Set<String> names = new HashSet<>();
    for (SchemaReference ref : text.references()) {
      if (!names.add(ref.name())) {
        throw SchemaRegistryException.invalidSchema(
            "Invalid schema: the reference name '" + ref.name() + "' appears twice");
      }
      references.add(ref.version() == -1 ? latestOf(ref) : ref);
    }
    Map<String, String> referenceTexts = referenceTexts(references);
    String canonical;
    try {
      canonical = format.canonicalize(text.schema(), referenceTexts);
    } catch (SchemaFormat.InvalidSchemaException e) {
      throw SchemaRegistryException.invalidSchema("Invalid schema: " + e.getMessage());
    } catch (SchemaRegistryException | RegistryUnavailableException e) {
      throw e;
    } catch (RuntimeException e) {
      // A parser's unchecked failure on odd input is still the schema's fault, not the registry's.
      throw SchemaRegistryException.invalidSchema("Invalid schema: " + e);
    }
    return new Resolved(text.type(), format, canonical, List.copyOf(references), referenceTexts);
  }

  private SchemaReference latestOf(SchemaReference ref) {
    List<StoredVersion> live = store.versions(ref.subject(), false);
    if (live.isEmpty()) {
      throw SchemaRegistryException.invalidSchema(
          "Invalid schema: the reference '" + ref.name() + "' names subject '" + ref.subject()
              + "', which has no version; register it first");
    }
    return new SchemaReference(ref.name(), ref.subject(), live.get(live.size() - 1).version());
  }

  /**
   * The texts of {@code references} and of everything they reference in turn, by reference name, each after
   * what it references: the order in which a parser must read them.
   */
  private Map<String, String> referenceTexts(List<SchemaReference> references) {
    Map<String, String> out = new LinkedHashMap<>();
    collect(references, out, new HashSet<>());
    return out;
  }

  private void collect(List<SchemaReference> references, Map<String, String> out, Set<String> seen) {
    for (SchemaReference ref : references) {
      if (!seen.add(ref.subject() + '\u0000' + ref.version())) {
        continue;
      }
      if (seen.size() > MAX_REFERENCED_SCHEMAS) {
        throw SchemaRegistryException.invalidSchema(
            "Invalid schema: it references more than " + MAX_REFERENCED_SCHEMAS + " schemas");
      }
      StoredVersion v =
          store.version(ref.subject(), ref.version())
              .orElseThrow(
                  () ->
                      SchemaRegistryException.invalidSchema(
                          "Invalid schema: the reference '" + ref.name() + "' names subject '" + ref.subject()
                              + "' version " + ref.version() + ", which does not exist; register it first"));
      collect(v.references(), out, seen);
      out.putIfAbsent(ref.name(), v.schema());
    }
  }

  private static void checkSubject(String subject) {
    boolean valid = subject != null && !subject.isEmpty() && subject.length() <= MAX_SUBJECT_LENGTH
        && subject.chars().noneMatch(Character::isISOControl);
    if (!valid) {
      throw SchemaRegistryException.invalidSubject(subject);
    }
  }

  private static void checkVersion(int version) {
    if (version < 1 && version != -1) {
      throw SchemaRegistryException.invalidVersion(Integer.toString(version));
    }
  }

  private static List<StoredVersion> liveNewestFirst(List<StoredVersion> versions) {
    List<StoredVersion> live = new ArrayList<>();
    for (int i = versions.size() - 1; i >= 0; i--) {
      if (!versions.get(i).deleted()) {
        live.add(versions.get(i));
      }
    }
    return live;
  }

  private static RegisteredSchema registered(StoredVersion v) {
    return new RegisteredSchema(v.id(), v.subject(), v.version(), v.type(), v.schema(), v.references());
  }
}
