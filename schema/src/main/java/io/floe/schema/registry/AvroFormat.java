package io.floe.schema.registry;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;

/**
 * Avro schemas, as Confluent's registry treats them.
 *
 * <p>Canonical form: the schema as Avro writes it back after parsing (compact JSON, attributes in Avro's
 * order). Whitespace and attribute order do not give a schema a new id; everything a reader sees does: field
 * order, defaults, logical types, aliases, docs and custom properties. (Avro's Parsing Canonical Form is not
 * used: it drops defaults and logical types, so two schemas that decode data differently would share an id.)
 * Named types defined by references stay references: they are written by name, never inlined.
 *
 * <p>References: each referenced schema is parsed first, in the order given, by the same parser, so the schema
 * can use their named types by full name.
 */
public final class AvroFormat implements SchemaFormat {

  private record Parsed(Schema schema, Collection<Schema> referencedTypes) {}

  @Override
  public SchemaType type() {
    return SchemaType.AVRO;
  }

  @Override
  @SuppressWarnings("deprecation") // the only writer that names, not inlines, types defined elsewhere
  public String canonicalize(String schema, Map<String, String> references) {
    Parsed parsed = parse(schema, references);
    return parsed.referencedTypes().isEmpty()
        ? parsed.schema().toString()
        : parsed.schema().toString(parsed.referencedTypes(), false);
  }

  @Override
  public List<String> readIncompatibilities(
      String reader, Map<String, String> readerReferences, String writer, Map<String, String> writerReferences) {
    Schema readerSchema = parse(reader, readerReferences).schema();
    Schema writerSchema = parse(writer, writerReferences).schema();
    List<String> out = new ArrayList<>();
    for (Incompatibility i :
        SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writerSchema)
            .getResult()
            .getIncompatibilities()) {
      out.add(describe(i));
    }
    return out;
  }

  private static String describe(Incompatibility i) {
    String what =
        switch (i.getType()) {
          case READER_FIELD_MISSING_DEFAULT_VALUE ->
              "the reader's field '" + i.getMessage() + "' has no default value and the writer's data lacks it;"
                  + " give the field a default";
          case NAME_MISMATCH ->
              "the reader's name differs from the writer's " + i.getMessage().replace("expected: ", "")
                  + "; keep the name, or list the old one in the reader's aliases";
          case MISSING_ENUM_SYMBOLS ->
              "the writer's enum symbols " + i.getMessage() + " are missing from the reader; add them, or give"
                  + " the reader's enum a default";
          case MISSING_UNION_BRANCH ->
              i.getMessage() + "; add the writer's type to the reader's union";
          default -> i.getMessage();
        };
    return i.getType() + " at " + i.getLocation() + ": " + what;
  }

  private static Parsed parse(String schema, Map<String, String> references) {
    Schema.Parser parser = new Schema.Parser();
    for (Map.Entry<String, String> ref : references.entrySet()) {
      try {
        parser.parse(ref.getValue());
      } catch (AvroRuntimeException e) {
        throw new InvalidSchemaException(
            "Cannot parse the Avro schema referenced as '" + ref.getKey() + "': " + e.getMessage(), e);
      }
    }
    Collection<Schema> referencedTypes = List.copyOf(parser.getTypes().values());
    try {
      return new Parsed(parser.parse(schema), referencedTypes);
    } catch (AvroRuntimeException e) {
      throw new InvalidSchemaException("Cannot parse the Avro schema: " + e.getMessage(), e);
    }
  }
}
