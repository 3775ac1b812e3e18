package io.floe.storage.objectstore;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import java.nio.file.Files;
import java.nio.file.Path;
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

    // Then the key is a file under the root, holding the last version, and no temporary file is left behind
    assertTrue(Files.isRegularFile(dir.resolve("wal").resolve("0000000001")));
    assertEquals("v2", Files.readString(dir.resolve("wal").resolve("0000000001")));
    try (var tmp = Files.list(dir.resolve(".tmp"))) {
      assertEquals(0, tmp.count());
    }
  }
}
