package io.floe.storage.stream;

/** A read asked for an offset outside {@code [startOffset, confirmedOffset]}. */
public class OffsetOutOfRangeException extends RuntimeException {
  public OffsetOutOfRangeException(String message) {
    super(message);
  }
}
