package io.floe.broker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BrokerConfigTest {

  @Test
  void aWalPathIsADirectoryGivenAsAPathAFileUriOrInAutoMqsForm() {
    Path data = Path.of("/srv/floe-data");

    assertEquals(Optional.empty(), walPath(data, ""));
    assertEquals(Optional.of(data.resolve("wal")), walPath(data, "wal"));
    assertEquals(Optional.of(Path.of("/var/lib/floe/wal")), walPath(data, "/var/lib/floe/wal"));
    assertEquals(Optional.of(Path.of("/var/lib/floe/wal")), walPath(data, "file:///var/lib/floe/wal"));
    assertEquals(Optional.of(Path.of("/var/lib/floe/wal")), walPath(data, "0@file:///var/lib/floe/wal"));
  }

  @Test
  void aWalPathThatIsNotALocalDirectoryIsRefusedWithTheReason() {
    ConfigException options = assertThrows(ConfigException.class,
        () -> walPath(Path.of("/d"), "0@file:///wal?capacity=2147483648"));
    ConfigException remote = assertThrows(ConfigException.class, () -> walPath(Path.of("/d"), "0@s3://bucket/wal"));

    assertTrue(options.getMessage().contains("s3.wal.path"), options.getMessage());
    assertTrue(options.getMessage().contains("directory only"), options.getMessage());
    assertTrue(remote.getMessage().contains("must be a local directory"), remote.getMessage());
  }

  private static Optional<Path> walPath(Path dataDir, String value) {
    return BrokerConfig.of(Map.of(BrokerConfig.DATA_DIR, dataDir.toString(), BrokerConfig.WAL_PATH, value)).walPath();
  }
}
