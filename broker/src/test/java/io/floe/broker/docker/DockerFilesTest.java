package io.floe.broker.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The container files at the repository root, without a Docker engine: the image's entrypoint maps FLOE_*
 * environment variables to properties as documented (run with a stand-in {@code java} that records its
 * arguments), and docker-compose.yml is a valid Compose file ({@code docker-compose config}, installed by
 * .ci/run from Debian's packages).
 */
class DockerFilesTest {

  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  Path dir;

  @BeforeEach
  void setUp() throws IOException {
    dir = Files.createTempDirectory("floe-docker-");
  }

  @AfterEach
  void tearDown() throws IOException {
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** Runs the entrypoint with {@code env}; returns the arguments it ran java with. */
  private List<String> entrypoint(Map<String, String> env, String... args) throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path recorded = dir.resolve("java-args");
    Path java = bin.resolve("java");
    Files.writeString(java, "#!/usr/bin/env bash\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > " + recorded + "\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    List<String> command = new ArrayList<>(List.of("bash", ROOT.resolve("docker/entrypoint.sh").toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("FLOE_"));
    pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    pb.environment().putAll(env);
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), output);
    return Files.readAllLines(recorded);
  }

  private static List<String> overrides(List<String> javaArgs) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < javaArgs.size() - 1; i++) {
      if (javaArgs.get(i).equals("--override")) {
        out.add(javaArgs.get(i + 1));
      }
    }
    return out;
  }

  @Test
  void environmentVariablesBecomePropertiesAfterKafkasImageConventions() throws Exception {
    Path config = Files.writeString(dir.resolve("server.properties"), "num.partitions=3\n");
    List<String> args = entrypoint(Map.of(
        "FLOE_HOME", "/opt/floe",
        "FLOE_CONFIG", config.toString(),
        "FLOE_S3_BUCKET", "lake",
        "FLOE_LISTENERS", "PLAINTEXT://0.0.0.0:9092",
        "FLOE_METADATA_STORE_URL", "jdbc:postgresql://db:5432/floe?user=floe&password=a=b",
        "FLOE_FLOE_DATA_DIR", "/var/lib/floe",
        "FLOE_AUTOMQ_TABLE_TOPIC_CATALOG_TYPE", "rest",
        "FLOE_SOME__UNDERSCORED___KEY", "x",
        "FLOE_HEAP_OPTS", "-Xmx2g"), "--override", "node.id=7");

    assertEquals("io.floe.broker.FloeBroker", args.get(args.indexOf("/opt/floe/lib/*") + 1));
    assertTrue(args.contains("-Xmx2g"), args.toString());
    // the mounted file first, then the environment, then the command's own arguments
    assertEquals(config.toString(), args.get(args.indexOf("io.floe.broker.FloeBroker") + 1));
    assertEquals(List.of(
        "automq.table.topic.catalog.type=rest",
        "floe.data.dir=/var/lib/floe",
        "listeners=PLAINTEXT://0.0.0.0:9092",
        "metadata.store.url=jdbc:postgresql://db:5432/floe?user=floe&password=a=b",
        "s3.bucket=lake",
        "some_underscored-key=x",
        "node.id=7"), overrides(args));
  }

  @Test
  void withoutAMountedFileTheEnvironmentAloneConfiguresTheBroker() throws Exception {
    List<String> args = entrypoint(Map.of("FLOE_CONFIG", dir.resolve("absent.properties").toString(),
        "FLOE_LOG_RETENTION_MS", "60000"));
    assertEquals("--override", args.get(args.indexOf("io.floe.broker.FloeBroker") + 1));
    assertEquals(List.of("log.retention.ms=60000"), overrides(args));
  }

  @Test
  void theComposeFileIsValid() throws Exception {
    Path compose = Path.of("/usr/bin/docker-compose");
    assertTrue(Files.isExecutable(compose), "docker-compose is missing: apt-get install -y docker-compose"
        + " (.ci/run installs it)");
    Process p = new ProcessBuilder(compose.toString(), "-f", ROOT.resolve("docker-compose.yml").toString(), "config",
        "-q").redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), output);
  }
}
