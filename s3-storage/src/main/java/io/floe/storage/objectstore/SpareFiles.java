package io.floe.storage.objectstore;

import io.floe.storage.internal.NamedThreadFactory;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Empty files created ahead of the writes that will fill them, so that a write does not wait for the file system
 * to allocate an inode. On ext4 that allocation takes about 25 microseconds, and up to 100 after many files were
 * created or deleted in the last minutes: most of what a small WAL object costs to write.
 *
 * <p>A background thread creates the files in batches of {@value #BATCH} under their own directory ({@code
 * <tmp>/spare-<unique>}), so that a writer renaming a spare away never waits for the directory the creator is
 * working in.
 * It keeps between {@value #LOW_WATER} and {@value #HIGH_WATER} files ready, starting at the first {@link #take}:
 * a store that is never written to creates none. Emptied batch directories are removed on later refills; what is
 * left at close is removed with the rest of the temporary directory when the store opens next.
 */
final class SpareFiles implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SpareFiles.class);

  static final int BATCH = 64;
  static final int LOW_WATER = 128;
  static final int HIGH_WATER = 256;

  private final Path dir;
  private final ConcurrentLinkedQueue<Path> ready = new ConcurrentLinkedQueue<>();
  private final AtomicInteger readyCount = new AtomicInteger();
  private final AtomicBoolean refilling = new AtomicBoolean();
  private final ExecutorService creator;
  // Used by the creator thread only.
  private final Deque<Path> batches = new ArrayDeque<>();

  /** Spares in batch directories this instance creates under {@code dir}, which must exist. */
  SpareFiles(Path dir) {
    this.dir = dir;
    // One thread, one queued refill at most (refilling guards it): the queue can never grow.
    ThreadPoolExecutor creator = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(1),
        new NamedThreadFactory("floe-objectstore-spares"));
    creator.allowCoreThreadTimeOut(true);
    this.creator = creator;
  }

  /**
   * An empty file that this caller now owns (to fill and rename away, or delete), or null when none is ready: the
   * caller then creates its own.
   */
  Path take() {
    Path p = ready.poll();
    int left = p == null ? readyCount.get() : readyCount.decrementAndGet();
    if (left < LOW_WATER && refilling.compareAndSet(false, true)) {
      try {
        creator.execute(this::refill);
      } catch (RejectedExecutionException e) {
        refilling.set(false); // closed
      }
    }
    return p;
  }

  /** How many spares are ready now (for tests). */
  int readyCount() {
    return readyCount.get();
  }

  private void refill() {
    try {
      removeEmptiedBatches();
      while (readyCount.get() < HIGH_WATER && !creator.isShutdown()) {
        // A unique name: a store reopened on the same directory (after a crash) never meets this one's batches.
        Path batch = Files.createTempDirectory(dir, "spare-");
        batches.addLast(batch);
        for (int i = 0; i < BATCH; i++) {
          ready.add(Files.createFile(batch.resolve(Integer.toString(i))));
          readyCount.incrementAndGet();
        }
      }
    } catch (IOException | RuntimeException e) {
      // Writers create their own files meanwhile; the next take tries again.
      LOG.warn("Cannot create spare files for object writes under {}: {}", dir, e.toString());
    } finally {
      refilling.set(false);
    }
  }

  /** Spares are taken in creation order, so the oldest batches empty first. */
  private void removeEmptiedBatches() throws IOException {
    while (!batches.isEmpty()) {
      try {
        Files.delete(batches.peekFirst());
      } catch (DirectoryNotEmptyException e) {
        return;
      } catch (NoSuchFileException e) {
        // Already gone.
      }
      batches.removeFirst();
    }
  }

  @Override
  public void close() {
    creator.shutdown();
    try {
      if (!creator.awaitTermination(10, TimeUnit.SECONDS)) {
        creator.shutdownNow();
      }
    } catch (InterruptedException e) {
      creator.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
