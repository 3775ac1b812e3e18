package io.floe.samples.produce;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Avro into a table topic through Floe's built-in schema registry (Confluent's API on 8081): registers the
 * schema under {@code orders_avro-value}, then produces records in Confluent's wire format (magic byte, schema
 * id, Avro binary), as Confluent's KafkaAvroSerializer writes them. The topic reads them with
 * {@code convert.value.type=by_schema_id}: the table's columns are the schema's fields, typed.
 *
 * <p>Usage: {@code AvroOrders [bootstrap-servers (127.0.0.1:9092)] [registry (http://127.0.0.1:8081)] [count]}
 */
public final class AvroOrders {

  private static final Logger LOG = LoggerFactory.getLogger(AvroOrders.class);
  static final String TOPIC = "orders_avro";
  static final String SCHEMA = """
      {"type": "record", "name": "Order", "namespace": "shop", "fields": [
        {"name": "id", "type": "long"},
        {"name": "customer", "type": "string"},
        {"name": "total", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
        {"name": "placed", "type": {"type": "long", "logicalType": "timestamp-millis"}}]}""";

  private AvroOrders() {}

  public static void main(String[] args) throws Exception {
    String bootstrap = args.length > 0 ? args[0] : "127.0.0.1:9092";
    String registry = args.length > 1 ? args[1] : "http://127.0.0.1:8081";
    int count = args.length > 2 ? Integer.parseInt(args[2]) : 100;
    int schemaId = register(registry, TOPIC + "-value", SCHEMA);
    JsonOrders.createTableTopic(bootstrap, TOPIC, Map.of(
        "automq.table.topic.convert.value.type", "by_schema_id",
        "automq.table.topic.transform.value.type", "flatten"));
    Schema schema = new Schema.Parser().parse(SCHEMA);
    GenericDatumWriter<GenericData.Record> writer = new GenericDatumWriter<>(schema);
    try (KafkaProducer<byte[], byte[]> producer = JsonOrders.producer(bootstrap)) {
      for (int i = 0; i < count; i++) {
        GenericData.Record order = new GenericData.Record(schema);
        order.put("id", (long) i);
        order.put("customer", "c" + (i % 10));
        order.put("total", ByteBuffer.wrap(java.math.BigInteger.valueOf(i * 250L).toByteArray()));
        order.put("placed", 1_765_000_000_000L + i * 1000L);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(schemaId).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        writer.write(order, encoder);
        encoder.flush();
        producer.send(new ProducerRecord<>(TOPIC, out.toByteArray())).get();
      }
    }
    LOG.info("Produced {} Avro orders to {} with schema id {}", count, TOPIC, schemaId);
  }

  /** Registers {@code schema} under {@code subject} with a Confluent-compatible registry; returns its id. */
  static int register(String registry, String subject, String schema) throws Exception {
    String body = "{\"schema\": " + jsonString(schema) + "}";
    HttpResponse<String> r = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(registry + "/subjects/" + subject + "/versions"))
            .header("Content-Type", "application/vnd.schemaregistry.v1+json")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    if (r.statusCode() != 200) {
      throw new IllegalStateException("The registry refused the schema: " + r.statusCode() + " " + r.body());
    }
    java.util.regex.Matcher id = java.util.regex.Pattern.compile("\"id\"\\s*:\\s*(\\d+)").matcher(r.body());
    if (!id.find()) {
      throw new IllegalStateException("The registry's answer has no id: " + r.body());
    }
    return Integer.parseInt(id.group(1));
  }

  private static String jsonString(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        default -> b.append(c);
      }
    }
    return b.append('"').toString();
  }
}
