package io.floe.storage.stream;

/** The stream can no longer be written by this owner: a newer epoch took it over, or an earlier append failed. */
public class StreamFencedException extends RuntimeException {
  public StreamFencedException(String message, Throwable cause) {
    super(message, cause);
  }
}
