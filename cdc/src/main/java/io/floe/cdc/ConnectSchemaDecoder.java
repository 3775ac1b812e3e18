package io.floe.cdc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.floe.cdc.internal.ConnectTypeMapping;
import io.floe.cdc.internal.ConnectValueReader;
import io.floe.cdc.internal.InvalidConnectValueException;
import io.floe.schema.ConversionError.Reason;
import io.floe.schema.ConversionResult;
import io.floe.schema.internal.SchemaDecoder;
import java.io.IOException;
import java.util.Objects;
import org.apache.iceberg.relocated.com.google.common.base.Preconditions;
import org.apache.iceberg.types.Type;

/**
 * Decodes JSON payloads described by one Kafka Connect schema, as Kafka's {@code JsonConverter}
 * writes them with {@code schemas.enable=true} ({@code {"schema": ..., "payload": ...}}: this
 * decoder is built from the {@code schema} part and reads the {@code payload} part), into the
 * values {@code RecordBuilder} takes. Debezium's change events are such payloads.
 *
 * <h2>Types</h2>
 *
 * <table>
 *   <caption>Connect types and the Iceberg types and Java values they decode to</caption>
 *   <tr><th>Connect type (schema {@code name})</th><th>Iceberg</th><th>Java value</th></tr>
 *   <tr><td>int8, int16, int32</td><td>int</td><td>{@code Integer}</td></tr>
 *   <tr><td>int64</td><td>long</td><td>{@code Long}</td></tr>
 *   <tr><td>float32 / float64</td><td>float / double</td><td>{@code Float} / {@code Double}
 *       ({@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"} as Jackson writes them)</td></tr>
 *   <tr><td>boolean</td><td>boolean</td><td>{@code Boolean}</td></tr>
 *   <tr><td>string</td><td>string</td><td>{@code String}</td></tr>
 *   <tr><td>bytes (base64 text)</td><td>binary</td><td>{@code ByteBuffer}</td></tr>
 *   <tr><td>struct</td><td>struct, fields in schema order</td><td>{@code ConvertedStruct}, one
 *       {@code Names} per struct position of the schema</td></tr>
 *   <tr><td>array</td><td>list</td><td>{@code List}</td></tr>
 *   <tr><td>map</td><td>map</td><td>{@code Map}: a JSON object for string keys, an array of
 *       [key, value] pairs for others, as JsonConverter writes them</td></tr>
 *   <tr><td>bytes {@code org.apache.kafka.connect.data.Decimal}</td><td>decimal(p, s): s from
 *       {@code scale}, p from {@code connect.decimal.precision} (38 when absent, at most 38)</td><td>
 *       {@code BigDecimal} (base64 of the unscaled big-endian two's complement; a JSON number, as
 *       {@code decimal.format=NUMERIC} writes it, is taken too)</td></tr>
 *   <tr><td>int32 {@code org.apache.kafka.connect.data.Date}, {@code io.debezium.time.Date}
 *       (days)</td><td>date</td><td>{@code LocalDate}</td></tr>
 *   <tr><td>int32 {@code org.apache.kafka.connect.data.Time}, {@code io.debezium.time.Time} (ms);
 *       int64 {@code MicroTime} (us), {@code NanoTime} (ns)</td><td>time</td><td>{@code
 *       LocalTime}</td></tr>
 *   <tr><td>int64 {@code org.apache.kafka.connect.data.Timestamp} (ms, UTC)</td><td>timestamptz
 *       </td><td>{@code OffsetDateTime} in UTC</td></tr>
 *   <tr><td>int64 {@code io.debezium.time.Timestamp} (ms), {@code MicroTimestamp} (us), {@code
 *       NanoTimestamp} (ns)</td><td>timestamp (no zone: Debezium writes the column's wall-clock
 *       time)</td><td>{@code LocalDateTime}</td></tr>
 *   <tr><td>string {@code io.debezium.time.ZonedTimestamp} (ISO-8601 with an offset)</td><td>
 *       timestamptz</td><td>{@code OffsetDateTime} moved to UTC</td></tr>
 *   <tr><td>string {@code io.debezium.data.Uuid}</td><td>uuid</td><td>{@code UUID}</td></tr>
 *   <tr><td>struct {@code io.debezium.data.VariableScaleDecimal} ({@code scale}, {@code
 *       value})</td><td>decimal(38, 10)</td><td>{@code BigDecimal} rescaled to 10</td></tr>
 *   <tr><td>{@code io.debezium.data.Json}, {@code Enum}, {@code EnumSet}, {@code Xml}, {@code
 *       io.debezium.time.ZonedTime}, ...; {@code io.debezium.data.Bits}</td><td>their Connect type:
 *       string; binary (boolean for {@code bit(1)})</td><td>as for that type</td></tr>
 * </table>
 *
 * <ul>
 *   <li>A logical name applies only over the Connect type it is defined on; a name this decoder
 *       does not know, or one over another type, maps by its Connect type. PostgreSQL arrays are
 *       Connect arrays, so lists.
 *   <li>Every column, list element and map value is optional on the Iceberg side, whatever {@code
 *       optional} says (a later schema version may drop the field); field ids are placeholders.
 *       Field names become column names with dots replaced by underscores, as schemaless JSON does;
 *       {@code doc} becomes the column doc.
 *   <li>Refused ({@link #forSchema} throws): a schema without a known {@code type}, a struct
 *       without {@code fields}, an array without {@code items}, a map without {@code keys}/{@code
 *       values}, two fields that would be one column, a decimal scale beyond its precision.
 * </ul>
 *
 * <h2>Values</h2>
 *
 * <ul>
 *   <li>A missing field, and JSON {@code null}, are null for any field, optional or not: Debezium's
 *       delete of a row in a {@code REPLICA IDENTITY DEFAULT} table leaves required non-key columns
 *       null. A schema's {@code default} is not substituted (Connect's {@code
 *       replace.null.with.default} would turn real SQL NULLs into it); fields the schema lacks are
 *       skipped.
 *   <li>A value of another JSON type than its schema's, an integer outside its Connect type's
 *       range, text that is not base64, a UUID or an ISO timestamp where the schema says so, and
 *       malformed JSON fail the record as {@code INVALID_INPUT} naming the field.
 *   <li>{@code UNSUPPORTED} (valid data this table cannot hold): a decimal wider than its column
 *       (precision above 38; a {@code VariableScaleDecimal} with more than 10 fraction digits or 28
 *       integer digits: rounding would change it silently), a time outside a day (PostgreSQL's
 *       {@code 24:00:00}), a timestamp beyond Java's range.
 * </ul>
 *
 * <p>Instances are immutable and may be shared by threads.
 */
public final class ConnectSchemaDecoder implements SchemaDecoder {

  static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
          .build();

  private final Type valueType;
  private final ConnectValueReader reader;

  private ConnectSchemaDecoder(ConnectTypeMapping.Mapped mapped) {
    this.valueType = mapped.type();
    this.reader = mapped.reader();
  }

  /**
   * A decoder of payloads described by {@code schema}, a Connect schema as JsonConverter writes it.
   *
   * @throws IllegalArgumentException if {@code schema} is not a Connect schema this decoder maps
   */
  public static ConnectSchemaDecoder forSchema(JsonNode schema) {
    Preconditions.checkArgument(schema != null, "Cannot decode Connect schema: schema is null");
    return new ConnectSchemaDecoder(ConnectTypeMapping.map(schema));
  }

  /**
   * A decoder of payloads described by {@code schemaJson}, the text of a Connect schema.
   *
   * @throws IllegalArgumentException if the text is not JSON, or not a Connect schema this decoder
   *     maps
   */
  public static ConnectSchemaDecoder forSchema(String schemaJson) {
    Preconditions.checkArgument(schemaJson != null, "Cannot decode Connect schema: schema is null");
    try {
      return forSchema(JSON.readTree(schemaJson));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "Cannot decode Connect schema: it is not JSON: " + e.getOriginalMessage(), e);
    }
  }

  @Override
  public Type valueType() {
    return valueType;
  }

  /** Decodes a payload's JSON text; a null {@code bytes} (a tombstone) decodes to null. */
  @Override
  public ConversionResult decode(byte[] bytes, int offset, int length) {
    if (bytes == null) {
      return ConversionResult.NULL;
    }
    Objects.checkFromIndexSize(offset, length, bytes.length);
    JsonNode payload;
    try {
      payload = JSON.readTree(bytes, offset, length);
    } catch (JsonProcessingException e) {
      return ConversionResult.failed(
          Reason.INVALID_INPUT, "", "invalid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      // reading a byte array does no I/O; kept for the checked signature
      return ConversionResult.failed(Reason.INVALID_INPUT, "", "unreadable JSON: " + e);
    }
    if (payload == null || payload.isMissingNode()) {
      return ConversionResult.failed(Reason.INVALID_INPUT, "", "the value is empty, not JSON");
    }
    return decode(payload);
  }

  /**
   * Decodes a payload already parsed (a part of a larger document, such as a Debezium envelope's
   * {@code after}); JSON {@code null} decodes to null. Never throws for a payload that does not
   * match: that is a failure value naming the field.
   */
  public ConversionResult decode(JsonNode payload) {
    if (payload == null || payload.isNull() || payload.isMissingNode()) {
      return ConversionResult.NULL;
    }
    try {
      return ConversionResult.converted(reader.read(payload));
    } catch (InvalidConnectValueException e) {
      return e.toResult();
    }
  }

  @Override
  public String toString() {
    return "ConnectSchemaDecoder(" + valueType + ")";
  }
}
