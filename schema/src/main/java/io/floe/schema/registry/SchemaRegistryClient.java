package io.floe.schema.registry;

/**
 * What converters ask a schema registry: the built-in one in process ({@link SchemaRegistry}) or any
 * Confluent-compatible one over HTTP ({@link HttpSchemaRegistryClient}). Thread-safe.
 *
 * <p>Two kinds of failure, which callers must tell apart:
 *
 * <ul>
 *   <li>{@link SchemaRegistryException}: the registry answered, and the answer is definite. {@link
 *       SchemaRegistryException#isNotFound()} with code 40401 (subject not found), 40402 (version not found) or
 *       40403 (schema not found): a record naming that schema cannot be decoded with it.
 *   <li>{@link RegistryUnavailableException}: no answer (unreachable, timeout, server error). Nothing is known;
 *       retry later instead of treating the record as bad.
 * </ul>
 */
public interface SchemaRegistryClient {

  /**
   * The schema with a global id, as written in the Confluent wire format's header. Soft-deleted schemas are
   * still found, so data written with them stays readable.
   *
   * @throws SchemaRegistryException 40403 if no schema has the id
   * @throws RegistryUnavailableException if the registry could not answer
   */
  RegisteredSchema byId(int id);

  /**
   * The subject's latest version that is not deleted.
   *
   * @throws SchemaRegistryException 40401 if the subject has no such version
   * @throws RegistryUnavailableException if the registry could not answer
   */
  RegisteredSchema latest(String subject);

  /**
   * One version of a subject; {@code -1} is the latest. Soft-deleted versions are not found.
   *
   * @throws SchemaRegistryException 40401 if the subject has no version, 40402 if it has not this one
   * @throws RegistryUnavailableException if the registry could not answer
   */
  RegisteredSchema version(String subject, int version);
}
