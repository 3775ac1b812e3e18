package io.floe.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.types.Types;

/**
 * The bench's peer for conversion: each format decoded by its own library (Jackson's tree, Avro's
 * GenericDatumReader, protobuf-java's DynamicMessage) and copied field by field into an Iceberg GenericRecord,
 * as a hand-written consumer of Iceberg's writer would. Knows the bench's one record shape.
 */
abstract class RawDecoder {

  final Schema schema;
  final Types.StructType deviceType;

  RawDecoder(Schema schema) {
    this.schema = schema;
    this.deviceType = schema.findType("device").asStructType();
  }

  abstract GenericRecord decode(byte[] bytes);

  static RawDecoder of(BenchRecords.Format format, Schema schema) {
    return switch (format) {
      case JSON -> new Json(schema);
      case AVRO -> new Avro(schema);
      case PROTOBUF -> new Protobuf(schema);
    };
  }

  GenericRecord row(long id, String user, String region, double amount, String ts, List<String> tags, String os,
      long version, String note) {
    GenericRecord r = GenericRecord.create(schema);
    r.setField("id", id);
    r.setField("user", user);
    r.setField("region", region);
    r.setField("amount", amount);
    r.setField("ts", ts);
    r.setField("tags", tags);
    GenericRecord device = GenericRecord.create(deviceType);
    device.setField("os", os);
    device.setField("version", version);
    r.setField("device", device);
    r.setField("note", note);
    return r;
  }

  private static final class Json extends RawDecoder {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    Json(Schema schema) {
      super(schema);
    }

    @Override
    GenericRecord decode(byte[] bytes) {
      try {
        JsonNode n = MAPPER.readTree(bytes);
        List<String> tags = new ArrayList<>();
        n.get("tags").forEach(x -> tags.add(x.asText()));
        return row(n.get("id").asLong(), n.get("user").asText(), n.get("region").asText(), n.get("amount").asDouble(),
            n.get("ts").asText(), tags, n.get("device").get("os").asText(), n.get("device").get("version").asLong(),
            n.get("note").asText());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private static final class Avro extends RawDecoder {
    private final GenericDatumReader<org.apache.avro.generic.GenericRecord> reader =
        new GenericDatumReader<>(BenchRecords.AVRO);
    private BinaryDecoder decoder;

    Avro(Schema schema) {
      super(schema);
    }

    @Override
    GenericRecord decode(byte[] bytes) {
      try {
        decoder = DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, decoder);
        org.apache.avro.generic.GenericRecord a = reader.read(null, decoder);
        org.apache.avro.generic.GenericRecord d = (org.apache.avro.generic.GenericRecord) a.get("device");
        List<String> tags = new ArrayList<>();
        for (Object t : (List<?>) a.get("tags")) {
          tags.add(t.toString());
        }
        return row((Long) a.get("id"), a.get("user").toString(), a.get("region").toString(), (Double) a.get("amount"),
            a.get("ts").toString(), tags, d.get("os").toString(), (Long) d.get("version"), a.get("note").toString());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private static final class Protobuf extends RawDecoder {
    private final Descriptors.FieldDescriptor[] f = new Descriptors.FieldDescriptor[8];
    private final Descriptors.FieldDescriptor os = BenchRecords.PROTO_DEVICE.findFieldByName("os");
    private final Descriptors.FieldDescriptor version = BenchRecords.PROTO_DEVICE.findFieldByName("version");

    Protobuf(Schema schema) {
      super(schema);
      for (int i = 0; i < 8; i++) {
        f[i] = BenchRecords.PROTO_EVENT.findFieldByNumber(i + 1);
      }
    }

    @Override
    @SuppressWarnings("unchecked")
    GenericRecord decode(byte[] bytes) {
      try {
        DynamicMessage m = DynamicMessage.parseFrom(BenchRecords.PROTO_EVENT,
            com.google.protobuf.ByteString.copyFrom(bytes, 6, bytes.length - 6));
        DynamicMessage d = (DynamicMessage) m.getField(f[6]);
        return row((Long) m.getField(f[0]), (String) m.getField(f[1]), (String) m.getField(f[2]),
            (Double) m.getField(f[3]), (String) m.getField(f[4]), new ArrayList<>((List<String>) m.getField(f[5])),
            (String) d.getField(os), (Long) d.getField(version), (String) m.getField(f[7]));
      } catch (InvalidProtocolBufferException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
