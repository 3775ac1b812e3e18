package io.floe.samples.streams;

import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka Streams app on Floe: reads the JSON orders of {@code orders_json} (the JsonOrders sample), keeps those
 * whose total is at least 100, and writes them to {@code big_orders}, itself a table topic, so the stream's
 * output is a table too. Stateless: it needs no changelog or repartition topic.
 *
 * <p>Usage: {@code BigOrders [bootstrap-servers (127.0.0.1:9092)]}; runs until stopped (SIGTERM).
 */
public final class BigOrders {

  private static final Logger LOG = LoggerFactory.getLogger(BigOrders.class);
  static final String INPUT = "orders_json";
  static final String OUTPUT = "big_orders";

  private BigOrders() {}

  public static void main(String[] args) throws Exception {
    String bootstrap = args.length > 0 ? args[0] : "127.0.0.1:9092";
    createOutput(bootstrap);
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(INPUT, Consumed.with(Serdes.String(), Serdes.String()))
        .filter((key, order) -> total(order) >= 100)
        .to(OUTPUT, Produced.with(Serdes.String(), Serdes.String()));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "big-orders");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
    KafkaStreams streams = new KafkaStreams(builder.build(), props);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close();
      stopped.countDown();
    }, "stop-streams"));
    streams.start();
    LOG.info("Filtering {} into {}", INPUT, OUTPUT);
    stopped.await();
  }

  /** The order's "total" field (a JSON number), or 0 if it has none; a full app would use a JSON library. */
  static double total(String order) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"total\"\\s*:\\s*(-?[0-9.eE+]+)").matcher(order);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  private static void createOutput(String bootstrap) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      admin.createTopics(java.util.List.of(new NewTopic(OUTPUT, 1, (short) 1).configs(Map.of(
          "automq.table.topic.enable", "true",
          "automq.table.topic.commit.interval.ms", "1000",
          "automq.table.topic.convert.value.type", "json",
          "automq.table.topic.transform.value.type", "flatten")))).all().get();
    } catch (java.util.concurrent.ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw e;
      }
    }
  }
}
