package io.floe.storage.bench;

import io.floe.storage.metadata.JdbcMetadataStore;
import io.floe.storage.objectstore.LocalFileObjectStorage;
import io.floe.storage.stream.CompactionConfig;
import io.floe.storage.stream.CompactionStats;
import io.floe.storage.stream.DefaultStreamStore;
import io.floe.storage.stream.ReadResult;
import io.floe.storage.stream.Stream;
import io.floe.storage.stream.StreamObjectFormat;
import io.floe.storage.stream.StreamStoreConfig;
import io.floe.storage.wal.WalConfig;
import io.floe.storage.wal.WalObjectFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Catch-up read throughput of the stream store, the case of a Kafka consumer reading a topic from the beginning
 * long after it was written: everything comes from WAL objects (local files, in the page cache), nothing from
 * the tail cache.
 *
 * <p>For each partition count it writes {@code --bytes} through the real WAL into a {@link
 * LocalFileObjectStorage} in a temporary directory, in 16 KiB batches of 16 records (as a Kafka producer with
 * 1 KiB records sends them), sealing small objects ({@code --object-bytes}, like the ~1 ms group commits of a
 * broker taking 100 MB/s). It then reopens the store (empty tail cache) and reads every partition from offset 0
 * with {@code --fetch-bytes} reads, all partitions' reads of one "fetch" in parallel and one fetch at a time, as
 * a consumer with one fetch in flight does. It prints MB/s and fetch latencies per pass.
 *
 * <p>Run: {@code mvn -B -q -o test-compile dependency:build-classpath -pl s3-storage -Dmdep.outputFile=/tmp/cp
 * -Dmdep.includeScope=test}, then {@code java -cp s3-storage/target/test-classes:s3-storage/target/classes:$(cat
 * /tmp/cp) io.floe.storage.bench.CatchUpReadBench --bytes 1g --partitions 1,6}. Options: {@code --bytes N[k|m|g]}, {@code --partitions 1,6},
 * {@code --object-bytes N}, {@code --batch-bytes N}, {@code --fetch-bytes N}, {@code --passes N}, {@code --dir
 * PATH}, {@code --busy-threads N} (threads spinning meanwhile, as the consumer and the network threads keep a
 * small machine's cores busy, so every hop to another thread waits for a core), {@code --consumer-mbps N} (after
 * each fetch the reader copies the batches out, as a socket write does, and keeps a core busy for the time a
 * consumer taking N MB/s would spend on them before it fetches again: then fetch latency is what separates the rate from N; 0, the
 * default, fetches again at once), {@code --mmap} (local reads from mappings), {@code --block-cache-bytes N}, {@code --read-ahead-bytes N}, {@code --read-parallelism N}.
 *
 * <p>{@code --compaction} measures what compaction does for a catch-up read of ONE partition out of several written
 * together: it reads partition 0 alone ({@code --passes} times) from the WAL objects as written, then compacts the
 * store into per-partition stream objects (of at most {@code --compacted-object-bytes}, default 16 MiB) and deletes
 * the WAL objects, then reads partition 0 alone again, and prints both rates and the object counts.
 */
public final class CatchUpReadBench {
  private static final int RECORDS_PER_BATCH = 16;

  private long totalBytes = 1L << 30;
  private int[] partitionCounts = {1, 6};
  private long objectBytes = 256 << 10;
  private int batchBytes = 16 << 10;
  private int fetchBytes = 1 << 20;
  private int passes = 3;
  private int busyThreads;
  private long consumerBytesPerSecond;
  private boolean mmapReads;
  private Path baseDir;
  private StreamStoreConfig readConfig = StreamStoreConfig.localDefaults().withCompaction(CompactionConfig.disabled());
  private boolean compaction;
  private long compactedObjectBytes = CompactionConfig.DEFAULT_MAX_OBJECT_BYTES;

  public static void main(String[] args) throws Exception {
    CatchUpReadBench bench = new CatchUpReadBench();
    bench.parse(args);
    bench.run();
  }

  private void parse(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--bytes" -> totalBytes = size(value);
        case "--partitions" -> partitionCounts = Arrays.stream(value.split(",")).mapToInt(Integer::parseInt).toArray();
        case "--object-bytes" -> objectBytes = size(value);
        case "--batch-bytes" -> batchBytes = (int) size(value);
        case "--fetch-bytes" -> fetchBytes = (int) size(value);
        case "--passes" -> passes = Integer.parseInt(value);
        case "--busy-threads" -> busyThreads = Integer.parseInt(value);
        case "--consumer-mbps" -> consumerBytesPerSecond = Long.parseLong(value) * 1_000_000;
        case "--mmap" -> {
          mmapReads = true;
          i--;
        }
        case "--compaction" -> {
          compaction = true;
          i--;
        }
        case "--compacted-object-bytes" -> compactedObjectBytes = size(value);
        case "--dir" -> baseDir = Path.of(value);
        case "--block-cache-bytes" -> readConfig = readConfig.withBlockCacheBytes(size(value));
        case "--read-ahead-bytes" -> readConfig = readConfig.withReadAheadBytes(size(value));
        case "--read-parallelism" -> readConfig = readConfig.withReadParallelism(Integer.parseInt(value));
        default -> throw new IllegalArgumentException("Unknown option " + args[i] + " (see the class comment)");
      }
      i++;
    }
  }

  private static long size(String v) {
    String s = v.toLowerCase();
    long unit = s.endsWith("k") ? 1 << 10 : s.endsWith("m") ? 1 << 20 : s.endsWith("g") ? 1 << 30 : 1;
    return Long.parseLong(unit == 1 ? s : s.substring(0, s.length() - 1)) * unit;
  }

  private void run() throws Exception {
    System.out.printf(
        "catch-up read bench: %d MiB in %d KiB batches, WAL objects of <= %d KiB, %d KiB reads, %d passes, %d busy"
            + " threads, consumer at %s%s; %s%n",
        totalBytes >> 20, batchBytes >> 10, objectBytes >> 10, fetchBytes >> 10, passes, busyThreads,
        consumerBytesPerSecond > 0 ? consumerBytesPerSecond / 1_000_000 + " MB/s" : "no limit",
        mmapReads ? ", mapped reads" : "", readConfig);
    for (int partitions : partitionCounts) {
      Path dir = baseDir != null ? Files.createDirectories(baseDir.resolve("p" + partitions))
          : Files.createTempDirectory("floe-read-bench-p" + partitions);
      try {
        long written = write(dir, partitions);
        if (compaction) {
          String before = median(dir, partitions, 1, written);
          String objectsBefore = objectCounts(dir);
          compact(dir, partitions);
          String after = median(dir, partitions, 1, written);
          System.out.printf("RESULT one of %d partitions: before compaction %s (%s), after %s (%s)%n",
              partitions, before, objectsBefore, after, objectCounts(dir));
        } else {
          System.out.printf("RESULT partitions=%d %s%n", partitions, median(dir, partitions, partitions, written));
        }
      } finally {
        deleteRecursively(dir);
      }
    }
  }

  /** Reads the first {@code readPartitions} partitions {@code passes} times; returns the median and best MB/s. */
  private String median(Path dir, int partitions, int readPartitions, long written) {
    List<Double> rates = new ArrayList<>();
    for (int pass = 1; pass <= passes; pass++) {
      rates.add(readAll(dir, partitions, readPartitions, written, pass));
    }
    rates.sort(Comparator.naturalOrder());
    return String.format("median=%.0f MB/s best=%.0f MB/s", rates.get(rates.size() / 2), rates.get(rates.size() - 1));
  }

  private static StreamStoreConfig writeConfig(long objectBytes) {
    return StreamStoreConfig.localDefaults()
        .withWal(WalConfig.localDefaults().withUploadBytes(objectBytes))
        .withDeleteOrphansOnStart(false)
        .withCompaction(CompactionConfig.disabled());
  }

  /** Compacts every partition until a cycle finds nothing to do, and deletes the objects that released. */
  private void compact(Path dir, int partitions) {
    StreamStoreConfig config =
        writeConfig(objectBytes)
            .withObjectDeleteGraceMs(0)
            .withCompaction(
                CompactionConfig.defaults().withMinAgeMs(0).withMaxObjectBytes(compactedObjectBytes)
                    .withMaxRunsPerCycle(1_000));
    long start = System.nanoTime();
    try (JdbcMetadataStore metadata = JdbcMetadataStore.open("jdbc:sqlite:" + dir.resolve("meta.db"));
        LocalFileObjectStorage objects = new LocalFileObjectStorage(dir.resolve("objects"));
        DefaultStreamStore store = new DefaultStreamStore(objects, metadata, config)) {
      for (int p = 0; p < partitions; p++) {
        store.open(p).join();
      }
      while (store.compactStreamObjects().join() > 0) {
        // until nothing is left to merge
      }
      while (store.deleteUnreferencedObjects().join() > 0) {
        // a pass deletes a bounded batch
      }
      CompactionStats stats = store.compactionStats();
      System.out.printf("compacted %d ranges into %d stream objects (%d MiB rewritten) in %.1f s, deleted %d objects%n",
          stats.rangesCompacted(), stats.objectsWritten(), stats.bytesRewritten() >> 20,
          (System.nanoTime() - start) / 1e9, stats.objectsDeleted());
    }
  }

  private static String objectCounts(Path dir) {
    try (LocalFileObjectStorage objects = new LocalFileObjectStorage(dir.resolve("objects"))) {
      return objects.list(WalObjectFormat.keyPrefix()).join().size() + " WAL objects, "
          + objects.list(StreamObjectFormat.keyPrefix()).join().size() + " stream objects";
    }
  }

  /** Writes the data set and returns the bytes of batches written. */
  private long write(Path dir, int partitions) {
    long start = System.nanoTime();
    long written = 0;
    try (JdbcMetadataStore metadata = JdbcMetadataStore.open("jdbc:sqlite:" + dir.resolve("meta.db"));
        LocalFileObjectStorage objects = new LocalFileObjectStorage(dir.resolve("objects"));
        DefaultStreamStore store = new DefaultStreamStore(objects, metadata, writeConfig(objectBytes))) {
      List<Stream> streams = new ArrayList<>();
      for (int p = 0; p < partitions; p++) {
        streams.add(store.open(p).join());
      }
      byte[] payload = new byte[batchBytes];
      ThreadLocalRandom.current().nextBytes(payload);
      List<CompletableFuture<Void>> pending = new ArrayList<>();
      for (long n = 0; written < totalBytes; n++) {
        Stream s = streams.get((int) (n % partitions));
        ByteBuf batch = PooledByteBufAllocator.DEFAULT.directBuffer(batchBytes);
        batch.writeBytes(payload);
        long base = s.nextOffset();
        batch.setLong(0, base);
        pending.add(s.append(base, RECORDS_PER_BATCH, System.currentTimeMillis(), batch));
        written += batchBytes;
        if (pending.size() >= 4096) {
          pending.forEach(CompletableFuture::join);
          pending.clear();
        }
      }
      pending.forEach(CompletableFuture::join);
      store.flush().join();
      double secs = (System.nanoTime() - start) / 1e9;
      System.out.printf("wrote %d MiB to %d partitions in %d WAL objects (%.0f KiB each on average) in %.1f s%n",
          written >> 20, partitions, store.walStats().objectsCommitted(),
          store.walStats().bytesCommitted() / 1024.0 / Math.max(1, store.walStats().objectsCommitted()), secs);
    }
    return written;
  }

  /**
   * Reopens the store (empty tail cache) and reads the first {@code readPartitions} of the partitions from the
   * start; returns MB/s.
   */
  private double readAll(Path dir, int partitions, int readPartitions, long writtenBytes, int pass) {
    try (JdbcMetadataStore metadata = JdbcMetadataStore.open("jdbc:sqlite:" + dir.resolve("meta.db"));
        LocalFileObjectStorage objects = new LocalFileObjectStorage(dir.resolve("objects"), false, 4, mmapReads);
        DefaultStreamStore store = new DefaultStreamStore(objects, metadata, readConfig.withDeleteOrphansOnStart(false))) {
      List<Stream> streams = new ArrayList<>();
      long[] offsets = new long[readPartitions];
      long expectedBytes = 0;
      for (int p = 0; p < readPartitions; p++) {
        streams.add(store.open(p).join());
        expectedBytes += streams.get(p).confirmedOffset() / RECORDS_PER_BATCH * batchBytes;
      }
      if (readPartitions == partitions && expectedBytes != writtenBytes) {
        throw new IllegalStateException("the partitions hold " + expectedBytes + " bytes, " + writtenBytes + " written");
      }
      long bytes = 0;
      int fetches = 0;
      java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
      List<Thread> busy = new ArrayList<>();
      for (int i = 0; i < busyThreads; i++) {
        Thread t = new Thread(() -> spin(stop), "busy-" + i);
        t.setDaemon(true);
        t.start();
        busy.add(t);
      }
      com.sun.management.OperatingSystemMXBean os =
          (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
      java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
      long cpuStart = os.getProcessCpuTime() - busyCpu(threads, busy);
      long faultsStart = minorFaults();
      List<Long> latenciesNanos = new ArrayList<>();
      long start = System.nanoTime();
      List<CompletableFuture<ReadResult>> reads = new ArrayList<>(readPartitions);
      byte[] sink = new byte[batchBytes];
      while (true) {
        reads.clear();
        for (int p = 0; p < readPartitions; p++) {
          Stream s = streams.get(p);
          reads.add(offsets[p] < s.confirmedOffset() ? s.read(offsets[p], fetchBytes) : null);
        }
        if (reads.stream().allMatch(r -> r == null)) {
          break;
        }
        long fetchStart = System.nanoTime();
        long bytesBefore = bytes;
        for (int p = 0; p < readPartitions; p++) {
          CompletableFuture<ReadResult> f = reads.get(p);
          if (f == null) {
            continue;
          }
          ReadResult r = f.join();
          for (ByteBuf b : r.batches()) {
            long base = b.getLong(b.readerIndex());
            if (base != offsets[p]) {
              throw new IllegalStateException("partition " + p + ": expected offset " + offsets[p] + ", read " + base);
            }
            offsets[p] = base + RECORDS_PER_BATCH;
            bytes += b.readableBytes();
            if (consumerBytesPerSecond > 0) {
              b.getBytes(b.readerIndex(), sink, 0, Math.min(sink.length, b.readableBytes()));
            }
          }
          r.release();
        }
        long fetchEnd = System.nanoTime();
        latenciesNanos.add(fetchEnd - fetchStart);
        fetches++;
        if (consumerBytesPerSecond > 0) {
          long deadline = fetchEnd + (bytes - bytesBefore) * 1_000_000_000L / consumerBytesPerSecond;
          // Busy, as a consumer decoding records is: the store's threads compete with it for the cores.
          while (System.nanoTime() < deadline) {
            Thread.onSpinWait();
          }
        }
      }
      double secs = (System.nanoTime() - start) / 1e9;
      double cpuSecs = (os.getProcessCpuTime() - busyCpu(threads, busy) - cpuStart) / 1e9;
      stop.set(true);
      if (bytes != expectedBytes) {
        throw new IllegalStateException("read " + bytes + " bytes, wrote " + expectedBytes);
      }
      latenciesNanos.sort(Comparator.naturalOrder());
      double mbps = bytes / 1e6 / secs;
      System.out.printf(
          "pass %d: partitions=%d/%d %.0f MB/s (%d MiB in %.2f s, %.2f CPU s/GB, %d page faults, %d fetches, latency p50 %.2f ms p99 %.2f ms max %.2f ms)"
              + " %s%n",
          pass, readPartitions, partitions, mbps, bytes >> 20, secs, cpuSecs / (bytes / 1e9), minorFaults() - faultsStart, fetches, latenciesNanos.get(fetches / 2) / 1e6,
          latenciesNanos.get((int) (fetches * 0.99)) / 1e6, latenciesNanos.get(fetches - 1) / 1e6,
          store.readStats());
      return mbps;
    }
  }

  /** Minor page faults of this process so far (Linux), or 0. */
  private static long minorFaults() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[7]);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** Keeps a core busy with memory work until stopped. */
  private static void spin(java.util.concurrent.atomic.AtomicBoolean stop) {
    byte[] a = new byte[1 << 20];
    byte[] b = new byte[1 << 20];
    while (!stop.get()) {
      System.arraycopy(a, 0, b, 0, a.length);
      System.arraycopy(b, 0, a, 0, b.length);
    }
  }

  private static long busyCpu(java.lang.management.ThreadMXBean threads, List<Thread> busy) {
    long sum = 0;
    for (Thread t : busy) {
      sum += Math.max(0, threads.getThreadCpuTime(t.getId()));
    }
    return sum;
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }

  static {
    // Keep the numbers about the read path: no leak tracking overhead unless asked for.
    if (System.getProperty("io.netty.leakDetection.level") == null) {
      System.setProperty("io.netty.leakDetection.level", "disabled");
    }
  }

  private CatchUpReadBench() {}
}
