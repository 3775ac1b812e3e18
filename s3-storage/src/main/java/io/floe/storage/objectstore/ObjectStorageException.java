package io.floe.storage.objectstore;

/** A failed object-store operation. {@link #retriable()} says whether trying again may succeed. */
public class ObjectStorageException extends RuntimeException {
  private final boolean retriable;

  public ObjectStorageException(String message, Throwable cause, boolean retriable) {
    super(message, cause);
    this.retriable = retriable;
  }

  public boolean retriable() {
    return retriable;
  }
}
