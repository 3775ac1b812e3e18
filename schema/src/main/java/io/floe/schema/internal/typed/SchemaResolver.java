package io.floe.schema.internal.typed;

import io.floe.schema.internal.SchemaDecoder;
import io.floe.schema.internal.avro.AvroSchemaDecoder;
import io.floe.schema.internal.jsonschema.JsonSchemaDecoder;
import io.floe.schema.internal.protobuf.MessageIndexes;
import io.floe.schema.internal.protobuf.ProtoFileSet;
import io.floe.schema.internal.protobuf.ProtobufSchemaDecoder;
import io.floe.schema.registry.RegisteredSchema;
import io.floe.schema.registry.SchemaReference;
import io.floe.schema.registry.SchemaRegistryClient;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a registered schema into decoders: resolves its references through the registry (transitively,
 * dependencies first), parses it in its language, and picks the message a record names.
 */
final class SchemaResolver {

  /** References deeper than this are refused, so a reference cycle cannot loop. */
  static final int MAX_REFERENCE_DEPTH = 32;

  private final SchemaRegistryClient registry;

  SchemaResolver(SchemaRegistryClient registry) {
    this.registry = registry;
  }

  /** A parsed schema: the decoder of a message picked by index path (Protobuf) or of the whole schema. */
  interface Parsed {
    /**
     * The decoder for {@code indexes} (Protobuf) or for the schema (others, {@code indexes} empty).
     *
     * @throws IllegalArgumentException if the schema has no such message
     */
    SchemaDecoder decoder(Optional<MessageIndexes> indexes);

    /** The decoder of the message named {@code fullName} (Protobuf), or of the schema when empty. */
    SchemaDecoder decoder(String fullName);
  }

  /**
   * Parses {@code schema} with its references.
   *
   * @throws IllegalArgumentException if it cannot be parsed or holds types Iceberg cannot (recursion)
   * @throws io.floe.schema.registry.SchemaRegistryException if a reference is not in the registry
   * @throws io.floe.schema.registry.RegistryUnavailableException if the registry cannot be reached
   */
  Parsed parse(RegisteredSchema schema) {
    Map<String, String> references = new LinkedHashMap<>();
    resolve(schema.references(), references, new HashSet<>(), 0);
    return switch (schema.type()) {
      case AVRO -> avro(schema, references);
      case PROTOBUF -> protobuf(schema, references);
      case JSON -> json(schema, references);
    };
  }

  /** Adds the texts of {@code refs} and of what they reference, dependencies before dependants. */
  private void resolve(List<SchemaReference> refs, Map<String, String> out, Set<String> visiting, int depth) {
    if (depth > MAX_REFERENCE_DEPTH) {
      throw new IllegalArgumentException("Cannot resolve schema references: deeper than " + MAX_REFERENCE_DEPTH);
    }
    for (SchemaReference ref : refs) {
      if (out.containsKey(ref.name()) || !visiting.add(ref.name())) {
        continue;
      }
      RegisteredSchema referenced = registry.version(ref.subject(), ref.version());
      resolve(referenced.references(), out, visiting, depth + 1);
      out.put(ref.name(), referenced.schema());
    }
  }

  private static Parsed avro(RegisteredSchema schema, Map<String, String> references) {
    org.apache.avro.Schema.Parser parser = new org.apache.avro.Schema.Parser();
    org.apache.avro.Schema parsed;
    try {
      for (String text : references.values()) {
        parser.parse(text);
      }
      parsed = parser.parse(schema.schema());
    } catch (org.apache.avro.SchemaParseException e) {
      throw new IllegalArgumentException("Cannot parse Avro schema " + schema.id() + ": " + e.getMessage(), e);
    }
    AvroSchemaDecoder decoder = AvroSchemaDecoder.forSchema(parsed);
    return new Parsed() {
      @Override
      public SchemaDecoder decoder(Optional<MessageIndexes> indexes) {
        return decoder;
      }

      @Override
      public SchemaDecoder decoder(String fullName) {
        return decoder;
      }
    };
  }

  private static Parsed json(RegisteredSchema schema, Map<String, String> references) {
    JsonSchemaDecoder decoder = JsonSchemaDecoder.forSchema(schema.schema(), references);
    return new Parsed() {
      @Override
      public SchemaDecoder decoder(Optional<MessageIndexes> indexes) {
        return decoder;
      }

      @Override
      public SchemaDecoder decoder(String fullName) {
        return decoder;
      }
    };
  }

  private static Parsed protobuf(RegisteredSchema schema, Map<String, String> references) {
    String root = "floe/registry/schema-" + schema.id() + ".proto";
    Map<String, String> files = new LinkedHashMap<>(references);
    files.put(root, schema.schema());
    ProtoFileSet set = ProtoFileSet.parse(files);
    return new Parsed() {
      private final Map<MessageIndexes, SchemaDecoder> byIndexes = new LinkedHashMap<>();
      private final Map<String, SchemaDecoder> byName = new LinkedHashMap<>();

      @Override
      public synchronized SchemaDecoder decoder(Optional<MessageIndexes> indexes) {
        MessageIndexes path = indexes.orElse(MessageIndexes.FIRST);
        SchemaDecoder d = byIndexes.get(path);
        if (d == null) {
          String name = path.messageName(set.file(root)).orElseThrow(() -> new IllegalArgumentException(
              "Cannot decode with schema " + schema.id() + ": it has no message at index path " + path));
          d = decoder(name);
          byIndexes.put(path, d);
        }
        return d;
      }

      @Override
      public synchronized SchemaDecoder decoder(String fullName) {
        if (fullName.isEmpty()) {
          return decoder(Optional.empty()); // the file's first message, as index path [0] names it
        }
        return byName.computeIfAbsent(fullName, n -> ProtobufSchemaDecoder.forMessage(set, n));
      }
    };
  }
}
