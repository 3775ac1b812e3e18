package io.floe.storage.wal;

/** An append waited for space in the WAL buffer longer than allowed: uploads or commits are not keeping up. */
public class WalBufferFullException extends RuntimeException {
  public WalBufferFullException(String message) {
    super(message);
  }
}
