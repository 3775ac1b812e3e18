package io.floe.schema.registry;

import java.util.List;
import java.util.Optional;

/**
 * Where a registry keeps its subjects, versions and configs. Implementations: {@link
 * InMemorySchemaRegistryStore} (tests, and a broker without a metadata store), and the broker's adapter over
 * the metadata store, which brokers of a cluster share. Every method is atomic; failures to reach the store are
 * {@link RegistryUnavailableException}s.
 *
 * <p>An id is a schema: one (type, text, references) has one id however many subjects use it, and an id is
 * never handed out for a second schema, even after the first was permanently deleted. Versions of a subject are
 * numbered from 1 and a number is never given twice while the subject keeps any version (soft-deleted ones
 * included). The registry validates and canonicalizes; the store compares texts exactly.
 */
public interface SchemaRegistryStore {

  /** The scope of the global config in {@link #compatibility}; never a subject, since subjects are not empty. */
  String GLOBAL = "";

  /** One version of a subject. */
  record StoredVersion(
      String subject,
      int version,
      int id,
      SchemaType type,
      String schema,
      List<SchemaReference> references,
      boolean deleted) {
    public StoredVersion {
      references = List.copyOf(references);
    }
  }

  /** The id and version a schema has in a subject. */
  record Registration(int id, int version) {}

  /**
   * Registers a schema in a subject, in one transaction:
   *
   * <ol>
   *   <li>if a non-deleted version of the subject has this (type, schema, references), returns it;
   *   <li>else if the subject's highest version (soft-deleted included, 0 if none) is not {@code
   *       expectedLatestVersion}, returns empty: another version was created since the caller checked
   *       compatibility, and the caller must check again;
   *   <li>else creates version highest + 1 with the id any subject already uses for this (type, schema,
   *       references), or with a new id.
   * </ol>
   *
   * <p>If the outcome is unknown (the store's connection was lost while committing), calling again is safe: a
   * registration that was applied is found by step 1.
   */
  Optional<Registration> register(
      String subject, SchemaType type, String schema, List<SchemaReference> references, int expectedLatestVersion);

  /** A version of a subject, soft-deleted or not. */
  Optional<StoredVersion> version(String subject, int version);

  /** The versions of a subject by ascending number; soft-deleted ones only if asked. */
  List<StoredVersion> versions(String subject, boolean includeDeleted);

  /** The subjects with at least one version (with only soft-deleted ones, if asked), sorted. */
  List<String> subjects(boolean includeDeleted);

  /** Every version using a schema id, soft-deleted included, by subject and version; empty for an unknown id. */
  List<StoredVersion> versionsOfId(int id);

  /** The versions (soft-deleted included) whose schema references the given subject version. */
  List<StoredVersion> referencedBy(String subject, int version);

  /** Marks a version soft-deleted; false if it does not exist or was already. */
  boolean softDelete(String subject, int version);

  /**
   * Removes a soft-deleted version for good; false if it does not exist or is not soft-deleted. The schema
   * behind it goes with its last version; its id is never reused.
   */
  boolean hardDelete(String subject, int version);

  /** The compatibility level set for a subject, or globally for {@link #GLOBAL}. */
  Optional<CompatibilityLevel> compatibility(String scope);

  void setCompatibility(String scope, CompatibilityLevel level);

  /** Removes the level set for a scope; false if none was. */
  boolean deleteCompatibility(String scope);
}
