package io.floe.tabletopic.commit;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.BaseTable;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits a Table Topic's data files as one snapshot whose summary carries every partition's next offset,
 * exactly once:
 *
 * <ul>
 *   <li>The commit is conditional: it succeeds only on top of the snapshot the committer last read
 *       ({@link ConditionalTableOperations}); Iceberg's retry-on-conflict never re-applies it elsewhere.
 *   <li>On a conflict the outcome is {@link Outcome.Kind#CONFLICT}: nothing was committed; the caller
 *       reloads the offsets with {@link #load} and writes again from there.
 *   <li>When the outcome is unknown (Iceberg's {@link CommitStateUnknownException}: the confirmation was
 *       lost), the table is reloaded and searched for this commit's id before anything else is done.
 * </ul>
 */
public final class TableCommitter {

  private static final Logger LOG = LoggerFactory.getLogger(TableCommitter.class);
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

  /** A commit's outcome. */
  public record Outcome(Kind kind, long snapshotId, String detail) {
    public enum Kind {
      COMMITTED,
      CONFLICT,
      NOT_COMMITTED
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

  /**
   * Commits {@code files} with {@code offsets} (all partitions' next offsets) on top of snapshot {@code
   * expectedSnapshotId}. Never throws for a conflict or an unknown outcome: see {@link Outcome}.
   */
  public static Outcome commit(Table table, String topic, long expectedSnapshotId, List<DataFile> files,
      Map<Integer, Long> offsets, Map<String, String> extraSummary) {
    String commitId = UUID.randomUUID().toString();
    Table conditional = new BaseTable(
        new ConditionalTableOperations(((HasTableOperations) table).operations(), expectedSnapshotId), table.name());
    AppendFiles append = conditional.newAppend();
    files.forEach(append::appendFile);
    append.set(OFFSETS, formatOffsets(offsets)).set(COMMIT_ID, commitId).set(TOPIC, topic);
    extraSummary.forEach(append::set);
    try {
      append.commit();
      table.refresh();
      return new Outcome(Outcome.Kind.COMMITTED, table.currentSnapshot().snapshotId(), commitId);
    } catch (ConditionalTableOperations.SnapshotMovedException | CommitFailedException e) {
      LOG.warn("Table {} commit {} conflicted ({}); reloading committed offsets", table.name(), commitId, e.getMessage());
      return new Outcome(Outcome.Kind.CONFLICT, -1, e.getMessage());
    } catch (CommitStateUnknownException e) {
      LOG.warn("Table {} commit {} has an unknown outcome ({}); looking for it in the table", table.name(), commitId,
          e.getMessage());
      long found = findCommit(table, commitId);
      return found >= 0
          ? new Outcome(Outcome.Kind.COMMITTED, found, commitId)
          : new Outcome(Outcome.Kind.NOT_COMMITTED, -1, e.getMessage());
    }
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
