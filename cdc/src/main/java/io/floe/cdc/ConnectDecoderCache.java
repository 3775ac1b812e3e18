package io.floe.cdc;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The decoders of the Connect schemas seen lately, by schema (JSON trees compare by content).
 * JsonConverter repeats a topic's schema in every record, so building a decoder per record would
 * cost more than decoding; a topic sees few schema versions. Bounded: when full it is emptied, as a
 * table that changed schema many times is rare and the decoders are cheap to rebuild.
 */
final class ConnectDecoderCache {

  private static final int MAX_ENTRIES = 256;

  private final Map<JsonNode, ConnectSchemaDecoder> decoders = new ConcurrentHashMap<>();

  /**
   * @throws IllegalArgumentException if {@code schema} is not a Connect schema the decoder maps
   */
  ConnectSchemaDecoder decoderFor(JsonNode schema) {
    ConnectSchemaDecoder decoder = decoders.get(schema);
    if (decoder == null) {
      decoder = ConnectSchemaDecoder.forSchema(schema);
      if (decoders.size() >= MAX_ENTRIES) {
        decoders.clear();
      }
      decoders.put(schema.deepCopy(), decoder);
    }
    return decoder;
  }
}
