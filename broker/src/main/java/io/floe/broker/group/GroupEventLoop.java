package io.floe.broker.group;

import java.util.concurrent.RejectedExecutionException;

/**
 * The single thread the group state machine runs on, with its clock and timers. Every task and every timer
 * runs on that thread, one at a time, in submission order for tasks and deadline order for timers; so
 * group state needs no locks. Production uses {@link SingleThreadGroupEventLoop}; tests use a manual loop
 * with fake time.
 */
interface GroupEventLoop {

  /** Wall-clock time in milliseconds (commit timestamps). */
  long nowMs();

  /**
   * Runs {@code task} on the loop thread after the tasks already submitted.
   *
   * @throws RejectedExecutionException once {@link #shutdown} has begun
   */
  void execute(Runnable task);

  /**
   * Runs {@code task} on the loop thread once {@code delayMs} have passed, unless cancelled first.
   *
   * @throws RejectedExecutionException once {@link #shutdown} has begun
   */
  Cancellable schedule(long delayMs, Runnable task);

  /**
   * Stops accepting tasks, runs those already submitted (timers are dropped) and waits up to {@code
   * timeoutMs} for them. Returns whether the loop terminated in time.
   */
  boolean shutdown(long timeoutMs);

  /** A scheduled timer. */
  interface Cancellable {
    /** Prevents the timer from running if it has not started; idempotent. */
    void cancel();
  }
}
