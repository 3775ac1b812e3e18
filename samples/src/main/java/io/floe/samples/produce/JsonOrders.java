package io.floe.samples.produce;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSON into a table topic: no schema anywhere, the table's columns come from the records. Creates the topic
 * {@code orders_json} with the table-topic flags and produces orders to it; query them a second later as
 * {@code floe.default.orders_json}.
 *
 * <p>Usage: {@code JsonOrders [bootstrap-servers (127.0.0.1:9092)] [count (100)]}
 */
public final class JsonOrders {

  private static final Logger LOG = LoggerFactory.getLogger(JsonOrders.class);
  static final String TOPIC = "orders_json";

  private JsonOrders() {}

  public static void main(String[] args) throws Exception {
    String bootstrap = args.length > 0 ? args[0] : "127.0.0.1:9092";
    int count = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    createTableTopic(bootstrap, TOPIC, Map.of(
        "automq.table.topic.convert.value.type", "json",
        "automq.table.topic.transform.value.type", "flatten"));
    try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
      for (int i = 0; i < count; i++) {
        String order = "{\"id\": " + i + ", \"customer\": \"c" + (i % 10) + "\", \"total\": " + (i * 2.5)
            + ", \"lines\": [{\"sku\": \"s" + (i % 3) + "\", \"qty\": " + (1 + i % 4) + "}]}";
        producer.send(new ProducerRecord<>(TOPIC, ("order-" + i).getBytes(StandardCharsets.UTF_8),
            order.getBytes(StandardCharsets.UTF_8))).get();
      }
    }
    LOG.info("Produced {} JSON orders to {}", count, TOPIC);
  }

  /** Creates {@code topic} as a table topic committing every second with {@code configs}; keeps an existing one. */
  static void createTableTopic(String bootstrap, String topic, Map<String, String> configs) throws Exception {
    Map<String, String> all = new java.util.HashMap<>(configs);
    all.put("automq.table.topic.enable", "true");
    all.put("automq.table.topic.commit.interval.ms", "1000");
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(all))).all().get();
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw e;
      }
    }
  }

  static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
    return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.ACKS_CONFIG, "all"), new ByteArraySerializer(), new ByteArraySerializer());
  }
}
