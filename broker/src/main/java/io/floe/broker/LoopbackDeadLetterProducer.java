package io.floe.broker;

import io.floe.tabletopic.errors.DeadLetterProducer;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes dead letters as any client would: an idempotent kafka-clients producer (acks=all) on this broker's own
 * listener, so the dead-letter topic's owner, on whichever broker, acknowledges each record once it is durable.
 * The topic is created on first use with the broker's defaults if it does not exist. Opened on first use.
 *
 * <p>Bounds: the producer buffers at most {@value #BUFFER_BYTES} bytes and blocks a send at most {@value
 * #MAX_BLOCK_MS} ms; a record not acknowledged within {@value #DELIVERY_TIMEOUT_MS} ms fails its future.
 */
final class LoopbackDeadLetterProducer implements DeadLetterProducer, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LoopbackDeadLetterProducer.class);
  static final long BUFFER_BYTES = 32L << 20;
  static final int MAX_BLOCK_MS = 10_000;
  static final int DELIVERY_TIMEOUT_MS = 30_000;

  private final Supplier<String> bootstrap;
  private final String clientId;
  private final Set<String> topicsSeen = ConcurrentHashMap.newKeySet();
  private KafkaProducer<byte[], byte[]> producer;
  private Admin admin;
  private boolean closed;

  /** @param bootstrap this broker's advertised host:port, asked on first use (after the listener is bound) */
  LoopbackDeadLetterProducer(Supplier<String> bootstrap, int nodeId) {
    this.bootstrap = bootstrap;
    this.clientId = "floe-dead-letters-" + nodeId;
  }

  @Override
  public CompletableFuture<Void> send(String topic, byte[] key, byte[] value, Header[] headers) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      KafkaProducer<byte[], byte[]> p = open();
      ensureTopic(topic);
      p.send(new ProducerRecord<>(topic, null, null, key, value, Arrays.asList(headers)), (metadata, e) -> {
        if (e != null) {
          done.completeExceptionally(e);
        } else {
          done.complete(null);
        }
      });
    } catch (RuntimeException e) {
      done.completeExceptionally(e);
    }
    return done;
  }

  private synchronized KafkaProducer<byte[], byte[]> open() {
    if (closed) {
      throw new IllegalStateException("Cannot write dead letters: the broker is stopping");
    }
    if (producer == null) {
      Map<String, Object> common = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap.get(),
          AdminClientConfig.CLIENT_ID_CONFIG, clientId);
      admin = Admin.create(common);
      Map<String, Object> configs = new java.util.HashMap<>(common);
      configs.put(ProducerConfig.ACKS_CONFIG, "all");
      configs.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      configs.put(ProducerConfig.LINGER_MS_CONFIG, 5);
      configs.put(ProducerConfig.BUFFER_MEMORY_CONFIG, BUFFER_BYTES);
      configs.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, MAX_BLOCK_MS);
      configs.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, DELIVERY_TIMEOUT_MS);
      configs.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(DELIVERY_TIMEOUT_MS, 15_000));
      configs.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
      configs.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
      producer = new KafkaProducer<>(configs);
    }
    return producer;
  }

  /** Creates the topic with the broker's defaults unless it exists; once per topic and broker run. */
  private void ensureTopic(String topic) {
    if (topicsSeen.contains(topic)) {
      return;
    }
    try {
      admin.createTopics(java.util.List.of(new NewTopic(topic, Optional.empty(), Optional.empty()))).all()
          .get(MAX_BLOCK_MS, TimeUnit.MILLISECONDS);
      LOG.info("Created dead-letter topic {}", topic);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException("Cannot create dead-letter topic " + topic + ": " + e.getCause(), e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while creating dead-letter topic " + topic, e);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("Cannot create dead-letter topic " + topic + " within " + MAX_BLOCK_MS + " ms", e);
    }
    topicsSeen.add(topic);
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (producer != null) {
      producer.close(java.time.Duration.ofSeconds(10));
      admin.close(java.time.Duration.ofSeconds(5));
    }
  }
}
