package io.floe.storage.objectstore;

import static io.floe.storage.internal.Preconditions.checkArgument;

import io.floe.storage.internal.NamedThreadFactory;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ObjectStorage} on a local directory, with the same key layout as an S3 bucket: key {@code a/b/c} is
 * the file {@code <root>/a/b/c}.
 *
 * <p>A write goes to a temporary file under {@code <root>/.tmp} and is then atomically renamed into place,
 * so a reader sees either the previous object or the whole new one, never a partial one. The temporary file is
 * one of the empty {@link SpareFiles} created ahead by a background thread, when one is ready. The data is
 * fsync'ed before the rename only when {@code fsync} is set: like Kafka's default, durability against a
 * process crash comes from the OS page cache, and against machine loss from replication (S3 in production).
 *
 * <p>Reads keep the most recently read objects open ({@value #MAX_OPEN_OBJECTS} of them), so a ranged read is
 * one positional read rather than an open, a stat, a read and a close. This relies on this instance being the
 * only writer of the directory: objects are immutable once renamed into place, and a write or delete through
 * this instance closes the object's cached channel, so a read after it never sees the old bytes.
 *
 * <p>Operations run on a small pool of I/O threads with a bounded queue; when the queue is full an
 * operation fails with a retriable {@link ObjectStorageException} instead of queueing without bound.
 */
public final class LocalFileObjectStorage implements ObjectStorage {
  private static final Logger LOG = LoggerFactory.getLogger(LocalFileObjectStorage.class);
  private static final String TMP_DIR = ".tmp";
  static final int DEFAULT_IO_THREADS = 4;
  static final int DEFAULT_QUEUE_CAPACITY = 4096;
  /** Read channels kept open: a catch-up read touches a few objects many times, each a ranged read. */
  static final int MAX_OPEN_OBJECTS = 128;
  /** Larger objects are read with copies even when reads are mapped (a mapping is addressed by int). */
  private static final long MAX_MAPPED_OBJECT_BYTES = 1L << 30;
  /**
   * Smaller objects are read with copies even when reads are mapped. Unmapping costs every core a TLB flush, which
   * outweighs copying a small object: reading 3 GB of 27 KiB WAL objects took 0.8 core-seconds more per GB mapped.
   */
  public static final long DEFAULT_MIN_MAPPED_OBJECT_BYTES = 1L << 20;

  /** Names of temporary files; the temporary directory is this store's own and is emptied when it opens. */
  private final java.util.concurrent.atomic.AtomicLong tmpSequence = new java.util.concurrent.atomic.AtomicLong();
  private final Path root;
  private final Path tmpDir;
  private final boolean fsync;
  private final ByteBufAllocator allocator;
  private final ThreadPoolExecutor executor;
  private final boolean mmapReads;
  private final long minMappedObjectBytes;
  private final OpenObjects openObjects = new OpenObjects(MAX_OPEN_OBJECTS);
  private final SpareFiles spares;

  /** A store under {@code root} without fsync, with the default number of I/O threads. */
  public LocalFileObjectStorage(Path root) {
    this(root, false, DEFAULT_IO_THREADS);
  }

  public LocalFileObjectStorage(Path root, boolean fsync, int ioThreads) {
    this(root, fsync, ioThreads, false);
  }

  /**
   * A store under {@code root}.
   *
   * @param fsync fsync each object (and its directory) before a write completes
   * @param ioThreads threads running the file operations
   * @param mmapReads serve ranged reads as slices of memory-mapped objects instead of copies: no copy and no
   *     allocation per read (about half the CPU per byte read), the pages loaded on the I/O thread so readers do
   *     not fault on them. Objects under {@link #DEFAULT_MIN_MAPPED_OBJECT_BYTES} are still copied. A mapping is
   *     unmapped once the read cache closes the object and every slice read from it is released (see {@link
   *     ObjectMapping}), so a deleted object's disk space comes back then, not at some later garbage collection.
   *     Needs {@code sun.misc.Unsafe}, as Netty's fast buffers do; without it reads copy.
   */
  public LocalFileObjectStorage(Path root, boolean fsync, int ioThreads, boolean mmapReads) {
    this(root, fsync, ioThreads, mmapReads, DEFAULT_MIN_MAPPED_OBJECT_BYTES);
  }

  /**
   * A store under {@code root} whose mapped reads map only objects of at least {@code minMappedObjectBytes}; see
   * {@link #LocalFileObjectStorage(Path, boolean, int, boolean)}.
   */
  public LocalFileObjectStorage(Path root, boolean fsync, int ioThreads, boolean mmapReads, long minMappedObjectBytes) {
    checkArgument(minMappedObjectBytes >= 0,
        "Cannot create local object storage: minMappedObjectBytes must not be negative, got %s", minMappedObjectBytes);
    this.minMappedObjectBytes = Math.max(1, minMappedObjectBytes);
    checkArgument(ioThreads > 0, "Cannot create local object storage: ioThreads must be positive, got %s", ioThreads);
    this.root = root.toAbsolutePath().normalize();
    this.tmpDir = this.root.resolve(TMP_DIR);
    this.fsync = fsync;
    this.mmapReads = mmapReads && PlatformDependent.hasUnsafe();
    this.allocator = PooledByteBufAllocator.DEFAULT;
    try {
      Files.createDirectories(tmpDir);
      clearTemporaryFiles();
    } catch (IOException e) {
      throw new ObjectStorageException("Cannot create local object storage at " + this.root, e, false);
    }
    this.spares = new SpareFiles(tmpDir);
    this.executor =
        new ThreadPoolExecutor(
            ioThreads,
            ioThreads,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(DEFAULT_QUEUE_CAPACITY),
            new NamedThreadFactory("floe-objectstore-io"));
  }

  public Path root() {
    return root;
  }

  @Override
  public CompletableFuture<Void> write(String key, ByteBuf data) {
    return submit(
        "write " + key,
        () -> {
          Path target = pathOf(key);
          Path tmp = spares.take();
          FileChannel opened = null;
          if (tmp != null) {
            try {
              opened = FileChannel.open(tmp, StandardOpenOption.WRITE);
            } catch (NoSuchFileException e) {
              // Removed under us (a store reopened on this directory clears it): create one instead.
            }
          }
          if (opened == null) {
            tmp = tmpDir.resolve(tmpSequence.incrementAndGet() + ".tmp");
            opened = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
          }
          boolean moved = false;
          try {
            try (FileChannel ch = opened) {
              // nioBuffers shares content but not indexes: the caller's ByteBuf is left untouched.
              ByteBuffer[] buffers = data.nioBuffers(data.readerIndex(), data.readableBytes());
              long remaining = data.readableBytes();
              while (remaining > 0) {
                remaining -= ch.write(buffers);
              }
              if (fsync) {
                ch.force(true);
              }
            }
            try {
              moveAtomically(tmp, target);
            } catch (NoSuchFileException e) {
              // The first object under this prefix: its directory does not exist yet. (Checking every time
              // would cost a system call per write.)
              Files.createDirectories(target.getParent());
              moveAtomically(tmp, target);
            }
            moved = true;
            openObjects.invalidate(key);
            if (fsync) {
              fsyncDirectory(target.getParent());
            }
            return null;
          } finally {
            if (!moved) {
              Files.deleteIfExists(tmp);
            }
          }
        });
  }

  @Override
  public CompletableFuture<ByteBuf> rangeRead(String key, long start, long end) {
    if (start < 0 || end < start) {
      return CompletableFuture.failedFuture(
          new ObjectStorageException(
              "Cannot read " + key + ": invalid range [" + start + ", " + end + ")", null, false));
    }
    return submit(
        "read " + key,
        () -> {
          OpenObject object = openObjects.acquire(key);
          try {
            long size = object.size;
            if (start > size || (start == size && end > start)) {
              throw new ObjectStorageException(
                  "Cannot read " + key + ": range [" + start + ", " + end + ") starts beyond the object's size "
                      + size,
                  null,
                  false);
            }
            // Like S3, a range reaching past the end returns the bytes that exist.
            int length = Math.toIntExact(Math.min(end, size) - start);
            if (object.mapping != null) {
              return object.mapping.slice((int) start, length);
            }
            ByteBuf buf = allocator.directBuffer(length, length);
            try {
              long position = start;
              while (buf.isWritable()) {
                int n = buf.writeBytes(object.channel, position, buf.writableBytes());
                if (n < 0) {
                  throw new ObjectStorageException("Cannot read " + key + ": it was truncated while reading", null, true);
                }
                position += n;
              }
              return buf;
            } catch (Throwable t) {
              buf.release();
              throw t;
            }
          } finally {
            openObjects.release(object);
          }
        });
  }

  @Override
  public CompletableFuture<Void> delete(List<String> keys) {
    List<Path> paths = new ArrayList<>(keys.size());
    for (String key : keys) {
      try {
        paths.add(pathOf(key));
      } catch (IllegalArgumentException e) {
        return CompletableFuture.failedFuture(new ObjectStorageException(e.getMessage(), e, false));
      }
    }
    return submit(
        "delete " + keys.size() + " objects",
        () -> {
          for (int i = 0; i < paths.size(); i++) {
            Files.deleteIfExists(paths.get(i));
            openObjects.invalidate(keys.get(i));
          }
          return null;
        });
  }

  @Override
  public CompletableFuture<List<ObjectInfo>> list(String prefix) {
    return submit(
        "list " + prefix,
        () -> {
          // Walk only the deepest directory every matching key must be under.
          int slash = prefix.lastIndexOf('/');
          Path start = slash < 0 ? root : pathOf(prefix.substring(0, slash));
          List<ObjectInfo> result = new ArrayList<>();
          if (!Files.isDirectory(start)) {
            return result;
          }
          Files.walkFileTree(
              start,
              new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                  return dir.equals(tmpDir) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                  String key = keyOf(file);
                  if (attrs.isRegularFile() && key.startsWith(prefix)) {
                    result.add(new ObjectInfo(key, attrs.size(), attrs.lastModifiedTime().toMillis()));
                  }
                  return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                  // A file deleted while walking is simply not listed.
                  return FileVisitResult.CONTINUE;
                }
              });
          result.sort(Comparator.comparing(ObjectInfo::key));
          return result;
        });
  }

  @Override
  public void close() {
    executor.shutdown();
    try {
      if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
        LOG.warn("Local object storage I/O did not finish within 30 s; abandoning {} queued operations",
            executor.shutdownNow().size());
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
    spares.close();
    openObjects.close();
  }

  /** How many empty files are ready for writes now (for tests). */
  int spareFileCount() {
    return spares.readyCount();
  }

  /** How many objects are open for reading now (for tests). */
  int openObjectCount() {
    return openObjects.size();
  }

  private Path pathOf(String key) {
    checkArgument(
        !key.isEmpty() && !key.startsWith("/") && !key.endsWith("/"),
        "Cannot use object key '%s': it must be a non-empty relative path",
        key);
    for (String part : key.split("/", -1)) {
      checkArgument(
          !part.isEmpty() && !part.equals(".") && !part.equals("..") && !part.equals(TMP_DIR),
          "Cannot use object key '%s': segment '%s' is not allowed",
          key,
          part);
    }
    return root.resolve(key);
  }

  private String keyOf(Path file) {
    String relative = root.relativize(file).toString();
    return file.getFileSystem().getSeparator().equals("/") ? relative : relative.replace(file.getFileSystem().getSeparator(), "/");
  }

  private static void moveAtomically(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("The object directory does not support atomic renames: " + to.getParent(), e);
    }
  }

  private static void fsyncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some platforms cannot open directories for fsync; the rename itself is still atomic.
      LOG.debug("Cannot fsync directory {}", dir, e);
    }
  }

  /**
   * Removes what the last run left in the temporary directory: unfinished writes and unused spare files. A store
   * still open on the directory (a crash simulated in a test) may add files meanwhile; what it adds is its own.
   */
  private void clearTemporaryFiles() throws IOException {
    try (Stream<Path> leftovers = Files.walk(tmpDir)) {
      for (Path p : (Iterable<Path>) leftovers.sorted(Comparator.reverseOrder())::iterator) {
        if (!p.equals(tmpDir)) {
          try {
            Files.deleteIfExists(p);
          } catch (DirectoryNotEmptyException e) {
            LOG.debug("Leaving {}: files are being added to it", p);
          }
        }
      }
    } catch (UncheckedIOException e) {
      if (!(e.getCause() instanceof NoSuchFileException)) {
        throw e.getCause();
      }
    }
  }

  private <T> CompletableFuture<T> submit(String what, IoTask<T> task) {
    CompletableFuture<T> future = new CompletableFuture<>();
    try {
      executor.execute(
          () -> {
            try {
              future.complete(task.run());
            } catch (ObjectStorageException e) {
              future.completeExceptionally(e);
            } catch (IllegalArgumentException e) {
              future.completeExceptionally(new ObjectStorageException(e.getMessage(), e, false));
            } catch (IOException e) {
              future.completeExceptionally(
                  new ObjectStorageException("Cannot " + what + " under " + root + ": " + e, e, false));
            } catch (Throwable t) {
              future.completeExceptionally(new ObjectStorageException("Cannot " + what + ": " + t, t, false));
            }
          });
    } catch (RejectedExecutionException e) {
      boolean closed = executor.isShutdown();
      future.completeExceptionally(
          new ObjectStorageException(
              "Cannot " + what + ": " + (closed ? "the object storage is closed" : "too many queued operations"),
              e,
              !closed));
    }
    return future;
  }

  /** An object open for reading, with the size it had when opened (objects are immutable). */
  private static final class OpenObject {
    final FileChannel channel;
    final long size;
    /** The whole object mapped, when reads are served from mappings; else null. Released with the channel. */
    final ObjectMapping mapping;
    /** References: the cache's (while cached) and each read's in progress; the channel closes at 0. */
    int refs;

    OpenObject(FileChannel channel, long size, ObjectMapping mapping, int refs) {
      this.channel = channel;
      this.size = size;
      this.mapping = mapping;
      this.refs = refs;
    }
  }

  /** The most recently read objects' channels, at most {@code capacity}, least recently used closed first. */
  private final class OpenObjects {
    private final int capacity;
    // Guarded by this.
    private final LinkedHashMap<String, OpenObject> byKey = new LinkedHashMap<>(16, 0.75f, true);
    /** Counts writes and deletes, so a channel opened before one of them is not cached after it. */
    private long invalidations;
    private boolean closed;

    OpenObjects(int capacity) {
      this.capacity = capacity;
    }

    /** The object's channel, cached or opened now; pair with {@link #release}. */
    OpenObject acquire(String key) throws IOException {
      long seen;
      synchronized (this) {
        OpenObject o = byKey.get(key);
        if (o != null) {
          o.refs++;
          return o;
        }
        seen = invalidations;
      }
      FileChannel ch;
      try {
        // A private mapping needs a channel open for writing too; nothing is ever written through either.
        ch = mmapReads
            ? FileChannel.open(pathOf(key), StandardOpenOption.READ, StandardOpenOption.WRITE)
            : FileChannel.open(pathOf(key), StandardOpenOption.READ);
      } catch (NoSuchFileException e) {
        throw new ObjectNotFoundException(key);
      }
      OpenObject opened;
      try {
        long size = ch.size();
        boolean map = mmapReads && size >= minMappedObjectBytes && size <= MAX_MAPPED_OBJECT_BYTES;
        opened = new OpenObject(ch, size,
            map ? new ObjectMapping(ch.map(FileChannel.MapMode.PRIVATE, 0, size)) : null, 1);
      } catch (IOException | RuntimeException e) {
        ch.close();
        throw e;
      }
      List<OpenObject> evicted = new ArrayList<>();
      synchronized (this) {
        if (!closed && seen == invalidations && !byKey.containsKey(key)) {
          opened.refs++;
          byKey.put(key, opened);
          var eldest = byKey.entrySet().iterator();
          while (byKey.size() > capacity) {
            OpenObject o = eldest.next().getValue();
            eldest.remove();
            if (--o.refs == 0) {
              evicted.add(o);
            }
          }
        }
      }
      evicted.forEach(OpenObjects::closeQuietly);
      return opened;
    }

    void release(OpenObject o) {
      boolean last;
      synchronized (this) {
        last = --o.refs == 0;
      }
      if (last) {
        closeQuietly(o);
      }
    }

    /** Closes the object's cached channel (once reads in progress finish): it was replaced or deleted. */
    void invalidate(String key) {
      OpenObject o;
      synchronized (this) {
        invalidations++;
        o = byKey.remove(key);
        if (o == null || --o.refs > 0) {
          return;
        }
      }
      closeQuietly(o);
    }

    synchronized int size() {
      return byKey.size();
    }

    void close() {
      List<OpenObject> toClose = new ArrayList<>();
      synchronized (this) {
        closed = true;
        for (OpenObject o : byKey.values()) {
          if (--o.refs == 0) {
            toClose.add(o);
          }
        }
        byKey.clear();
      }
      toClose.forEach(OpenObjects::closeQuietly);
    }

    private static void closeQuietly(OpenObject o) {
      if (o.mapping != null) {
        o.mapping.release(); // unmapped now, or once the last slice read from it is released
      }
      try {
        o.channel.close();
      } catch (IOException e) {
        LOG.debug("Cannot close a read channel", e);
      }
    }
  }

  @FunctionalInterface
  private interface IoTask<T> {
    T run() throws IOException;
  }
}
