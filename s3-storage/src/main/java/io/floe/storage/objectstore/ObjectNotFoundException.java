package io.floe.storage.objectstore;

/** The requested object key does not exist. */
public class ObjectNotFoundException extends ObjectStorageException {
  public ObjectNotFoundException(String key) {
    super("Object not found: " + key, null, false);
  }
}
