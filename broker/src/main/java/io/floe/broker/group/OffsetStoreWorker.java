package io.floe.broker.group;

import io.floe.storage.metadata.GroupOffsetStore;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Runs the blocking {@link GroupOffsetStore} calls (JDBC) away from the coordinator thread, one at a time
 * in submission order: a commit submitted before a group deletion is written before it. The queue is
 * bounded; a full queue or a shut-down worker fails the call at once instead of blocking the coordinator.
 */
final class OffsetStoreWorker {

  private final GroupOffsetStore store;
  private final Executor executor;
  /** The executor when this worker created it (and so shuts it down); null for an injected one. */
  private final ThreadPoolExecutor owned;

  private OffsetStoreWorker(GroupOffsetStore store, Executor executor, ThreadPoolExecutor owned) {
    this.store = store;
    this.executor = executor;
    this.owned = owned;
  }

  /** A worker with its own thread, {@code floe-group-offset-store}, and a queue of {@code maxQueued}. */
  static OffsetStoreWorker dedicatedThread(GroupOffsetStore store, int maxQueued) {
    ThreadPoolExecutor executor =
        new ThreadPoolExecutor(
            1,
            1,
            0L,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(maxQueued),
            r -> {
              Thread t = new Thread(r, "floe-group-offset-store");
              t.setDaemon(true);
              return t;
            });
    return new OffsetStoreWorker(store, executor, executor);
  }

  /** A worker running calls on {@code executor}, which must run them one at a time in order. */
  static OffsetStoreWorker on(GroupOffsetStore store, Executor executor) {
    return new OffsetStoreWorker(store, executor, null);
  }

  /**
   * Runs {@code operation} against the store. The future completes on the worker thread with the result,
   * or exceptionally with what the store threw, or with {@link RejectedExecutionException} if the queue is
   * full or the worker has shut down.
   */
  <T> CompletableFuture<T> call(Function<GroupOffsetStore, T> operation) {
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      executor.execute(new StoreTask<>(operation, result));
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(e);
    }
    return result;
  }

  /** Runs what is queued (up to {@code timeoutMs}), then fails what is left. */
  void shutdown(long timeoutMs) {
    if (owned == null) {
      return;
    }
    owned.shutdown();
    try {
      if (owned.awaitTermination(timeoutMs, TimeUnit.MILLISECONDS)) {
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Runnable r : owned.shutdownNow()) {
      if (r instanceof StoreTask<?> task) {
        task.abandon();
      }
    }
  }

  private final class StoreTask<T> implements Runnable {
    private final Function<GroupOffsetStore, T> operation;
    private final CompletableFuture<T> result;

    StoreTask(Function<GroupOffsetStore, T> operation, CompletableFuture<T> result) {
      this.operation = operation;
      this.result = result;
    }

    @Override
    public void run() {
      try {
        result.complete(operation.apply(store));
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      } catch (Error e) {
        result.completeExceptionally(e);
        throw e;
      }
    }

    void abandon() {
      result.completeExceptionally(
          new RejectedExecutionException("Offset store call abandoned: the group coordinator shut down"));
    }
  }
}
