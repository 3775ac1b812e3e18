package io.floe.schema.internal.protobuf;

import com.squareup.wire.schema.ProtoFile;
import io.floe.schema.registry.SchemaFormat;
import io.floe.schema.registry.SchemaType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The registry's Protobuf schemas: a .proto text whose imports are given as references by import
 * path (the well-known types resolve without a reference). Compatibility follows Confluent's
 * Protobuf rules in essence; see {@link ProtobufCompatibility}.
 */
public final class ProtobufFormat implements SchemaFormat {

  /** The path the schema itself is parsed under; errors in it name this file. */
  static final String SCHEMA_PATH = "schema.proto";

  private static final String WIRE_HEADER = "// Proto schema formatted by Wire";

  @Override
  public SchemaType type() {
    return SchemaType.PROTOBUF;
  }

  /**
   * Parses and links the schema with its references. The canonical form is Wire's rendering of the
   * parsed file ({@code ProtoFile.toSchema()}) without its header: whitespace, comment placement
   * and option spelling are normalized, declarations keep their order and documentation comments
   * are kept.
   */
  @Override
  public String canonicalize(String schema, Map<String, String> references) {
    String text = parsed(schema, references).file.toSchema();
    // Wire's rendering starts with two comment lines naming the path it was parsed under: noise
    if (text.startsWith(WIRE_HEADER)) {
      int blankLine = text.indexOf("\n\n");
      text = blankLine < 0 ? text : text.substring(blankLine + 2);
    }
    return text;
  }

  @Override
  public List<String> readIncompatibilities(
      String reader,
      Map<String, String> readerReferences,
      String writer,
      Map<String, String> writerReferences) {
    ParsedSchema readerSchema = parsed(reader, readerReferences);
    ParsedSchema writerSchema = parsed(writer, writerReferences);
    return ProtobufCompatibility.readIncompatibilities(
        readerSchema.files, readerSchema.file, writerSchema.files, writerSchema.file);
  }

  private static ParsedSchema parsed(String schema, Map<String, String> references) {
    if (schema == null || schema.isBlank()) {
      throw new InvalidSchemaException("Invalid Protobuf schema: the schema text is empty");
    }
    Map<String, String> files = new LinkedHashMap<>();
    if (references != null) {
      files.putAll(references);
    }
    String path = SCHEMA_PATH;
    for (int i = 1; files.containsKey(path); i++) {
      path = "schema_" + i + ".proto";
    }
    files.put(path, schema);
    try {
      ProtoFileSet set = ProtoFileSet.parse(files);
      return new ParsedSchema(set, set.file(path));
    } catch (IllegalArgumentException e) {
      throw new InvalidSchemaException("Invalid Protobuf schema: " + e.getMessage(), e);
    }
  }

  private static final class ParsedSchema {
    final ProtoFileSet files;
    final ProtoFile file;

    ParsedSchema(ProtoFileSet files, ProtoFile file) {
      this.files = files;
      this.file = file;
    }
  }
}
