package io.floe.storage.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.storage.objectstore.ObjectNotFoundException;
import io.floe.storage.objectstore.ObjectStorageException;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RetrierTest {

  private static Retrier.Builder storageRetries() {
    return Retrier.builder("test")
        .backoffMs(1, 4)
        .retryOn(ObjectStorageException.class, ObjectStorageException::retriable);
  }

  private static ObjectStorageException retriable(int attempt) {
    return new ObjectStorageException("503 SlowDown on attempt " + attempt, null, true);
  }

  @Test
  void retriableFailuresAreRetriedUntilAnAttemptSucceeds() throws Exception {
    // Given an operation that is throttled twice, then succeeds
    Retrier retrier = storageRetries().maxAttempts(5).build();
    AtomicInteger attempts = new AtomicInteger();

    // When it runs under the retrier
    String result =
        retrier
            .run("read k", () -> {
              int n = attempts.incrementAndGet();
              return n <= 2 ? CompletableFuture.failedFuture(retriable(n)) : CompletableFuture.completedFuture("ok");
            })
            .get(5, TimeUnit.SECONDS);

    // Then it succeeds on the third attempt, and the counters say so
    assertEquals("ok", result);
    assertEquals(3, attempts.get());
    assertEquals(new Retrier.Stats(1, 2, 0, 0), retrier.stats());
  }

  @Test
  void aFailureNoRuleNamesFailsAtOnce() {
    // Given an operation whose key does not exist (not retriable), and one that throws an unnamed exception
    Retrier retrier = storageRetries().maxAttempts(5).build();
    AtomicInteger attempts = new AtomicInteger();
    CompletableFuture<Object> notFound = retrier.run("read k", () -> {
      attempts.incrementAndGet();
      return CompletableFuture.failedFuture(new ObjectNotFoundException("k"));
    });
    CompletableFuture<Object> bug = retrier.run("read k", () -> {
      attempts.incrementAndGet();
      throw new IllegalStateException("a bug");
    });

    // Then each made one attempt and failed with its own exception
    assertInstanceOf(ObjectNotFoundException.class, failure(notFound));
    assertInstanceOf(IllegalStateException.class, failure(bug));
    assertEquals(2, attempts.get());
    assertEquals(new Retrier.Stats(2, 0, 0, 2), retrier.stats());
  }

  @Test
  void attemptsAreBoundedAndTheLastFailureSaysHowLongItTried() {
    // Given an operation that always fails as retriable
    Retrier retrier = storageRetries().maxAttempts(4).build();
    AtomicInteger attempts = new AtomicInteger();

    // When it runs
    Throwable failure = failure(retrier.run("write k", () ->
        CompletableFuture.failedFuture(retriable(attempts.incrementAndGet()))));

    // Then it ran exactly four times and failed with the last attempt's exception, noting the retries
    assertEquals(4, attempts.get());
    ObjectStorageException e = assertInstanceOf(ObjectStorageException.class, failure);
    assertEquals("503 SlowDown on attempt 4", e.getMessage());
    assertTrue(e.retriable());
    Throwable note = Arrays.stream(e.getSuppressed()).filter(s -> s instanceof Retrier.RetriesExhaustedException)
        .findFirst().orElseThrow();
    assertTrue(note.getMessage().contains("after 4 attempts"), note.getMessage());
    assertEquals(new Retrier.Stats(1, 3, 1, 0), retrier.stats());
  }

  @Test
  void totalTimeIsBounded() {
    // Given a retrier allowing many attempts but only 150 ms, with 50 ms backoff
    Retrier retrier = storageRetries().maxAttempts(1_000).backoffMs(50, 50).jitter(0).maxElapsedMs(150).build();
    AtomicInteger attempts = new AtomicInteger();

    // When an always-failing operation runs
    long start = System.nanoTime();
    failure(retrier.run("write k", () -> CompletableFuture.failedFuture(retriable(attempts.incrementAndGet()))));
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    // Then it stopped when the next backoff would have passed the bound
    assertTrue(attempts.get() >= 2 && attempts.get() <= 4, "attempts: " + attempts.get());
    assertTrue(elapsedMs < 1_000, "elapsed: " + elapsedMs);
    assertEquals(1, retrier.stats().exhausted());
  }

  @Test
  void backoffGrowsExponentiallyWithJitterUpToTheCap() {
    Retrier retrier = storageRetries().maxAttempts(10).backoffMs(100, 1_000).jitter(0.2).build();
    for (int i = 0; i < 100; i++) {
      assertBetween(80, 100, retrier.backoffMs(1));
      assertBetween(160, 200, retrier.backoffMs(2));
      assertBetween(320, 400, retrier.backoffMs(3));
      assertBetween(800, 1_000, retrier.backoffMs(5));
      assertBetween(800, 1_000, retrier.backoffMs(30));
    }
  }

  @Test
  void retriesStopWhenTheSchedulerShutsDown() {
    // Given a retrier whose scheduler is shut down (its owner is closing)
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    scheduler.shutdown();
    Retrier retrier = storageRetries().maxAttempts(5).scheduler(scheduler).build();
    ObjectStorageException first = retriable(1);

    // When an attempt fails as retriable, Then the call fails at once with that failure
    Throwable failure = failure(retrier.run("write k", () -> CompletableFuture.failedFuture(first)));
    assertSame(first, failure);
    assertTrue(Arrays.stream(first.getSuppressed()).anyMatch(s -> s instanceof RejectedExecutionException));
  }

  @Test
  void aPolicyThatRetriesNothingNamedIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> Retrier.builder("x").maxAttempts(3).build());
    assertThrows(IllegalArgumentException.class, () -> storageRetries().maxAttempts(0).build());
    assertThrows(IllegalArgumentException.class, () -> storageRetries().backoffMs(10, 5).build());
    assertThrows(IllegalArgumentException.class, () -> storageRetries().jitter(1.5).build());
    assertEquals(1, Retrier.builder("once").maxAttempts(1).build().maxAttempts());
  }

  private static void assertBetween(long min, long max, long actual) {
    assertTrue(actual >= min && actual <= max, actual + " not in [" + min + ", " + max + "]");
  }

  private static Throwable failure(CompletableFuture<?> f) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
    return e.getCause();
  }
}
