package io.floe.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A child JVM (broker or perf tool) whose stdout+stderr are copied to a log file, kept in memory (for parsing)
 * and optionally echoed to the console. Every child ever started is registered so a JVM shutdown hook can kill
 * what is still alive.
 */
final class ChildJvm implements AutoCloseable {

    private static final Set<ChildJvm> LIVE = ConcurrentHashMap.newKeySet();

    /** Kills every child still alive (SIGTERM, SIGKILL after {@code grace}). */
    static void killAll(Duration grace) {
        for (ChildJvm c : LIVE) {
            c.kill(grace);
        }
    }

    private final String name;
    private final Process process;
    private final Path logFile;
    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    private final Thread pump;

    private ChildJvm(String name, Process process, Path logFile, Predicate<String> echo, PrintStream console)
            throws IOException {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
        Writer log = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        this.pump = new Thread(() -> {
            try (log; BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                    log.write(line);
                    log.write('\n');
                    log.flush();
                    if (echo.test(line)) {
                        console.println("    [" + name + "] " + line);
                    }
                }
            } catch (IOException e) {
                // process gone
            }
        }, "floe-bench-pump-" + name);
        pump.setDaemon(true);
        pump.start();
    }

    /**
     * Starts {@code java <jvmArgs> -cp <classpath> <mainClass> <args>} with the java executable of this JVM.
     */
    static ChildJvm start(String name, String classpath, List<String> jvmArgs, String mainClass, List<String> args,
                          Path logFile, Predicate<String> echo, PrintStream console) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaExecutable());
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(mainClass);
        cmd.addAll(args);
        Files.createDirectories(logFile.getParent());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        pb.environment().remove("_JAVA_OPTIONS");
        if (Cleanup.shuttingDown()) {
            throw new IllegalStateException("shutting down: not starting " + name);
        }
        Process p = pb.start();
        ChildJvm child = new ChildJvm(name, p, logFile, echo, console);
        LIVE.add(child);
        if (Cleanup.shuttingDown()) { // raced with the shutdown hook's killAll
            child.kill(Duration.ofSeconds(5));
            throw new IllegalStateException("shutting down: killed " + name);
        }
        return child;
    }

    static String javaExecutable() {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return Files.isExecutable(java) ? java.toString() : "java";
    }

    String name() {
        return name;
    }

    Path logFile() {
        return logFile;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** A snapshot of the output so far. */
    List<String> lines() {
        synchronized (lines) {
            return new ArrayList<>(lines);
        }
    }

    /** Last {@code n} lines of output, for error messages. */
    String tail(int n) {
        List<String> all = lines();
        return String.join("\n", all.subList(Math.max(0, all.size() - n), all.size()));
    }

    /**
     * Waits for the process to exit. Returns its exit code, or empty if it did not exit within the timeout (in
     * which case it has been killed).
     */
    java.util.OptionalInt awaitExit(Duration timeout) throws InterruptedException {
        if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            pump.join(5_000);
            LIVE.remove(this);
            return java.util.OptionalInt.of(process.exitValue());
        }
        kill(Duration.ofSeconds(5));
        return java.util.OptionalInt.empty();
    }

    /** SIGTERM, then SIGKILL after {@code grace}. Also kills the child's own descendants. */
    void kill(Duration grace) {
        try {
            if (process.isAlive()) {
                process.descendants().forEach(ProcessHandle::destroy);
                process.destroy();
                if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            }
            pump.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        } finally {
            LIVE.remove(this);
        }
    }

    /** SIGKILL at once, like {@code kill -9}: the child runs no shutdown hook. Returns once it is gone. */
    void killForcibly() throws InterruptedException {
        try {
            process.destroyForcibly();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException(name + " (pid " + process.pid() + ") still alive 10 s after SIGKILL");
            }
            pump.join(2_000);
        } finally {
            LIVE.remove(this);
        }
    }

    @Override
    public void close() {
        kill(Duration.ofSeconds(30));
    }
}
