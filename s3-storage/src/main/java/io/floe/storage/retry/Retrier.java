package io.floe.storage.retry;

import static io.floe.storage.internal.Preconditions.checkArgument;
import static io.floe.storage.internal.Preconditions.checkNotNull;

import io.floe.storage.internal.NamedThreadFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Floe's one retry helper: runs an asynchronous operation again while it fails with a failure the caller named
 * as retriable, with exponential backoff and jitter, bounded by a number of attempts and a total time.
 *
 * <p>Only failures matched by a {@link Builder#retryOn} rule are retried; anything else fails the call at once.
 * When the attempts or the time run out, the call fails with the last attempt's exception, unchanged (so callers
 * can still test its type), with a suppressed {@link RetriesExhaustedException} saying how long it tried. The
 * counters in {@link #stats()} are for metrics: a retry that never ends is a bug, and a rising retry count is the
 * first sign of a struggling dependency.
 *
 * <p>An operation is retried only if running it twice has the effect of running it once (a PUT of the same
 * bytes to the same key, a ranged GET, a DELETE): the helper cannot know whether a failed attempt took effect.
 *
 * <pre>{@code
 * Retrier retrier = Retrier.builder("s3")
 *     .maxAttempts(5).backoffMs(50, 2_000).maxElapsedMs(15_000)
 *     .retryOn(ObjectStorageException.class, ObjectStorageException::retriable)
 *     .build();
 * CompletableFuture<ByteBuf> read = retrier.run("read " + key, () -> storage.rangeRead(key, 0, 100));
 * }</pre>
 */
public final class Retrier {
  private static final Logger LOG = LoggerFactory.getLogger(Retrier.class);

  /** Backoff delays are scheduled here unless a builder names another scheduler; its thread never blocks. */
  private static final class SharedScheduler {
    static final ScheduledExecutorService INSTANCE = create();

    private static ScheduledExecutorService create() {
      ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, new NamedThreadFactory("floe-retry"));
      executor.setRemoveOnCancelPolicy(true);
      return executor;
    }
  }

  private final String name;
  private final int maxAttempts;
  private final long initialBackoffMs;
  private final long maxBackoffMs;
  private final double multiplier;
  private final double jitter;
  private final long maxElapsedMs;
  private final List<Predicate<Throwable>> retryRules;
  private final ScheduledExecutorService scheduler;

  private final LongAdder calls = new LongAdder();
  private final LongAdder retries = new LongAdder();
  private final LongAdder exhausted = new LongAdder();
  private final LongAdder notRetriable = new LongAdder();

  private Retrier(Builder b) {
    this.name = b.name;
    this.maxAttempts = b.maxAttempts;
    this.initialBackoffMs = b.initialBackoffMs;
    this.maxBackoffMs = b.maxBackoffMs;
    this.multiplier = b.multiplier;
    this.jitter = b.jitter;
    this.maxElapsedMs = b.maxElapsedMs;
    this.retryRules = List.copyOf(b.retryRules);
    this.scheduler = b.scheduler != null ? b.scheduler : SharedScheduler.INSTANCE;
  }

  /** A builder for a retrier whose name appears in its log lines and metrics. */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /**
   * Runs {@code attempt}, and runs it again after a backoff each time it fails with a retriable failure, until
   * it succeeds, fails with a failure that is not retriable, or the attempts or the time are used up. An
   * exception thrown by {@code attempt} itself counts as a failed attempt. The returned future completes with
   * the first successful attempt's result or the last attempt's failure.
   *
   * @param what names the operation in log lines, e.g. {@code "write wal/0000000000000000042"}
   */
  public <T> CompletableFuture<T> run(String what, Supplier<CompletableFuture<T>> attempt) {
    calls.increment();
    CompletableFuture<T> result = new CompletableFuture<>();
    attempt(what, attempt, 1, System.nanoTime(), result);
    return result;
  }

  private <T> void attempt(
      String what, Supplier<CompletableFuture<T>> attempt, int number, long startNanos, CompletableFuture<T> result) {
    CompletableFuture<T> running;
    try {
      running = checkNotNull(attempt.get(), "the future of an attempt to " + what);
    } catch (RuntimeException e) {
      running = CompletableFuture.failedFuture(e);
    }
    running.whenComplete(
        (value, error) -> {
          if (error == null) {
            result.complete(value);
            return;
          }
          Throwable cause = unwrap(error);
          if (!isRetriable(cause)) {
            if (number > 1) {
              cause.addSuppressed(exhaustedNote(what, number, startNanos, "its failure is not retriable"));
            }
            notRetriable.increment();
            result.completeExceptionally(cause);
            return;
          }
          long delayMs = backoffMs(number);
          long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
          if (number >= maxAttempts || elapsedMs + delayMs > maxElapsedMs) {
            giveUp(what, number, startNanos, cause, result);
            return;
          }
          retries.increment();
          LOG.debug("[{}] Attempt {} of {} to {} failed; retrying in {} ms: {}", name, number, maxAttempts, what,
              delayMs, cause.toString());
          try {
            scheduler.schedule(() -> attempt(what, attempt, number + 1, startNanos, result), delayMs,
                TimeUnit.MILLISECONDS);
          } catch (RejectedExecutionException closing) {
            cause.addSuppressed(closing);
            giveUp(what, number, startNanos, cause, result);
          }
        });
  }

  private <T> void giveUp(String what, int attempts, long startNanos, Throwable cause, CompletableFuture<T> result) {
    exhausted.increment();
    RetriesExhaustedException note = exhaustedNote(what, attempts, startNanos, "retries are used up");
    LOG.warn("[{}] {}: {}", name, note.getMessage(), cause.toString());
    cause.addSuppressed(note);
    result.completeExceptionally(cause);
  }

  private RetriesExhaustedException exhaustedNote(String what, int attempts, long startNanos, String why) {
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    return new RetriesExhaustedException(
        "Gave up trying to " + what + " after " + attempts + (attempts == 1 ? " attempt" : " attempts") + " in "
            + elapsedMs + " ms (at most " + maxAttempts + " attempts in " + maxElapsedMs + " ms): " + why);
  }

  private boolean isRetriable(Throwable cause) {
    for (Predicate<Throwable> rule : retryRules) {
      if (rule.test(cause)) {
        return true;
      }
    }
    return false;
  }

  /** The delay after failed attempt {@code number} (1-based): exponential, capped, minus up to jitter of it. */
  long backoffMs(int number) {
    double exponential = initialBackoffMs * Math.pow(multiplier, number - 1);
    double capped = Math.min(exponential, maxBackoffMs);
    double jittered = capped * (1 - jitter * ThreadLocalRandom.current().nextDouble());
    return Math.max(0, Math.round(jittered));
  }

  /** Counters since creation, for metrics. */
  public Stats stats() {
    return new Stats(calls.sum(), retries.sum(), exhausted.sum(), notRetriable.sum());
  }

  public String name() {
    return name;
  }

  public int maxAttempts() {
    return maxAttempts;
  }

  public long maxElapsedMs() {
    return maxElapsedMs;
  }

  /**
   * Retry counters.
   *
   * @param calls operations started with {@link #run}
   * @param retries attempts started after a failed one (so attempts = calls + retries)
   * @param exhausted calls that failed with a retriable failure after using up their attempts or time
   * @param notRetriable calls that failed with a failure no rule names as retriable
   */
  public record Stats(long calls, long retries, long exhausted, long notRetriable) {}

  @Override
  public String toString() {
    return "Retrier[" + name + ": " + maxAttempts + " attempts in " + maxElapsedMs + " ms, backoff "
        + initialBackoffMs + ".." + maxBackoffMs + " ms]";
  }

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** Attached (suppressed) to the failure a call ends with after retrying, to say how long it tried. */
  public static final class RetriesExhaustedException extends RuntimeException {
    RetriesExhaustedException(String message) {
      super(message, null, false, false);
    }
  }

  /** Collects the policy; {@link #build()} validates it. Nothing is retried unless a rule names it. */
  public static final class Builder {
    private final String name;
    private int maxAttempts = 3;
    private long initialBackoffMs = 100;
    private long maxBackoffMs = 5_000;
    private double multiplier = 2.0;
    private double jitter = 0.2;
    private long maxElapsedMs = 30_000;
    private final List<Predicate<Throwable>> retryRules = new ArrayList<>();
    private ScheduledExecutorService scheduler;

    private Builder(String name) {
      this.name = checkNotNull(name, "name");
    }

    /** Attempts in all, the first included; 1 means no retry. Default 3. */
    public Builder maxAttempts(int v) {
      this.maxAttempts = v;
      return this;
    }

    /** The delay after the first failed attempt, and the cap on any delay. Default 100 ms and 5 s. */
    public Builder backoffMs(long initialMs, long maxMs) {
      this.initialBackoffMs = initialMs;
      this.maxBackoffMs = maxMs;
      return this;
    }

    /** Each delay is this many times the previous one, up to the cap. Default 2. */
    public Builder multiplier(double v) {
      this.multiplier = v;
      return this;
    }

    /**
     * The fraction of each delay that is random: a delay {@code d} becomes uniform in {@code [d * (1 - jitter),
     * d]}, so clients that failed together do not retry together. Default 0.2.
     */
    public Builder jitter(double v) {
      this.jitter = v;
      return this;
    }

    /** No retry starts once this much time would have passed since the first attempt. Default 30 s. */
    public Builder maxElapsedMs(long v) {
      this.maxElapsedMs = v;
      return this;
    }

    /** Retries failures of {@code type} (or a subtype). */
    public Builder retryOn(Class<? extends Throwable> type) {
      checkNotNull(type, "type");
      retryRules.add(type::isInstance);
      return this;
    }

    /** Retries failures of {@code type} (or a subtype) for which {@code when} holds. */
    public <E extends Throwable> Builder retryOn(Class<E> type, Predicate<? super E> when) {
      checkNotNull(type, "type");
      checkNotNull(when, "when");
      retryRules.add(t -> type.isInstance(t) && when.test(type.cast(t)));
      return this;
    }

    /** Where backoff delays are scheduled; default a shared daemon thread. Retries stop once it shuts down. */
    public Builder scheduler(ScheduledExecutorService v) {
      this.scheduler = checkNotNull(v, "scheduler");
      return this;
    }

    public Retrier build() {
      checkArgument(maxAttempts > 0, "Cannot build retrier %s: maxAttempts must be positive, got %s", name,
          maxAttempts);
      checkArgument(initialBackoffMs >= 0 && maxBackoffMs >= initialBackoffMs,
          "Cannot build retrier %s: backoff must satisfy 0 <= initial <= max, got %s and %s", name,
          initialBackoffMs, maxBackoffMs);
      checkArgument(multiplier >= 1, "Cannot build retrier %s: multiplier must be >= 1, got %s", name, multiplier);
      checkArgument(jitter >= 0 && jitter <= 1, "Cannot build retrier %s: jitter must be in [0, 1], got %s", name,
          jitter);
      checkArgument(maxElapsedMs >= 0, "Cannot build retrier %s: maxElapsedMs must be >= 0, got %s", name,
          maxElapsedMs);
      checkArgument(!retryRules.isEmpty() || maxAttempts == 1,
          "Cannot build retrier %s: %s attempts but no retryOn rule names a failure to retry", name, maxAttempts);
      return new Retrier(this);
    }
  }
}
