package io.floe.storage;

import static io.floe.storage.testing.Batches.await;
import static io.floe.storage.testing.Batches.batch;
import static io.floe.storage.testing.Batches.content;
import static io.floe.storage.testing.Batches.texts;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.storage.metadata.JdbcMetadataStore;
import io.floe.storage.metadata.TopicRecord;
import io.floe.storage.objectstore.FaultInjectingObjectStorage;
import io.floe.storage.objectstore.FaultInjectingObjectStorage.Fault;
import io.floe.storage.objectstore.FaultInjectingObjectStorage.Operation;
import io.floe.storage.objectstore.ObjectStorageException;
import io.floe.storage.objectstore.RetryingObjectStorage;
import io.floe.storage.objectstore.S3ObjectStorage;
import io.floe.storage.retry.Retrier;
import io.floe.storage.stream.DefaultStreamStore;
import io.floe.storage.stream.ReadResult;
import io.floe.storage.stream.Stream;
import io.floe.storage.stream.StreamFencedException;
import io.floe.storage.stream.StreamStoreConfig;
import io.floe.storage.testing.LeakCheck;
import io.floe.storage.testing.S3ProxyServer;
import io.floe.storage.wal.WalConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The stream store on a real S3-compatible server (S3Proxy): what is acknowledged is in the bucket and reads back
 * after a restart, also while S3 throttles, errs, times out, loses connections or is down.
 */
class S3StorageEndToEndTest {
  private static final AtomicInteger BUCKETS = new AtomicInteger();
  private static S3ProxyServer s3;

  @TempDir Path dir;

  @BeforeAll
  static void startS3() {
    s3 = S3ProxyServer.start();
  }

  @AfterAll
  static void stopS3() {
    if (s3 != null) {
      s3.close();
    }
    LeakCheck.provoke();
  }

  private static String newBucket() {
    String bucket = "floe-e2e-" + BUCKETS.incrementAndGet();
    s3.createBucket(bucket);
    return bucket;
  }

  private StorageConfig.Builder s3Storage(String bucket) {
    return StorageConfig.builder(dir.resolve("data"))
        .s3Bucket(bucket)
        .s3Endpoint(s3.endpoint().toString())
        .s3Region("us-east-1")
        .s3PathStyle(true)
        .s3AccessKey(S3ProxyServer.ACCESS_KEY)
        .s3SecretKey(S3ProxyServer.SECRET_KEY)
        .s3Prefix("cluster-a/");
  }

  @Test
  void aBucketMakesStorageUseS3WithTheS3UploadInterval() {
    StorageConfig onS3 = s3Storage("b").build();
    assertEquals("b", onS3.s3().orElseThrow().bucket());
    assertEquals("cluster-a/", onS3.s3().orElseThrow().prefix());
    assertTrue(onS3.s3().orElseThrow().pathStyleAccess());
    assertEquals(WalConfig.DEFAULT_UPLOAD_INTERVAL_MS_S3, onS3.walUploadIntervalMs());
    assertEquals(40, s3Storage("b").walUploadIntervalMs(40).build().walUploadIntervalMs());
    assertFalse(onS3.toString().contains(S3ProxyServer.SECRET_KEY), "the secret key is never printed");

    StorageConfig local = StorageConfig.builder(dir).build();
    assertTrue(local.s3().isEmpty());
    assertEquals(WalConfig.DEFAULT_UPLOAD_INTERVAL_MS_LOCAL, local.walUploadIntervalMs());

    IllegalArgumentException noBucket =
        assertThrows(IllegalArgumentException.class,
            () -> StorageConfig.builder(dir).s3Endpoint("http://127.0.0.1:9000").build());
    assertTrue(noBucket.getMessage().contains("s3.bucket"), noBucket.getMessage());
    assertThrows(IllegalArgumentException.class, () -> s3Storage("b").s3SecretKey("").build());
    assertThrows(IllegalArgumentException.class, () -> s3Storage("b").s3Endpoint("ftp://x").build());
  }

  @Test
  void acknowledgedAppendsAreObjectsInTheBucketAndReadBackAfterARestart() throws Exception {
    // Given a broker's storage on S3, and appends to a topic's partition that nobody waits for
    String bucket = newBucket();
    StorageConfig config = s3Storage(bucket).walUploadIntervalMs(5).build();
    List<CompletableFuture<Void>> pending = new ArrayList<>();
    long streamId;
    try (FloeStorage storage = FloeStorage.open(config)) {
      assertInstanceOf(S3ObjectStorage.class, storage.objectStorage().delegate());
      TopicRecord topic = storage.metadataStore().createTopic("orders", 1, Map.of());
      streamId = topic.streamId(0);
      Stream s = await(storage.streamStore().open(streamId));
      for (int i = 0; i < 200; i++) {
        pending.add(s.append(i, 1, i, batch(streamId, i, 512)));
      }
      // When the storage is closed right away
    }

    // Then every append was acknowledged, and the WAL objects are in the bucket under the prefix
    pending.forEach(f -> assertTrue(f.isDone() && !f.isCompletedExceptionally()));
    List<String> keys =
        s3.client().listObjectsV2(b -> b.bucket(bucket)).get(10, TimeUnit.SECONDS).contents().stream()
            .map(S3Object::key).toList();
    assertFalse(keys.isEmpty());
    assertTrue(keys.stream().allMatch(k -> k.startsWith("cluster-a/wal/")), keys.toString());
    assertFalse(Files.exists(config.objectsDir()), "nothing is written to the local object directory");

    // When it is reopened (empty caches), Then every batch reads back from the objects in S3
    try (FloeStorage storage = FloeStorage.open(config)) {
      Stream s = await(storage.streamStore().open(streamId));
      assertEquals(200, s.confirmedOffset());
      List<String> read = new ArrayList<>();
      for (long next = 0; next < 200; ) {
        ReadResult r = await(s.read(next, 16 * 1024));
        try {
          read.addAll(texts(r.batches()));
          next += r.batches().size();
        } finally {
          r.release();
        }
      }
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        expected.add(content(streamId, i, 512));
      }
      assertEquals(expected, read);
      assertTrue(storage.s3Stats().orElseThrow().bytesRead() > 0, "reads came from S3");
    }
  }

  @Test
  void compactionTurnsManySmallWalObjectsIntoOneObjectPerPartitionAndRetentionEmptiesTheBucket() throws Exception {
    // Given a broker's storage on S3 whose three partitions were written together in many small WAL objects, with
    // compaction run on demand, no deletion grace, and no tail cache (reads come from the bucket)
    String bucket = newBucket();
    StorageConfig config =
        s3Storage(bucket)
            .walUploadIntervalMs(1)
            .objectDeleteGraceMs(0)
            .cacheBytes(0)
            .compactionIntervalMs(3_600_000)
            .compactionMinAgeMs(0)
            .build();
    Map<Long, List<String>> expected = new TreeMap<>();
    List<Long> streamIds;
    try (FloeStorage storage = FloeStorage.open(config)) {
      streamIds = storage.metadataStore().createTopic("events", 3, Map.of()).streamIds();
      for (int round = 0; round < 20; round++) {
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        for (long id : streamIds) {
          Stream s = await(storage.streamStore().open(id));
          for (int i = 0; i < 3; i++) {
            long offset = s.nextOffset();
            int size = 100 + (int) ((offset * 37 + id) % 700);
            expected.computeIfAbsent(id, k -> new ArrayList<>()).add(content(id, offset, size));
            acks.add(s.append(offset, 1, offset, batch(id, offset, size)));
          }
        }
        acks.forEach(f -> await(f));
      }
      int walObjects = bucketKeys(bucket, "cluster-a/wal/").size();
      assertTrue(walObjects >= 20, walObjects + " WAL objects");

      // When a compaction cycle and the cleanup run
      assertEquals(3, await(storage.streamStore().compactStreamObjects()));
      assertEquals(walObjects, await(storage.streamStore().deleteUnreferencedObjects()));

      // Then the bucket holds one stream object per partition, and no WAL object
      List<String> keys = bucketKeys(bucket, "cluster-a/");
      assertEquals(3, keys.size(), keys.toString());
      for (long id : streamIds) {
        assertEquals(1, bucketKeys(bucket, "cluster-a/streams/" + id + "/").size(), keys.toString());
      }
      assertEquals(3, storage.streamStore().compactionStats().objectsWritten());
    }

    // And after a restart every batch reads back, byte for byte, from the stream objects in S3
    try (FloeStorage storage = FloeStorage.open(config)) {
      for (long id : streamIds) {
        Stream s = await(storage.streamStore().open(id));
        List<String> read = new ArrayList<>();
        for (long next = 0; next < s.confirmedOffset(); ) {
          ReadResult r = await(s.read(next, 2048));
          try {
            read.addAll(texts(r.batches()));
            next += r.batches().size();
          } finally {
            r.release();
          }
        }
        assertEquals(expected.get(id), read);
        ReadResult middle = await(s.read(31, 1));
        try {
          assertEquals(List.of(expected.get(id).get(31)), texts(middle.batches()));
        } finally {
          middle.release();
        }
      }
      assertTrue(storage.s3Stats().orElseThrow().bytesRead() > 0, "reads came from S3");

      // When retention empties two partitions and keeps the newest records of the third
      for (long id : streamIds.subList(0, 2)) {
        Stream s = await(storage.streamStore().open(id));
        await(s.trim(s.confirmedOffset()));
      }
      Stream kept = await(storage.streamStore().open(streamIds.get(2)));
      await(kept.trim(50));
      await(storage.streamStore().deleteUnreferencedObjects());

      // Then the expired partitions' objects are gone from the bucket, and the rest still reads back
      assertEquals(List.of("cluster-a/streams/" + streamIds.get(2) + "/"),
          bucketKeys(bucket, "cluster-a/").stream().map(k -> k.substring(0, k.lastIndexOf('/') + 1)).toList());
      ReadResult tail = await(kept.read(50, Integer.MAX_VALUE));
      try {
        assertEquals(expected.get(streamIds.get(2)).subList(50, 60), texts(tail.batches()));
      } finally {
        tail.release();
      }
    }
  }

  private static List<String> bucketKeys(String bucket, String prefix) throws Exception {
    return s3.client().listObjectsV2(b -> b.bucket(bucket).prefix(prefix)).get(10, TimeUnit.SECONDS).contents()
        .stream().map(S3Object::key).toList();
  }

  @Test
  void underSteadyFaultsEveryAppendIsAcknowledgedAndReadableOrFailsAndNoReadIsCorrupt() {
    // Given a store on S3 behind steady faults on every operation, with few retries so that some uploads fail
    String bucket = newBucket();
    Path meta = dir.resolve("meta.db");
    Retrier retrier = fastRetrier(2);
    S3ObjectStorage s3Store = S3ObjectStorage.open(s3.config(bucket).build());
    FaultInjectingObjectStorage faults =
        FaultInjectingObjectStorage.builder(s3Store)
            .seed(42)
            .fault(Fault.THROTTLE, 0.12)
            .fault(Fault.SERVER_ERROR, 0.08)
            .fault(Fault.TIMEOUT, 0.04)
            .fault(Fault.LOST_RESPONSE, 0.10)
            .fault(Fault.DELAY, 0.06)
            .timeoutMs(30)
            .delayMs(10)
            .build();
    RetryingObjectStorage objects = new RetryingObjectStorage(faults, retrier);
    // A tiny tail cache, so reads during the run go to the objects through the faults too.
    StreamStoreConfig config =
        StreamStoreConfig.localDefaults()
            .withWal(WalConfig.localDefaults().withUploadAttempts(1))
            .withCacheBytes(4 * 1024)
            .withBlockCacheBytes(0);
    Map<Long, TreeMap<Long, String>> acknowledged = new HashMap<>();
    int failedAppends = 0;
    int failedReads = 0;
    int reads = 0;

    try (JdbcMetadataStore metadata = JdbcMetadataStore.open("jdbc:sqlite:" + meta);
        DefaultStreamStore store = new DefaultStreamStore(objects, metadata, config)) {
      long[] ids = {1, 2, 3};
      Map<Long, Stream> streams = new HashMap<>();
      for (long id : ids) {
        streams.put(id, await(store.open(id)));
        acknowledged.put(id, new TreeMap<>());
      }
      for (int round = 0; round < 25; round++) {
        // When each stream gets a few appends per round, waited for together
        Map<CompletableFuture<Void>, long[]> inFlight = new HashMap<>();
        Map<CompletableFuture<Void>, String> contents = new HashMap<>();
        for (long id : ids) {
          Stream s = streams.get(id);
          for (int k = 0; k < 4; k++) {
            long offset = s.nextOffset();
            String text = padded("s" + id + "@" + offset + " round " + round + ";", 300);
            CompletableFuture<Void> f = s.append(offset, 1, round, textBatch(text));
            inFlight.put(f, new long[] {id, offset});
            contents.put(f, text);
          }
        }
        java.util.Set<Long> fenced = new java.util.HashSet<>();
        for (Map.Entry<CompletableFuture<Void>, long[]> e : inFlight.entrySet()) {
          long id = e.getValue()[0];
          try {
            e.getKey().get(30, TimeUnit.SECONDS);
            acknowledged.get(id).put(e.getValue()[1], contents.get(e.getKey()));
          } catch (ExecutionException failed) {
            // Then a failed append fails as a fenced stream, and the stream is reopened with a new epoch
            assertInstanceOf(StreamFencedException.class, failed.getCause());
            fenced.add(id);
            failedAppends++;
          } catch (Exception other) {
            throw new AssertionError("an append neither completed nor failed in 30 s", other);
          }
        }
        for (long id : fenced) {
          streams.put(id, await(store.open(id)));
        }
        // And a read of each stream's log meanwhile is either correct or a failure, never wrong bytes
        for (long id : ids) {
          Stream s = streams.get(id);
          if (s.confirmedOffset() == 0) {
            continue;
          }
          reads++;
          try {
            ReadResult r = s.read(0, 8 * 1024).get(30, TimeUnit.SECONDS);
            try {
              assertReadIsAcknowledged(acknowledged.get(id), 0, r);
            } finally {
              r.release();
            }
          } catch (ExecutionException e) {
            assertInstanceOf(ObjectStorageException.class, rootCause(e));
            failedReads++;
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        }
      }
    }

    // Then the faults were met and retried within bounds, and the counters moved
    Retrier.Stats stats = retrier.stats();
    assertTrue(faults.injectedTotal() > 20, "faults injected: " + faults.injectedTotal());
    assertTrue(faults.injected(Fault.LOST_RESPONSE) > 0);
    assertTrue(stats.retries() > 0, stats.toString());
    assertEquals(stats.calls() + stats.retries(), faults.calls(), "every attempt went through the faults");
    assertTrue(stats.retries() <= stats.calls(), "at most one retry per call with 2 attempts: " + stats);
    int acked = acknowledged.values().stream().mapToInt(Map::size).sum();
    assertTrue(acked > 200, "most appends are acknowledged: " + acked + ", failed " + failedAppends);
    System.out.printf("faults %d, retries %s, acknowledged %d, failed appends %d, reads %d, failed reads %d%n",
        faults.injectedTotal(), stats, acked, failedAppends, reads, failedReads);

    // When the store restarts without faults, Then every acknowledged batch is there, and only those
    try (JdbcMetadataStore metadata = JdbcMetadataStore.open("jdbc:sqlite:" + meta);
        S3ObjectStorage clean = S3ObjectStorage.open(s3.config(bucket).build());
        DefaultStreamStore store = new DefaultStreamStore(clean, metadata, config)) {
      for (Map.Entry<Long, TreeMap<Long, String>> e : acknowledged.entrySet()) {
        Stream s = await(store.open(e.getKey()));
        TreeMap<Long, String> expected = e.getValue();
        assertEquals(expected.isEmpty() ? 0 : expected.lastKey() + 1, s.confirmedOffset());
        assertEquals(expected.size(), s.confirmedOffset(), "no gap: every offset below the end was acknowledged");
        ReadResult r = await(s.read(0, Integer.MAX_VALUE));
        try {
          assertEquals(new ArrayList<>(expected.values()), texts(r.batches()));
        } finally {
          r.release();
        }
      }
    }
  }

  @Test
  void whileS3IsDownAppendsFailWithinBoundsAndWhatWasAcknowledgedStaysReadable() {
    // Given a store on S3 with acknowledged appends
    String bucket = newBucket();
    Path meta = dir.resolve("meta.db");
    Retrier retrier = fastRetrier(3);
    FaultInjectingObjectStorage faults =
        FaultInjectingObjectStorage.builder(S3ObjectStorage.open(s3.config(bucket).build())).build();
    StreamStoreConfig config =
        StreamStoreConfig.localDefaults().withWal(WalConfig.localDefaults().withUploadAttempts(2)).withCacheBytes(0)
            .withBlockCacheBytes(0);
    try (JdbcMetadataStore metadata = JdbcMetadataStore.open("jdbc:sqlite:" + meta);
        DefaultStreamStore store = new DefaultStreamStore(new RetryingObjectStorage(faults, retrier), metadata,
            config)) {
      Stream s = await(store.open(7));
      for (int i = 0; i < 10; i++) {
        await(s.append(i, 1, i, batch(7, i, 100)));
      }

      // When S3 goes down
      faults.unavailable(true);
      long start = System.nanoTime();
      CompletableFuture<Void> during = s.append(10, 1, 10, batch(7, 10, 100));
      CompletableFuture<ReadResult> readDuring = s.read(0, Integer.MAX_VALUE);

      // Then the append fails, retriably and within the retry bounds, and so does a read of older data
      ExecutionException e = assertThrows(ExecutionException.class, () -> during.get(30, TimeUnit.SECONDS));
      assertInstanceOf(StreamFencedException.class, e.getCause());
      ObjectStorageException cause = assertInstanceOf(ObjectStorageException.class, rootCause(e));
      assertTrue(cause.retriable(), cause.toString());
      assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 5_000);
      ExecutionException readFailure =
          assertThrows(ExecutionException.class, () -> readDuring.get(30, TimeUnit.SECONDS));
      assertTrue(assertInstanceOf(ObjectStorageException.class, rootCause(readFailure)).retriable());
      assertTrue(retrier.stats().exhausted() >= 2, retrier.stats().toString());

      // When S3 is back, Then the reopened stream continues after the last acknowledged append
      faults.unavailable(false);
      Stream reopened = await(store.open(7));
      assertEquals(10, reopened.confirmedOffset());
      await(reopened.append(10, 1, 10, batch(7, 10, 100)));
    }

    // And after a restart everything acknowledged reads back
    try (JdbcMetadataStore metadata = JdbcMetadataStore.open("jdbc:sqlite:" + meta);
        DefaultStreamStore store = new DefaultStreamStore(S3ObjectStorage.open(s3.config(bucket).build()), metadata,
            config)) {
      ReadResult r = await(await(store.open(7)).read(0, Integer.MAX_VALUE));
      try {
        List<String> expected = new ArrayList<>();
        for (int i = 0; i <= 10; i++) {
          expected.add(content(7, i, 100));
        }
        assertEquals(expected, texts(r.batches()));
      } finally {
        r.release();
      }
    }
  }

  private static Retrier fastRetrier(int attempts) {
    return Retrier.builder("e2e")
        .maxAttempts(attempts)
        .backoffMs(2, 20)
        .maxElapsedMs(5_000)
        .retryOn(ObjectStorageException.class, ObjectStorageException::retriable)
        .build();
  }

  private static String padded(String text, int length) {
    StringBuilder sb = new StringBuilder(text);
    while (sb.length() < length) {
      sb.append('.');
    }
    return sb.toString();
  }

  private static ByteBuf textBatch(String text) {
    ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(text.length());
    buf.writeCharSequence(text, UTF_8);
    return buf;
  }

  /** Each batch read must be exactly the one acknowledged at its offset, in order from {@code from}. */
  private static void assertReadIsAcknowledged(TreeMap<Long, String> acknowledged, long from, ReadResult r) {
    long offset = from;
    for (String text : texts(r.batches())) {
      assertEquals(acknowledged.get(offset), text, "batch at offset " + offset);
      offset++;
    }
  }

  private static Throwable rootCause(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      if (c instanceof ObjectStorageException) {
        return c;
      }
      c = c.getCause();
    }
    return c;
  }
}
