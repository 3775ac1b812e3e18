package io.floe.broker.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.floe.broker.testing.EmbeddedFloe;
import io.floe.storage.FloeStorage;
import io.floe.storage.StorageConfig;
import io.floe.storage.stream.Stream;
import io.netty.buffer.Unpooled;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RetentionPolicyTest {

  Path dir;
  FloeStorage storage;
  Stream stream;

  @BeforeEach
  void setUp() throws Exception {
    dir = Files.createTempDirectory("floe-retention-");
    storage = FloeStorage.open(StorageConfig.builder(dir).build());
    stream = storage.streamStore().open(1).join();
    // Ten one-record batches, each 100 bytes, with timestamps 1000..10000
    for (int i = 0; i < 10; i++) {
      stream.append(i, 1, (i + 1) * 1000L, Unpooled.wrappedBuffer(new byte[100])).join();
    }
  }

  @AfterEach
  void tearDown() {
    storage.close();
    EmbeddedFloe.deleteRecursively(dir);
  }

  @Test
  void retentionMsTrimsBatchesOlderThanTheLimit() {
    assertEquals(5, RetentionPolicy.apply(stream, 10_000, 4_500, -1, OptionalLong.empty()));
    assertEquals(5, stream.startOffset());
  }

  @Test
  void retentionBytesKeepsAtMostTheLimit() {
    long start = RetentionPolicy.apply(stream, 10_000, -1, 450, OptionalLong.empty());
    assertEquals(true, start >= 6 && start <= 7, "start " + start);
  }

  @Test
  void aTableFloorHoldsRetentionBack() {
    // Everything is expired, but the table has committed only up to offset 3
    assertEquals(3, RetentionPolicy.apply(stream, 1_000_000, 1, -1, OptionalLong.of(3)));
    assertEquals(3, stream.startOffset());
    // Once the table commits up to 8, retention goes on to there
    assertEquals(8, RetentionPolicy.apply(stream, 1_000_000, 1, -1, OptionalLong.of(8)));
  }
}
