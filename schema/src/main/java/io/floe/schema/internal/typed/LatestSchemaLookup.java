package io.floe.schema.internal.typed;

import io.floe.schema.ConversionResult;
import io.floe.schema.internal.SchemaDecoder;
import io.floe.schema.registry.RegisteredSchema;
import io.floe.schema.registry.SchemaRegistryClient;
import java.util.function.LongSupplier;

/**
 * {@code convert.*.type=by_latest_schema}: records are bare Avro or Protobuf bytes (no header), read with the
 * latest version of one registry subject ({@code <topic>-value} by default) and, for Protobuf, the message
 * {@code by_latest_schema.message.full.name} (else the file's first message). The latest version is asked
 * again every {@value #REFRESH_MS} ms, and at once (at most every {@value #MIN_REFRESH_MS} ms) when a record
 * does not decode with the one known, since the producer may have moved to a newer version.
 */
final class LatestSchemaLookup implements DecoderLookup {

  static final long REFRESH_MS = 10_000;
  static final long MIN_REFRESH_MS = 100;

  private final SchemaRegistryClient registry;
  private final SchemaResolver resolver;
  private final String subject;
  private final String messageFullName;
  private final LongSupplier clock;
  private int schemaId = -1;
  private SchemaDecoder decoder;
  private long checkedAtMs = Long.MIN_VALUE / 2;

  /** @param messageFullName the Protobuf message to read, or empty for the file's first one */
  LatestSchemaLookup(SchemaRegistryClient registry, String subject, String messageFullName, LongSupplier clock) {
    this.registry = registry;
    this.resolver = new SchemaResolver(registry);
    this.subject = subject;
    this.messageFullName = messageFullName;
    this.clock = clock;
  }

  @Override
  public Found find(byte[] bytes, int offset, int length) {
    if (decoder == null || clock.getAsLong() - checkedAtMs >= REFRESH_MS) {
      ConversionResult failure = refresh();
      if (failure != null && decoder == null) {
        return Found.failure(failure);
      }
    }
    return Found.decoder(decoder, offset);
  }

  /**
   * Asks for the latest version again after a record failed to decode with the known one; true if a newer
   * version was found (decode the record again).
   */
  boolean newerVersionAfterFailure() {
    if (clock.getAsLong() - checkedAtMs < MIN_REFRESH_MS) {
      return false;
    }
    int before = schemaId;
    return refresh() == null && schemaId != before;
  }

  /** Reads the latest version; on failure keeps the known one (if any) and returns why. */
  private ConversionResult refresh() {
    checkedAtMs = clock.getAsLong();
    String what = "the latest schema of subject " + subject;
    try {
      RegisteredSchema latest = registry.latest(subject);
      if (latest.id() != schemaId || decoder == null) {
        decoder = resolver.parse(latest).decoder(messageFullName);
        schemaId = latest.id();
      }
      return null;
    } catch (RuntimeException e) {
      return RegistryFailures.of(what, e);
    }
  }
}
