package io.floe.storage.metadata;

/**
 * The connection to the metadata store was lost while a write transaction was committing: it may or may not have
 * been applied. Nothing is rolled back or cleaned up on the caller's behalf; a caller that must know reads the
 * state back (for a stream, by opening it again, which also fences the writer that lost track).
 */
public class MetadataCommitStateUnknownException extends MetadataStoreException {
  public MetadataCommitStateUnknownException(String message, Throwable cause) {
    super(message, cause);
  }
}
