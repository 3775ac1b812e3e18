package io.floe.storage.objectstore;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The read channels {@link LocalFileObjectStorage} keeps open: bounded, and never serving replaced or deleted bytes. */
class LocalFileReadChannelsTest {
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
  void aDeletedObjectIsNotFoundEvenThoughItsChannelWasOpen() throws Exception {
    // Given an object read once (so its channel is kept open)
    await(storage.write("wal/a", Unpooled.copiedBuffer("hello world", UTF_8)));
    assertEquals("world", read("wal/a", 6, 11));
    assertEquals(1, storage.openObjectCount());

    // When it is deleted
    await(storage.delete(List.of("wal/a")));

    // Then reads fail as for any missing object, and its channel is closed
    assertInstanceOf(ObjectNotFoundException.class, failure(storage.rangeRead("wal/a", 0, 5)));
    assertEquals(0, storage.openObjectCount());
  }

  @Test
  void aReplacedObjectReadsItsNewBytes() throws Exception {
    await(storage.write("k", Unpooled.copiedBuffer("first version", UTF_8)));
    assertEquals("first", read("k", 0, 5));

    await(storage.write("k", Unpooled.copiedBuffer("v2", UTF_8)));

    assertEquals("v2", read("k", 0, 13));
  }

  @Test
  void openChannelsStayWithinTheirBoundAndAllCloseOnClose() throws Exception {
    // Given more objects read than channels are kept
    int objects = LocalFileObjectStorage.MAX_OPEN_OBJECTS + 20;
    for (int i = 0; i < objects; i++) {
      await(storage.write("o/" + i, Unpooled.copiedBuffer("object " + i, UTF_8)));
    }

    // When each is read, twice
    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < objects; i++) {
        assertEquals("object " + i, read("o/" + i, 0, 100));
      }
    }

    // Then at most the bound stay open, and none after close
    assertTrue(storage.openObjectCount() <= LocalFileObjectStorage.MAX_OPEN_OBJECTS);
    storage.close();
    assertEquals(0, storage.openObjectCount());
  }

  private String read(String key, long start, long end) throws Exception {
    ByteBuf buf = await(storage.rangeRead(key, start, end));
    try {
      return buf.toString(UTF_8);
    } finally {
      buf.release();
    }
  }

  private static <T> T await(CompletableFuture<T> f) throws Exception {
    return f.get(10, TimeUnit.SECONDS);
  }

  private static Throwable failure(CompletableFuture<?> f) throws Exception {
    try {
      f.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected a failure");
  }
}
