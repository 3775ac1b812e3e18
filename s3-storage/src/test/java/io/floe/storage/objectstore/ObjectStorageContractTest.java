package io.floe.storage.objectstore;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.storage.objectstore.ObjectStorage.ObjectInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ObjectStorage} does, whatever is behind it: the tests the local store and the S3 store both
 * pass, so that what runs on a laptop runs the same on S3.
 */
abstract class ObjectStorageContractTest {
  protected ObjectStorage storage;

  /** A fresh, empty store. */
  protected abstract ObjectStorage createStorage() throws Exception;

  @BeforeEach
  void createTheStore() throws Exception {
    storage = createStorage();
  }

  @AfterEach
  void closeTheStore() {
    storage.close();
  }

  @Test
  void writtenObjectReadsBackWholeAndByRange() throws Exception {
    // Given an object written under a nested key
    byte[] content = new byte[100_000];
    new Random(1).nextBytes(content);
    ByteBuf data = Unpooled.wrappedBuffer(content);
    await(storage.write("wal/0000000001", data));

    // When it is read whole, by a range, past its end, and open-ended
    byte[] whole = readBytes("wal/0000000001", 0, content.length);
    byte[] middle = readBytes("wal/0000000001", 1000, 1010);
    byte[] pastEnd = readBytes("wal/0000000001", 99_990, 200_000);
    byte[] openEnded = readBytes("wal/0000000001", 99_000, Long.MAX_VALUE);

    // Then the bytes match, and the caller's buffer is untouched
    assertArrayEquals(content, whole);
    assertArrayEquals(Arrays.copyOfRange(content, 1000, 1010), middle);
    assertArrayEquals(Arrays.copyOfRange(content, 99_990, 100_000), pastEnd);
    assertArrayEquals(Arrays.copyOfRange(content, 99_000, 100_000), openEnded);
    assertEquals(0, data.readerIndex());
    assertEquals(1, data.refCnt());
  }

  @Test
  void compositeBufferIsWrittenAsOneObjectFromItsReadableBytes() throws Exception {
    // Given a buffer of many direct components, as the WAL builds it, with some bytes already read
    CompositeByteBuf composite = PooledByteBufAllocator.DEFAULT.compositeDirectBuffer(2000);
    StringBuilder expected = new StringBuilder();
    composite.addComponent(true, Unpooled.copiedBuffer("skipped;", UTF_8));
    for (int i = 0; i < 1500; i++) {
      String part = "part-" + i + ";";
      expected.append(part);
      ByteBuf component = PooledByteBufAllocator.DEFAULT.directBuffer(part.length());
      component.writeCharSequence(part, UTF_8);
      composite.addComponent(true, component);
    }
    composite.skipBytes("skipped;".length());

    try {
      // When it is written
      await(storage.write("a/b", composite));

      // Then the object holds exactly the readable bytes, in order
      assertEquals(expected.toString(), new String(readBytes("a/b", 0, Long.MAX_VALUE), UTF_8));
      assertEquals(expected.length(), await(storage.list("a/b")).get(0).size());
    } finally {
      composite.release();
    }
  }

  @Test
  void overwriteReplacesTheWholeObject() throws Exception {
    // Given an object
    await(storage.write("k", Unpooled.copiedBuffer("first version", UTF_8)));

    // When it is written again
    await(storage.write("k", Unpooled.copiedBuffer("v2", UTF_8)));

    // Then only the new content is visible
    assertEquals("v2", new String(readBytes("k", 0, 100), UTF_8));
    assertEquals(List.of("k"), keys(await(storage.list("k"))));
  }

  @Test
  void emptyObjectsAndEmptyRanges() throws Exception {
    // Given an empty object and a small one
    await(storage.write("empty", Unpooled.EMPTY_BUFFER));
    await(storage.write("small", Unpooled.copiedBuffer("0123456789", UTF_8)));

    // Then the empty object is listed with size 0, and empty ranges within objects read as empty
    assertEquals(0, await(storage.list("empty")).get(0).size());
    assertEquals(0, readBytes("small", 4, 4).length);
    assertEquals(0, readBytes("small", 10, 10).length);
    assertEquals(0, readBytes("empty", 0, 0).length);
  }

  @Test
  void readingAMissingKeyFailsWithObjectNotFound() {
    // When a key that was never written is read, whole or by an empty range
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> storage.rangeRead("nope/x", 0, 10).get(10, TimeUnit.SECONDS));
    ExecutionException empty =
        assertThrows(ExecutionException.class, () -> storage.rangeRead("nope/x", 0, 0).get(10, TimeUnit.SECONDS));

    // Then the future fails with ObjectNotFoundException, which is not worth retrying
    assertInstanceOf(ObjectNotFoundException.class, e.getCause());
    assertInstanceOf(ObjectNotFoundException.class, empty.getCause());
    assertFalse(((ObjectStorageException) e.getCause()).retriable());
  }

  @Test
  void readingFromBeyondTheEndFailsWithoutRetry() throws Exception {
    // Given a 10-byte object
    await(storage.write("ten", Unpooled.copiedBuffer("0123456789", UTF_8)));

    // When a range starting past its end is read
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> storage.rangeRead("ten", 11, 20).get(10, TimeUnit.SECONDS));

    // Then it fails, and retrying would not help
    ObjectStorageException cause = assertInstanceOf(ObjectStorageException.class, e.getCause());
    assertFalse(cause instanceof ObjectNotFoundException);
    assertFalse(cause.retriable());
  }

  @Test
  void listReturnsKeysWithThePrefixInOrderAndDeleteIgnoresMissingKeys() throws Exception {
    // Given objects under several prefixes
    List<CompletableFuture<Void>> writes = new ArrayList<>();
    for (String key : List.of("wal/003", "wal/001", "wal/002", "walrus/1", "data/7/1", "w")) {
      writes.add(storage.write(key, Unpooled.copiedBuffer(key, UTF_8)));
    }
    writes.forEach(ObjectStorageContractTest::await);

    // When listing by prefix
    List<String> wal = keys(await(storage.list("wal/")));
    List<String> w = keys(await(storage.list("wal")));
    List<String> all = keys(await(storage.list("")));
    List<String> none = keys(await(storage.list("nothing/")));

    // Then listing matches S3's string-prefix semantics, sorted, with sizes and modification times
    assertEquals(List.of("wal/001", "wal/002", "wal/003"), wal);
    assertEquals(List.of("wal/001", "wal/002", "wal/003", "walrus/1"), w);
    assertEquals(List.of("data/7/1", "w", "wal/001", "wal/002", "wal/003", "walrus/1"), all);
    assertEquals(List.of(), none);
    ObjectInfo info = await(storage.list("wal/001")).get(0);
    assertEquals(7, info.size());
    assertTrue(Math.abs(System.currentTimeMillis() - info.lastModifiedMs()) < 5 * 60_000,
        "modification time is about now: " + info.lastModifiedMs());

    // When deleting existing and missing keys, and nothing
    await(storage.delete(List.of("wal/001", "wal/999")));
    await(storage.delete(List.of()));

    // Then the existing one is gone and the missing one is ignored
    assertEquals(List.of("wal/002", "wal/003"), keys(await(storage.list("wal/"))));
  }

  @Test
  void listingAndDeletingSpanManyPagesOfKeys() throws Exception {
    // Given more objects than one S3 list page or one DeleteObjects request holds
    int n = 1_050;
    List<String> written = new ArrayList<>();
    List<CompletableFuture<Void>> writes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String key = String.format("many/%05d", i);
      written.add(key);
      writes.add(storage.write(key, Unpooled.wrappedBuffer(new byte[] {(byte) i})));
      if (writes.size() == 64) {
        writes.forEach(ObjectStorageContractTest::await);
        writes.clear();
      }
    }
    writes.forEach(ObjectStorageContractTest::await);

    // When they are listed, then deleted all at once
    List<String> listed = keys(await(storage.list("many/")));
    await(storage.delete(written));

    // Then every key was listed, in order, and none is left
    assertEquals(written, listed);
    assertEquals(List.of(), keys(await(storage.list("many/"))));
  }

  @Test
  void invalidKeysAreRejected() {
    for (String key : List.of("../outside", "/absolute", "trailing/", "a//b", "a/./b", "a/.tmp/b", "")) {
      ExecutionException e =
          assertThrows(
              ExecutionException.class,
              () -> storage.write(key, Unpooled.EMPTY_BUFFER).get(10, TimeUnit.SECONDS),
              "key '" + key + "'");
      assertFalse(assertInstanceOf(ObjectStorageException.class, e.getCause()).retriable());
    }
    ExecutionException delete =
        assertThrows(ExecutionException.class, () -> storage.delete(List.of("ok", "../no")).get(10, TimeUnit.SECONDS));
    assertInstanceOf(ObjectStorageException.class, delete.getCause());
  }

  @Test
  void concurrentWritesAndReadsNeverSeeAPartialObject() throws Exception {
    // Given a key rewritten repeatedly with objects of distinct sizes and fill bytes
    List<CompletableFuture<?>> ops = new ArrayList<>();
    for (int i = 1; i <= 30; i++) {
      byte[] content = new byte[i * 1000];
      Arrays.fill(content, (byte) i);
      ops.add(storage.write("hot", Unpooled.wrappedBuffer(content)));
      // When reading while the writes are in progress
      ops.add(
          storage
              .rangeRead("hot", 0, Long.MAX_VALUE)
              .handle(
                  (buf, err) -> {
                    if (buf != null) {
                      try {
                        // Then every read sees one whole version: all bytes equal and size = fill * 1000
                        byte[] b = ByteBufUtil.getBytes(buf);
                        assertEquals(b[0] * 1000, b.length);
                        for (byte x : b) {
                          assertEquals(b[0], x);
                        }
                      } finally {
                        buf.release();
                      }
                    } else {
                      assertInstanceOf(ObjectNotFoundException.class, unwrap(err));
                    }
                    return null;
                  }));
    }
    for (CompletableFuture<?> op : ops) {
      await(op);
    }
  }

  @Test
  void callsAfterCloseFailWithAFutureInsteadOfThrowing() {
    // Given a closed store
    storage.close();

    // When it is called, Then each call returns a failed future
    for (CompletableFuture<?> f :
        List.of(
            storage.write("k", Unpooled.EMPTY_BUFFER),
            storage.rangeRead("k", 0, 1),
            storage.delete(List.of("k")),
            storage.list(""))) {
      ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
      assertFalse(assertInstanceOf(ObjectStorageException.class, e.getCause()).retriable());
    }
  }

  protected byte[] readBytes(String key, long start, long end) throws Exception {
    ByteBuf buf = await(storage.rangeRead(key, start, end));
    try {
      assertTrue(buf.isDirect(), "reads return direct buffers");
      return ByteBufUtil.getBytes(buf);
    } finally {
      buf.release();
    }
  }

  protected static List<String> keys(List<ObjectInfo> infos) {
    return infos.stream().map(ObjectInfo::key).toList();
  }

  protected static <T> T await(CompletableFuture<T> f) {
    try {
      return f.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new AssertionError(e.getCause());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static Throwable unwrap(Throwable t) {
    return t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
  }
}
