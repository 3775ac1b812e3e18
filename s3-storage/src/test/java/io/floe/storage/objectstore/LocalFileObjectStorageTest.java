package io.floe.storage.objectstore;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.storage.objectstore.ObjectStorage.ObjectInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalFileObjectStorageTest {
  @TempDir Path dir;
  private LocalFileObjectStorage storage;

  @BeforeEach
  void setUp() {
    storage = new LocalFileObjectStorage(dir);
  }

  @AfterEach
  void tearDown() {
    storage.close();
  }

  @Test
  void writtenObjectReadsBackWholeAndByRange() throws Exception {
    // Given an object written under a nested key
    byte[] content = new byte[100_000];
    new Random(1).nextBytes(content);
    ByteBuf data = Unpooled.wrappedBuffer(content);
    await(storage.write("wal/0000000001", data));

    // When it is read whole and by ranges
    byte[] whole = readBytes("wal/0000000001", 0, content.length);
    byte[] middle = readBytes("wal/0000000001", 1000, 1010);
    byte[] pastEnd = readBytes("wal/0000000001", 99_990, 200_000);

    // Then the bytes match, the key maps to a file, and the caller's buffer is untouched
    assertArrayEquals(content, whole);
    assertArrayEquals(java.util.Arrays.copyOfRange(content, 1000, 1010), middle);
    assertArrayEquals(java.util.Arrays.copyOfRange(content, 99_990, 100_000), pastEnd);
    assertTrue(Files.isRegularFile(dir.resolve("wal").resolve("0000000001")));
    assertEquals(0, data.readerIndex());
    assertEquals(1, data.refCnt());
  }

  @Test
  void compositeBufferIsWrittenAsOneObject() throws Exception {
    // Given a buffer made of many components, as the WAL builds it
    CompositeByteBuf composite = Unpooled.compositeBuffer(2000);
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < 1500; i++) {
      String part = "part-" + i + ";";
      expected.append(part);
      composite.addComponent(true, Unpooled.copiedBuffer(part, UTF_8));
    }

    // When it is written
    await(storage.write("a/b", composite));

    // Then the object holds every component in order
    assertEquals(expected.toString(), new String(readBytes("a/b", 0, Long.MAX_VALUE), UTF_8));
    composite.release();
  }

  @Test
  void overwriteReplacesTheWholeObject() throws Exception {
    // Given an object
    await(storage.write("k", Unpooled.copiedBuffer("first version", UTF_8)));

    // When it is written again
    await(storage.write("k", Unpooled.copiedBuffer("v2", UTF_8)));

    // Then only the new content is visible and no temporary file is left behind
    assertEquals("v2", new String(readBytes("k", 0, 100), UTF_8));
    try (var tmp = Files.list(dir.resolve(".tmp"))) {
      assertEquals(0, tmp.count());
    }
  }

  @Test
  void readingAMissingKeyFailsWithObjectNotFound() {
    // When a key that was never written is read
    CompletableFuture<ByteBuf> read = storage.rangeRead("nope/x", 0, 10);

    // Then the future fails with ObjectNotFoundException
    ExecutionException e = assertThrows(ExecutionException.class, () -> read.get(5, TimeUnit.SECONDS));
    assertInstanceOf(ObjectNotFoundException.class, e.getCause());
  }

  @Test
  void listReturnsKeysWithThePrefixInOrderAndDeleteIgnoresMissingKeys() throws Exception {
    // Given objects under several prefixes
    for (String key : List.of("wal/003", "wal/001", "wal/002", "walrus/1", "data/7/1", "w")) {
      await(storage.write(key, Unpooled.copiedBuffer(key, UTF_8)));
    }

    // When listing by prefix
    List<String> wal = keys(await(storage.list("wal/")));
    List<String> w = keys(await(storage.list("wal")));
    List<String> all = keys(await(storage.list("")));

    // Then listing matches S3's string-prefix semantics, sorted, with sizes
    assertEquals(List.of("wal/001", "wal/002", "wal/003"), wal);
    assertEquals(List.of("wal/001", "wal/002", "wal/003", "walrus/1"), w);
    assertEquals(List.of("data/7/1", "w", "wal/001", "wal/002", "wal/003", "walrus/1"), all);
    assertEquals(7, await(storage.list("wal/001")).get(0).size());

    // When deleting existing and missing keys
    await(storage.delete(List.of("wal/001", "wal/999")));

    // Then the existing one is gone and the missing one is ignored
    assertEquals(List.of("wal/002", "wal/003"), keys(await(storage.list("wal/"))));
  }

  @Test
  void keysThatEscapeTheRootAreRejected() {
    ExecutionException e =
        assertThrows(
            ExecutionException.class,
            () -> storage.write("../outside", Unpooled.EMPTY_BUFFER).get(5, TimeUnit.SECONDS));
    assertInstanceOf(ObjectStorageException.class, e.getCause());
  }

  @Test
  void concurrentWritesAndReadsNeverSeeAPartialObject() throws Exception {
    // Given a key rewritten repeatedly with objects of distinct sizes and fill bytes
    List<CompletableFuture<?>> ops = new ArrayList<>();
    for (int i = 1; i <= 50; i++) {
      byte[] content = new byte[i * 1000];
      java.util.Arrays.fill(content, (byte) i);
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
                      assertInstanceOf(ObjectNotFoundException.class, err);
                    }
                    return null;
                  }));
    }
    for (CompletableFuture<?> op : ops) {
      await(op);
    }
  }

  private byte[] readBytes(String key, long start, long end) throws Exception {
    ByteBuf buf = await(storage.rangeRead(key, start, end));
    try {
      assertTrue(buf.isDirect());
      return ByteBufUtil.getBytes(buf);
    } finally {
      buf.release();
    }
  }

  private static List<String> keys(List<ObjectInfo> infos) {
    return infos.stream().map(ObjectInfo::key).toList();
  }

  private static <T> T await(CompletableFuture<T> f) throws Exception {
    return f.get(10, TimeUnit.SECONDS);
  }
}
