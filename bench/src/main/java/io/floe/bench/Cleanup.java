package io.floe.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One JVM shutdown hook (Ctrl-C, SIGTERM, normal exit) that kills the child JVMs still alive and then deletes the
 * brokers' temp dirs, in that order.
 */
final class Cleanup {

    private static final Set<Path> DIRS = ConcurrentHashMap.newKeySet();
    private static volatile boolean shuttingDown;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Cleanup::run, "floe-bench-cleanup"));
    }

    private Cleanup() {
    }

    /** Makes sure the hook is installed. */
    static void install() {
    }

    static void registerDir(Path dir, boolean keep) {
        if (!keep) {
            DIRS.add(dir);
        }
    }

    static void unregisterDir(Path dir) {
        DIRS.remove(dir);
    }

    /** True once the JVM is shutting down: no new child may be started then. */
    static boolean shuttingDown() {
        return shuttingDown;
    }

    private static void run() {
        shuttingDown = true;
        ChildJvm.killAll(Duration.ofSeconds(5));
        for (Path d : DIRS) {
            try {
                BrokerProcess.deleteRecursively(d);
            } catch (RuntimeException e) {
                System.err.println("floe-bench: could not delete " + d + ": " + e.getMessage());
            }
        }
    }
}
