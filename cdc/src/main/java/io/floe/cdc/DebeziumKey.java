package io.floe.cdc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.floe.cdc.internal.ConnectTypeMapping;
import io.floe.schema.ConversionError;
import io.floe.schema.ConversionError.Reason;
import io.floe.schema.ConversionResult;
import io.floe.schema.ConvertedStruct;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import org.apache.iceberg.types.Types;

/**
 * Reads the key of a Debezium change event, as Kafka's {@code JsonConverter} wrote it with or
 * without its schema: a struct of the table's primary key columns (or of {@code
 * message.key.columns}). Its field names, in order, are what {@code automq.table.topic.id.columns}
 * should be when a user has not set it.
 *
 * <p>Thread-safe; decoders of key schemas are cached.
 */
public final class DebeziumKey {

  private static final ConnectDecoderCache DECODERS = new ConnectDecoderCache();

  private DebeziumKey() {}

  /** What one record key is. */
  public sealed interface Result permits Key, NoKey, Failure {}

  /**
   * A key.
   *
   * @param fieldNames the key's column names, in key order (dots replaced by underscores, as the
   *     row's columns are named)
   * @param fields the key's values: decoded with the key's schema, or its JSON object
   */
  public record Key(List<String> fieldNames, RowImage fields) implements Result {
    public Key {
      fieldNames = List.copyOf(fieldNames);
      Objects.requireNonNull(fields, "fields");
    }
  }

  /** A null key: Debezium writes one for a table without a primary key. */
  public record NoKey() implements Result {
    static final NoKey INSTANCE = new NoKey();
  }

  /** Why a key is not a Debezium key. */
  public record Failure(ConversionError error) implements Result {
    public Failure {
      Objects.requireNonNull(error, "error");
    }

    public String message() {
      return error.message();
    }
  }

  /** Reads all of {@code keyBytes}, which may be null. */
  public static Result key(byte[] keyBytes) {
    return keyBytes == null ? NoKey.INSTANCE : key(keyBytes, 0, keyBytes.length);
  }

  /** Reads {@code length} bytes of a record key from {@code offset}. Never throws for bad input. */
  public static Result key(byte[] keyBytes, int offset, int length) {
    if (keyBytes == null) {
      return NoKey.INSTANCE;
    }
    ConnectJsonValue.Outcome outcome = ConnectJsonValue.parse(keyBytes, offset, length);
    if (outcome.error() != null) {
      return new Failure(outcome.error());
    }
    ConnectJsonValue.Parsed parsed = outcome.parsed();
    if (parsed.isNull()) {
      return NoKey.INSTANCE;
    }
    JsonNode payload = parsed.payload();
    if (!payload.isObject()) {
      return failure("the key is not a Debezium key: it is not a JSON object");
    }
    if (parsed.schema() == null) {
      List<String> names = new ArrayList<>();
      Iterator<String> fields = payload.fieldNames();
      while (fields.hasNext()) {
        names.add(ConnectTypeMapping.columnName(fields.next()));
      }
      try {
        return new Key(
            names, new RowImage.Json(ConnectSchemaDecoder.JSON.writeValueAsBytes(payload)));
      } catch (JsonProcessingException e) {
        return failure("the key cannot be written as JSON: " + e.getOriginalMessage());
      }
    }
    ConnectSchemaDecoder decoder;
    try {
      decoder = DECODERS.decoderFor(parsed.schema());
    } catch (IllegalArgumentException e) {
      return failure("the key's Connect schema cannot be read: " + e.getMessage());
    }
    if (!decoder.valueType().isStructType()) {
      return failure("the key's Connect schema is not a struct");
    }
    ConversionResult decoded = decoder.decode(payload);
    if (!decoded.isConverted()) {
      return new Failure(decoded.error());
    }
    List<String> names =
        decoder.valueType().asStructType().fields().stream().map(Types.NestedField::name).toList();
    return new Key(names, new RowImage.Typed(decoder.valueType().asStructType(), (ConvertedStruct) decoded.value()));
  }

  private static Failure failure(String message) {
    return new Failure(new ConversionError(Reason.INVALID_INPUT, "", message));
  }
}
