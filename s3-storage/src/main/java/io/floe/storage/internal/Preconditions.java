package io.floe.storage.internal;

/** Argument and state checks at public entry points; messages read "Cannot <do what>: <why>". */
public final class Preconditions {
  private Preconditions() {}

  public static void checkArgument(boolean condition, String messageFormat, Object... args) {
    if (!condition) {
      throw new IllegalArgumentException(String.format(messageFormat, args));
    }
  }

  public static void checkState(boolean condition, String messageFormat, Object... args) {
    if (!condition) {
      throw new IllegalStateException(String.format(messageFormat, args));
    }
  }

  public static <T> T checkNotNull(T value, String what) {
    if (value == null) {
      throw new NullPointerException(what + " must not be null");
    }
    return value;
  }
}
