package io.floe.schema.internal;

import io.floe.schema.ConversionResult;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * Decodes the binary encoding of one fixed, known schema (an Avro record schema, a Protobuf message
 * type, a JSON Schema) into the values {@link io.floe.schema.RecordBuilder} takes. One instance per
 * writer schema; a converter that reads records of many schemas (by registry schema id) keeps one
 * decoder per schema.
 *
 * <p>Instances are immutable after creation and may be shared by threads, unless an implementation
 * says otherwise.
 */
public interface SchemaDecoder {

  /**
   * The Iceberg type of a whole decoded value: for a record or message, a struct whose fields are its
   * columns in the schema's field order. Every nested field, list element and map value is optional
   * (a later schema version may drop it). Field ids are placeholders, unique within this type only:
   * callers match fields by name.
   */
  Type valueType();

  /**
   * Decodes {@code length} bytes of {@code bytes} from {@code offset} (the payload alone, without any
   * wire-format header). A struct value is a {@link io.floe.schema.ConvertedStruct} whose names are
   * the struct type's field names; other values are the Java types {@code RecordBuilder} takes for
   * the Iceberg type. Never throws for bad input: corrupt or truncated bytes are a {@link
   * io.floe.schema.ConversionError.Reason#INVALID_INPUT} failure naming the field being read.
   */
  ConversionResult decode(byte[] bytes, int offset, int length);

  /**
   * A decoder of the same schema whose struct names follow {@code table}, the struct its values are
   * written into (a table's columns, or the struct column that holds the whole value), where the
   * schema language can tell that a column stands for a field of another name. Protobuf can: its
   * columns carry their field numbers in their docs, so a field renamed under the same number keeps
   * writing into its column. The result derives from the schema and {@code table} alone, not from
   * the names of this instance; it may be this instance, and it is not cached: callers keep it
   * while the table's schema is unchanged.
   */
  default SchemaDecoder boundTo(Types.StructType table) {
    return this;
  }
}
