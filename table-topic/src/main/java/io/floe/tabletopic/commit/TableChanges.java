package io.floe.tabletopic.commit;

import java.util.List;
import org.apache.iceberg.io.WriteResult;

/**
 * What one commit applies to a table, in order: if {@code truncate}, every row the table holds is removed
 * first; then each writer's files, as a snapshot of their own.
 */
public record TableChanges(boolean truncate, List<WriteResult> writes) {

  public TableChanges {
    writes = List.copyOf(writes);
  }

  /** The files of {@code writes}, with no truncate. */
  public static TableChanges of(List<WriteResult> writes) {
    return new TableChanges(false, writes);
  }
}
