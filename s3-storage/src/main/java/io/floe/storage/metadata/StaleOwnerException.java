package io.floe.storage.metadata;

/** A write was refused because its {@link OwnerFence} no longer holds: the resource has another owner or epoch. */
public class StaleOwnerException extends MetadataConflictException {
  public StaleOwnerException(String message) {
    super(message);
  }
}
