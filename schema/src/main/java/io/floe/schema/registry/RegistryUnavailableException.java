package io.floe.schema.registry;

/**
 * The registry could not answer now: it could not be reached, timed out, answered with a server error, or its
 * store failed. Nothing is known about the schema asked for, so a caller must not treat the record that needed
 * it as bad: it retries later, with its own bounded policy.
 */
public class RegistryUnavailableException extends RuntimeException {
  public RegistryUnavailableException(String message) {
    super(message);
  }

  public RegistryUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
