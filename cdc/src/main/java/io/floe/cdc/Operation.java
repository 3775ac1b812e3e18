package io.floe.cdc;

import java.util.Optional;

/** What a Debezium change event did to its row, by the envelope's {@code op} code. */
public enum Operation {
  /** {@code c}: a row inserted. */
  CREATE("c"),
  /** {@code r}: a row read by a snapshot; an insert for a table fed from scratch. */
  READ("r"),
  /** {@code u}: a row updated; the row is its new image. */
  UPDATE("u"),
  /** {@code d}: a row deleted; the row is its old image (often only its key columns). */
  DELETE("d"),
  /** {@code t}: the table truncated; no row. */
  TRUNCATE("t");

  private final String code;

  Operation(String code) {
    this.code = code;
  }

  /** The envelope's {@code op} code. */
  public String code() {
    return code;
  }

  /** The operation of an {@code op} code, or empty for any other text (such as {@code m}). */
  public static Optional<Operation> fromCode(String code) {
    if (code != null && code.length() == 1) {
      for (Operation operation : values()) {
        if (operation.code.equals(code)) {
          return Optional.of(operation);
        }
      }
    }
    return Optional.empty();
  }
}
