package io.floe.storage.objectstore;

import static io.floe.storage.internal.Preconditions.checkArgument;
import static io.floe.storage.internal.Preconditions.checkNotNull;

import io.floe.storage.internal.NamedThreadFactory;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Wraps an {@link ObjectStorage} and makes some of its calls fail the way S3 calls fail: throttled, server
 * errors, timeouts, responses lost after the operation took effect, or slow. For tests of what the layers above
 * do with faults; never configured in a broker.
 *
 * <p>Each call draws one number from a {@link Random} seeded by {@link Builder#seed}, so a given sequence of
 * calls meets the same faults on every run. Per operation, each {@link Fault} has a probability; they add up to
 * at most 1, and the rest of the calls pass through untouched. {@link #unavailable(boolean)} makes every call
 * fail as if the store were down, and {@link #injecting(boolean)} turns the random faults off and on.
 *
 * <p>Buffers keep the SPI's ownership rules: a read whose response is "lost" releases the buffer it got.
 */
public final class FaultInjectingObjectStorage implements ObjectStorage {

  /** The operations of the SPI. */
  public enum Operation {
    WRITE,
    READ,
    DELETE,
    LIST
  }

  /** What happens to a call. Every failure is a retriable {@link ObjectStorageException}. */
  public enum Fault {
    /** 503 SlowDown at once; the operation does not take effect. */
    THROTTLE,
    /** 500 InternalError at once; the operation does not take effect. */
    SERVER_ERROR,
    /** Nothing for {@link Builder#timeoutMs}, then a timeout; the operation does not take effect. */
    TIMEOUT,
    /**
     * The operation takes effect (the object IS written, read, deleted), then the connection is lost before the
     * response arrives, so the caller sees a failure: an unknown outcome.
     */
    LOST_RESPONSE,
    /** The operation takes effect after {@link Builder#delayMs}, and succeeds. */
    DELAY
  }

  private final ObjectStorage delegate;
  private final Map<Operation, List<Chance>> chances;
  private final long delayMs;
  private final long timeoutMs;
  private final Random random;
  private final ScheduledThreadPoolExecutor timer;
  private final Map<Fault, AtomicLong> injected = new EnumMap<>(Fault.class);
  private final AtomicLong calls = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private volatile boolean injecting = true;
  private volatile boolean unavailable;

  private record Chance(Fault fault, double probability) {}

  private FaultInjectingObjectStorage(Builder b) {
    this.delegate = b.delegate;
    this.chances = new EnumMap<>(Operation.class);
    b.chances.forEach((op, list) -> chances.put(op, List.copyOf(list)));
    this.delayMs = b.delayMs;
    this.timeoutMs = b.timeoutMs;
    this.random = new Random(b.seed);
    this.timer = new ScheduledThreadPoolExecutor(1, new NamedThreadFactory("floe-fault-injection"));
    for (Fault f : Fault.values()) {
      injected.put(f, new AtomicLong());
    }
  }

  public static Builder builder(ObjectStorage delegate) {
    return new Builder(delegate);
  }

  /** Turns the random faults on or off (they start on). */
  public void injecting(boolean on) {
    this.injecting = on;
  }

  /** While set, every call fails at once with a retriable "connection refused", as when S3 is unreachable. */
  public void unavailable(boolean down) {
    this.unavailable = down;
  }

  /** How many calls met {@code fault}. */
  public long injected(Fault fault) {
    return injected.get(fault).get();
  }

  /** How many calls met any fault, refusals while unavailable included. */
  public long injectedTotal() {
    long n = refused.get();
    for (AtomicLong c : injected.values()) {
      n += c.get();
    }
    return n;
  }

  /** Calls made, whatever their fate. */
  public long calls() {
    return calls.get();
  }

  public ObjectStorage delegate() {
    return delegate;
  }

  @Override
  public CompletableFuture<Void> write(String key, ByteBuf data) {
    return inject(Operation.WRITE, "write " + key, () -> delegate.write(key, data), null);
  }

  @Override
  public CompletableFuture<ByteBuf> rangeRead(String key, long start, long end) {
    return inject(Operation.READ, "read " + key, () -> delegate.rangeRead(key, start, end), ByteBuf::release);
  }

  @Override
  public CompletableFuture<Void> delete(List<String> keys) {
    return inject(Operation.DELETE, "delete " + keys.size() + " objects", () -> delegate.delete(keys), null);
  }

  @Override
  public CompletableFuture<List<ObjectInfo>> list(String prefix) {
    return inject(Operation.LIST, "list " + prefix, () -> delegate.list(prefix), null);
  }

  @Override
  public void close() {
    timer.shutdownNow();
    delegate.close();
  }

  private <T> CompletableFuture<T> inject(
      Operation op, String what, Supplier<CompletableFuture<T>> call, java.util.function.Consumer<T> discard) {
    calls.incrementAndGet();
    if (unavailable) {
      refused.incrementAndGet();
      return CompletableFuture.failedFuture(
          new ObjectStorageException("Cannot " + what + ": connection refused (injected: the store is down)", null,
              true));
    }
    Fault fault = injecting ? draw(op) : null;
    if (fault == null) {
      return call.get();
    }
    injected.get(fault).incrementAndGet();
    switch (fault) {
      case THROTTLE:
        return CompletableFuture.failedFuture(
            new ObjectStorageException("Cannot " + what + ": S3 answered 503 SlowDown (injected)", null, true));
      case SERVER_ERROR:
        return CompletableFuture.failedFuture(
            new ObjectStorageException("Cannot " + what + ": S3 answered 500 InternalError (injected)", null, true));
      case TIMEOUT:
        return later(timeoutMs, () -> CompletableFuture.failedFuture(
            new ObjectStorageException(
                "Cannot " + what + ": the request timed out after " + timeoutMs + " ms (injected)", null, true)));
      case LOST_RESPONSE:
        return call.get()
            .handle(
                (value, error) -> {
                  if (value != null && discard != null) {
                    discard.accept(value);
                  }
                  throw new ObjectStorageException(
                      "Cannot " + what + ": the connection was lost before the response (injected; the operation "
                          + (error == null ? "took effect" : "failed anyway") + ")",
                      error, true);
                });
      case DELAY:
        return later(delayMs, call);
      default:
        throw new IllegalStateException("unknown fault " + fault);
    }
  }

  private synchronized Fault draw(Operation op) {
    List<Chance> list = chances.get(op);
    if (list == null) {
      return null;
    }
    double r = random.nextDouble();
    double cumulative = 0;
    for (Chance c : list) {
      cumulative += c.probability;
      if (r < cumulative) {
        return c.fault;
      }
    }
    return null;
  }

  private <T> CompletableFuture<T> later(long ms, Supplier<CompletableFuture<T>> then) {
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      timer.schedule(
          () -> {
            try {
              then.get().whenComplete((v, e) -> {
                if (e != null) {
                  result.completeExceptionally(e);
                } else {
                  result.complete(v);
                }
              });
            } catch (RuntimeException e) {
              result.completeExceptionally(e);
            }
          },
          ms,
          TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(new ObjectStorageException("The fault-injecting storage is closed", e, false));
    }
    return result;
  }

  /** Collects the fault plan; {@link #build()} validates it. */
  public static final class Builder {
    private final ObjectStorage delegate;
    private final Map<Operation, List<Chance>> chances = new EnumMap<>(Operation.class);
    private long seed = 1;
    private long delayMs = 20;
    private long timeoutMs = 50;

    private Builder(ObjectStorage delegate) {
      this.delegate = checkNotNull(delegate, "delegate");
    }

    /** The seed of the draws; the same seed and the same calls meet the same faults. Default 1. */
    public Builder seed(long v) {
      this.seed = v;
      return this;
    }

    /** Calls of {@code op} meet {@code fault} with {@code probability}. */
    public Builder fault(Operation op, Fault fault, double probability) {
      checkNotNull(op, "op");
      checkNotNull(fault, "fault");
      checkArgument(probability >= 0 && probability <= 1,
          "Cannot inject %s into %s: probability must be in [0, 1], got %s", fault, op, probability);
      chances.computeIfAbsent(op, o -> new ArrayList<>()).add(new Chance(fault, probability));
      return this;
    }

    /** Calls of every operation meet {@code fault} with {@code probability}. */
    public Builder fault(Fault fault, double probability) {
      for (Operation op : Operation.values()) {
        fault(op, fault, probability);
      }
      return this;
    }

    /** How long a {@link Fault#DELAY}ed call waits before it runs. Default 20 ms. */
    public Builder delayMs(long v) {
      this.delayMs = v;
      return this;
    }

    /** How long a {@link Fault#TIMEOUT} call hangs before it fails. Default 50 ms. */
    public Builder timeoutMs(long v) {
      this.timeoutMs = v;
      return this;
    }

    public FaultInjectingObjectStorage build() {
      checkArgument(delayMs >= 0, "Cannot inject faults: delayMs must be >= 0, got %s", delayMs);
      checkArgument(timeoutMs >= 0, "Cannot inject faults: timeoutMs must be >= 0, got %s", timeoutMs);
      chances.forEach(
          (op, list) -> {
            double sum = list.stream().mapToDouble(Chance::probability).sum();
            checkArgument(sum <= 1 + 1e-9, "Cannot inject faults into %s: probabilities add up to %s, more than 1",
                op, sum);
          });
      return new FaultInjectingObjectStorage(this);
    }
  }
}
