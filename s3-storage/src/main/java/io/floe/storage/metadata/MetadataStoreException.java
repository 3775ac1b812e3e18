package io.floe.storage.metadata;

/**
 * The metadata store could not be read or written (connection, I/O, SQL error). For a write, the outcome is
 * unknown only if the message says so; otherwise nothing was applied.
 */
public class MetadataStoreException extends RuntimeException {
  public MetadataStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
