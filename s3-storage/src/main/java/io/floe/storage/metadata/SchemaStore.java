package io.floe.storage.metadata;

import java.util.List;
import java.util.Optional;

/**
 * A schema registry's subjects, versions and configs in the metadata store, shared by the brokers of a cluster
 * (the broker adapts it to the schema module's registry store). Every method is one transaction. The store
 * knows nothing of schema languages: a type is a name, a schema is text compared exactly.
 *
 * <p>Guarantees with any number of brokers writing at once: a schema (type, text, references) has one id, an id
 * is never handed out again once given (not even after its schema was permanently deleted), and a subject never
 * gets two versions with one number. Failures are {@link MetadataStoreException}s; a lost connection while
 * committing a registration is {@link MetadataCommitStateUnknownException}, after which registering again is
 * safe (an applied registration is found and returned).
 */
public interface SchemaStore {

  /** The scope of the global config; subjects are never empty. */
  String GLOBAL_SCOPE = "";

  /** A dependency of a schema on a subject version, named as the schema names it. */
  record Reference(String name, String subject, int version) {}

  /** One version of a subject and the schema it holds. */
  record SchemaVersion(
      String subject, int version, int id, String type, String schema, List<Reference> references, boolean deleted) {
    public SchemaVersion {
      references = List.copyOf(references);
    }
  }

  /** The id and version a schema has in a subject. */
  record Registration(int id, int version) {}

  /**
   * In one transaction: the subject's non-deleted version holding this schema if there is one; else, if the
   * subject's highest version (soft-deleted included, 0 for none) is {@code expectedLatestVersion}, a new version
   * one above it with the schema's id (the one another subject already uses, or a new one); else empty, because
   * another version was registered since the caller checked compatibility.
   */
  Optional<Registration> register(
      String subject, String type, String schema, List<Reference> references, int expectedLatestVersion);

  /** A version, soft-deleted or not. */
  Optional<SchemaVersion> version(String subject, int version);

  /** A subject's versions by ascending number; soft-deleted ones only if asked. */
  List<SchemaVersion> versions(String subject, boolean includeDeleted);

  /** Subjects with a version (or only soft-deleted ones, if asked), sorted. */
  List<String> subjects(boolean includeDeleted);

  /** Every version using the id, soft-deleted included, by subject and version. */
  List<SchemaVersion> versionsOfId(int id);

  /** The versions, soft-deleted included, whose schema references the subject version. */
  List<SchemaVersion> referencedBy(String subject, int version);

  /** Marks a version soft-deleted; false if absent or already soft-deleted. */
  boolean softDelete(String subject, int version);

  /** Removes a soft-deleted version, and its schema with the last version using it; false if absent or live. */
  boolean hardDelete(String subject, int version);

  /** The compatibility level set for a subject, or for {@link #GLOBAL_SCOPE}. */
  Optional<String> compatibility(String scope);

  void setCompatibility(String scope, String level);

  /** Removes the level of a scope; false if none was set. */
  boolean deleteCompatibility(String scope);
}
