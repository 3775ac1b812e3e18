package io.floe.storage.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.floe.storage.metadata.StreamRange;
import io.floe.storage.wal.WalObjectFormat;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which ranges one compaction cycle merges, and which it leaves alone. */
class StreamObjectCompactorPlanTest {
  private static final CompactionConfig CONFIG =
      CompactionConfig.defaults().withMaxObjectBytes(1000).withSmallObjectBytes(400);

  private final List<StreamRange> ranges = new ArrayList<>();
  private long nextOffset;
  private long nextObjectId = 1;

  @Test
  void consecutiveWalRangesBecomeRunsOfAtMostTheMaxObjectSize() {
    // Given nine WAL ranges of 300 bytes
    for (int i = 0; i < 9; i++) {
      wal(300);
    }

    // Then they are cut into runs of at most 1000 bytes: three of three
    assertEquals(List.of(List.of(0L, 1L, 2L), List.of(3L, 4L, 5L), List.of(6L, 7L, 8L)), plan());
  }

  @Test
  void largeObjectsBreakRunsAndALoneWalRangeIsRewrittenButALoneStreamObjectIsNot() {
    // Given a WAL range, a large stream object, a small stream object, a WAL range too large to merge, and a
    // small stream object alone at the end
    wal(100);
    stream(500);
    stream(200);
    wal(1200);
    stream(100);

    // Then only the lone WAL range is a run: the others are large, or alone and already a stream object
    assertEquals(List.of(List.of(0L)), plan());
  }

  @Test
  void largeWalSlicesStayInTheirWalObjects() {
    // Given a busy broker's WAL ranges of 512 KiB or more, between small ones
    CompactionConfig config = CompactionConfig.defaults();
    wal(100);
    wal(StreamObjectCompactor.WAL_RANGE_KEPT_BYTES);
    wal(100);
    wal(100);

    // Then the large slice is left where it is (already cheap to read); the small ones around it merge
    assertEquals(List.of(List.of(0L), List.of(2L, 3L)), plan(config));
  }

  @Test
  void aLoneSmallWalSliceIsLeftInAnObjectThatALargeSliceKeepsAnyway() {
    // Given a lone small WAL slice between large ones, in a WAL object where another stream has a large slice
    CompactionConfig config = CompactionConfig.defaults();
    wal(StreamObjectCompactor.WAL_RANGE_KEPT_BYTES);
    wal(100);
    wal(StreamObjectCompactor.WAL_RANGE_KEPT_BYTES);
    long objectOfSmallSlice = ranges.get(1).objectId();

    // Then it is not rewritten alone: that would cost a PUT, merge nothing and release nothing
    assertEquals(List.of(), plan(config, java.util.Set.of(objectOfSmallSlice)));
    // while without the pin it is, to release its object
    assertEquals(List.of(List.of(1L)), plan(config));
  }

  @Test
  void aLargerFirstRangeIsNotRewrittenForLittleNewData() {
    // Given a small stream object of 390 bytes followed by two WAL ranges of 100 bytes
    stream(390);
    wal(100);
    wal(100);

    // Then the WAL ranges merge without it (it is larger than both together)
    assertEquals(List.of(List.of(1L, 2L)), plan());

    // And once enough new data follows, it merges with them
    wal(200);
    assertEquals(List.of(List.of(0L, 1L, 2L, 3L)), plan());
  }

  @Test
  void aWalRangeIsRewrittenWhateverFollowsIt() {
    // Given a large WAL range followed by a small stream object
    wal(700);
    stream(100);

    // Then both are merged: the WAL range must go for its shared object to be released
    assertEquals(List.of(List.of(0L, 1L)), plan());
  }

  /** The runs, as lists of the ranges' start offsets (one offset per range). */
  private List<List<Long>> plan() {
    return plan(CONFIG);
  }

  private List<List<Long>> plan(CompactionConfig config) {
    return plan(config, java.util.Set.of());
  }

  private List<List<Long>> plan(CompactionConfig config, java.util.Set<Long> pinnedWalObjects) {
    return StreamObjectCompactor.planRuns(ranges, config, pinnedWalObjects).stream()
        .map(run -> run.stream().map(StreamRange::startOffset).toList())
        .toList();
  }

  private void wal(long length) {
    add(WalObjectFormat.objectKey(nextObjectId), length);
  }

  private void stream(long length) {
    add(StreamObjectFormat.objectKey(1, nextObjectId), length);
  }

  private void add(String key, long length) {
    ranges.add(new StreamRange(1, nextOffset, nextOffset + 1, nextObjectId, key, 0, length, 0));
    nextOffset++;
    nextObjectId++;
  }
}
