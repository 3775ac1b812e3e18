package io.floe.storage.wal;

import static io.floe.storage.internal.Preconditions.checkArgument;

import io.floe.storage.internal.NamedThreadFactory;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local append-only file that makes the {@link WriteAheadLog}'s appends durable before they reach an object: the
 * WAL acknowledges a batch once its record is written here, and puts it into objects and the index later, in large
 * objects. This is AutoMQ's design on a local disk ({@code s3.wal.path}): the produce path pays one sequential
 * write, as Kafka's log does, instead of one object and one index transaction per group commit.
 *
 * <p><b>Layout.</b> Segment files {@code <first record sequence, 20 digits>.wal} in one directory, each up to
 * {@link #segmentBytes} (a record is never split). A record is {@code [magic int][length int][sequence
 * long][crc32c int][length bytes]}, big-endian; the CRC covers the payload. Sequences are given by the caller and
 * written in sequence order, whatever order {@link #append} is called in.
 *
 * <p><b>Durability.</b> A record's future completes once the bytes are written to the file (and forced to the
 * device when {@code fsync} is set): like Kafka's log without fsync, it survives the process being killed, not the
 * machine losing power.
 *
 * <p><b>Write failures.</b> A failed write (a full disk, an I/O error) fails that record; what it wrote is cut off
 * the segment, and the next record starts a new segment file. A passing error fails only the records written while
 * it lasts; the WAL fences their streams, which open again from what was acknowledged. Only when the cut fails too
 * does the journal refuse every later record until a restart.
 *
 * <p><b>Space.</b> {@link #release} tells the journal that records up to a sequence are in objects now; segments
 * holding only such records are deleted. The WAL bounds what is not released by its buffer size, so the journal
 * holds at most that plus one segment.
 *
 * <p><b>Recovery.</b> {@link #recover} reads the records left by the last run in order and stops at the first
 * one that is torn or corrupt (a write cut short by a crash: never acknowledged). After the caller has put them
 * into objects, {@link #reset} deletes them.
 */
public final class WalJournal implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WalJournal.class);
  private static final int MAGIC = 0x464c574a; // "FLWJ"
  static final int RECORD_HEADER_BYTES = 4 + 4 + 8 + 4;
  public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
  private static final String SUFFIX = ".wal";

  private final Path dir;
  private final long segmentBytes;
  private final boolean fsync;
  private final SegmentChannels channels;
  private final ExecutorService writer;

  // Used on the writer thread only.
  private final TreeMap<Long, Pending> pending = new TreeMap<>();
  private final ArrayDeque<Segment> segments = new ArrayDeque<>();
  private FileChannel channel;
  private long nextToWrite;
  private long released = -1;
  /**
   * The last write failed: the segment may end in a partial record, so the next write starts a new segment, and
   * says in the log once one succeeds again.
   */
  private boolean lastWriteFailed;
  /** A failed write could not be cut off its segment: no record is written any more. */
  private IOException broken;

  /** A record waiting for the ones before it. */
  private record Pending(ByteBuf data, CompletableFuture<Void> done) {}

  /** A segment file and the last sequence written to it. */
  private static final class Segment {
    final Path path;
    final long firstSequence;
    long lastSequence;
    long bytes;

    Segment(Path path, long firstSequence) {
      this.path = path;
      this.firstSequence = firstSequence;
      this.lastSequence = firstSequence - 1;
    }
  }

  /** One record read back by {@link #recover}. */
  public record Record(long sequence, ByteBuf payload) {}

  /**
   * A journal in {@code dir} (created if missing). Call {@link #recover} and {@link #reset} before the first {@link
   * #append}.
   */
  public WalJournal(Path dir, long segmentBytes, boolean fsync) {
    this(dir, segmentBytes, fsync, path -> FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
  }

  /** Opens a new segment file for writing. */
  @FunctionalInterface
  public interface SegmentChannels {
    FileChannel open(Path path) throws IOException;
  }

  /** A journal whose segment files {@code channels} opens (tests pass channels that fail on demand). */
  public WalJournal(Path dir, long segmentBytes, boolean fsync, SegmentChannels channels) {
    checkArgument(segmentBytes > RECORD_HEADER_BYTES, "Cannot open WAL journal: segment size %s is too small",
        segmentBytes);
    this.dir = dir;
    this.segmentBytes = segmentBytes;
    this.fsync = fsync;
    this.channels = channels;
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create the WAL directory " + dir, e);
    }
    this.writer = Executors.newSingleThreadExecutor(new NamedThreadFactory("floe-wal-journal"));
  }

  public Path dir() {
    return dir;
  }

  /**
   * Reads every intact record the directory holds, in sequence order, and hands each to {@code consumer}; the
   * payload is valid during the call only. A torn or corrupt record ends its file: what follows it there was never
   * acknowledged (a write cut short by a crash, or a failed write after which the writer went on in a new file),
   * and is skipped with a log line. Returns how many records were read.
   */
  public int recover(Consumer<Record> consumer) {
    List<Path> files = segmentFiles();
    int records = 0;
    long expected = -1;
    for (int i = 0; i < files.size(); i++) {
      Path file = files.get(i);
      ByteBuf bytes;
      try {
        bytes = Unpooled.wrappedBuffer(Files.readAllBytes(file));
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot read WAL file " + file, e);
      }
      boolean startOfFile = true;
      while (bytes.readableBytes() > 0) {
        String problem = null;
        if (bytes.readableBytes() < RECORD_HEADER_BYTES) {
          problem = "a torn record header";
        } else {
          int at = bytes.readerIndex();
          int magic = bytes.getInt(at);
          int length = bytes.getInt(at + 4);
          long sequence = bytes.getLong(at + 8);
          int crc = bytes.getInt(at + 16);
          if (magic != MAGIC) {
            problem = "no record header";
          } else if (length < 0 || length > bytes.readableBytes() - RECORD_HEADER_BYTES) {
            problem = "a torn record of " + length + " bytes";
          } else if (expected >= 0 && (startOfFile ? sequence < expected : sequence != expected)) {
            // A file may start past the expected record (those between failed to be written); never before it.
            problem = "record " + sequence + " where " + expected + " was expected";
          } else {
            ByteBuf payload = bytes.slice(at + RECORD_HEADER_BYTES, length);
            if (crc(payload.nioBuffers()) != crc) {
              problem = "a record whose CRC does not match";
            } else {
              consumer.accept(new Record(sequence, payload));
              startOfFile = false;
              records++;
              expected = sequence + 1;
              bytes.skipBytes(RECORD_HEADER_BYTES + length);
              continue;
            }
          }
        }
        LOG.warn("WAL file {} has {} at byte {}; the {} bytes from there to its end were never acknowledged and are"
            + " skipped", file, problem, bytes.readerIndex(), bytes.readableBytes());
        break;
      }
    }
    return records;
  }

  /**
   * Deletes every segment file and starts a new one whose first record will be {@code firstSequence}. Call once,
   * after the recovered records are safely in objects.
   */
  public void reset(long firstSequence) {
    try {
      for (Path file : segmentFiles()) {
        Files.delete(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot clear the WAL directory " + dir, e);
    }
    nextToWrite = firstSequence;
    released = firstSequence - 1;
    try {
      writer.submit(() -> {
        openSegment(firstSequence);
        return null;
      }).get();
    } catch (Exception e) {
      throw new IllegalStateException("Cannot start a WAL file in " + dir, e);
    }
  }

  /**
   * Writes {@code data} as record {@code sequence}, after every smaller sequence. Takes ownership of {@code data}.
   * The future completes once the record is written, or fails with an {@link IOException} cause. A failed write
   * may leave a partial record behind, so the next record starts a new segment file: a passing error (a full disk
   * freed again) fails only the records written meanwhile.
   */
  public CompletableFuture<Void> append(long sequence, ByteBuf data) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      writer.execute(() -> {
        pending.put(sequence, new Pending(data, done));
        writeReady();
      });
    } catch (RejectedExecutionException e) {
      data.release();
      done.completeExceptionally(new IllegalStateException("The WAL journal is closed"));
    }
    return done;
  }

  /** Records up to {@code sequence} are in objects: segments holding nothing later are deleted. */
  public void release(long sequence) {
    try {
      writer.execute(() -> {
        released = Math.max(released, sequence);
        deleteReleasedSegments();
      });
    } catch (RejectedExecutionException e) {
      // Closed: the next start reads what is left and skips what is indexed.
    }
  }

  /**
   * Stops writing. When every record written was released (a clean stop: everything is in objects), the segment
   * files are deleted too, so that files left in the directory always mean records to recover.
   */
  @Override
  public void close() {
    writer.shutdown();
    boolean stopped = false;
    try {
      stopped = writer.awaitTermination(10, TimeUnit.SECONDS);
      if (!stopped) {
        LOG.warn("WAL journal writes did not finish within 10 s of close");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Pending p : pending.values()) {
      p.data.release();
      p.done.completeExceptionally(new IllegalStateException("The WAL journal was closed before the write"));
    }
    pending.clear();
    closeChannel();
    if (stopped && !segments.isEmpty() && released >= nextToWrite - 1) {
      for (Segment segment : segments) {
        try {
          Files.deleteIfExists(segment.path);
        } catch (IOException e) {
          LOG.warn("Cannot delete WAL file {} whose records are all in objects; it is read again at the next start",
              segment.path, e);
        }
      }
    }
  }

  /**
   * Whether {@code dir} holds WAL files: records that may not be in objects yet, left by a run that did not stop
   * cleanly.
   */
  public static boolean holdsRecords(Path dir) {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.anyMatch(p -> p.getFileName().toString().endsWith(SUFFIX));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list the WAL directory " + dir, e);
    }
  }

  // ---------------------------------------------------------------- writer thread

  private void writeReady() {
    Pending next;
    while ((next = pending.remove(nextToWrite)) != null) {
      long sequence = nextToWrite++;
      try {
        if (broken != null) {
          throw new IOException("a failed write could not be cut off the WAL file; restart the broker", broken);
        }
        write(sequence, next.data);
        if (lastWriteFailed) {
          LOG.info("Writes to the WAL file in {} succeed again (from record {} on, in a new file)", dir, sequence);
          lastWriteFailed = false;
        }
        next.done.complete(null);
      } catch (IOException e) {
        if (!lastWriteFailed) {
          lastWriteFailed = true;
          LOG.error("Cannot write record {} to the WAL file in {}; its produces fail with a retriable error, and so"
              + " do later ones until a write succeeds again (each tries a new file)", sequence, dir, e);
        }
        next.done.completeExceptionally(e);
      } finally {
        next.data.release();
      }
    }
  }

  private void write(long sequence, ByteBuf data) throws IOException {
    Segment segment = segments.peekLast();
    long recordBytes = RECORD_HEADER_BYTES + (long) data.readableBytes();
    if (lastWriteFailed || (segment.bytes > 0 && segment.bytes + recordBytes > segmentBytes)) {
      segment = openSegment(sequence);
    }
    ByteBuffer[] payload = data.nioBuffers();
    ByteBuffer header = ByteBuffer.allocate(RECORD_HEADER_BYTES);
    header.putInt(MAGIC).putInt(data.readableBytes()).putLong(sequence).putInt(crc(payload)).flip();
    ByteBuffer[] all = new ByteBuffer[payload.length + 1];
    all[0] = header;
    System.arraycopy(payload, 0, all, 1, payload.length);
    try {
      long left = recordBytes;
      while (left > 0) {
        left -= channel.write(all);
      }
      if (fsync) {
        channel.force(false);
      }
    } catch (IOException e) {
      unwrite(segment, e);
      throw e;
    }
    segment.bytes += recordBytes;
    segment.lastSequence = sequence;
  }

  /**
   * Cuts what a failed write left (part of its record, or all of it when only the fsync failed) off the segment, so
   * that recovery never reads a record whose produces were failed. If that fails too, the journal takes no more
   * records: a later record of the same partitions could otherwise be shadowed by the failed one at recovery.
   */
  private void unwrite(Segment segment, IOException cause) {
    try {
      channel.truncate(segment.bytes);
      if (fsync) {
        channel.force(false);
      }
    } catch (IOException e) {
      cause.addSuppressed(e);
      broken = cause;
      LOG.error("Cannot cut a failed write off WAL file {}; the WAL file takes no more records, so every produce"
          + " fails until the broker restarts", segment.path, e);
    }
  }

  private Segment openSegment(long firstSequence) throws IOException {
    closeChannel();
    Path path = dir.resolve(String.format("%020d%s", firstSequence, SUFFIX));
    channel = channels.open(path);
    Segment segment = new Segment(path, firstSequence);
    segments.addLast(segment);
    deleteReleasedSegments();
    return segment;
  }

  private void deleteReleasedSegments() {
    while (segments.size() > 1 && segments.peekFirst().lastSequence <= released) {
      Segment done = segments.pollFirst();
      try {
        Files.deleteIfExists(done.path);
      } catch (IOException e) {
        LOG.warn("Cannot delete WAL file {} whose records are all in objects; it is skipped at the next start",
            done.path, e);
      }
    }
  }

  private void closeChannel() {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        LOG.warn("Cannot close WAL file in {}", dir, e);
      }
      channel = null;
    }
  }

  private List<Path> segmentFiles() {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list the WAL directory " + dir, e);
    }
  }

  /** The CRC32C of the buffers' remaining bytes; their positions do not move. */
  private static int crc(ByteBuffer[] buffers) {
    CRC32C crc = new CRC32C();
    for (ByteBuffer b : buffers) {
      crc.update(b.duplicate());
    }
    return (int) crc.getValue();
  }
}
