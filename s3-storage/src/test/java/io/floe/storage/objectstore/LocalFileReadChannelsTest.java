package io.floe.storage.objectstore;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

  @Test
  void mappedReadsReturnTheSameBytesAndNeverAReplacedOrDeletedObject() throws Exception {
    // Given a store serving reads from mappings
    storage.close();
    storage = new LocalFileObjectStorage(dir, false, 2, true, 0);
    StringBuilder big = new StringBuilder();
    for (int i = 0; i < 10_000; i++) {
      big.append(i).append(',');
    }
    await(storage.write("wal/m", Unpooled.copiedBuffer(big, UTF_8)));

    // Then ranged reads, including one reaching past the end, return the object's bytes
    assertEquals(big.substring(1000, 1100), read("wal/m", 1000, 1100));
    assertEquals(big.substring(big.length() - 10), read("wal/m", big.length() - 10, big.length() + 100));

    // And a replaced object reads its new bytes, a deleted one is not found
    await(storage.write("wal/m", Unpooled.copiedBuffer("v2", UTF_8)));
    assertEquals("v2", read("wal/m", 0, 10));
    await(storage.delete(List.of("wal/m")));
    assertInstanceOf(ObjectNotFoundException.class, failure(storage.rangeRead("wal/m", 0, 5)));
  }

  @Test
  void aDeletedObjectIsUnmappedOnceItsLastSliceIsReleasedNotAtSomeLaterGc() throws Exception {
    // Given a mapped read of an object whose slice a reader still holds (Linux shows mappings in /proc)
    Path maps = Path.of("/proc/self/maps");
    // Floe builds and runs its tests on Linux (CI and the docker image): a machine without /proc fails here loudly
    assertTrue(java.nio.file.Files.isReadable(maps), "this test reads the process's mappings from /proc/self/maps");
    storage.close();
    storage = new LocalFileObjectStorage(dir, false, 2, true, 0);
    await(storage.write("streams/1/unmapped-object", Unpooled.copiedBuffer("0123456789", UTF_8)));
    ByteBuf held = await(storage.rangeRead("streams/1/unmapped-object", 2, 6));
    assertTrue(mapped(maps, "unmapped-object"), "mapped while read");

    // When the object is deleted, the slice still reads its bytes
    await(storage.delete(List.of("streams/1/unmapped-object")));
    assertEquals("2345", held.toString(UTF_8));
    assertTrue(mapped(maps, "unmapped-object"), "kept mapped while a slice is held");

    // Then releasing the slice unmaps the object at once: its disk space comes back without a GC
    held.release();
    assertFalse(mapped(maps, "unmapped-object"), "unmapped after the last release");
  }

  private static boolean mapped(Path maps, String name) throws java.io.IOException {
    return java.nio.file.Files.readAllLines(maps).stream().anyMatch(l -> l.contains(name));
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
