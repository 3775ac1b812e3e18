package io.floe.tabletopic.worker;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.apache.kafka.common.header.Header;

/**
 * The columns every Table Topic row has besides the value: {@code _kafka_key}, {@code _kafka_header} (a
 * map of header name to bytes) and {@code _kafka_metadata} (partition, offset, timestamp).
 */
public final class MetadataColumns {

  public static final String KEY = "_kafka_key";
  public static final String HEADER = "_kafka_header";
  public static final String METADATA = "_kafka_metadata";
  public static final String PARTITION = "partition";
  public static final String OFFSET = "offset";
  public static final String TIMESTAMP = "timestamp";

  private MetadataColumns() {}

  /** How the record key lands in {@code _kafka_key}. */
  public enum KeyFormat {
    /** UTF-8 text ({@code convert.key.type=string}). */
    STRING,
    /** The bytes ({@code raw}). */
    BINARY,
    /** Converted by a key converter (json, Avro, Protobuf), which owns the column and its type. */
    CONVERTED;

    public static KeyFormat of(String convertKeyType) {
      return switch (convertKeyType) {
        case "string" -> STRING;
        case "raw" -> BINARY;
        default -> CONVERTED;
      };
    }
  }

  /**
   * The metadata columns, with field ids from {@code firstId} (the catalog reassigns ids on create); without
   * {@code _kafka_key} for a {@link KeyFormat#CONVERTED} key, whose converter asks for it.
   */
  public static List<Types.NestedField> fields(KeyFormat keyFormat, int firstId) {
    int id = firstId;
    Types.NestedField key = Types.NestedField.optional(id++, KEY,
        keyFormat == KeyFormat.STRING ? Types.StringType.get() : Types.BinaryType.get());
    Types.NestedField header = Types.NestedField.optional(id++, HEADER,
        Types.MapType.ofOptional(id++, id++, Types.StringType.get(), Types.BinaryType.get()));
    Types.NestedField metadata = Types.NestedField.optional(id++, METADATA, Types.StructType.of(
        Types.NestedField.optional(id++, PARTITION, Types.IntegerType.get()),
        Types.NestedField.optional(id++, OFFSET, Types.LongType.get()),
        Types.NestedField.optional(id++, TIMESTAMP, Types.TimestampType.withZone())));
    return keyFormat == KeyFormat.CONVERTED ? List.of(header, metadata) : List.of(key, header, metadata);
  }

  /**
   * Sets the metadata columns of {@code row} (created for {@code schema}) from {@code record}; the key only if
   * it is not {@link KeyFormat#CONVERTED}.
   */
  public static void set(Record row, Schema schema, KafkaRecord record, KeyFormat keyFormat) {
    Types.StructType struct = schema.asStruct();
    if (record.key() != null && keyFormat != KeyFormat.CONVERTED) {
      row.setField(KEY, keyFormat == KeyFormat.STRING ? utf8(record.key()) : copy(record.key()));
    }
    if (record.headers().length > 0) {
      Map<String, ByteBuffer> headers = new HashMap<>();
      for (Header h : record.headers()) {
        headers.put(h.key(), h.value() == null ? null : ByteBuffer.wrap(h.value()));
      }
      row.setField(HEADER, headers);
    }
    Type metaType = struct.field(METADATA).type();
    GenericRecord meta = GenericRecord.create(metaType.asStructType());
    meta.set(0, record.partition());
    meta.set(1, record.offset());
    meta.set(2, record.timestamp() < 0 ? null
        : OffsetDateTime.ofInstant(Instant.ofEpochMilli(record.timestamp()), ZoneOffset.UTC));
    row.setField(METADATA, meta);
  }

  private static ByteBuffer copy(ByteBuffer b) {
    ByteBuffer out = ByteBuffer.allocate(b.remaining());
    out.put(b.duplicate()).flip();
    return out;
  }

  /** UTF-8 decoding of a buffer view without disturbing its position. */
  private static String utf8(ByteBuffer b) {
    return java.nio.charset.StandardCharsets.UTF_8.decode(b.duplicate()).toString();
  }
}
