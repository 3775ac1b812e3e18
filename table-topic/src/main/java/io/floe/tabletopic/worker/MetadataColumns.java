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

  /** The metadata columns, with field ids from {@code firstId} (the catalog reassigns ids on create). */
  public static List<Types.NestedField> fields(boolean keyAsString, int firstId) {
    int id = firstId;
    Types.NestedField key = Types.NestedField.optional(id++, KEY, keyAsString ? Types.StringType.get() : Types.BinaryType.get());
    Types.NestedField header = Types.NestedField.optional(id++, HEADER,
        Types.MapType.ofOptional(id++, id++, Types.StringType.get(), Types.BinaryType.get()));
    Types.NestedField metadata = Types.NestedField.optional(id++, METADATA, Types.StructType.of(
        Types.NestedField.optional(id++, PARTITION, Types.IntegerType.get()),
        Types.NestedField.optional(id++, OFFSET, Types.LongType.get()),
        Types.NestedField.optional(id++, TIMESTAMP, Types.TimestampType.withZone())));
    return List.of(key, header, metadata);
  }

  /** Sets the metadata columns of {@code row} (created for {@code schema}) from {@code record}. */
  public static void set(Record row, Schema schema, KafkaRecord record, boolean keyAsString) {
    Types.StructType struct = schema.asStruct();
    if (record.key() != null) {
      row.setField(KEY, keyAsString ? utf8(record.key()) : copy(record.key()));
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
