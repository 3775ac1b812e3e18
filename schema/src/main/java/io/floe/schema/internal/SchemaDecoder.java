package io.floe.schema.internal;

import io.floe.schema.ConversionResult;
import org.apache.iceberg.types.Type;

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
}
