package io.floe.storage.metadata;

/** A metadata write conflicts with the current state (exists already, does not exist, stale epoch). */
public class MetadataConflictException extends RuntimeException {
  public MetadataConflictException(String message) {
    super(message);
  }
}
