package io.floe.schema.internal.avro;

import io.floe.schema.ConversionResult;
import io.floe.schema.internal.SchemaDecoder;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.iceberg.relocated.com.google.common.base.Preconditions;
import org.apache.iceberg.types.Type;

/**
 * Decodes Avro's binary encoding of one writer schema (the payload after Confluent's 5-byte header,
 * or any unframed datum) into the values {@code RecordBuilder} takes. The writer schema is the only
 * schema: there is no reader-schema resolution, and records of other schema versions are matched to
 * the table's columns by name downstream.
 *
 * <h2>Types</h2>
 *
 * <table>
 *   <caption>Avro types and the Iceberg types and Java values they decode to</caption>
 *   <tr><th>Avro</th><th>Iceberg</th><th>Java value</th></tr>
 *   <tr><td>record</td><td>struct (field names kept)</td><td>{@code ConvertedStruct}</td></tr>
 *   <tr><td>boolean, int, long, float, double</td><td>the same</td><td>{@code Boolean}, {@code
 *       Integer}, {@code Long}, {@code Float}, {@code Double}</td></tr>
 *   <tr><td>string</td><td>string</td><td>{@code String}</td></tr>
 *   <tr><td>bytes</td><td>binary</td><td>{@code ByteBuffer}</td></tr>
 *   <tr><td>enum</td><td>string (the symbol)</td><td>{@code String}</td></tr>
 *   <tr><td>fixed(n)</td><td>fixed(n)</td><td>{@code byte[]}</td></tr>
 *   <tr><td>decimal(p, s) on bytes or fixed</td><td>decimal(p, s)</td><td>{@code BigDecimal} of
 *       scale s</td></tr>
 *   <tr><td>date</td><td>date</td><td>{@code LocalDate}</td></tr>
 *   <tr><td>time-millis, time-micros</td><td>time</td><td>{@code LocalTime}</td></tr>
 *   <tr><td>timestamp-millis, -micros, -nanos</td><td>timestamptz</td><td>{@code OffsetDateTime}
 *       in UTC</td></tr>
 *   <tr><td>local-timestamp-millis, -micros, -nanos</td><td>timestamp</td><td>{@code
 *       LocalDateTime}</td></tr>
 *   <tr><td>uuid on string or fixed(16)</td><td>uuid</td><td>{@code UUID}</td></tr>
 *   <tr><td>array</td><td>list</td><td>{@code List}</td></tr>
 *   <tr><td>map</td><td>map&lt;string, V&gt;</td><td>{@code Map}</td></tr>
 *   <tr><td>[null, X], in any order</td><td>X</td><td>X's value, or null</td></tr>
 *   <tr><td>[X, Y, ...], [null, X, Y, ...]</td><td>struct&lt;tag: int, field<i>i</i>: branch
 *       <i>i</i>, ...&gt; (no field for null)</td><td>{@code ConvertedStruct}: {@code tag} is the
 *       index of the record's branch in the union, {@code field<tag>} its value; the null branch is
 *       a null struct</td></tr>
 * </table>
 *
 * <ul>
 *   <li>Multi-branch unions are named as Iceberg 1.12's own {@code AvroSchemaUtil} names them
 *       ({@code [null, int, string]} is {@code struct<tag, field1: int, field2: string>}), so the
 *       columns are those of a table Iceberg would create from the schema. Iceberg also has a
 *       {@code field0} of the format-v3 type {@code unknown} for the null branch; it is always null
 *       and left out.
 *   <li>Nanosecond timestamps are truncated to microseconds: format v2 tables have no nanosecond
 *       type. Millisecond timestamps beyond Iceberg's microsecond range (about 290,000 years) are
 *       invalid input.
 *   <li>Other logical types ({@code duration}, {@code big-decimal}, unknown ones) read as their
 *       underlying type: {@code duration} is a fixed(12).
 *   <li>Fields of the null type (always null) have no column. Field docs become column docs.
 *   <li>Every nested field, list element and map value is optional; field ids are placeholders.
 *   <li>Bytes that do not fit the schema (truncated, a corrupt length, count or union index, bytes
 *       left over) fail the record as {@code INVALID_INPUT} naming the field. Lengths and counts
 *       are checked against the bytes left before anything is allocated for them.
 * </ul>
 *
 * <p>Instances are immutable and may be shared by threads: each thread decodes with a {@link
 * BinaryDecoder} of its own, kept in a thread local so its string buffer is reused across records
 * (it refers to the last input array until the thread's next call).
 */
public final class AvroSchemaDecoder implements SchemaDecoder {

  private static final ThreadLocal<BinaryDecoder> DECODERS = new ThreadLocal<>();

  private final Schema schema;
  private final Type valueType;
  private final AvroValueReader reader;

  private AvroSchemaDecoder(Schema schema, AvroTypeMapping.Mapped mapped) {
    this.schema = schema;
    this.valueType = mapped.type();
    this.reader = mapped.reader();
  }

  /**
   * A decoder of {@code schema}'s binary encoding.
   *
   * @throws IllegalArgumentException if Iceberg cannot hold the schema's values: a record that
   *     contains itself, a decimal of more than 38 digits, a value, array or map of nulls alone
   */
  public static AvroSchemaDecoder forSchema(Schema schema) {
    Preconditions.checkArgument(schema != null, "Cannot decode Avro: schema is null");
    return new AvroSchemaDecoder(schema, AvroTypeMapping.map(schema));
  }

  /** The writer schema this decoder reads. */
  public Schema schema() {
    return schema;
  }

  @Override
  public Type valueType() {
    return valueType;
  }

  /** A null {@code bytes} (a tombstone) decodes to null. */
  @Override
  public ConversionResult decode(byte[] bytes, int offset, int length) {
    if (bytes == null) {
      return ConversionResult.NULL;
    }
    Objects.checkFromIndexSize(offset, length, bytes.length);
    BinaryDecoder reused = DECODERS.get();
    BinaryDecoder in = DecoderFactory.get().binaryDecoder(bytes, offset, length, reused);
    if (in != reused) {
      DECODERS.set(in);
    }
    try {
      Object value = AvroValueReader.readChild(reader, in);
      int left = in.remainingBytes();
      if (left > 0) {
        throw new InvalidAvroException(
            "", left + " bytes are left over after it: the bytes are not of this schema");
      }
      return ConversionResult.converted(value);
    } catch (InvalidAvroException e) {
      return e.toResult();
    }
  }
}
