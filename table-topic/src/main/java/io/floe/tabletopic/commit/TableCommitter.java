package io.floe.tabletopic.commit;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;

/**
 * What a Table Topic's snapshots say: the summary keys its commits carry (every partition's next offset, the
 * commit's id), reading the committed offsets back, and finding a commit whose outcome was unknown. The
 * commits themselves are made by {@link TableCommitCoordinator}.
 */
public final class TableCommitter {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Snapshot summary key: JSON object of partition -> next offset, for every partition of the topic. */
  public static final String OFFSETS = "floe.kafka.offsets";
  /** Snapshot summary key: the id of the commit that created the snapshot. */
  public static final String COMMIT_ID = "floe.commit.id";
  /** Snapshot summary key: the topic. */
  public static final String TOPIC = "floe.kafka.topic";
  /** How many snapshots back {@link #load} and the unknown-outcome search look. */
  static final int MAX_HISTORY = 1000;

  private TableCommitter() {}

  /** What the table says was committed: the snapshot it is at and the next offset of each partition. */
  public record CommittedState(long snapshotId, Map<Integer, Long> offsets) {}

  /** A commit's outcome: see {@link TableCommitCoordinator}. */
  public record Outcome(Kind kind, long snapshotId, String detail) {
    public enum Kind {
      COMMITTED,
      CONFLICT,
      NOT_COMMITTED,
      /** The table was dropped by someone else; nothing was committed, and the next write creates it anew. */
      TABLE_DROPPED
    }
  }

  /**
   * Reads the committed offsets: the summary of the newest snapshot that has them, walking back through
   * snapshots other writers made (compaction, maintenance).
   */
  public static CommittedState load(Table table) {
    table.refresh();
    Snapshot s = table.currentSnapshot();
    long current = s == null ? -1 : s.snapshotId();
    for (int i = 0; s != null && i < MAX_HISTORY; i++) {
      String offsets = s.summary().get(OFFSETS);
      if (offsets != null) {
        return new CommittedState(current, parseOffsets(offsets));
      }
      s = s.parentId() == null ? null : table.snapshot(s.parentId());
    }
    return new CommittedState(current, Map.of());
  }

  /** The snapshot created by {@code commitId}, or -1 if the table does not have it. */
  static long findCommit(Table table, String commitId) {
    table.refresh();
    Snapshot s = table.currentSnapshot();
    for (int i = 0; s != null && i < MAX_HISTORY; i++) {
      if (commitId.equals(s.summary().get(COMMIT_ID))) {
        return s.snapshotId();
      }
      s = s.parentId() == null ? null : table.snapshot(s.parentId());
    }
    return -1;
  }

  static String formatOffsets(Map<Integer, Long> offsets) {
    try {
      Map<String, Long> out = new TreeMap<>();
      offsets.forEach((p, o) -> out.put(String.valueOf(p), o));
      return JSON.writeValueAsString(out);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Map<Integer, Long> parseOffsets(String json) {
    try {
      Map<String, Long> raw = JSON.readValue(json, new TypeReference<Map<String, Long>>() {});
      Map<Integer, Long> out = new HashMap<>();
      raw.forEach((p, o) -> out.put(Integer.parseInt(p), o));
      return out;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("Cannot read the offsets in snapshot summary " + OFFSETS + ": " + json, e);
    }
  }
}
