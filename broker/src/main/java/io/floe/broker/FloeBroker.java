package io.floe.broker;

import io.floe.broker.config.BrokerConfig;
import io.floe.broker.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The launcher: {@code floe [server.properties] [--override key=value ...]}, like Kafka's
 * {@code kafka-server-start.sh}. Starts one broker with everything embedded and stops it cleanly on SIGTERM.
 */
public final class FloeBroker {

  private static final Logger LOG = LoggerFactory.getLogger(FloeBroker.class);

  private FloeBroker() {}

  static final String USAGE = String.join("\n",
      "Usage: floe [server.properties] [--override key=value ...]",
      "",
      "Starts a Floe broker: a Kafka-protocol broker whose log lives in object storage.",
      "With no arguments it runs the embedded default: Kafka on 127.0.0.1:9092, data under ./floe-data",
      "(objects in ./floe-data/objects, metadata in ./floe-data/meta.db).",
      "",
      "Options:",
      "  server.properties        Kafka-style properties file (see config/server.properties)",
      "  --override key=value     set one property, after the file (repeatable)",
      "  --help                   print this help",
      "",
      "Common keys: listeners, advertised.listeners, node.id, floe.data.dir, num.partitions,",
      "auto.create.topics.enable, log.retention.ms, log.retention.bytes, message.max.bytes,",
      "socket.request.max.bytes, s3.wal.upload.interval.ms, s3.wal.upload.bytes, s3.block.cache.size.");

  public static void main(String[] args) {
    BrokerConfig config;
    try {
      config = parseArgs(args);
    } catch (HelpRequested e) {
      System.out.println(USAGE);
      return;
    } catch (ConfigException | IOException e) {
      System.err.println("floe: " + e.getMessage());
      System.err.println();
      System.err.println(USAGE);
      System.exit(2);
      return;
    }
    BrokerServer server;
    try {
      server = BrokerServer.start(config);
    } catch (Exception e) {
      LOG.error("Floe failed to start", e);
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("Shutdown requested");
      server.close();
      stopped.countDown();
    }, "floe-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Thrown by {@link #parseArgs} for --help. */
  static final class HelpRequested extends RuntimeException {
    HelpRequested() {
      super(null, null, false, false);
    }
  }

  static BrokerConfig parseArgs(String[] args) throws IOException {
    Properties props = new Properties();
    Map<String, String> overrides = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if ("--help".equals(a) || "-h".equals(a)) {
        throw new HelpRequested();
      } else if ("--override".equals(a)) {
        if (i + 1 >= args.length) {
          throw new ConfigException("--override needs key=value");
        }
        String kv = args[++i];
        int eq = kv.indexOf('=');
        if (eq <= 0) {
          throw new ConfigException("--override needs key=value, got: " + kv);
        }
        overrides.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
      } else if (a.startsWith("--")) {
        throw new ConfigException("Unknown option: " + a);
      } else {
        Path file = Path.of(a);
        if (!Files.isRegularFile(file)) {
          throw new ConfigException("Properties file not found: " + file.toAbsolutePath());
        }
        try (InputStream in = Files.newInputStream(file)) {
          props.load(in);
        }
      }
    }
    return BrokerConfig.of(props, overrides);
  }
}
