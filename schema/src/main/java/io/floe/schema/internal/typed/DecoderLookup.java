package io.floe.schema.internal.typed;

import io.floe.schema.ConversionResult;
import io.floe.schema.internal.SchemaDecoder;

/**
 * Finds the decoder for one record's bytes: by the schema id in its header (Confluent wire format), the
 * latest version of a registry subject, or a schema the topic names. Confined to one converter's thread.
 */
interface DecoderLookup {

  /**
   * The decoder of the record in {@code bytes[offset, offset + length)} and where its payload starts, or why
   * none can be had. Never throws for bad input or an unreachable registry.
   */
  Found find(byte[] bytes, int offset, int length);

  /** Exactly one of {@code decoder} (with its payload offset) and {@code failure} is set. */
  record Found(SchemaDecoder decoder, int payloadOffset, ConversionResult failure) {
    static Found decoder(SchemaDecoder decoder, int payloadOffset) {
      return new Found(decoder, payloadOffset, null);
    }

    static Found failure(ConversionResult failure) {
      return new Found(null, -1, failure);
    }
  }
}
