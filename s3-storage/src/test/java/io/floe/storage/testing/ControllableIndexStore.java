package io.floe.storage.testing;

import io.floe.storage.metadata.ObjectCommit;
import io.floe.storage.metadata.RangeReplacement;
import io.floe.storage.metadata.StoredObject;
import io.floe.storage.metadata.StreamIndexStore;
import io.floe.storage.metadata.StreamMetadata;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Wraps a real {@link StreamIndexStore}, letting a test block or fail object commits and see each commit's size, and
 * run something just before a compaction's range replacement or fail it after it was applied.
 */
public final class ControllableIndexStore implements StreamIndexStore {
  private final StreamIndexStore delegate;
  private volatile CompletableFuture<Void> gate = CompletableFuture.completedFuture(null);
  private volatile RuntimeException failNext;
  private volatile Runnable beforeReplace;
  private volatile RuntimeException failReplaceAfterApplying;
  /** Number of objects in each successful commitObjects call, in order. */
  public final List<Integer> commitSizes = new CopyOnWriteArrayList<>();
  public final CompletableFuture<Void> firstCommitEntered = new CompletableFuture<>();
  /** Commits currently waiting at the gate. */
  public final java.util.concurrent.atomic.AtomicInteger waitingAtGate = new java.util.concurrent.atomic.AtomicInteger();

  public ControllableIndexStore(StreamIndexStore delegate) {
    this.delegate = delegate;
  }

  /** Commits wait until {@link #openGate()}. */
  public void closeGate() {
    gate = new CompletableFuture<>();
  }

  public void openGate() {
    gate.complete(null);
  }

  public void failNextCommit(RuntimeException e) {
    failNext = e;
  }

  /** Runs {@code action} once, at the start of the next {@link #replaceRanges} call, before it reaches the index. */
  public void beforeNextReplace(Runnable action) {
    beforeReplace = action;
  }

  /** The next {@link #replaceRanges} is applied to the index, then throws {@code e}: a lost confirmation. */
  public void failNextReplaceAfterApplying(RuntimeException e) {
    failReplaceAfterApplying = e;
  }

  @Override
  public void replaceRanges(RangeReplacement r) {
    Runnable before = beforeReplace;
    if (before != null) {
      beforeReplace = null;
      before.run();
    }
    delegate.replaceRanges(r);
    RuntimeException f = failReplaceAfterApplying;
    if (f != null) {
      failReplaceAfterApplying = null;
      throw f;
    }
  }

  @Override
  public void commitObjects(List<ObjectCommit> objects) {
    firstCommitEntered.complete(null);
    CompletableFuture<Void> g = gate;
    if (!g.isDone()) {
      waitingAtGate.incrementAndGet();
      g.join();
      waitingAtGate.decrementAndGet();
    }
    RuntimeException f = failNext;
    if (f != null) {
      failNext = null;
      throw f;
    }
    delegate.commitObjects(objects);
    commitSizes.add(objects.size());
  }

  @Override
  public StreamMetadata openStream(long streamId) {
    return delegate.openStream(streamId);
  }

  @Override
  public StreamMetadata stream(long streamId) {
    return delegate.stream(streamId);
  }

  @Override
  public long allocateObjectIds(int count) {
    return delegate.allocateObjectIds(count);
  }

  @Override
  public void trimStream(long streamId, long epoch, long newStartOffset) {
    delegate.trimStream(streamId, epoch, newStartOffset);
  }

  @Override
  public void deleteStream(long streamId) {
    delegate.deleteStream(streamId);
  }

  @Override
  public int markUnreferencedObjects(long nowMs) {
    return delegate.markUnreferencedObjects(nowMs);
  }

  @Override
  public List<StoredObject> unreferencedObjects(long cutoffMs, int limit) {
    return delegate.unreferencedObjects(cutoffMs, limit);
  }

  @Override
  public void purgeObjects(List<Long> objectIds) {
    delegate.purgeObjects(objectIds);
  }

  @Override
  public Set<String> objectKeys(String prefix) {
    return delegate.objectKeys(prefix);
  }
}
