package io.floe.schema.registry;

import java.util.Locale;
import java.util.Optional;

/**
 * Which earlier versions of a subject a new version is checked against, and in which direction. "Reads" means
 * that a consumer holding one schema can decode data written with the other.
 */
public enum CompatibilityLevel {
  /** No check. */
  NONE(false, false, false),
  /** The new schema reads data written with the latest version: upgrade consumers first. */
  BACKWARD(true, false, false),
  /** The new schema reads data written with every version. */
  BACKWARD_TRANSITIVE(true, false, true),
  /** The latest version reads data written with the new schema: upgrade producers first. */
  FORWARD(false, true, false),
  /** Every version reads data written with the new schema. */
  FORWARD_TRANSITIVE(false, true, true),
  /** Both BACKWARD and FORWARD against the latest version. */
  FULL(true, true, false),
  /** Both BACKWARD and FORWARD against every version. */
  FULL_TRANSITIVE(true, true, true);

  private final boolean newReadsOld;
  private final boolean oldReadsNew;
  private final boolean transitive;

  CompatibilityLevel(boolean newReadsOld, boolean oldReadsNew, boolean transitive) {
    this.newReadsOld = newReadsOld;
    this.oldReadsNew = oldReadsNew;
    this.transitive = transitive;
  }

  /** Whether the new schema must read data written with the old ones. */
  public boolean newReadsOld() {
    return newReadsOld;
  }

  /** Whether the old schemas must read data written with the new one. */
  public boolean oldReadsNew() {
    return oldReadsNew;
  }

  /** Whether every non-deleted version is checked, not only the latest. */
  public boolean transitive() {
    return transitive;
  }

  /** The level of a name in any case, as the REST API accepts it. */
  public static Optional<CompatibilityLevel> forName(String name) {
    if (name == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(valueOf(name.trim().toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
