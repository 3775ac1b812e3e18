package io.floe.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;

/** A broker under test: one started by the bench as a child JVM, or an already running one. */
abstract class BrokerProcess implements AutoCloseable {

    /** JVM flags of both broker JVMs: Kafka's own kafka-server-start.sh defaults, with the heap of --heap. */
    static List<String> brokerJvmArgs(String heap) {
        return List.of("-Xmx" + heap, "-Xms" + heap,
                "-server", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35",
                "-XX:+ExplicitGCInvokesConcurrent", "-Djava.awt.headless=true",
                "-Duser.language=en", "-Duser.country=US", "-Dslf4j.internal.verbosity=WARN");
    }

    final String label;

    BrokerProcess(String label) {
        this.label = label;
    }

    abstract String bootstrap();

    /** A one-line description for the report (how it was started, heap, version). */
    abstract String description();

    @Override
    public abstract void close();

    // ---------------------------------------------------------------------------------------------------------

    /** An already running broker given on the command line. */
    static final class External extends BrokerProcess {
        private final String bootstrap;

        External(String label, String bootstrap) {
            super(label);
            this.bootstrap = bootstrap;
        }

        @Override
        String bootstrap() {
            return bootstrap;
        }

        @Override
        String description() {
            return "already running at " + bootstrap + " (not started by the bench; heap not controlled)";
        }

        @Override
        public void close() {
        }
    }

    /** A broker started by the bench as a child JVM in its own temp dir. */
    abstract static class Child extends BrokerProcess {
        final Path workDir;
        final boolean keepData;
        final String heap;
        ChildJvm jvm;
        String bootstrap;

        Child(String label, Path workDir, boolean keepData, String heap) {
            super(label);
            this.workDir = workDir;
            this.keepData = keepData;
            this.heap = heap;
        }

        @Override
        String bootstrap() {
            return bootstrap;
        }

        @Override
        public void close() {
            try {
                if (jvm != null) {
                    jvm.kill(Duration.ofSeconds(30));
                }
            } finally {
                if (!keepData) {
                    deleteRecursively(workDir);
                }
                Cleanup.unregisterDir(workDir);
            }
        }

        /** Kills the broker with SIGKILL, as a crash; {@link #close()} then only deletes its directory. */
        void killForcibly() throws InterruptedException {
            if (jvm != null) {
                jvm.killForcibly();
            }
        }

        /** Polls Admin.describeCluster until the broker answers, the child dies, or the timeout passes. */
        void awaitReady(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            Properties p = new Properties();
            p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
            p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
            p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
            Exception last = null;
            try (Admin admin = Admin.create(p)) {
                while (System.nanoTime() < deadline) {
                    if (!jvm.isAlive()) {
                        throw new IllegalStateException(label + " exited during startup; log " + jvm.logFile()
                                + ":\n" + jvm.tail(40));
                    }
                    try {
                        int nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(3000))
                                .nodes().get(4, TimeUnit.SECONDS).size();
                        if (nodes > 0) {
                            return;
                        }
                    } catch (Exception e) {
                        last = e;
                    }
                    Thread.sleep(250);
                }
            }
            throw new IllegalStateException(label + " did not answer describeCluster at " + bootstrap + " within "
                    + timeout.toSeconds() + " s (last error: " + last + "); log " + jvm.logFile() + ":\n"
                    + jvm.tail(40));
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    /** Apache Kafka in KRaft combined mode (one broker+controller), formatted and started from the classpath. */
    static final class ApacheKafka extends Child {

        ApacheKafka(Path workDir, boolean keepData, String heap) {
            super("Apache Kafka", workDir, keepData, heap);
        }

        static ApacheKafka start(String classpath, Path logsDir, String heap, Map<String, String> overrides,
                                 boolean keepData, PrintStream console) throws IOException, InterruptedException {
            Path work = Files.createTempDirectory("floe-bench-kafka-");
            Cleanup.registerDir(work, keepData);
            ApacheKafka k = new ApacheKafka(work, keepData, heap);
            try {
                int port = freePort();
                int controllerPort = freePort();
                while (controllerPort == port) {
                    controllerPort = freePort();
                }
                Path dataDir = work.resolve("data");
                Properties sp = new Properties();
                sp.put("process.roles", "broker,controller");
                sp.put("node.id", "1");
                sp.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
                sp.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
                sp.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
                sp.put("controller.listener.names", "CONTROLLER");
                sp.put("inter.broker.listener.name", "PLAINTEXT");
                sp.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
                sp.put("log.dirs", dataDir.toString());
                // as in the distribution's config/server.properties (single node)
                sp.put("num.partitions", "1");
                sp.put("offsets.topic.replication.factor", "1");
                sp.put("transaction.state.log.replication.factor", "1");
                sp.put("transaction.state.log.min.isr", "1");
                sp.put("share.coordinator.state.topic.replication.factor", "1");
                sp.put("share.coordinator.state.topic.min.isr", "1");
                sp.put("group.initial.rebalance.delay.ms", "0");
                sp.putAll(overrides);
                Path props = work.resolve("server.properties");
                try (var w = Files.newBufferedWriter(props)) {
                    sp.store(w, "written by floe-bench");
                }
                Path log4j = work.resolve("log4j2.properties");
                Files.writeString(log4j, log4j2Config());

                List<String> jvmArgs = new ArrayList<>(brokerJvmArgs(heap));
                jvmArgs.add("-Dslf4j.provider=org.apache.logging.slf4j.SLF4JServiceProvider");
                jvmArgs.add("-Dlog4j2.configurationFile=" + log4j);
                jvmArgs.add("-Dkafka.logs.dir=" + work.resolve("logs"));

                // kafka-storage.sh format -t <uuid> -c server.properties
                String clusterId = Uuid.randomUuid().toString();
                ChildJvm format = ChildJvm.start("kafka-storage-format", classpath,
                        List.of("-Xmx256m", "-Dslf4j.internal.verbosity=WARN",
                                "-Dslf4j.provider=org.apache.logging.slf4j.SLF4JServiceProvider",
                                "-Dlog4j2.configurationFile=" + log4j),
                        "kafka.tools.StorageTool",
                        List.of("format", "-t", clusterId, "-c", props.toString()),
                        logsDir.resolve("kafka-storage-format.log"), l -> false, console);
                var rc = format.awaitExit(Duration.ofSeconds(120));
                if (rc.isEmpty() || rc.getAsInt() != 0) {
                    throw new IllegalStateException("kafka.tools.StorageTool format failed (" +
                            (rc.isEmpty() ? "timeout" : "exit " + rc.getAsInt()) + "):\n" + format.tail(30));
                }

                k.bootstrap = "127.0.0.1:" + port;
                k.jvm = ChildJvm.start("kafka", classpath, jvmArgs, "kafka.Kafka", List.of(props.toString()),
                        logsDir.resolve("kafka-broker.log"), l -> false, console);
                k.awaitReady(Duration.ofSeconds(120));
                return k;
            } catch (IOException | InterruptedException | RuntimeException e) {
                k.close();
                throw e;
            }
        }

        @Override
        String description() {
            return "Apache Kafka " + BenchOptions.kafkaVersion() + " (kafka.Kafka, KRaft combined mode, 1 node), "
                    + "child JVM -Xmx" + heap + " at " + bootstrap + ", log.dirs under " + workDir;
        }

        private static String log4j2Config() {
            return """
                    status = warn
                    appender.console.type = Console
                    appender.console.name = STDOUT
                    appender.console.layout.type = PatternLayout
                    appender.console.layout.pattern = [%d] %p %m (%c)%n
                    rootLogger.level = WARN
                    rootLogger.appenderRef.stdout.ref = STDOUT
                    logger.server.name = kafka.server.KafkaRaftServer
                    logger.server.level = INFO
                    logger.broker.name = kafka.server.BrokerServer
                    logger.broker.level = INFO
                    """;
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    /** Floe, started as io.floe.broker.FloeBroker [server.properties] --override k=v ... */
    static final class Floe extends Child {
        static final String MAIN_CLASS = "io.floe.broker.FloeBroker";

        private final String build;

        Floe(Path workDir, boolean keepData, String heap, String build) {
            super("Floe", workDir, keepData, heap);
            this.build = build;
        }

        static Floe start(String classpath, Path logsDir, String heap, Path config, List<String> overrides,
                          boolean keepData, String build, PrintStream console)
                throws IOException, InterruptedException {
            return start(classpath, logsDir, heap, config, overrides, keepData, build, "floe-broker.log", console);
        }

        /**
         * Like the other {@code start}, logging to {@code logsDir/logName}. An override names the same key as one
         * of the bench's wins (the broker applies them in order): {@code floe.data.dir=<dir>} keeps the data
         * where a later start finds it again.
         */
        static Floe start(String classpath, Path logsDir, String heap, Path config, List<String> overrides,
                          boolean keepData, String build, String logName, PrintStream console)
                throws IOException, InterruptedException {
            Path work = Files.createTempDirectory("floe-bench-floe-");
            Cleanup.registerDir(work, keepData);
            Floe f = new Floe(work, keepData, heap, build);
            try {
                int port = freePort();
                Path logback = work.resolve("logback.xml");
                Files.writeString(logback, """
                        <configuration>
                          <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
                            <encoder><pattern>[%d] %level %msg \\(%logger\\)%n</pattern></encoder>
                          </appender>
                          <root level="INFO"><appender-ref ref="STDOUT"/></root>
                        </configuration>
                        """);
                List<String> jvmArgs = new ArrayList<>(brokerJvmArgs(heap));
                jvmArgs.add("-Dslf4j.provider=ch.qos.logback.classic.spi.LogbackServiceProvider");
                jvmArgs.add("-Dlogback.configurationFile=" + logback);
                List<String> args = new ArrayList<>();
                if (config != null) {
                    args.add(config.toAbsolutePath().toString());
                }
                args.add("--override");
                args.add("listeners=PLAINTEXT://127.0.0.1:" + port);
                args.add("--override");
                args.add("floe.data.dir=" + work.resolve("data"));
                // as for the Apache Kafka peer (and Kafka's config/server.properties): no 3 s wait before the
                // first rebalance of the consumer group, which ConsumerPerformance's MB/s would count
                args.add("--override");
                args.add("group.initial.rebalance.delay.ms=0");
                // benches start several brokers, and a peer may hold Confluent's 8081
                args.add("--override");
                args.add("floe.schema.registry.listeners=http://127.0.0.1:0");
                for (String o : overrides) {
                    args.add("--override");
                    args.add(o);
                }
                f.bootstrap = "127.0.0.1:" + port;
                f.jvm = ChildJvm.start("floe", classpath, jvmArgs, MAIN_CLASS, args,
                        logsDir.resolve(logName), l -> false, console);
                f.awaitReady(Duration.ofSeconds(120));
                return f;
            } catch (IOException | InterruptedException | RuntimeException e) {
                f.close();
                throw e;
            }
        }

        @Override
        String description() {
            return "Floe (" + MAIN_CLASS + " from " + build + "), child JVM -Xmx" + heap + " at " + bootstrap
                    + ", floe.data.dir under " + workDir;
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + dir, e);
        }
    }
}
