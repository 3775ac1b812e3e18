package io.floe.schema.internal.typed;

import io.floe.schema.ConversionError;
import io.floe.schema.ConversionResult;
import io.floe.schema.internal.SchemaDecoder;
import io.floe.schema.internal.protobuf.MessageIndexes;
import io.floe.schema.registry.RegisteredSchema;
import io.floe.schema.registry.SchemaRegistryClient;
import io.floe.schema.registry.SchemaType;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * {@code convert.*.type=by_schema_id}: records in Confluent's wire format, as its serializers write them:
 * magic byte 0, the schema's registry id as a 4-byte big-endian int, for Protobuf the message indexes
 * (zig-zag varints: a count, then the index path of the message in the schema's file), then the payload.
 *
 * <p>Schemas are parsed once per id and kept (ids never change meaning), up to {@value #MAX_SCHEMAS}, the
 * least recently used dropped first. An id the registry does not have is asked again only after {@value
 * #NOT_FOUND_RETRY_MS} ms, so a topic full of such records does not flood the registry.
 */
final class ConfluentWireFormatLookup implements DecoderLookup {

  static final byte MAGIC = 0;
  static final int HEADER_BYTES = 5;
  static final int MAX_SCHEMAS = 1_000;
  static final long NOT_FOUND_RETRY_MS = 10_000;

  private final SchemaRegistryClient registry;
  private final SchemaResolver resolver;
  private final LongSupplier clock;
  private final Map<Integer, Entry> schemas = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Integer, Entry> eldest) {
      return size() > MAX_SCHEMAS;
    }
  };

  /** A parsed schema, or the failure to get one and when it may be asked again. */
  private record Entry(RegisteredSchema schema, SchemaResolver.Parsed parsed, ConversionResult failure,
      long retryAtMs) {}

  ConfluentWireFormatLookup(SchemaRegistryClient registry, LongSupplier clock) {
    this.registry = registry;
    this.resolver = new SchemaResolver(registry);
    this.clock = clock;
  }

  @Override
  public Found find(byte[] bytes, int offset, int length) {
    if (length < HEADER_BYTES) {
      return invalid("the record has " + length + " bytes, fewer than the Confluent wire format's 5-byte header"
          + " (magic byte and schema id)");
    }
    if (bytes[offset] != MAGIC) {
      return invalid(String.format("the record starts with byte 0x%02x, not the Confluent wire format's magic"
          + " byte 0: it was not written by a schema-registry serializer", bytes[offset] & 0xff));
    }
    int id = ((bytes[offset + 1] & 0xff) << 24) | ((bytes[offset + 2] & 0xff) << 16)
        | ((bytes[offset + 3] & 0xff) << 8) | (bytes[offset + 4] & 0xff);
    Entry entry = schema(id);
    if (entry.failure() != null) {
      return Found.failure(entry.failure());
    }
    int payload = offset + HEADER_BYTES;
    try {
      if (entry.schema().type() != SchemaType.PROTOBUF) {
        return Found.decoder(entry.parsed().decoder(Optional.empty()), payload);
      }
      MessageIndexes.Read read = MessageIndexes.read(bytes, payload, length - HEADER_BYTES);
      if (read instanceof MessageIndexes.Read.Invalid invalid) {
        return invalid("the Protobuf message indexes after schema id " + id + " are corrupt: " + invalid.reason());
      }
      MessageIndexes.Read.Parsed parsed = (MessageIndexes.Read.Parsed) read;
      SchemaDecoder decoder = entry.parsed().decoder(Optional.of(parsed.indexes()));
      return Found.decoder(decoder, payload + parsed.bytesRead());
    } catch (IllegalArgumentException e) {
      return invalid("schema id " + id + ": " + e.getMessage());
    }
  }

  private Entry schema(int id) {
    Entry entry = schemas.get(id);
    long now = clock.getAsLong();
    if (entry != null && (entry.failure() == null || now < entry.retryAtMs())) {
      return entry;
    }
    String what = "schema id " + id;
    try {
      RegisteredSchema schema = registry.byId(id);
      entry = new Entry(schema, resolver.parse(schema), null, 0);
    } catch (RuntimeException e) {
      ConversionResult failure = RegistryFailures.of(what, e);
      if (failure.error().reason() == ConversionError.Reason.UNAVAILABLE) {
        return new Entry(null, null, failure, 0); // not kept: asked again with the next record
      }
      entry = new Entry(null, null, failure, now + NOT_FOUND_RETRY_MS);
    }
    schemas.put(id, entry);
    return entry;
  }

  private static Found invalid(String message) {
    return Found.failure(ConversionResult.failed(ConversionError.Reason.INVALID_INPUT, "", message));
  }
}
