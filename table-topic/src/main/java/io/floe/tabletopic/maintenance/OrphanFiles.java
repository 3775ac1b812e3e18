package io.floe.tabletopic.maintenance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.ManifestContent;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.ManifestFiles;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileInfo;
import org.apache.iceberg.io.SupportsPrefixOperations;

/**
 * Deletes the files under a table's data directory that no snapshot references and that are older than a
 * bound: the leftovers of commits that failed or were cut short by a crash. Files younger than the bound are
 * kept, since they may belong to a commit being made.
 */
public final class OrphanFiles {

  private OrphanFiles() {}

  /**
   * Deletes the orphans of {@code table} created before {@code olderThanMs}; returns how many, or -1 if the
   * table's file IO cannot list files.
   */
  public static int delete(Table table, long olderThanMs) {
    if (!(table.io() instanceof SupportsPrefixOperations io)) {
      return -1;
    }
    table.refresh();
    Set<String> referenced = referencedContentFiles(table);
    String dataDir = table.location().replaceAll("/+$", "") + "/data/";
    int deleted = 0;
    for (FileInfo f : io.listPrefix(dataDir)) {
      if (f.createdAtMillis() < olderThanMs && !referenced.contains(normalize(f.location()))) {
        io.deleteFile(f.location());
        deleted++;
      }
    }
    return deleted;
  }

  /** The data and delete files every snapshot of the table references. */
  private static Set<String> referencedContentFiles(Table table) {
    Set<String> out = new HashSet<>();
    Set<String> manifestsSeen = new HashSet<>();
    Map<Integer, PartitionSpec> specs = table.specs();
    for (Snapshot snapshot : table.snapshots()) {
      for (ManifestFile manifest : snapshot.allManifests(table.io())) {
        if (!manifestsSeen.add(manifest.path())) {
          continue;
        }
        try {
          if (manifest.content() == ManifestContent.DATA) {
            try (CloseableIterable<String> paths = ManifestFiles.readPaths(manifest, table.io(), specs)) {
              paths.forEach(p -> out.add(normalize(p)));
            }
          } else {
            try (var deletes = ManifestFiles.readDeleteManifest(manifest, table.io(), specs)) {
              deletes.forEach(d -> out.add(normalize(d.location())));
            }
          }
        } catch (IOException e) {
          throw new UncheckedIOException("Cannot read manifest " + manifest.path(), e);
        }
      }
    }
    return out;
  }

  /** The same file may be named {@code file:/a} or {@code file:///a}: compare paths without the scheme's slashes. */
  private static String normalize(String location) {
    int colon = location.indexOf(':');
    if (colon < 0) {
      return location;
    }
    String rest = location.substring(colon + 1).replaceFirst("^/+", "/");
    return location.substring(0, colon) + ":" + rest;
  }
}
