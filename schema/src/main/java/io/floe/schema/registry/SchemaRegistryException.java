package io.floe.schema.registry;

import java.util.List;

/**
 * A request the registry refused, with the error code and HTTP status a Confluent-compatible registry answers
 * it with. The answer is definite: asking again gets the same refusal until someone changes the registry (for a
 * registry that could not answer at all, see {@link RegistryUnavailableException}).
 */
public class SchemaRegistryException extends RuntimeException {
  public static final int SUBJECT_NOT_FOUND = 40401;
  public static final int VERSION_NOT_FOUND = 40402;
  public static final int SCHEMA_NOT_FOUND = 40403;
  public static final int SUBJECT_SOFT_DELETED = 40404;
  public static final int SUBJECT_NOT_SOFT_DELETED = 40405;
  public static final int VERSION_SOFT_DELETED = 40406;
  public static final int VERSION_NOT_SOFT_DELETED = 40407;
  public static final int SUBJECT_COMPATIBILITY_NOT_CONFIGURED = 40408;
  public static final int SUBJECT_MODE_NOT_CONFIGURED = 40409;
  /** Confluent registries before 8.2 answer an incompatible schema with this code; later ones with 40901. */
  public static final int INCOMPATIBLE_SCHEMA = 409;
  public static final int INVALID_SCHEMA = 42201;
  public static final int INVALID_VERSION = 42202;
  public static final int INVALID_COMPATIBILITY_LEVEL = 42203;
  public static final int INVALID_MODE = 42204;
  public static final int OPERATION_NOT_PERMITTED = 42205;
  public static final int REFERENCE_EXISTS = 42206;
  public static final int INVALID_SUBJECT = 42208;
  public static final int STORE_ERROR = 50001;
  public static final int OPERATION_TIMEOUT = 50002;

  private final int errorCode;
  private final int httpStatus;

  public SchemaRegistryException(int errorCode, int httpStatus, String message) {
    super(message);
    this.errorCode = errorCode;
    this.httpStatus = httpStatus;
  }

  /** Confluent's {@code error_code}, such as 40401. */
  public int errorCode() {
    return errorCode;
  }

  /** The HTTP status the REST API answers with. */
  public int httpStatus() {
    return httpStatus;
  }

  /** Whether the subject, version or schema asked for does not exist (or is soft-deleted). */
  public boolean isNotFound() {
    return httpStatus == 404;
  }

  public static SchemaRegistryException subjectNotFound(String subject) {
    return new SchemaRegistryException(SUBJECT_NOT_FOUND, 404, "Subject '" + subject + "' not found.");
  }

  public static SchemaRegistryException versionNotFound(int version) {
    return new SchemaRegistryException(VERSION_NOT_FOUND, 404, "Version " + version + " not found.");
  }

  public static SchemaRegistryException schemaNotFound(int id) {
    return new SchemaRegistryException(SCHEMA_NOT_FOUND, 404, "Schema " + id + " not found");
  }

  public static SchemaRegistryException schemaNotFound() {
    return new SchemaRegistryException(SCHEMA_NOT_FOUND, 404, "Schema not found");
  }

  public static SchemaRegistryException subjectSoftDeleted(String subject) {
    return new SchemaRegistryException(
        SUBJECT_SOFT_DELETED,
        404,
        "Subject '" + subject + "' was soft deleted. Set permanent=true to delete permanently");
  }

  public static SchemaRegistryException subjectNotSoftDeleted(String subject) {
    return new SchemaRegistryException(
        SUBJECT_NOT_SOFT_DELETED,
        404,
        "Subject '" + subject + "' was not deleted first before being permanently deleted");
  }

  public static SchemaRegistryException versionSoftDeleted(String subject, int version) {
    return new SchemaRegistryException(
        VERSION_SOFT_DELETED,
        404,
        "Subject '" + subject + "' Version " + version + " was soft deleted. Set permanent=true to delete"
            + " permanently");
  }

  public static SchemaRegistryException versionNotSoftDeleted(String subject, int version) {
    return new SchemaRegistryException(
        VERSION_NOT_SOFT_DELETED,
        404,
        "Subject '" + subject + "' Version " + version + " was not deleted first before being permanently"
            + " deleted");
  }

  public static SchemaRegistryException subjectCompatibilityNotConfigured(String subject) {
    return new SchemaRegistryException(
        SUBJECT_COMPATIBILITY_NOT_CONFIGURED,
        404,
        "Subject '" + subject + "' does not have subject-level compatibility configured");
  }

  public static SchemaRegistryException subjectModeNotConfigured(String subject) {
    return new SchemaRegistryException(
        SUBJECT_MODE_NOT_CONFIGURED, 404, "Subject '" + subject + "' does not have subject-level mode configured");
  }

  public static SchemaRegistryException incompatible(String subject, List<String> details) {
    return new SchemaRegistryException(
        INCOMPATIBLE_SCHEMA,
        409,
        "Schema being registered is incompatible with an earlier schema for subject \"" + subject
            + "\", details: " + details);
  }

  public static SchemaRegistryException invalidSchema(String message) {
    return new SchemaRegistryException(INVALID_SCHEMA, 422, message);
  }

  public static SchemaRegistryException invalidVersion(String version) {
    return new SchemaRegistryException(
        INVALID_VERSION,
        422,
        "The specified version '" + version + "' is not a valid version id. Allowed values are between"
            + " [1, 2^31-1] and the string \"latest\"");
  }

  public static SchemaRegistryException invalidCompatibilityLevel(String level) {
    return new SchemaRegistryException(
        INVALID_COMPATIBILITY_LEVEL,
        422,
        "Invalid compatibility level '" + level + "'. Valid values are none, backward, forward, full,"
            + " backward_transitive, forward_transitive, and full_transitive");
  }

  public static SchemaRegistryException invalidMode(String mode) {
    return new SchemaRegistryException(
        INVALID_MODE, 422, "Invalid mode '" + mode + "'. Valid values are READWRITE, READONLY, READONLY_OVERRIDE"
            + " and IMPORT");
  }

  public static SchemaRegistryException operationNotPermitted(String message) {
    return new SchemaRegistryException(OPERATION_NOT_PERMITTED, 422, message);
  }

  public static SchemaRegistryException referenceExists(String subject, int version, List<String> by) {
    return new SchemaRegistryException(
        REFERENCE_EXISTS,
        422,
        "One or more references exist to the schema {subject=" + subject + ",version=" + version + "}: " + by
            + "; delete those first");
  }

  public static SchemaRegistryException invalidSubject(String subject) {
    return new SchemaRegistryException(
        INVALID_SUBJECT,
        422,
        "The specified subject '" + subject + "' is not a valid subject: it must be 1 to "
            + SchemaRegistry.MAX_SUBJECT_LENGTH + " characters without control characters");
  }

  public static SchemaRegistryException storeError(String message) {
    return new SchemaRegistryException(STORE_ERROR, 500, message);
  }
}
