package io.floe.schema.internal.jsonschema;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.floe.schema.ConversionError.Reason;
import io.floe.schema.ConversionResult;
import io.floe.schema.internal.SchemaDecoder;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import org.apache.iceberg.types.Type;

/**
 * Decodes JSON text described by one JSON Schema (draft-07, 2019-09 or 2020-12, as Confluent's
 * {@code KafkaJsonSchemaSerializer} registers it; the payload after Confluent's 5-byte header) into
 * the values {@code RecordBuilder} takes. Values are read with Jackson's streaming parser straight
 * into those values; no JSON tree is built, except that a value a union cannot tell the branch of
 * by its first token is parsed once per branch tried.
 *
 * <h2>Types</h2>
 *
 * <table>
 *   <caption>JSON Schema types and the Iceberg types and Java values they decode to</caption>
 *   <tr><th>JSON Schema</th><th>Iceberg</th><th>Java value</th></tr>
 *   <tr><td>object with properties</td><td>struct, fields in declared order</td><td>{@code
 *       ConvertedStruct}</td></tr>
 *   <tr><td>object with no properties and an {@code additionalProperties} schema</td><td>map&lt;string,
 *       V&gt;</td><td>{@code Map}</td></tr>
 *   <tr><td>object with neither (free-form), or any type ({@code {}}, {@code true}, no {@code
 *       type})</td><td>string</td><td>{@code String}: the value's JSON text as written</td></tr>
 *   <tr><td>string</td><td>string</td><td>{@code String}</td></tr>
 *   <tr><td>string, format date-time</td><td>timestamptz</td><td>{@code OffsetDateTime} in UTC; no
 *       offset means UTC</td></tr>
 *   <tr><td>string, format date</td><td>date</td><td>{@code LocalDate}</td></tr>
 *   <tr><td>string, format time</td><td>time</td><td>{@code LocalTime}; one with an offset is moved
 *       to UTC</td></tr>
 *   <tr><td>string, format uuid</td><td>uuid</td><td>{@code UUID}</td></tr>
 *   <tr><td>integer</td><td>long</td><td>{@code Long}</td></tr>
 *   <tr><td>number</td><td>double</td><td>{@code Double}</td></tr>
 *   <tr><td>boolean</td><td>boolean</td><td>{@code Boolean}</td></tr>
 *   <tr><td>array with {@code items}</td><td>list</td><td>{@code List}</td></tr>
 *   <tr><td>array without {@code items}</td><td>list&lt;string&gt;</td><td>{@code List} of JSON
 *       texts</td></tr>
 *   <tr><td>{@code enum}/{@code const} without a type</td><td>the type of its values (string for
 *       strings); JSON text if they mix types</td><td>as for that type</td></tr>
 *   <tr><td>{@code "type": ["null", X]}, {@code oneOf}/{@code anyOf} of null and X, or of
 *       branches that all map to X</td><td>X</td><td>X's value, or null</td></tr>
 *   <tr><td>{@code oneOf}/{@code anyOf} of X, Y, ... (and null); {@code "type": [X, Y,
 *       ...]}</td><td>struct&lt;tag: int, field<i>i</i>: branch <i>i</i>, ...&gt; (no field for a
 *       null branch)</td><td>{@code ConvertedStruct}: {@code tag} is the index of the record's
 *       branch among the alternatives, {@code field<tag>} its value</td></tr>
 *   <tr><td>{@code allOf}, {@code $ref}</td><td>the type of the subschemas together</td><td>as for
 *       that type</td></tr>
 * </table>
 *
 * <ul>
 *   <li>{@code number} is a double, as Confluent's JSON Schema converter for Kafka Connect reads it
 *       (float64): JSON Schema gives numbers no precision, and a decimal column would need one.
 *       {@code integer} is a long; a number written {@code 3.0} is the integer 3, as JSON Schema
 *       has it.
 *   <li>{@code $ref} resolves within the document ({@code #/definitions/X}, {@code #/$defs/X}, any
 *       JSON pointer, {@code $anchor}) and to the schemas the registry's references name: by the
 *       reference's name, or by URL resolved against the schema's {@code $id}. Keywords beside a
 *       {@code $ref} apply together with its target, as in 2019-09 and later.
 *   <li>{@code allOf} members, {@code $ref} targets and the schema around them are merged: types
 *       intersect, properties add up in order. Subschemas beside a {@code oneOf}/{@code anyOf}
 *       apply within each of its branches.
 *   <li>Multi-branch unions are named as {@code AvroSchemaDecoder} names Avro's unions (as
 *       Iceberg's {@code AvroSchemaUtil} does): {@code oneOf: [A, B]} is {@code struct<tag, field0:
 *       A, field1: B>}. The branch is picked by the value's JSON token when only one branch takes
 *       it (a string, an object, ...); otherwise the first branch the value is valid against,
 *       checking types, formats, {@code required}, {@code additionalProperties: false} and {@code
 *       enum}/{@code const}; if it is valid against none, the first branch its token fits reads it.
 *   <li>Property names become column names with dots replaced by underscores, as schemaless JSON
 *       does; a property with an empty name, or whose schema allows only null, has no column.
 *       Descriptions become column docs.
 *   <li>Not mapped: tuple arrays ({@code prefixItems}, an {@code items} array) are kept as JSON
 *       text; {@code patternProperties}, and {@code additionalProperties} beside properties, are
 *       not kept; {@code not}, {@code if}/{@code then}/{@code else} and {@code dependentSchemas}
 *       are ignored.
 *   <li>Every nested field, list element and map value is optional; field ids are placeholders.
 *   <li>Refused ({@link #forSchema} throws): a schema that contains itself through {@code $ref}
 *       (Iceberg types are finite), one that allows only null, a {@code $ref} that names nothing,
 *       two properties that would be one column, types nested deeper than {@value
 *       JsonSchemaTypeMapping#MAX_DEPTH} levels or expanding to more than {@value
 *       JsonSchemaTypeMapping#MAX_FIELD_IDS} fields.
 * </ul>
 *
 * <h2>Values</h2>
 *
 * <ul>
 *   <li>Properties the schema does not have are skipped (a newer writer's); missing ones are null.
 *       JSON {@code null} is null for any field, since Confluent's serializer does not validate by
 *       default; the value {@code null} converts to null. A key repeated in one object keeps its
 *       last value.
 *   <li>Date-times, dates and times are RFC 3339, with a missing offset taken as UTC and {@code t}
 *       or a space allowed for {@code T} (see {@code Rfc3339}); UUIDs are in their 8-4-4-4-12 form.
 *   <li>A value of another JSON type than its schema's (a string for an integer, a fraction for an
 *       integer, a date-time that is not RFC 3339) fails the record as {@code INVALID_INPUT} naming
 *       the field, its schema type and what the record has; so do malformed JSON, JSON that is not
 *       UTF-8, an empty value and content after the value. Integers beyond the long range, and
 *       numbers beyond the double range, are {@code UNSUPPORTED}.
 *   <li>{@code required}, {@code enum}, {@code additionalProperties: false}, bounds and patterns
 *       are not enforced (the writer's serializer validates if configured to); they only guide the
 *       choice of a union's branch.
 *   <li>Memory is bounded by the input: Jackson's default {@code StreamReadConstraints} limit
 *       nesting depth, and number and string lengths.
 * </ul>
 *
 * <p>Instances are immutable and may be shared by threads.
 */
public final class JsonSchemaDecoder implements SchemaDecoder {

  // thread-safe; one per decoder, so records of one schema share a table of interned names
  private final JsonFactory json =
      JsonFactory.builder().enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER).build();
  private final Type valueType;
  private final JsonValueReader reader;

  private JsonSchemaDecoder(JsonSchemaTypeMapping.Mapped mapped) {
    this.valueType = mapped.type();
    this.reader = mapped.reader();
  }

  /**
   * A decoder of JSON described by {@code schemaJson}.
   *
   * @param references the texts of the schemas {@code $ref}s name, by reference name (the URL or
   *     name a {@code $ref} uses, as Confluent's schema references name them); empty if none
   * @throws IllegalArgumentException if a schema is not JSON, a {@code $ref} names nothing, or
   *     Iceberg cannot hold the schema's values: a schema that contains itself through {@code
   *     $ref}, one that allows only null, two properties that would be one column
   */
  public static JsonSchemaDecoder forSchema(String schemaJson, Map<String, String> references) {
    return new JsonSchemaDecoder(
        JsonSchemaTypeMapping.map(SchemaDocuments.parse(schemaJson, references)));
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
    try (JsonInput in = new JsonInput(json, bytes, offset, length, false)) {
      JsonToken token = in.parser.nextToken();
      if (token == null) {
        return ConversionResult.failed(Reason.INVALID_INPUT, "", "the value is empty, not JSON");
      }
      Object value = JsonValueReader.readChild(reader, in, token);
      if (in.parser.nextToken() != null) {
        return ConversionResult.failed(
            Reason.INVALID_INPUT,
            "",
            "invalid JSON: more content after the value at "
                + where(in.parser.currentTokenLocation()));
      }
      return ConversionResult.converted(value);
    } catch (InvalidJsonValueException e) {
      return e.toResult();
    } catch (JsonProcessingException e) {
      return ConversionResult.failed(
          Reason.INVALID_INPUT,
          "",
          "invalid JSON: " + e.getOriginalMessage() + " at " + where(e.getLocation()));
    } catch (IOException e) {
      // reading a byte array does no I/O; kept for the checked signature
      return ConversionResult.failed(Reason.INVALID_INPUT, "", "unreadable JSON: " + e);
    }
  }

  private static String where(JsonLocation location) {
    return location == null
        ? "an unknown position"
        : "line " + location.getLineNr() + ", column " + location.getColumnNr();
  }

  @Override
  public String toString() {
    return "JsonSchemaDecoder(" + valueType + ")";
  }
}
