package io.floe.broker.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Trino server (the {@code trino-server-core} distribution with the Iceberg plugin, unpacked by the
 * build of the module that uses it) as a child process on 127.0.0.1 at a free port, with one Iceberg catalog {@code floe} on
 * Floe's REST catalog. Trino needs Java 24 or later: {@code -Dtrino.java} names it (the build defaults to the
 * Temurin 25 JDK, else one is looked for under /usr/lib/jvm); anything missing fails the start with a message
 * saying what. Queries go over Trino's HTTP protocol. {@link #close()} stops it and deletes its directory.
 *
 * <p>Where the distribution is comes from system properties {@code trino.home} (the unpacked
 * {@code trino-server-core}) and {@code trino.plugin.dir} (the unpacked {@code trino-iceberg}), which the builds
 * of the modules that use it set.
 */
public final class TrinoServer implements AutoCloseable {

  private static final long START_TIMEOUT_MS = 180_000;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final Process process;
  private final int port;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private TrinoServer(Path dir, Process process, int port) {
    this.dir = dir;
    this.process = process;
    this.port = port;
  }

  /**
   * Starts Trino with catalog {@code floe}: Iceberg on the REST catalog at {@code restCatalogUri}, warehouse
   * files read through Trino's local file system (file:// locations).
   */
  public static TrinoServer start(String restCatalogUri) throws IOException, InterruptedException {
    Path home = Path.of(property("trino.home"));
    Path plugins = Path.of(property("trino.plugin.dir"));
    Path java = javaForTrino(Path.of(property("trino.java")));
    if (!Files.isDirectory(home.resolve("lib")) || !Files.isDirectory(plugins)) {
      throw new IllegalStateException("Cannot start Trino: no distribution at " + home + " with plugins at " + plugins
          + " (the build unpacks io.trino:trino-server-core and io.trino:trino-iceberg)");
    }
    Path dir = Files.createTempDirectory("floe-trino-");
    int port = FloeProcess.freePort();
    Path catalogs = Files.createDirectories(dir.resolve("etc/catalog"));
    Files.writeString(dir.resolve("etc/config.properties"), String.join("\n",
        "coordinator=true",
        "node-scheduler.include-coordinator=true",
        "http-server.http.port=" + port,
        "discovery.uri=http://127.0.0.1:" + port,
        "query.max-memory=512MB",
        "query.max-memory-per-node=256MB",
        "plugin.dir=" + plugins,
        "catalog.config-dir=" + catalogs,
        ""));
    Files.writeString(catalogs.resolve("floe.properties"), String.join("\n",
        "connector.name=iceberg",
        "iceberg.catalog.type=rest",
        "iceberg.rest-catalog.uri=" + restCatalogUri,
        "fs.native-local.enabled=true",
        "local.location=/",
        ""));
    Process process = new ProcessBuilder(java.toString(), "-Xmx1g", "-XX:+UseG1GC",
        "-Djdk.attach.allowAttachSelf=true", "-Dnode.environment=test", "-Dnode.id=floe-test",
        "-Dnode.bind-ip=127.0.0.1", "-Dnode.internal-address=127.0.0.1",
        "-Dnode.data-dir=" + Files.createDirectories(dir.resolve("data")),
        "-Dconfig=" + dir.resolve("etc/config.properties"),
        "-cp", home.resolve("lib") + "/*", "io.trino.server.TrinoServer")
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("server.log").toFile())
        .start();
    TrinoServer server = new TrinoServer(dir, process, port);
    try {
      server.awaitStarted();
      return server;
    } catch (RuntimeException | IOException | InterruptedException e) {
      server.close();
      throw e;
    }
  }

  private void awaitStarted() throws IOException, InterruptedException {
    long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
    while (System.currentTimeMillis() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("Trino exited with " + process.exitValue() + " while starting:\n" + log());
      }
      if (log().contains("SERVER STARTED") && answers()) {
        return;
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("Trino did not start in " + START_TIMEOUT_MS + " ms:\n" + log());
  }

  /** Whether the server runs queries yet: it announces itself as a worker a moment after it has started. */
  private boolean answers() throws IOException, InterruptedException {
    try {
      query("SELECT 1");
      return true;
    } catch (IllegalStateException e) {
      if (e.getMessage().contains("No nodes available")) {
        return false;
      }
      throw e;
    }
  }

  /** Runs {@code sql}; its rows, each a list of JSON values (numbers, strings, booleans, nulls). */
  public List<List<JsonNode>> query(String sql) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/statement"))
        .header("X-Trino-User", "floe-test").POST(HttpRequest.BodyPublishers.ofString(sql)).build(),
        HttpResponse.BodyHandlers.ofString());
    List<List<JsonNode>> rows = new ArrayList<>();
    while (true) {
      if (r.statusCode() != 200) {
        throw new IllegalStateException("Trino answered " + r.statusCode() + " to " + sql + ": " + r.body());
      }
      JsonNode page = JSON.readTree(r.body());
      if (page.has("error")) {
        throw new IllegalStateException("Trino failed " + sql + ": " + page.get("error").path("message").asText());
      }
      for (JsonNode row : page.path("data")) {
        List<JsonNode> values = new ArrayList<>();
        row.forEach(values::add);
        rows.add(values);
      }
      JsonNode next = page.get("nextUri");
      if (next == null) {
        return rows;
      }
      r = http.send(HttpRequest.newBuilder(URI.create(next.asText())).header("X-Trino-User", "floe-test").build(),
          HttpResponse.BodyHandlers.ofString());
    }
  }

  public String log() {
    try {
      return Files.readString(dir.resolve("server.log"));
    } catch (IOException e) {
      return e.toString();
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    try (var files = Files.walk(dir)) {
      files.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a temp dir
    }
  }

  /**
   * {@code configured} if it is there, else the first JDK of release 24 or later under /usr/lib/jvm.
   *
   * @throws IllegalStateException naming what to install or set if there is none
   */
  private static Path javaForTrino(Path configured) throws IOException {
    if (Files.isExecutable(configured)) {
      return configured;
    }
    Path jvms = Path.of("/usr/lib/jvm");
    if (Files.isDirectory(jvms)) {
      try (var dirs = Files.list(jvms)) {
        for (Path jdk : dirs.sorted().toList()) {
          Path release = jdk.resolve("release");
          Path bin = jdk.resolve("bin/java");
          if (Files.isRegularFile(release) && Files.isExecutable(bin)) {
            Matcher m = Pattern.compile("JAVA_VERSION=\"(\\d+)")
                .matcher(Files.readString(release));
            if (m.find() && Integer.parseInt(m.group(1)) >= 24) {
              return bin;
            }
          }
        }
      }
    }
    throw new IllegalStateException("Cannot start Trino: it needs Java 24 or later, and " + configured + " is not"
        + " there, nor any JDK 24+ under /usr/lib/jvm; install one or pass -Dtrino.java=<its bin/java>");
  }

  private static String property(String name) {
    String value = System.getProperty(name);
    if (value == null) {
      throw new IllegalStateException("Cannot start Trino: system property " + name + " is not set (the build"
          + " sets it)");
    }
    return value;
  }
}
