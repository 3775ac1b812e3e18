package io.floe.tabletopic.commit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.tabletopic.commit.TableCommitter.Outcome;
import io.floe.tabletopic.config.TableTopicConfig;
import io.floe.tabletopic.writer.AppendingTableWriter;
import io.floe.tabletopic.writer.TableWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.TableOperations;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.encryption.EncryptionManager;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.iceberg.inmemory.InMemoryCatalog;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.WriteResult;
import org.apache.iceberg.io.LocationProvider;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The one commit point of a table topic, against Iceberg's in-memory catalog with faults injected. */
class TableCommitCoordinatorTest {

  static final TableIdentifier ID = TableIdentifier.of(Namespace.of("default"), "events");
  static final Schema INITIAL = new Schema(Types.NestedField.optional(1, "offset", Types.LongType.get()));

  /** What the next commit to the catalog does. */
  enum Fault {
    NONE,
    /** The commit is applied, but its confirmation is lost. */
    LOST_AFTER_APPLY,
    /** The request is lost before it is applied; the committer cannot tell. */
    LOST_BEFORE_APPLY
  }

  FaultyCatalog catalog;

  @BeforeEach
  void setUp() {
    catalog = new FaultyCatalog();
    catalog.initialize("test", Map.of());
  }

  @AfterEach
  void tearDown() throws Exception {
    catalog.close();
  }

  private TableCommitCoordinator coordinator() {
    TableTopicConfig config = TableTopicConfig.parse(Map.of(TableTopicConfig.ENABLE, "true"));
    return new TableCommitCoordinator(catalog, ID, "events", config, () -> INITIAL);
  }

  /** Writes rows for offsets {@code from} (inclusive) to {@code to} (exclusive) into one data file. */
  private static List<DataFile> write(TableCommitCoordinator c, long from, long to, Map<String, Object> extra) {
    Table target = c.writeTarget();
    TableWriter w = new AppendingTableWriter(target, 1 << 20);
    for (long o = from; o < to; o++) {
      GenericRecord row = GenericRecord.create(target.schema());
      row.setField("offset", o);
      extra.forEach(row::setField);
      w.write(row);
    }
    return Arrays.asList(w.complete().dataFiles());
  }

  /** Commits one writer's data files. */
  private static Outcome commit(TableCommitCoordinator c, List<DataFile> files, Map<Integer, Long> offsets,
      Map<String, String> extra) {
    WriteResult written = WriteResult.builder().addDataFiles(files).build();
    return c.commitWrites(TableChanges.of(List.of(written)), offsets, extra);
  }

  private List<Long> offsetsInTable() throws Exception {
    List<Long> out = new ArrayList<>();
    try (CloseableIterable<Record> rows = IcebergGenerics.read(catalog.loadTable(ID)).build()) {
      rows.forEach(r -> out.add((Long) r.getField("offset")));
    }
    out.sort(Long::compare);
    return out;
  }

  @Test
  void commitsThatLoseTheirConfirmationLeaveNoDuplicateAndNoGap() throws Exception {
    // Given a coordinator whose commits randomly lose their confirmation, before or after being applied
    TableCommitCoordinator c = coordinator();
    c.reload();
    Random random = new Random(42);
    int unknown = 0;
    int notCommitted = 0;

    // When a writer commits 5 records at a time, resuming from the table's offset after every failure, as the
    // pipeline does
    long next = 0;
    while (next < 200) {
      List<DataFile> files = write(c, next, next + 5, Map.of());
      Fault fault = Fault.values()[random.nextInt(3)];
      catalog.nextFault = fault;
      Outcome outcome = commit(c, files, Map.of(0, next + 5), Map.of());
      if (fault != Fault.NONE) {
        unknown++;
      }
      if (outcome.kind() == Outcome.Kind.COMMITTED) {
        next += 5;
      } else {
        assertEquals(Outcome.Kind.NOT_COMMITTED, outcome.kind());
        assertEquals(Fault.LOST_BEFORE_APPLY, fault);
        notCommitted++;
        next = c.reload().offsets().getOrDefault(0, 0L);
      }
    }

    // Then every offset is in the table exactly once, and the summary says where the table ends
    assertTrue(unknown > 20 && notCommitted > 10, "faults injected: " + unknown + ", not committed: " + notCommitted);
    List<Long> offsets = offsetsInTable();
    assertEquals(200, offsets.size());
    for (int i = 0; i < 200; i++) {
      assertEquals(i, offsets.get(i));
    }
    assertEquals(Map.of(0, 200L), TableCommitter.load(catalog.loadTable(ID)).offsets());
  }

  @Test
  void aSchemaChangeIsCommittedTogetherWithTheDataThatNeedsIt() throws Exception {
    // Given a table with one commit
    TableCommitCoordinator c = coordinator();
    c.reload();
    commit(c, write(c, 0, 3, Map.of()), Map.of(0, 3L), Map.of());

    // When a record needs a new column, the change is staged: rows are built for it, the table does not show it
    c.evolve(List.of(Types.NestedField.optional(99, "region", Types.StringType.get())));
    assertNotNull(c.schema().findField("region"));
    assertNull(catalog.loadTable(ID).schema().findField("region"));
    List<DataFile> files = write(c, 3, 5, Map.of("region", "eu"));

    // Then the next commit brings the column and the rows in one snapshot
    Outcome outcome = commit(c, files, Map.of(0, 5L), Map.of());
    assertEquals(Outcome.Kind.COMMITTED, outcome.kind());
    Table t = catalog.loadTable(ID);
    assertNotNull(t.schema().findField("region"));
    assertEquals(2, countSnapshots(t));
    Map<Long, Object> regions = new HashMap<>();
    try (CloseableIterable<Record> rows = IcebergGenerics.read(t).build()) {
      rows.forEach(r -> regions.put((Long) r.getField("offset"), r.getField("region")));
    }
    assertEquals(5, regions.size());
    assertNull(regions.get(0L));
    assertEquals("eu", regions.get(4L));
  }

  @Test
  void aStagedSchemaChangeWhoseCommitConflictsIsDroppedWithIt() throws Exception {
    // Given a staged column and data written for it
    TableCommitCoordinator c = coordinator();
    c.reload();
    commit(c, write(c, 0, 1, Map.of()), Map.of(0, 1L), Map.of());
    c.evolve(List.of(Types.NestedField.optional(99, "region", Types.StringType.get())));
    List<DataFile> files = write(c, 1, 2, Map.of("region", "eu"));

    // When another writer commits first (a zombie of this table topic)
    catalog.loadTable(ID).newAppend().set(TableCommitter.OFFSETS, "{\"0\":2}").commit();
    Outcome outcome = commit(c, files, Map.of(0, 2L), Map.of());

    // Then nothing of this commit is in the table, schema included, and a reload sees the other's offsets
    assertEquals(Outcome.Kind.CONFLICT, outcome.kind());
    assertNull(catalog.loadTable(ID).schema().findField("region"));
    assertEquals(Map.of(0, 2L), c.reload().offsets());
    assertNull(c.schema().findField("region"));
  }

  @Test
  void aSchemaChangedByAnotherWriterMakesTheCommitConflictRatherThanReapplyIt() throws Exception {
    // Given a coordinator that read the table
    TableCommitCoordinator c = coordinator();
    c.reload();
    commit(c, write(c, 0, 1, Map.of()), Map.of(0, 1L), Map.of());
    c.evolve(List.of(Types.NestedField.optional(99, "region", Types.StringType.get())));
    List<DataFile> files = write(c, 1, 2, Map.of("region", "eu"));

    // When a user adds a column meanwhile (no new snapshot, but new field ids)
    catalog.loadTable(ID).updateSchema().addColumn("note", Types.StringType.get()).commit();

    // Then the staged change is not re-applied with other ids: the commit conflicts
    assertEquals(Outcome.Kind.CONFLICT, commit(c, files, Map.of(0, 2L), Map.of()).kind());
    assertNull(catalog.loadTable(ID).schema().findField("region"));
  }

  private static int countSnapshots(Table t) {
    int n = 0;
    for (var ignored : t.snapshots()) {
      n++;
    }
    return n;
  }

  /** Iceberg's in-memory catalog whose table commits fail as {@link #nextFault} says, once. */
  static final class FaultyCatalog extends InMemoryCatalog {
    volatile Fault nextFault = Fault.NONE;

    @Override
    protected TableOperations newTableOps(TableIdentifier id) {
      TableOperations real = super.newTableOps(id);
      return new TableOperations() {
        @Override
        public TableMetadata current() {
          return real.current();
        }

        @Override
        public TableMetadata refresh() {
          return real.refresh();
        }

        @Override
        public void commit(TableMetadata base, TableMetadata metadata) {
          Fault fault = nextFault;
          nextFault = Fault.NONE;
          if (fault == Fault.LOST_BEFORE_APPLY) {
            throw new CommitStateUnknownException(new RuntimeException("connection reset before the commit"));
          }
          real.commit(base, metadata);
          if (fault == Fault.LOST_AFTER_APPLY) {
            throw new CommitStateUnknownException(new RuntimeException("connection reset after the commit"));
          }
        }

        @Override
        public FileIO io() {
          return real.io();
        }

        @Override
        public EncryptionManager encryption() {
          return real.encryption();
        }

        @Override
        public String metadataFileLocation(String fileName) {
          return real.metadataFileLocation(fileName);
        }

        @Override
        public LocationProvider locationProvider() {
          return real.locationProvider();
        }

        @Override
        public long newSnapshotId() {
          return real.newSnapshotId();
        }
      };
    }
  }
}
