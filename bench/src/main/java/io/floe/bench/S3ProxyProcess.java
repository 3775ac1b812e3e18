package io.floe.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * S3Proxy ({@code org.gaul:s3proxy} 4.1.0, its jar-with-dependencies) as a child JVM on 127.0.0.1 and a free port:
 * the S3 API with SigV4 authentication over a filesystem blob store in a temp dir (a bucket is a directory, an
 * object a file), so the bench's S3 objects cost disk, not heap. Killed and deleted on {@link #close()} and by
 * {@link Cleanup}.
 */
final class S3ProxyProcess implements AutoCloseable {

    static final String VERSION = "4.1.0";
    static final String MAIN_CLASS = "org.gaul.s3proxy.Main";
    static final String ACCESS_KEY = "floe-bench-access";
    static final String SECRET_KEY = "floe-bench-secret";
    static final String REGION = "us-east-1";

    private final Path workDir;
    private final Path blobs;
    private final URI endpoint;
    private ChildJvm jvm;

    private S3ProxyProcess(Path workDir, Path blobs, URI endpoint) {
        this.workDir = workDir;
        this.blobs = blobs;
        this.endpoint = endpoint;
    }

    /**
     * The fat jar: {@code -Dfloe.bench.s3proxyJar}, else where the bench build copies it
     * ({@code bench/target/s3proxy/}), else the local Maven repository.
     */
    static Path locateJar(Path benchTarget) {
        List<Path> candidates = new ArrayList<>();
        String prop = System.getProperty("floe.bench.s3proxyJar");
        if (prop != null && !prop.isBlank()) {
            candidates.add(Path.of(prop));
        }
        String name = "s3proxy-" + VERSION + "-jar-with-dependencies.jar";
        candidates.add(benchTarget.resolve("s3proxy").resolve(name));
        candidates.add(Path.of(System.getProperty("user.home"), ".m2", "repository", "org", "gaul", "s3proxy", VERSION,
                name));
        for (Path p : candidates) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new IllegalStateException("S3Proxy's jar is not at any of " + candidates
                + ": build the bench module (it copies org.gaul:s3proxy:" + VERSION + ":jar-with-dependencies)");
    }

    static S3ProxyProcess start(Path jar, Path logsDir, PrintStream console) throws IOException, InterruptedException {
        Path work = Files.createTempDirectory("floe-bench-s3proxy-");
        Cleanup.registerDir(work, false);
        int port = BrokerProcess.freePort();
        S3ProxyProcess s3 = new S3ProxyProcess(work, work.resolve("blobs"), URI.create("http://127.0.0.1:" + port));
        try {
            Files.createDirectories(s3.blobs);
            Properties p = new Properties();
            p.setProperty("s3proxy.endpoint", s3.endpoint.toString());
            p.setProperty("s3proxy.authorization", "aws-v2-or-v4");
            p.setProperty("s3proxy.identity", ACCESS_KEY);
            p.setProperty("s3proxy.credential", SECRET_KEY);
            p.setProperty("jclouds.provider", "filesystem-nio2");
            p.setProperty("jclouds.identity", ACCESS_KEY);
            p.setProperty("jclouds.credential", SECRET_KEY);
            p.setProperty("jclouds.filesystem.basedir", s3.blobs.toString());
            Path conf = work.resolve("s3proxy.conf");
            try (var w = Files.newBufferedWriter(conf)) {
                p.store(w, "written by floe-bench");
            }
            // its bundled logback reads LOG_LEVEL: no line per request
            List<String> jvmArgs = List.of("-Xmx1g", "-Xms1g", "-XX:+UseG1GC", "-DLOG_LEVEL=warn",
                    "-DJETTY_LOG_LEVEL=warn", "-Djava.awt.headless=true");
            s3.jvm = ChildJvm.start("s3proxy", jar.toString(), jvmArgs, MAIN_CLASS, List.of("--properties",
                    conf.toString()), logsDir.resolve("s3proxy.log"), l -> false, console);
            s3.awaitListening(port, Duration.ofSeconds(60));
            return s3;
        } catch (IOException | InterruptedException | RuntimeException e) {
            s3.close();
            throw e;
        }
    }

    private void awaitListening(int port, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!jvm.isAlive()) {
                throw new IllegalStateException("S3Proxy exited during startup; log " + jvm.logFile() + ":\n"
                        + jvm.tail(30));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException e) {
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("S3Proxy did not listen on " + endpoint + " within " + timeout.toSeconds()
                + " s; log " + jvm.logFile() + ":\n" + jvm.tail(30));
    }

    URI endpoint() {
        return endpoint;
    }

    /** Creates a bucket: with the filesystem blob store, a directory under its base directory. */
    void createBucket(String bucket) throws IOException {
        Files.createDirectories(blobs.resolve(bucket));
    }

    /** Deletes every object under {@code prefix} (ending in '/') of {@code bucket}, behind S3Proxy's back. */
    void deletePrefix(String bucket, String prefix) {
        BrokerProcess.deleteRecursively(blobs.resolve(bucket).resolve(prefix));
    }

    /** FloeBroker overrides that keep its log under {@code prefix} of {@code bucket} on this server. */
    List<String> floeOverrides(String bucket, String prefix) {
        return List.of(
                "s3.bucket=" + bucket,
                "s3.prefix=" + prefix,
                "s3.endpoint=" + endpoint,
                "s3.region=" + REGION,
                "s3.path.style.access=true",
                "s3.access.key=" + ACCESS_KEY,
                "s3.secret.key=" + SECRET_KEY);
    }

    String description() {
        return "S3Proxy " + VERSION + " (filesystem-nio2 blob store), child JVM -Xmx1g at " + endpoint;
    }

    @Override
    public void close() {
        try {
            if (jvm != null) {
                jvm.kill(Duration.ofSeconds(10));
            }
        } finally {
            BrokerProcess.deleteRecursively(workDir);
            Cleanup.unregisterDir(workDir);
        }
    }
}
