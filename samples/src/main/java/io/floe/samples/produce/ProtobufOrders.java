package io.floe.samples.produce;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Protobuf into a table topic with nothing but a .proto file: no schema registry, no framing. Writes
 * {@code shop/v1/order.proto} into a directory the broker reads ({@code convert.value.protobuf.path}), creates
 * the table topic {@code orders_proto} reading values as {@code shop.v1.Order}, and produces bare Protobuf
 * messages, as any Protobuf library writes them (here with protobuf-java's {@code CodedOutputStream}, field by
 * field, to need no generated classes).
 *
 * <p>Usage: {@code ProtobufOrders <proto-dir> [bootstrap-servers (127.0.0.1:9092)] [count (100)]}; the
 * directory must be on the broker's machine.
 */
public final class ProtobufOrders {

  private static final Logger LOG = LoggerFactory.getLogger(ProtobufOrders.class);
  static final String TOPIC = "orders_proto";
  static final String PROTO = """
      syntax = "proto3";
      package shop.v1;

      import "google/protobuf/timestamp.proto";

      message Order {
        int64 id = 1;
        string customer = 2;
        repeated Line lines = 3;
        google.protobuf.Timestamp placed = 4;

        message Line {
          string sku = 1;
          int32 qty = 2;
        }
      }
      """;

  private ProtobufOrders() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      LOG.error("Usage: ProtobufOrders <proto-dir> [bootstrap-servers] [count]");
      System.exit(2);
    }
    Path protoDir = Path.of(args[0]).toAbsolutePath();
    String bootstrap = args.length > 1 ? args[1] : "127.0.0.1:9092";
    int count = args.length > 2 ? Integer.parseInt(args[2]) : 100;
    Files.createDirectories(protoDir.resolve("shop/v1"));
    Files.writeString(protoDir.resolve("shop/v1/order.proto"), PROTO);
    JsonOrders.createTableTopic(bootstrap, TOPIC, Map.of(
        "automq.table.topic.convert.value.type", "protobuf",
        "automq.table.topic.convert.value.protobuf.path", protoDir.toString(),
        "automq.table.topic.convert.value.protobuf.message.full.name", "shop.v1.Order",
        "automq.table.topic.transform.value.type", "flatten"));
    try (KafkaProducer<byte[], byte[]> producer = JsonOrders.producer(bootstrap)) {
      for (int i = 0; i < count; i++) {
        producer.send(new ProducerRecord<>(TOPIC, order(i))).get();
      }
    }
    LOG.info("Produced {} Protobuf orders to {} ({} holds their .proto)", count, TOPIC, protoDir);
  }

  /** An {@code shop.v1.Order}, encoded field by field as the .proto numbers them. */
  static byte[] order(int i) throws IOException {
    byte[] line = message(out -> {
      out.writeString(1, "s" + (i % 3));
      out.writeInt32(2, 1 + i % 4);
    });
    byte[] placed = message(out -> out.writeInt64(1, 1_765_000_000L + i)); // Timestamp.seconds
    return message(out -> {
      out.writeInt64(1, i);
      out.writeString(2, "c" + (i % 10));
      out.writeByteArray(3, line);
      out.writeByteArray(4, placed);
    });
  }

  private interface Fields {
    void write(CodedOutputStream out) throws IOException;
  }

  private static byte[] message(Fields fields) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    fields.write(out);
    out.flush();
    return bytes.toByteArray();
  }
}
