package io.floe.storage.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.storage.testing.PostgresServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The epoch fencing of stream commits with two brokers (two stores, each with its own connections) sharing one
 * real PostgreSQL database, their operations racing: a stream's commits come from its current owner only, and a
 * commit is applied whole or not at all.
 */
class PostgresEpochFencingTest {
  private static PostgresServer postgres;
  private JdbcMetadataStore brokerA;
  private JdbcMetadataStore brokerB;
  private ExecutorService threads;

  @BeforeAll
  static void startPostgres() {
    postgres = PostgresServer.start();
  }

  @AfterAll
  static void stopPostgres() {
    if (postgres != null) {
      postgres.close();
    }
  }

  @BeforeEach
  void setUp() {
    String url = postgres.newDatabase();
    brokerA = JdbcMetadataStore.open(url);
    brokerB = JdbcMetadataStore.open(url);
    threads = Executors.newFixedThreadPool(2);
  }

  @AfterEach
  void tearDown() {
    threads.shutdownNow();
    brokerA.close();
    brokerB.close();
  }

  @Test
  void ofTwoWritersWithDifferentEpochsExactlyOneCommits() throws Exception {
    for (long streamId = 1; streamId <= 50; streamId++) {
      // Given a stream opened by broker A, then taken over by broker B
      StreamMetadata a = brokerA.openStream(streamId);
      StreamMetadata b = brokerB.openStream(streamId);
      assertTrue(b.epoch() > a.epoch());
      long idA = brokerA.allocateObjectIds(1);
      long idB = brokerB.allocateObjectIds(1);

      // When both commit the same offsets at the same moment, each under its own epoch
      long id = streamId;
      List<Object> outcomes =
          race(
              callable(
                  () -> brokerA.commitObjects(List.of(object(idA, List.of(range(id, 0, 10)), Map.of(id, a.epoch()))))),
              callable(
                  () -> brokerB.commitObjects(List.of(object(idB, List.of(range(id, 0, 10)), Map.of(id, b.epoch()))))));

      // Then only the current owner's commit is applied, and the other is told it is stale
      StaleStreamEpochException stale = assertInstanceOf(StaleStreamEpochException.class, outcomes.get(0));
      assertEquals(Set.of(streamId), stale.streamIds());
      assertEquals("committed", outcomes.get(1));
      StreamMetadata after = brokerA.stream(streamId);
      assertEquals(10, after.endOffset());
      assertEquals(List.of(idB), after.ranges().stream().map(StreamRange::objectId).toList());
      assertEquals(b.epoch(), after.epoch());
    }
  }

  @Test
  void aCommitRacingATakeoverIsEitherSeenByTheNewOwnerOrNotAppliedAtAll() throws Exception {
    int applied = 0;
    int fenced = 0;
    for (int round = 0; round < 40; round++) {
      // Given broker A owning two streams, and about to commit one object spanning both
      long x = 1_000 + 2L * round;
      long y = x + 1;
      StreamMetadata ax = brokerA.openStream(x);
      StreamMetadata ay = brokerA.openStream(y);
      long id = brokerA.allocateObjectIds(1);
      ObjectCommit commit =
          object(id, List.of(range(x, 0, 10), range(y, 0, 10)), Map.of(x, ax.epoch(), y, ay.epoch()));

      // When broker B takes over one of them at the same moment
      List<Object> outcomes = race(
              callable(() -> brokerA.commitObjects(List.of(commit))),
              () -> {
                // a random head start for the commit, so that both orders occur
                LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(2_000_000));
                return brokerB.openStream(y);
              });

      // Then either the commit was applied whole, before the takeover, and the new owner sees it...
      StreamMetadata taken = assertInstanceOf(StreamMetadata.class, outcomes.get(1));
      if ("committed".equals(outcomes.get(0))) {
        applied++;
        assertEquals(10, taken.endOffset());
        assertEquals(List.of(id), taken.ranges().stream().map(StreamRange::objectId).toList());
        assertEquals(10, brokerB.stream(x).endOffset());
      } else {
        // ...or it was rejected as stale for the taken stream, with nothing of it applied to either stream
        fenced++;
        StaleStreamEpochException stale = assertInstanceOf(StaleStreamEpochException.class, outcomes.get(0));
        assertEquals(Set.of(y), stale.streamIds());
        assertEquals(0, taken.endOffset());
        assertEquals(0, brokerB.stream(x).endOffset());
        assertEquals(0, brokerB.stream(y).endOffset());
        assertTrue(brokerB.objectKeys(commit.objectKey()).isEmpty());
      }
    }
    assertEquals(40, applied + fenced);
  }

  @Test
  void anOwnerCommittingContinuouslyIsCutOffExactlyWhereTheNewOwnerTakesOver() throws Exception {
    for (long streamId = 1; streamId <= 10; streamId++) {
      // Given broker A committing 10 offsets at a time to a stream, as fast as it can
      long id = streamId;
      StreamMetadata a = brokerA.openStream(id);
      AtomicBoolean stop = new AtomicBoolean();
      CountDownLatch firstCommit = new CountDownLatch(1);
      Future<Long> writer =
          threads.submit(
              () -> {
                long end = a.endOffset();
                while (!stop.get()) {
                  long objectId = brokerA.allocateObjectIds(1);
                  try {
                    brokerA.commitObjects(
                        List.of(object(objectId, List.of(range(id, end, end + 10)), Map.of(id, a.epoch()))));
                    end += 10;
                    firstCommit.countDown();
                  } catch (StaleStreamEpochException fenced) {
                    return end;
                  }
                }
                return -1L;
              });

      // When broker B takes the stream over while A is committing
      assertTrue(firstCommit.await(30, TimeUnit.SECONDS));
      Thread.sleep(ThreadLocalRandom.current().nextInt(0, 20));
      StreamMetadata b = brokerB.openStream(id);
      long lastEndOfA;
      try {
        lastEndOfA = writer.get(30, TimeUnit.SECONDS);
      } finally {
        stop.set(true);
      }

      // Then B saw every commit A made and A made none after it: the stream ends where B found it, contiguous
      assertEquals(lastEndOfA, b.endOffset());
      StreamMetadata now = brokerB.stream(id);
      assertEquals(b.endOffset(), now.endOffset());
      long expectedStart = 0;
      for (StreamRange r : now.ranges()) {
        assertEquals(expectedStart, r.startOffset());
        expectedStart = r.endOffset();
      }
      assertEquals(now.endOffset(), expectedStart);

      // And B commits from there
      long objectId = brokerB.allocateObjectIds(1);
      brokerB.commitObjects(
          List.of(object(objectId, List.of(range(id, b.endOffset(), b.endOffset() + 5)), Map.of(id, b.epoch()))));
      assertEquals(b.endOffset() + 5, brokerA.stream(id).endOffset());
    }
  }

  /** Runs both at the same moment; each outcome is the call's result, "committed" for void, or its exception. */
  private List<Object> race(Callable<?> first, Callable<?> second) throws Exception {
    CyclicBarrier start = new CyclicBarrier(2);
    List<Future<Object>> futures = new ArrayList<>();
    for (Callable<?> call : List.of(first, second)) {
      futures.add(
          threads.submit(
              () -> {
                start.await(10, TimeUnit.SECONDS);
                try {
                  Object result = call.call();
                  return result == null ? "committed" : result;
                } catch (MetadataConflictException e) {
                  return e;
                }
              }));
    }
    List<Object> outcomes = new ArrayList<>();
    for (Future<Object> f : futures) {
      try {
        outcomes.add(f.get(30, TimeUnit.SECONDS));
      } catch (ExecutionException e) {
        throw new AssertionError("A racing call failed with neither a result nor a conflict", e.getCause());
      }
    }
    return outcomes;
  }

  private static Callable<Object> callable(Runnable r) {
    return () -> {
      r.run();
      return null;
    };
  }

  private static StreamRange range(long streamId, long start, long end) {
    return new StreamRange(streamId, start, end, -1, "", 0, (end - start) * 10, start * 100);
  }

  /** Places the ranges back to back in object {@code objectId}. */
  private static ObjectCommit object(long objectId, List<StreamRange> ranges, Map<Long, Long> epochs) {
    String key = String.format("wal/%019d", objectId);
    List<StreamRange> placed = new ArrayList<>();
    long position = 0;
    for (StreamRange r : ranges) {
      placed.add(
          new StreamRange(
              r.streamId(), r.startOffset(), r.endOffset(), objectId, key, position, r.length(), r.maxTimestamp()));
      position += r.length();
    }
    return new ObjectCommit(objectId, key, position, placed, epochs);
  }
}
