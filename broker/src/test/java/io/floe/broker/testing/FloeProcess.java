package io.floe.broker.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Floe broker in its own JVM, for tests that must kill it with SIGKILL. Output goes to a log file in the
 * data directory's parent; {@link #close()} kills the process and deletes the directory.
 */
public final class FloeProcess implements AutoCloseable {

  private final Path root;
  private final Path dataDir;
  private final int port;
  private final int restPort;
  private final int registryPort;
  private final Map<String, String> overrides;
  private final String classpath;
  private Process process;

  /** A broker on this JVM's classpath (the broker module's own tests). */
  public FloeProcess(Map<String, String> overrides) throws IOException {
    this(System.getProperty("java.class.path"), overrides);
  }

  /** A broker on {@code classpath} (other modules pass the broker jar and its libraries). */
  public FloeProcess(String classpath, Map<String, String> brokerOverrides) throws IOException {
    Map<String, String> overrides = brokerOverrides;
    this.classpath = classpath;
    this.root = Files.createTempDirectory("floe-proc-");
    if (Boolean.getBoolean("floe.test.postgres")) {
      // The metadata store only: these tests read the broker's local catalog and warehouse directly.
      Map<String, String> withDb = new java.util.HashMap<>(Map.of("metadata.store.url",
          TestBackends.forNewBroker().get("metadata.store.url")));
      withDb.putAll(overrides);
      overrides = withDb;
    }
    if (TestBackends.walFile()) {
      Map<String, String> withWalFile = new java.util.HashMap<>(TestBackends.walFileProperties());
      withWalFile.putAll(overrides);
      overrides = withWalFile;
    }
    this.dataDir = root.resolve("data");
    this.port = freePort();
    this.restPort = freePort();
    this.registryPort = freePort();
    this.overrides = overrides;
  }

  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Starts the broker and waits until it accepts connections. */
  public FloeProcess start() throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-cp", classpath, "io.floe.broker.FloeBroker",
        "--override", "listeners=PLAINTEXT://127.0.0.1:" + port,
        "--override", "floe.data.dir=" + dataDir,
        "--override", "group.initial.rebalance.delay.ms=0",
        "--override", "floe.rest.catalog.listeners=http://127.0.0.1:" + restPort,
        "--override", "floe.schema.registry.listeners=http://127.0.0.1:" + registryPort));
    overrides.forEach((k, v) -> {
      cmd.add("--override");
      cmd.add(k + "=" + v);
    });
    process = new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(root.resolve("broker.log").toFile()))
        .start();
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("Broker exited with " + process.exitValue() + "; log:\n" + log());
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return this;
      } catch (IOException e) {
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException("Broker did not start within 60 s; log:\n" + log());
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed. */
  public void kill9() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM: the broker's shutdown hook runs. Returns the exit code. */
  public int terminate() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
      throw new IllegalStateException("Broker did not stop within 60 s of SIGTERM");
    }
    return process.exitValue();
  }

  /** SIGSTOP: the process freezes (a long GC pause, a stalled VM), holding its sockets and state. */
  public void pause() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** SIGCONT: a paused process runs on, unaware of the time it lost. */
  public void resume() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String name) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IOException("kill -" + name + " " + process.pid() + " failed");
    }
  }

  public boolean isAlive() {
    return process != null && process.isAlive();
  }

  public Path dataDir() {
    return dataDir;
  }

  /** The built-in Iceberg REST catalog. */
  /** The built-in schema registry's base URL (Confluent's API). */
  public String schemaRegistryUri() {
    return "http://127.0.0.1:" + registryPort;
  }

  public String restCatalogUri() {
    return "http://127.0.0.1:" + restPort;
  }

  public String bootstrap() {
    return "127.0.0.1:" + port;
  }

  public String log() throws IOException {
    Path log = root.resolve("broker.log");
    return Files.exists(log) ? Files.readString(log) : "";
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      kill9();
    }
    if (Boolean.getBoolean("floe.test.keep.logs")) {
      org.slf4j.LoggerFactory.getLogger(FloeProcess.class).info("Kept the broker's directory {}", root);
      return;
    }
    EmbeddedFloe.deleteRecursively(root);
  }
}
