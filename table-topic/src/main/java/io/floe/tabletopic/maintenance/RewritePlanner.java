package io.floe.tabletopic.maintenance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.util.StructLikeMap;

/**
 * Chooses which data files of a table to rewrite, partition by partition:
 *
 * <ul>
 *   <li>a partition with delete files is rewritten whole once it has {@code minDeleteFiles} of them or {@code
 *       minInputFiles} small data files: its rows are written again with the deletes applied, and every data
 *       and delete file of the partition is replaced, so no delete is left for readers to apply;
 *   <li>a partition without delete files has its small data files (under {@code smallFileBytes}) merged once
 *       there are {@code minInputFiles} of them, so a table written every second does not grow a file per
 *       partition per second forever.
 * </ul>
 *
 * Partitions are taken smallest first until {@code maxBytes} of input is planned; a partition larger than
 * that alone is left alone (and logged by the caller).
 */
public final class RewritePlanner {

  /** The thresholds of a plan. */
  public record Thresholds(int minDeleteFiles, int minInputFiles, long smallFileBytes, long maxBytes) {}

  /**
   * One partition's rewrite.
   *
   * @param dataFiles the data files replaced, with the delete files that apply to each
   * @param deleteFiles the delete files removed (all the partition's, or none)
   * @param reason why, for the log
   */
  public record Group(PartitionSpec spec, StructLike partition, List<FileScanTask> dataFiles,
      Set<DeleteFile> deleteFiles, String reason) {

    public long inputBytes() {
      long bytes = 0;
      for (FileScanTask t : dataFiles) {
        bytes += t.file().fileSizeInBytes();
      }
      for (DeleteFile d : deleteFiles) {
        bytes += d.fileSizeInBytes();
      }
      return bytes;
    }
  }

  /** What the plan passed over: partitions that needed a rewrite but are larger than a run may take. */
  public record Plan(List<Group> groups, List<Group> tooLarge) {}

  private final Thresholds thresholds;

  public RewritePlanner(Thresholds thresholds) {
    this.thresholds = thresholds;
  }

  /** Plans the rewrite of {@code table} at its current snapshot. */
  public Plan plan(Table table) {
    if (table.currentSnapshot() == null) {
      return new Plan(List.of(), List.of());
    }
    Map<Integer, StructLikeMap<Partition>> bySpec = new HashMap<>();
    try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
      for (FileScanTask task : tasks) {
        PartitionSpec spec = task.spec();
        StructLikeMap<Partition> partitions =
            bySpec.computeIfAbsent(spec.specId(), id -> StructLikeMap.create(spec.partitionType()));
        Partition p = partitions.get(task.file().partition());
        if (p == null) {
          p = new Partition(spec, task.file().partition());
          partitions.put(task.file().partition(), p);
        }
        p.add(task);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot plan the rewrite of table " + table.name(), e);
    }
    List<Group> candidates = new ArrayList<>();
    bySpec.values().forEach(m -> m.values().forEach(p -> {
      Group g = p.group(thresholds);
      if (g != null) {
        candidates.add(g);
      }
    }));
    candidates.sort(Comparator.comparingLong(Group::inputBytes));
    List<Group> groups = new ArrayList<>();
    List<Group> tooLarge = new ArrayList<>();
    long planned = 0;
    for (Group g : candidates) {
      if (g.inputBytes() > thresholds.maxBytes()) {
        tooLarge.add(g);
      } else if (planned + g.inputBytes() <= thresholds.maxBytes()) {
        groups.add(g);
        planned += g.inputBytes();
      }
    }
    return new Plan(groups, tooLarge);
  }

  /** The files of one partition. */
  private static final class Partition {
    private final PartitionSpec spec;
    private final StructLike partition;
    private final List<FileScanTask> tasks = new ArrayList<>();
    private final Map<String, DeleteFile> deletes = new LinkedHashMap<>();

    Partition(PartitionSpec spec, StructLike partition) {
      this.spec = spec;
      this.partition = partition;
    }

    void add(FileScanTask task) {
      tasks.add(task);
      for (DeleteFile d : task.deletes()) {
        deletes.putIfAbsent(d.location(), d);
      }
    }

    Group group(Thresholds t) {
      List<FileScanTask> small = new ArrayList<>();
      for (FileScanTask task : tasks) {
        if (task.file().fileSizeInBytes() < t.smallFileBytes()) {
          small.add(task);
        }
      }
      if (!deletes.isEmpty()) {
        if (deletes.size() >= t.minDeleteFiles() || small.size() >= t.minInputFiles()) {
          return new Group(spec, partition, List.copyOf(tasks), Set.copyOf(deletes.values()),
              deletes.size() + " delete files over " + tasks.size() + " data files");
        }
        return null;
      }
      if (small.size() >= t.minInputFiles()) {
        return new Group(spec, partition, small, Set.of(), small.size() + " small data files");
      }
      return null;
    }
  }
}
