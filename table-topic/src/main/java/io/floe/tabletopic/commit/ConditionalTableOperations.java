package io.floe.tabletopic.commit;

import org.apache.iceberg.LocationProviders;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.TableOperations;
import org.apache.iceberg.encryption.EncryptionManager;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.LocationProvider;

/**
 * Table operations that commit only on top of one expected snapshot and schema. Iceberg retries a commit
 * that lost a race by refreshing and re-applying it on the newer snapshot; for a Table Topic commit that
 * would be a second append of files whose offsets may already be in the table, or a schema change re-applied
 * with other field ids than the staged data files were written with. This wrapper refuses any commit whose
 * base is not the snapshot and schema the committer last read, with {@link SnapshotMovedException}, which
 * Iceberg does not retry. The catalog's own check (JDBC's metadata location, REST's assert-ref-snapshot-id) still guards
 * the race between this check and the write.
 */
final class ConditionalTableOperations implements TableOperations {

  private final TableOperations delegate;
  private final long expectedSnapshotId;
  private final int expectedSchemaId;

  ConditionalTableOperations(TableOperations delegate, long expectedSnapshotId, int expectedSchemaId) {
    this.delegate = delegate;
    this.expectedSnapshotId = expectedSnapshotId;
    this.expectedSchemaId = expectedSchemaId;
  }

  /** The table's current snapshot or schema is not the one this commit was prepared on. */
  static final class SnapshotMovedException extends RuntimeException {
    SnapshotMovedException(String what, long expected, long actual) {
      super("Cannot commit: the table moved from " + what + " " + expected + " to " + actual);
    }
  }

  static long snapshotIdOf(TableMetadata metadata) {
    Snapshot s = metadata == null ? null : metadata.currentSnapshot();
    return s == null ? -1 : s.snapshotId();
  }

  @Override
  public TableMetadata current() {
    return delegate.current();
  }

  @Override
  public TableMetadata refresh() {
    return delegate.refresh();
  }

  @Override
  public void commit(TableMetadata base, TableMetadata metadata) {
    long actual = snapshotIdOf(base);
    if (actual != expectedSnapshotId) {
      throw new SnapshotMovedException("snapshot", expectedSnapshotId, actual);
    }
    int schema = base == null ? -1 : base.currentSchemaId();
    if (schema != expectedSchemaId) {
      throw new SnapshotMovedException("schema", expectedSchemaId, schema);
    }
    delegate.commit(base, metadata);
  }

  @Override
  public FileIO io() {
    return delegate.io();
  }

  @Override
  public EncryptionManager encryption() {
    return delegate.encryption();
  }

  @Override
  public String metadataFileLocation(String fileName) {
    return delegate.metadataFileLocation(fileName);
  }

  @Override
  public LocationProvider locationProvider() {
    LocationProvider p = delegate.locationProvider();
    return p != null ? p : LocationProviders.locationsFor(current().location(), current().properties());
  }

  @Override
  public TableOperations temp(TableMetadata uncommittedMetadata) {
    return delegate.temp(uncommittedMetadata);
  }

  @Override
  public long newSnapshotId() {
    return delegate.newSnapshotId();
  }
}
