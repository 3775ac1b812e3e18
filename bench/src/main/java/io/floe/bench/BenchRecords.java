package io.floe.bench;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.iceberg.types.Types;

/**
 * One logical 1 KiB event in each format the table-topic bench measures, with the same values: JSON text,
 * Avro and Protobuf, the last two framed as Confluent's serializers frame them (magic byte 0, schema id, and
 * for Protobuf the message index [0] as the single byte 0).
 */
final class BenchRecords {

  enum Format {
    JSON,
    AVRO,
    PROTOBUF
  }

  static final String AVRO_SCHEMA = """
      {"type": "record", "name": "Event", "namespace": "bench", "fields": [
        {"name": "id", "type": "long"},
        {"name": "user", "type": "string"},
        {"name": "region", "type": "string"},
        {"name": "amount", "type": "double"},
        {"name": "ts", "type": "string"},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "device", "type": {"type": "record", "name": "Device", "fields": [
          {"name": "os", "type": "string"}, {"name": "version", "type": "long"}]}},
        {"name": "note", "type": "string"}]}""";

  static final String PROTO_SCHEMA = """
      syntax = "proto3";
      package bench;

      message Event {
        int64 id = 1;
        string user = 2;
        string region = 3;
        double amount = 4;
        string ts = 5;
        repeated string tags = 6;
        Device device = 7;
        string note = 8;
      }

      message Device {
        string os = 1;
        int64 version = 2;
      }
      """;

  static final org.apache.avro.Schema AVRO = new org.apache.avro.Schema.Parser().parse(AVRO_SCHEMA);
  static final Descriptors.Descriptor PROTO_EVENT;
  static final Descriptors.Descriptor PROTO_DEVICE;
  private static final String NOTE;

  static {
    char[] c = new char[800];
    Arrays.fill(c, 'x');
    NOTE = new String(c);
    try {
      FileDescriptorProto file = FileDescriptorProto.newBuilder()
          .setName("bench/event.proto").setSyntax("proto3").setPackage("bench")
          .addMessageType(DescriptorProto.newBuilder().setName("Event")
              .addField(field("id", 1, FieldDescriptorProto.Type.TYPE_INT64))
              .addField(field("user", 2, FieldDescriptorProto.Type.TYPE_STRING))
              .addField(field("region", 3, FieldDescriptorProto.Type.TYPE_STRING))
              .addField(field("amount", 4, FieldDescriptorProto.Type.TYPE_DOUBLE))
              .addField(field("ts", 5, FieldDescriptorProto.Type.TYPE_STRING))
              .addField(field("tags", 6, FieldDescriptorProto.Type.TYPE_STRING)
                  .setLabel(FieldDescriptorProto.Label.LABEL_REPEATED))
              .addField(field("device", 7, FieldDescriptorProto.Type.TYPE_MESSAGE).setTypeName(".bench.Device"))
              .addField(field("note", 8, FieldDescriptorProto.Type.TYPE_STRING)))
          .addMessageType(DescriptorProto.newBuilder().setName("Device")
              .addField(field("os", 1, FieldDescriptorProto.Type.TYPE_STRING))
              .addField(field("version", 2, FieldDescriptorProto.Type.TYPE_INT64)))
          .build();
      Descriptors.FileDescriptor fd = Descriptors.FileDescriptor.buildFrom(file, new Descriptors.FileDescriptor[0]);
      PROTO_EVENT = fd.findMessageTypeByName("Event");
      PROTO_DEVICE = fd.findMessageTypeByName("Device");
    } catch (Descriptors.DescriptorValidationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private BenchRecords() {}

  private static FieldDescriptorProto.Builder field(String name, int number, FieldDescriptorProto.Type type) {
    return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type)
        .setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL).setJsonName(name);
  }

  private static String user(long i) {
    return "user-" + (i % 10_000);
  }

  private static String region(long i) {
    return i % 2 == 0 ? "eu" : "us";
  }

  private static double amount(long i) {
    return (i % 1000) / 10.0;
  }

  /** Event {@code i} in {@code format}; {@code schemaId} frames Avro and Protobuf (ignored for JSON). */
  static byte[] record(Format format, long i, int schemaId) {
    return switch (format) {
      case JSON -> json(i);
      case AVRO -> framed(schemaId, new byte[0], avro(i));
      case PROTOBUF -> framed(schemaId, new byte[] {0}, protobuf(i));
    };
  }

  static byte[] json(long i) {
    String json = "{\"id\":" + i + ",\"user\":\"" + user(i) + "\",\"region\":\"" + region(i) + "\",\"amount\":"
        + amount(i) + ",\"ts\":\"2026-11-25T10:00:00Z\",\"tags\":[\"a\",\"b\"],\"device\":{\"os\":\"linux\","
        + "\"version\":" + (i % 7) + "},\"note\":\"" + NOTE + "\"}";
    return json.getBytes(StandardCharsets.UTF_8);
  }

  /** The Avro binary of event {@code i} (no framing), as Avro's GenericDatumWriter writes it. */
  static byte[] avro(long i) {
    GenericData.Record device = new GenericData.Record(AVRO.getField("device").schema());
    device.put("os", "linux");
    device.put("version", i % 7);
    GenericData.Record r = new GenericData.Record(AVRO);
    r.put("id", i);
    r.put("user", user(i));
    r.put("region", region(i));
    r.put("amount", amount(i));
    r.put("ts", "2026-11-25T10:00:00Z");
    r.put("tags", List.of("a", "b"));
    r.put("device", device);
    r.put("note", NOTE);
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream(1100);
      BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
      new GenericDatumWriter<GenericData.Record>(AVRO).write(r, encoder);
      encoder.flush();
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The Protobuf binary of event {@code i} (no framing), as protobuf-java writes it. */
  static byte[] protobuf(long i) {
    Descriptors.Descriptor t = PROTO_EVENT;
    DynamicMessage device = DynamicMessage.newBuilder(PROTO_DEVICE)
        .setField(PROTO_DEVICE.findFieldByName("os"), "linux")
        .setField(PROTO_DEVICE.findFieldByName("version"), i % 7)
        .build();
    DynamicMessage.Builder b = DynamicMessage.newBuilder(t)
        .setField(t.findFieldByName("id"), i)
        .setField(t.findFieldByName("user"), user(i))
        .setField(t.findFieldByName("region"), region(i))
        .setField(t.findFieldByName("ts"), "2026-11-25T10:00:00Z")
        .setField(t.findFieldByName("tags"), List.of("a", "b"))
        .setField(t.findFieldByName("device"), device)
        .setField(t.findFieldByName("note"), NOTE);
    if (amount(i) != 0) {
      b.setField(t.findFieldByName("amount"), amount(i));
    }
    return b.build().toByteArray();
  }

  /** Records encoded ahead of a measurement, cycled through so that encoding is not measured and memory stays small. */
  static final int POOL = 10_000;

  /** {@value #POOL} distinct events in {@code format}. */
  static List<byte[]> pool(Format format, int schemaId) {
    List<byte[]> out = new java.util.ArrayList<>(POOL);
    for (int i = 0; i < POOL; i++) {
      out.add(record(format, i, schemaId));
    }
    return out;
  }

  /** The table the bench's records make, as a hand-written Iceberg writer would declare it. */
  static org.apache.iceberg.Schema icebergSchema() {
    return new org.apache.iceberg.Schema(
        Types.NestedField.optional(1, "id", Types.LongType.get()),
        Types.NestedField.optional(2, "user", Types.StringType.get()),
        Types.NestedField.optional(3, "region", Types.StringType.get()),
        Types.NestedField.optional(4, "amount", Types.DoubleType.get()),
        Types.NestedField.optional(5, "ts", Types.StringType.get()),
        Types.NestedField.optional(6, "tags", Types.ListType.ofOptional(9, Types.StringType.get())),
        Types.NestedField.optional(7, "device", Types.StructType.of(
            Types.NestedField.optional(10, "os", Types.StringType.get()),
            Types.NestedField.optional(11, "version", Types.LongType.get()))),
        Types.NestedField.optional(8, "note", Types.StringType.get()));
  }

  static byte[] framed(int schemaId, byte[] indexes, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(5 + indexes.length + payload.length);
    b.put((byte) 0).putInt(schemaId).put(indexes).put(payload);
    return b.array();
  }
}
