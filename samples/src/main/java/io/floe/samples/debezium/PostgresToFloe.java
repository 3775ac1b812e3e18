package io.floe.samples.debezium;

import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams a PostgreSQL database's changes into Floe: Debezium's PostgreSQL connector, embedded, reads the
 * database's logical replication stream, and a kafka-clients producer sends each change event (Kafka's
 * JsonConverter, with schemas) to the topic Debezium names, {@code <topic.prefix>.<schema>.<table>}. Create
 * that topic as a table topic with {@code automq.table.topic.transform.value.type=flatten_debezium} and the
 * Iceberg table equals the PostgreSQL table after every commit.
 *
 * <p>Usage: {@code PostgresToFloe <file.properties>}: the connector's properties (see
 * {@code samples/config/postgres-to-floe.properties}); those starting with {@code producer.} configure the
 * producer, without the prefix. Offsets are stored in {@code offset.storage.file.filename} once Floe has
 * acknowledged the changes before them, so a restart resumes without losing one (a change may be sent twice;
 * the table applies it the same way twice). Runs until stopped (SIGTERM).
 */
public final class PostgresToFloe {

  private static final Logger LOG = LoggerFactory.getLogger(PostgresToFloe.class);
  private static final String PRODUCER_PREFIX = "producer.";

  private PostgresToFloe() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      LOG.error("Usage: PostgresToFloe <file.properties>");
      System.exit(2);
    }
    Properties all = new Properties();
    try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
      all.load(in);
    }
    Properties connector = new Properties();
    Properties producerConfig = new Properties();
    producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
    producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    for (String name : all.stringPropertyNames()) {
      if (name.startsWith(PRODUCER_PREFIX)) {
        producerConfig.put(name.substring(PRODUCER_PREFIX.length()), all.getProperty(name));
      } else {
        connector.put(name, all.getProperty(name));
      }
    }
    connector.putIfAbsent("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
    connector.putIfAbsent("plugin.name", "pgoutput");
    // Debezium skips truncates unless told otherwise; the table applies them
    connector.putIfAbsent("skipped.operations", "none");
    connector.putIfAbsent("offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore");
    connector.putIfAbsent("offset.flush.interval.ms", "1000");

    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(producerConfig, new StringSerializer(), new StringSerializer())) {
      run(connector, producer);
    }
  }

  private static void run(Properties connector, KafkaProducer<String, String> producer) throws Exception {
    AtomicInteger sent = new AtomicInteger();
    CountDownLatch stopped = new CountDownLatch(1);
    DebeziumEngine<ChangeEvent<String, String>> engine = DebeziumEngine.create(Json.class)
        .using(connector)
        .notifying((events, committer) -> {
          // send the batch, wait until Floe has acknowledged all of it, then let Debezium store its offsets
          List<Future<RecordMetadata>> acks = new ArrayList<>(events.size());
          for (ChangeEvent<String, String> e : events) {
            acks.add(producer.send(new ProducerRecord<>(e.destination(), e.key(), e.value())));
          }
          for (Future<RecordMetadata> ack : acks) {
            try {
              ack.get();
            } catch (java.util.concurrent.ExecutionException ex) {
              throw new IllegalStateException("Floe did not take a change: " + ex.getCause(), ex.getCause());
            }
          }
          for (ChangeEvent<String, String> e : events) {
            committer.markProcessed(e);
          }
          committer.markBatchFinished();
          LOG.info("Sent {} changes ({} in all)", events.size(), sent.addAndGet(events.size()));
        })
        .using((success, message, error) -> {
          if (success) {
            LOG.info("Debezium stopped: {}", message);
          } else {
            LOG.error("Debezium stopped: {}", message, error);
          }
          stopped.countDown();
        })
        .build();
    ExecutorService executor = Executors.newSingleThreadExecutor();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        engine.close();
        stopped.await(30, TimeUnit.SECONDS);
      } catch (IOException | InterruptedException e) {
        LOG.warn("Could not stop Debezium cleanly", e);
      }
    }, "stop-debezium"));
    executor.execute(engine);
    stopped.await();
    executor.shutdown();
  }
}
