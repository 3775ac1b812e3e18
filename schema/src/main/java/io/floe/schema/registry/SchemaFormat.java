package io.floe.schema.registry;

import java.util.List;
import java.util.Map;

/**
 * What the registry needs to know about one schema language (Avro, Protobuf, JSON Schema): how to
 * check and normalize a schema text, and whether two versions are compatible. One implementation per
 * {@link SchemaType}; stateless and thread-safe.
 */
public interface SchemaFormat {

  SchemaType type();

  /**
   * Parses and validates {@code schema}.
   *
   * @param references the texts of the schemas it references, by reference name (an Avro named
   *     type's full name, a Protobuf import path, a JSON Schema {@code $ref} URL), already resolved
   *     transitively
   * @return the canonical form: equal for schemas that mean the same (whitespace, field order of
   *     JSON objects and similar noise removed), used to give one schema one id
   * @throws InvalidSchemaException with a message a user can act on (error code 42201)
   */
  String canonicalize(String schema, Map<String, String> references);

  /**
   * Why a reader of {@code reader} cannot read data written with {@code writer}; empty when it can.
   * Both are valid schemas of this format, with their references.
   */
  List<String> readIncompatibilities(
      String reader, Map<String, String> readerReferences, String writer, Map<String, String> writerReferences);

  /** A schema text that is not valid in its format. */
  final class InvalidSchemaException extends RuntimeException {
    public InvalidSchemaException(String message) {
      super(message);
    }

    public InvalidSchemaException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
