package io.floe.broker.testing;

import io.floe.broker.BrokerServer;
import io.floe.broker.config.BrokerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The one way tests start Floe in-process: a broker on a free loopback port with its data in a temp
 * directory, which {@link #close()} deletes. {@link #restart()} stops and starts it over the same data.
 */
public final class EmbeddedFloe implements AutoCloseable {

  private final Path dataDir;
  private final Map<String, String> overrides;
  private BrokerServer server;

  private EmbeddedFloe(Path dataDir, Map<String, String> overrides) {
    this.dataDir = dataDir;
    this.overrides = overrides;
  }

  public static EmbeddedFloe start() {
    return start(Map.of());
  }

  public static EmbeddedFloe start(Map<String, String> overrides) {
    try {
      Map<String, String> props = new HashMap<>(TestBackends.forNewBroker());
      props.putAll(overrides);
      EmbeddedFloe f = new EmbeddedFloe(Files.createTempDirectory("floe-test-"), props);
      f.startServer();
      return f;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void startServer() {
    Map<String, String> props = new HashMap<>();
    props.put(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:" + (server == null ? 0 : server.port()));
    props.put(BrokerConfig.DATA_DIR, dataDir.toString());
    props.put(BrokerConfig.GROUP_INITIAL_REBALANCE_DELAY_MS, "0");
    props.put(BrokerConfig.REST_CATALOG_LISTENERS, "http://127.0.0.1:0");
    props.put(BrokerConfig.SCHEMA_REGISTRY_LISTENERS, "http://127.0.0.1:0");
    props.putAll(overrides);
    try {
      server = BrokerServer.start(BrokerConfig.of(props));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Stops the broker cleanly and starts it again on the same port and data. */
  public void restart() {
    int port = server.port();
    server.close();
    overrides.put(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:" + port);
    startServer();
  }

  public BrokerServer server() {
    return server;
  }

  public Path dataDir() {
    return dataDir;
  }

  public String bootstrap() {
    return "127.0.0.1:" + server.port();
  }

  public Admin admin() {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    return Admin.create(p);
  }

  public KafkaProducer<byte[], byte[]> producer(Map<String, Object> extra) {
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.putAll(extra);
    return new KafkaProducer<>(p);
  }

  public KafkaConsumer<byte[], byte[]> consumer(String group, Map<String, Object> extra) {
    Map<String, Object> p = new HashMap<>();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    if (group != null) {
      p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    }
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    p.putAll(extra);
    return new KafkaConsumer<>(p);
  }

  @Override
  public void close() {
    if (server != null) {
      server.close();
    }
    deleteRecursively(dataDir);
  }

  public static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
