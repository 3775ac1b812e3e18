package io.floe.schema.internal.typed;

import io.floe.schema.Placement;
import io.floe.schema.ValueConverter;
import io.floe.schema.internal.SchemaDecoder;
import io.floe.schema.internal.protobuf.ProtoFileSet;
import io.floe.schema.internal.protobuf.ProtobufSchemaDecoder;
import io.floe.schema.registry.SchemaRegistryClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/** The converters of values with declared schemas, one per way of finding the schema. */
public final class TypedConverters {

  private TypedConverters() {}

  /** {@code by_schema_id}: Confluent wire format, schemas by id from {@code registry}. */
  public static ValueConverter bySchemaId(Placement placement, SchemaRegistryClient registry, LongSupplier clock) {
    return new DecodingValueConverter(placement, new ConfluentWireFormatLookup(registry, clock));
  }

  /** {@code by_latest_schema}: bare bytes read with {@code subject}'s latest version. */
  public static ValueConverter byLatestSchema(Placement placement, SchemaRegistryClient registry, String subject,
      String messageFullName, LongSupplier clock) {
    return new DecodingValueConverter(placement, new LatestSchemaLookup(registry, subject, messageFullName, clock));
  }

  /**
   * {@code protobuf}: bare Protobuf bytes of message {@code messageFullName}, read with the .proto files under
   * {@code path} (a directory, or a file whose directory holds its imports), parsed once here.
   *
   * @throws IllegalArgumentException if the files cannot be parsed or have no such message
   */
  public static ValueConverter protobufFiles(Placement placement, Path path, String messageFullName) {
    Path dir = Files.isRegularFile(path) ? path.toAbsolutePath().getParent() : path;
    SchemaDecoder decoder = ProtobufSchemaDecoder.forMessage(ProtoFileSet.load(dir), messageFullName);
    return new DecodingValueConverter(placement, new DecoderLookup() {
      @Override
      public Found find(byte[] bytes, int offset, int length) {
        return Found.decoder(decoder, offset);
      }
    });
  }

}
