package io.floe.storage.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.storage.metadata.GroupOffsetStore.CommittedOffset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JdbcMetadataStoreTest {
  @TempDir Path dir;
  private String url;
  private JdbcMetadataStore store;

  @BeforeEach
  void setUp() {
    url = newDatabaseUrl();
    store = JdbcMetadataStore.open(url);
  }

  /** A new, empty database for one test: SQLite here, PostgreSQL in {@link PostgresMetadataStoreTest}. */
  String newDatabaseUrl() {
    return "jdbc:sqlite:" + dir.resolve("meta.db");
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  @Test
  void createdTopicHasDistinctStreamsAndSurvivesReopen() {
    // Given a topic created with configs
    TopicRecord created = store.createTopic("orders", 3, Map.of("retention.ms", "1000"));

    // When the store is reopened over the same database
    store.close();
    store = JdbcMetadataStore.open(url);
    TopicRecord read = store.topic("orders").orElseThrow();

    // Then everything reads back, with one distinct stream per partition
    assertEquals(created, read);
    assertEquals(3, read.partitions());
    assertEquals(3, new HashSet<>(read.streamIds()).size());
    assertEquals(Map.of("retention.ms", "1000"), read.configs());
    assertEquals(SchemaMigrations.MIGRATIONS.get(SchemaMigrations.MIGRATIONS.size() - 1).version(),
        SchemaVersion.of(store));
  }

  @Test
  void creatingAnExistingTopicConflicts() {
    store.createTopic("t", 1, Map.of());
    assertThrows(MetadataConflictException.class, () -> store.createTopic("t", 2, Map.of()));
    assertEquals(1, store.topic("t").orElseThrow().partitions());
  }

  @Test
  void topicsAreListedByNameAndDeletedTopicsDisappear() {
    store.createTopic("b", 1, Map.of());
    store.createTopic("a", 2, Map.of("k", "v"));

    assertEquals(List.of("a", "b"), store.topics().stream().map(TopicRecord::name).toList());
    assertEquals(Map.of("k", "v"), store.topics().get(0).configs());

    TopicRecord deleted = store.deleteTopic("a").orElseThrow();
    assertEquals(2, deleted.partitions());
    assertTrue(store.topic("a").isEmpty());
    assertTrue(store.deleteTopic("a").isEmpty());
    assertEquals(List.of("b"), store.topics().stream().map(TopicRecord::name).toList());
  }

  @Test
  void addPartitionsKeepsExistingStreamsAndRejectsShrinking() {
    TopicRecord before = store.createTopic("t", 2, Map.of());

    TopicRecord after = store.addPartitions("t", 5);

    assertEquals(5, after.partitions());
    assertEquals(before.streamIds(), after.streamIds().subList(0, 2));
    assertEquals(5, new HashSet<>(after.streamIds()).size());
    assertThrows(MetadataConflictException.class, () -> store.addPartitions("t", 5));
    assertThrows(MetadataConflictException.class, () -> store.addPartitions("missing", 5));
  }

  @Test
  void configsAreAlteredAndReplacedAtomically() {
    store.createTopic("t", 1, Map.of("a", "1", "b", "2"));

    TopicRecord altered = store.alterConfigs("t", Map.of("a", "10", "c", "3"), Set.of("b"));
    assertEquals(Map.of("a", "10", "c", "3"), altered.configs());

    TopicRecord replaced = store.replaceConfigs("t", Map.of("z", "26"));
    assertEquals(Map.of("z", "26"), replaced.configs());
    assertThrows(MetadataConflictException.class, () -> store.alterConfigs("nope", Map.of(), Set.of()));
  }

  @Test
  void groupOffsetsAreUpsertedFetchedAndDeleted() {
    // Given offsets committed twice for one partition, including a null metadata
    store.commitOffsets("g1", List.of(new CommittedOffset("t", 0, 5, 1, "m", 100), new CommittedOffset("t", 1, 7, 1, null, 100)));
    store.commitOffsets("g1", List.of(new CommittedOffset("t", 0, 9, 2, "m2", 200)));
    store.commitOffsets("g2", List.of(new CommittedOffset("u", 0, 1, 0, "", 300)));

    // Then the latest commit wins and null metadata stays null
    Map<String, Map<Integer, CommittedOffset>> g1 = store.fetchOffsets("g1");
    assertEquals(new CommittedOffset("t", 0, 9, 2, "m2", 200), g1.get("t").get(0));
    assertNull(g1.get("t").get(1).metadata());
    assertEquals(List.of("g1", "g2"), store.groupsWithOffsets());

    // When deleting by partition, topic and group
    store.deleteOffsets("g1", "t", 1);
    assertEquals(Set.of(0), store.fetchOffsets("g1").get("t").keySet());
    store.deleteTopicOffsets("t");
    assertTrue(store.fetchOffsets("g1").isEmpty());
    store.deleteGroup("g2");
    assertEquals(List.of(), store.groupsWithOffsets());
  }

  @Test
  void openingAStreamBumpsItsEpochAndFencesTheOldOwner() {
    // Given a stream opened by a first owner, who commits one object
    long streamId = store.createTopic("t", 1, Map.of()).streamId(0);
    StreamMetadata first = store.openStream(streamId);
    assertEquals(1, first.epoch());
    store.commitObjects(List.of(object(store.allocateObjectIds(1), range(streamId, 0, 10), first.epoch())));

    // When a second owner opens it
    StreamMetadata second = store.openStream(streamId);

    // Then the second owner sees the committed range, and the first owner's commit is rejected
    assertEquals(2, second.epoch());
    assertEquals(10, second.endOffset());
    assertEquals(1, second.ranges().size());
    StaleStreamEpochException e =
        assertThrows(
            StaleStreamEpochException.class,
            () -> store.commitObjects(List.of(object(store.allocateObjectIds(1), range(streamId, 10, 20), first.epoch()))));
    assertEquals(Set.of(streamId), e.streamIds());
    assertEquals(10, store.stream(streamId).endOffset());
  }

  @Test
  void aCommitWithOneStaleStreamAppliesNothing() {
    // Given two streams, one of which has moved to a new owner
    StreamMetadata a = store.openStream(100);
    StreamMetadata b = store.openStream(200);
    store.openStream(200);

    // When one transaction commits two objects touching both streams
    long firstId = store.allocateObjectIds(2);
    ObjectCommit o1 = object(firstId, List.of(range(100, 0, 5), range(200, 0, 5)), Map.of(100L, a.epoch(), 200L, b.epoch()));
    ObjectCommit o2 = object(firstId + 1, List.of(range(100, 5, 8)), Map.of(100L, a.epoch()));
    StaleStreamEpochException e = assertThrows(StaleStreamEpochException.class, () -> store.commitObjects(List.of(o1, o2)));

    // Then only the stale stream is named and nothing was committed
    assertEquals(Set.of(200L), e.streamIds());
    assertEquals(0, store.stream(100).endOffset());
    assertTrue(store.objectKeys("wal/").isEmpty());

    // When the writer retries without the stale stream, in one transaction
    store.commitObjects(
        List.of(
            object(firstId, List.of(range(100, 0, 5)), Map.of(100L, a.epoch())),
            object(firstId + 1, List.of(range(100, 5, 8)), Map.of(100L, a.epoch()))));

    // Then both objects and the continuous ranges are committed
    StreamMetadata after = store.stream(100);
    assertEquals(8, after.endOffset());
    assertEquals(List.of(0L, 5L), after.ranges().stream().map(StreamRange::startOffset).toList());
    assertEquals(2, store.objectKeys("wal/").size());
  }

  @Test
  void aRangeThatDoesNotContinueTheStreamIsRejected() {
    StreamMetadata s = store.openStream(7);
    store.commitObjects(List.of(object(store.allocateObjectIds(1), range(7, 0, 10), s.epoch())));

    assertThrows(
        StaleStreamEpochException.class,
        () -> store.commitObjects(List.of(object(store.allocateObjectIds(1), range(7, 11, 12), s.epoch()))));
    assertEquals(10, store.stream(7).endOffset());
  }

  @Test
  void trimDropsRangesBelowTheStartAndUnreferencedObjectsAreMarkedThenPurged() {
    // Given a stream with three objects
    StreamMetadata s = store.openStream(1);
    long id = store.allocateObjectIds(3);
    store.commitObjects(
        List.of(
            object(id, range(1, 0, 10), s.epoch()),
            object(id + 1, range(1, 10, 20), s.epoch()),
            object(id + 2, range(1, 20, 30), s.epoch())));

    // When it is trimmed into the middle of the second range
    store.trimStream(1, s.epoch(), 15);

    // Then the first range is gone, the start is raised, and a lower trim is ignored
    StreamMetadata trimmed = store.stream(1);
    assertEquals(15, trimmed.startOffset());
    assertEquals(List.of(10L, 20L), trimmed.ranges().stream().map(StreamRange::startOffset).toList());
    store.trimStream(1, s.epoch(), 3);
    assertEquals(15, store.stream(1).startOffset());

    // And only the first object becomes unreferenced, listed once its grace has passed
    assertEquals(1, store.markUnreferencedObjects(1_000));
    assertEquals(0, store.markUnreferencedObjects(2_000));
    assertTrue(store.unreferencedObjects(999, 10).isEmpty());
    List<StoredObject> dead = store.unreferencedObjects(1_000, 10);
    assertEquals(List.of(id), dead.stream().map(StoredObject::objectId).toList());

    // When purged, it leaves the index
    store.purgeObjects(List.of(id));
    assertEquals(2, store.objectKeys("wal/").size());

    // And a stale owner cannot trim; a trim past the end is rejected
    store.openStream(1);
    assertThrows(StaleStreamEpochException.class, () -> store.trimStream(1, s.epoch(), 20));
    assertThrows(IllegalArgumentException.class, () -> store.trimStream(1, s.epoch() + 1, 31));
  }

  @Test
  void deletingAStreamUnreferencesItsObjects() {
    StreamMetadata s = store.openStream(1);
    long id = store.allocateObjectIds(1);
    store.commitObjects(List.of(object(id, range(1, 0, 10), s.epoch())));

    store.deleteStream(1);

    assertEquals(1, store.markUnreferencedObjects(5));
    assertEquals(0, store.stream(1).epoch());
    assertThrows(
        StaleStreamEpochException.class,
        () -> store.commitObjects(List.of(object(store.allocateObjectIds(1), range(1, 10, 11), s.epoch()))));
  }

  @Test
  void replacingRangesSwapsThemForOneObjectAtomicallyAndUnreferencesObjectsLeftEmpty() {
    // Given two streams written together in three WAL objects, each holding a range of both
    StreamMetadata a = store.openStream(1);
    StreamMetadata b = store.openStream(2);
    long id = store.allocateObjectIds(3);
    Map<Long, Long> epochs = Map.of(1L, a.epoch(), 2L, b.epoch());
    store.commitObjects(
        List.of(
            object(id, List.of(range(1, 0, 10), range(2, 0, 5)), epochs),
            object(id + 1, List.of(range(1, 10, 20), range(2, 5, 7)), epochs),
            object(id + 2, List.of(range(1, 20, 25), range(2, 7, 9)), epochs)));
    List<StreamRange> oldRanges = store.stream(1).ranges();

    // When stream 1's three ranges are replaced by one range in a stream object
    long newId = store.allocateObjectIds(1);
    store.replaceRanges(replacement(oldRanges, newId, a.epoch()));

    // Then stream 1 has that one range over the same offsets, stream 2 is untouched, and no object is unreferenced
    StreamMetadata after = store.stream(1);
    assertEquals(List.of(merged(oldRanges, newId)), after.ranges());
    assertEquals(0, after.startOffset());
    assertEquals(25, after.endOffset());
    assertEquals(3, store.stream(2).ranges().size());
    assertEquals(Set.of(streamKey(1, newId)), store.objectKeys("streams/"));
    assertEquals(0, store.markUnreferencedObjects(1_000));

    // When stream 2's ranges are replaced too, Then the three WAL objects are unreferenced
    long otherId = store.allocateObjectIds(1);
    store.replaceRanges(replacement(store.stream(2).ranges(), otherId, b.epoch()));
    assertEquals(3, store.markUnreferencedObjects(2_000));
    assertEquals(
        List.of(id, id + 1, id + 2),
        store.unreferencedObjects(2_000, 10).stream().map(StoredObject::objectId).toList());
    assertEquals(9, store.stream(2).endOffset());
  }

  @Test
  void aReplacementOfRangesThatChangedMeanwhileAppliesNothing() {
    // Given a stream in three WAL objects, and a replacement planned over all three ranges
    StreamMetadata s = store.openStream(1);
    long id = store.allocateObjectIds(3);
    store.commitObjects(
        List.of(
            object(id, range(1, 0, 10), s.epoch()),
            object(id + 1, range(1, 10, 20), s.epoch()),
            object(id + 2, range(1, 20, 30), s.epoch())));
    List<StreamRange> planned = store.stream(1).ranges();
    long newId = store.allocateObjectIds(1);

    // When the first range is trimmed away before the replacement commits
    store.trimStream(1, s.epoch(), 12);

    // Then the replacement conflicts and the index still has the ranges the trim left, and no new object
    assertThrows(MetadataConflictException.class, () -> store.replaceRanges(replacement(planned, newId, s.epoch())));
    assertEquals(planned.subList(1, 3), store.stream(1).ranges());
    assertTrue(store.objectKeys("streams/").isEmpty());

    // And a range given with other bytes than the index holds conflicts too
    List<StreamRange> current = store.stream(1).ranges();
    StreamRange moved = current.get(1);
    List<StreamRange> wrong =
        List.of(current.get(0), new StreamRange(1, moved.startOffset(), moved.endOffset(), moved.objectId(),
            moved.objectKey(), moved.position() + 1, moved.length(), moved.maxTimestamp()));
    assertThrows(MetadataConflictException.class, () -> store.replaceRanges(replacement(wrong, newId, s.epoch())));
    assertEquals(current, store.stream(1).ranges());

    // And a replacement by an owner whose epoch is stale, or of a deleted stream, is fenced
    store.openStream(1);
    assertThrows(StaleStreamEpochException.class, () -> store.replaceRanges(replacement(current, newId, s.epoch())));
    store.deleteStream(1);
    assertThrows(StaleStreamEpochException.class, () -> store.replaceRanges(replacement(current, newId, s.epoch() + 1)));
    assertTrue(store.objectKeys("streams/").isEmpty());

    // And the current ranges with the current epoch are replaced
    StreamMetadata reopened = store.openStream(7);
    store.commitObjects(
        List.of(object(id + 5, range(7, 0, 4), reopened.epoch()), object(id + 6, range(7, 4, 8), reopened.epoch())));
    store.replaceRanges(replacement(store.stream(7).ranges(), newId, reopened.epoch()));
    assertEquals(1, store.stream(7).ranges().size());
  }

  @Test
  void aReplacementMustCoverExactlyTheOffsetsOfConsecutiveRangesOfOneStream() {
    StreamRange r1 = placed(range(1, 0, 10), 1);
    StreamRange r2 = placed(range(1, 10, 20), 2);
    StreamRange gap = placed(range(1, 21, 30), 3);
    StreamRange other = placed(range(2, 20, 30), 3);

    assertThrows(IllegalArgumentException.class, () -> replacement(List.of(r1, gap), 9, 1));
    assertThrows(IllegalArgumentException.class, () -> replacement(List.of(r1, other), 9, 1));
    StreamRange tooShort = new StreamRange(1, 0, 15, 9, streamKey(1, 9), 0, 100, r2.maxTimestamp());
    ObjectCommit shortObject = new ObjectCommit(9, streamKey(1, 9), 100, List.of(tooShort), Map.of(1L, 1L));
    assertThrows(IllegalArgumentException.class, () -> new RangeReplacement(List.of(r1, r2), shortObject));
    assertThrows(IllegalArgumentException.class, () -> new RangeReplacement(List.of(), shortObject));
    assertEquals(20, replacement(List.of(r1, r2), 9, 1).mergedRange().endOffset());
  }

  @Test
  void replacementsRacingTrimsLeaveTheIndexConsistent() throws Exception {
    // Given a stream with many small ranges, compacted two ranges at a time while it is trimmed one offset at a time
    StreamMetadata s = store.openStream(1);
    long id = store.allocateObjectIds(40);
    List<ObjectCommit> commits = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      commits.add(object(id + i, range(1, i * 10L, i * 10L + 10), s.epoch()));
    }
    store.commitObjects(commits);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      // When both run at once
      Future<Integer> compactions =
          pool.submit(
              () -> {
                int applied = 0;
                for (int round = 0; round < 20; round++) {
                  List<StreamRange> ranges = store.stream(1).ranges();
                  if (ranges.size() < 2) {
                    break;
                  }
                  try {
                    store.replaceRanges(replacement(ranges.subList(ranges.size() - 2, ranges.size()),
                        store.allocateObjectIds(1), s.epoch()));
                    applied++;
                  } catch (MetadataConflictException conflict) {
                    // a trim came first: plan again
                  }
                }
                return applied;
              });
      Future<?> trims =
          pool.submit(
              () -> {
                for (long start = 1; start <= 200; start += 7) {
                  store.trimStream(1, s.epoch(), start);
                }
              });
      trims.get(60, TimeUnit.SECONDS);
      assertTrue(compactions.get(60, TimeUnit.SECONDS) > 0);
    } finally {
      pool.shutdownNow();
    }

    // Then the ranges are consecutive from below the start offset to the end, with none wholly below the start
    StreamMetadata after = store.stream(1);
    assertEquals(400, after.endOffset());
    List<StreamRange> ranges = after.ranges();
    assertTrue(ranges.get(0).startOffset() <= after.startOffset() && ranges.get(0).endOffset() > after.startOffset(),
        ranges.get(0) + " holds the start offset " + after.startOffset());
    for (int i = 1; i < ranges.size(); i++) {
      assertEquals(ranges.get(i - 1).endOffset(), ranges.get(i).startOffset());
    }
    assertEquals(400, ranges.get(ranges.size() - 1).endOffset());
  }

  @Test
  void objectIdsAreNeverHandedOutTwice() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Long>> firsts = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        firsts.add(pool.submit(() -> store.allocateObjectIds(10)));
      }
      Set<Long> ids = new HashSet<>();
      for (Future<Long> f : firsts) {
        long first = f.get();
        for (long id = first; id < first + 10; id++) {
          assertTrue(ids.add(id), "duplicate id " + id);
        }
      }
      assertNotEquals(0, ids.size());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void closedStoreRejectsCalls() {
    store.close();
    assertThrows(MetadataStoreException.class, () -> store.topics());
    assertFalse(store.jdbcUrl().isEmpty());
  }

  /** A replacement of {@code ranges} by one range at the start of stream object {@code objectId}. */
  private static RangeReplacement replacement(List<StreamRange> ranges, long objectId, long epoch) {
    StreamRange merged = merged(ranges, objectId);
    return new RangeReplacement(
        ranges,
        new ObjectCommit(objectId, merged.objectKey(), merged.length(), List.of(merged),
            Map.of(merged.streamId(), epoch)));
  }

  private static StreamRange merged(List<StreamRange> ranges, long objectId) {
    StreamRange first = ranges.get(0);
    long length = ranges.stream().mapToLong(StreamRange::length).sum();
    long maxTimestamp = ranges.stream().mapToLong(StreamRange::maxTimestamp).max().orElseThrow();
    return new StreamRange(first.streamId(), first.startOffset(), ranges.get(ranges.size() - 1).endOffset(), objectId,
        streamKey(first.streamId(), objectId), 0, length, maxTimestamp);
  }

  private static String streamKey(long streamId, long objectId) {
    return String.format("streams/%d/%019d", streamId, objectId);
  }

  /** The range as the only one of WAL object {@code objectId}. */
  private static StreamRange placed(StreamRange r, long objectId) {
    return object(objectId, r, 1).ranges().get(0);
  }

  private static StreamRange range(long streamId, long start, long end) {
    return new StreamRange(streamId, start, end, -1, "", 0, (end - start) * 10, start * 100);
  }

  private static ObjectCommit object(long objectId, StreamRange range, long epoch) {
    return object(objectId, List.of(range), Map.of(range.streamId(), epoch));
  }

  /** Places the ranges back to back in object {@code objectId}. */
  private static ObjectCommit object(long objectId, List<StreamRange> ranges, Map<Long, Long> epochs) {
    String key = String.format("wal/%019d", objectId);
    List<StreamRange> placed = new ArrayList<>();
    long position = 0;
    for (StreamRange r : ranges) {
      placed.add(
          new StreamRange(r.streamId(), r.startOffset(), r.endOffset(), objectId, key, position, r.length(), r.maxTimestamp()));
      position += r.length();
    }
    return new ObjectCommit(objectId, key, position, placed, epochs);
  }

  /** Reads the schema version through the package-private migration helper. */
  private static final class SchemaVersion {
    static int of(JdbcMetadataStore store) {
      try (var c = java.sql.DriverManager.getConnection(store.jdbcUrl())) {
        c.setAutoCommit(false);
        return SchemaMigrations.currentVersion(c);
      } catch (java.sql.SQLException e) {
        throw new AssertionError(e);
      }
    }
  }
}
