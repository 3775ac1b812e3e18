package io.floe.storage.objectstore;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The object-store contract on a local directory, plus how keys map to files. */
class LocalFileObjectStorageTest extends ObjectStorageContractTest {
  @TempDir Path dir;

  @Override
  protected ObjectStorage createStorage() {
    return new LocalFileObjectStorage(dir);
  }

  @Test
  void keysMapToFilesUnderTheRootAndNoTemporaryFileIsLeft() throws Exception {
    // Given an object written under a nested key, then overwritten
    await(storage.write("wal/0000000001", Unpooled.copiedBuffer("first version", UTF_8)));
    await(storage.write("wal/0000000001", Unpooled.copiedBuffer("v2", UTF_8)));

    // Then the key is a file under the root, holding the last version, and no written temporary file is left
    // behind (only empty spares for the next writes)
    assertTrue(Files.isRegularFile(dir.resolve("wal").resolve("0000000001")));
    assertEquals("v2", Files.readString(dir.resolve("wal").resolve("0000000001")));
    assertEquals(List.of(), temporaryFiles().stream().filter(f -> f.toFile().length() > 0).toList());
  }

  @Test
  void writesFillFilesCreatedAheadAndReopeningRemovesTheUnusedOnes() throws Exception {
    // Given a store whose first write started creating spare files
    LocalFileObjectStorage local = (LocalFileObjectStorage) storage;
    await(local.write("wal/1", Unpooled.copiedBuffer("one", UTF_8)));
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (local.spareFileCount() < SpareFiles.LOW_WATER && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertTrue(local.spareFileCount() >= SpareFiles.LOW_WATER, "spares ready: " + local.spareFileCount());
    Set<Object> spareInodes =
        temporaryFiles().stream().map(LocalFileObjectStorageTest::inode).collect(Collectors.toSet());

    // When another object is written
    await(local.write("wal/2", Unpooled.copiedBuffer("two", UTF_8)));

    // Then it is one of those files, renamed into place with its bytes
    assertEquals("two", Files.readString(dir.resolve("wal/2")));
    assertTrue(spareInodes.contains(inode(dir.resolve("wal/2"))), "the object was written into a spare file");

    // And a store opened on the same directory starts with an empty temporary directory
    local.close();
    storage = new LocalFileObjectStorage(dir);
    assertEquals(List.of(), temporaryFiles());
    assertEquals("two", Files.readString(dir.resolve("wal/2")));
  }

  private List<Path> temporaryFiles() throws Exception {
    try (var files = Files.walk(dir.resolve(".tmp"))) {
      return files.filter(Files::isRegularFile).toList();
    }
  }

  private static Object inode(Path file) {
    try {
      return Files.getAttribute(file, "unix:ino");
    } catch (Exception e) {
      throw new AssertionError("cannot read the inode number of " + file, e);
    }
  }
}
