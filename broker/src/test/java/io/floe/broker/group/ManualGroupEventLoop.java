package io.floe.broker.group;

import java.util.ArrayDeque;
import java.util.PriorityQueue;
import java.util.concurrent.RejectedExecutionException;

/**
 * A {@link GroupEventLoop} on the test thread with fake time: submitted tasks run at once (after the task
 * that submitted them, as on one thread), timers run only when {@link #advance} moves the clock past them.
 */
final class ManualGroupEventLoop implements GroupEventLoop {

  private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
  private final PriorityQueue<ScheduledTask> timers = new PriorityQueue<>();
  private long nowMs;
  private long sequence;
  private boolean running;
  private boolean shutdown;

  ManualGroupEventLoop(long startMs) {
    this.nowMs = startMs;
  }

  @Override
  public long nowMs() {
    return nowMs;
  }

  @Override
  public void execute(Runnable task) {
    if (shutdown) {
      throw new RejectedExecutionException("loop shut down");
    }
    tasks.add(task);
    runQueued();
  }

  @Override
  public Cancellable schedule(long delayMs, Runnable task) {
    if (shutdown) {
      throw new RejectedExecutionException("loop shut down");
    }
    ScheduledTask t = new ScheduledTask(nowMs + Math.max(0, delayMs), sequence++, task);
    timers.add(t);
    return () -> t.cancelled = true;
  }

  /** Moves the clock forward by {@code ms}, running due timers in deadline order at their deadline. */
  void advance(long ms) {
    long target = nowMs + ms;
    while (true) {
      ScheduledTask next = timers.peek();
      if (next == null || next.deadlineMs > target) {
        break;
      }
      timers.poll();
      if (next.cancelled) {
        continue;
      }
      nowMs = next.deadlineMs;
      tasks.add(next.task);
      runQueued();
    }
    nowMs = target;
  }

  /** Timers that would still fire. */
  long pendingTimers() {
    return timers.stream().filter(t -> !t.cancelled).count();
  }

  @Override
  public boolean shutdown(long timeoutMs) {
    runQueued();
    shutdown = true;
    timers.clear();
    return true;
  }

  private void runQueued() {
    if (running) {
      return;
    }
    running = true;
    try {
      Runnable task;
      while ((task = tasks.poll()) != null) {
        task.run();
      }
    } finally {
      running = false;
    }
  }

  private static final class ScheduledTask implements Comparable<ScheduledTask> {
    final long deadlineMs;
    final long sequence;
    final Runnable task;
    boolean cancelled;

    ScheduledTask(long deadlineMs, long sequence, Runnable task) {
      this.deadlineMs = deadlineMs;
      this.sequence = sequence;
      this.task = task;
    }

    @Override
    public int compareTo(ScheduledTask o) {
      int c = Long.compare(deadlineMs, o.deadlineMs);
      return c != 0 ? c : Long.compare(sequence, o.sequence);
    }
  }
}
