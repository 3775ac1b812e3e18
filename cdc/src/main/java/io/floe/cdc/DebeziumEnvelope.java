package io.floe.cdc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.floe.schema.ConversionError;
import io.floe.schema.ConversionError.Reason;
import io.floe.schema.ConversionResult;
import io.floe.schema.ConvertedStruct;
import java.util.Objects;
import java.util.Optional;
import org.apache.iceberg.types.Types;

/**
 * Unwraps Debezium change events written by Kafka's {@code JsonConverter}, with the {@code
 * schema}/{@code payload} wrapper ({@code schemas.enable=true}) or without it, into the operation,
 * the row it leaves ({@code after}; {@code before} for a delete), and its source.
 *
 * <p>A record value is one of:
 *
 * <ul>
 *   <li>{@link Change}: an insert ({@code c}), snapshot read ({@code r}), update ({@code u}) or
 *       delete ({@code d}) of one row;
 *   <li>{@link Truncate}: the table was truncated ({@code t});
 *   <li>{@link Tombstone}: a null value (Kafka null, JSON {@code null}, or a wrapper of null
 *       payload), which Debezium writes after a delete for log compaction: it changes nothing that
 *       the delete did not;
 *   <li>{@link TransactionMarker}: a {@code BEGIN}/{@code END} event of Debezium's transaction
 *       metadata topic ({@code provide.transaction.metadata}), to skip;
 *   <li>{@link Failure}: anything else, never thrown: not JSON, not an envelope, an unknown {@code
 *       op}, a change without the row image its op needs, a row that does not match its schema.
 * </ul>
 *
 * <p>Thread-safe. Decoders of the envelopes' schemas are cached, so events of one table share one
 * {@link ConnectSchemaDecoder} (and its {@code ConvertedStruct.Names}).
 */
public final class DebeziumEnvelope {

  private static final ConnectDecoderCache DECODERS = new ConnectDecoderCache();

  private DebeziumEnvelope() {}

  /** What one record value is. */
  public sealed interface Unwrapped
      permits Change, Truncate, Tombstone, TransactionMarker, Failure {}

  /**
   * A change of one row.
   *
   * @param op the operation: never {@link Operation#TRUNCATE}
   * @param row the row after the change; for a delete, the row before it (with PostgreSQL's default
   *     replica identity, only its key columns are set)
   * @param source where the change came from
   * @param tsMs when Debezium processed the event (the envelope's {@code ts_ms}), or null if absent
   */
  public record Change(Operation op, RowImage row, Source source, Long tsMs) implements Unwrapped {
    public Change {
      Objects.requireNonNull(op, "op");
      Objects.requireNonNull(row, "row");
      Objects.requireNonNull(source, "source");
    }

    /** Whether the row is to be removed from the table (a delete) rather than written. */
    public boolean isDelete() {
      return op == Operation.DELETE;
    }
  }

  /** The table was truncated: every row before this event is gone. */
  public record Truncate(Source source, Long tsMs) implements Unwrapped {
    public Truncate {
      Objects.requireNonNull(source, "source");
    }
  }

  /** A null value: nothing to write. */
  public record Tombstone() implements Unwrapped {
    static final Tombstone INSTANCE = new Tombstone();
  }

  /**
   * A transaction metadata event: {@code status} {@code BEGIN} or {@code END}, the transaction's
   * {@code id}, and for {@code END} its {@code event_count} (else null).
   */
  public record TransactionMarker(String status, String id, Long eventCount) implements Unwrapped {}

  /** Why a value is not a change event; {@code error.field()} names the field at fault. */
  public record Failure(ConversionError error) implements Unwrapped {
    public Failure {
      Objects.requireNonNull(error, "error");
    }

    public String message() {
      return error.message();
    }
  }

  /** Unwraps all of {@code value}, which may be null. */
  public static Unwrapped unwrap(byte[] value) {
    return value == null ? Tombstone.INSTANCE : unwrap(value, 0, value.length);
  }

  /**
   * Unwraps {@code length} bytes of a record value from {@code offset}; null {@code value} is a
   * tombstone. Never throws for bad input.
   */
  public static Unwrapped unwrap(byte[] value, int offset, int length) {
    if (value == null) {
      return Tombstone.INSTANCE;
    }
    Unwrapped fast = SchemalessEnvelopeScanner.scan(value, offset, length);
    return fast != null ? fast : unwrapTree(value, offset, length);
  }

  /** The general path of {@link #unwrap(byte[], int, int)}: the event read as a tree, any form, any error. */
  static Unwrapped unwrapTree(byte[] value, int offset, int length) {
    ConnectJsonValue.Outcome outcome = ConnectJsonValue.parse(value, offset, length);
    if (outcome.error() != null) {
      return new Failure(outcome.error());
    }
    ConnectJsonValue.Parsed parsed = outcome.parsed();
    if (parsed.isNull()) {
      return Tombstone.INSTANCE;
    }
    JsonNode event = parsed.payload();
    if (!event.isObject()) {
      return failure("", "the value is not a Debezium envelope: it is not a JSON object");
    }
    JsonNode op = event.get("op");
    if (op == null) {
      return transactionMarker(event)
          .orElseGet(
              () ->
                  failure(
                      "op",
                      "the value is not a Debezium envelope: it has no 'op' field (nor is it a"
                          + " transaction BEGIN/END event)"));
    }
    Optional<Operation> operation =
        op.isTextual() ? Operation.fromCode(op.textValue()) : Optional.empty();
    if (operation.isEmpty()) {
      return failure("op", "the envelope's op is " + op + ", not one of c, r, u, d, t");
    }
    JsonNode sourceNode = event.get("source");
    if (sourceNode == null || !sourceNode.isObject()) {
      return failure("source", "the envelope has no 'source' block");
    }
    Source source = source(sourceNode);
    Long tsMs = longOrNull(event.get("ts_ms"));
    if (operation.get() == Operation.TRUNCATE) {
      return new Truncate(source, tsMs);
    }
    String image = operation.get() == Operation.DELETE ? "before" : "after";
    JsonNode row = event.get(image);
    if (row == null || row.isNull()) {
      return failure(
          image,
          String.format(
              "the %s event (op '%s') has no '%s' row image",
              operation.get().name().toLowerCase(java.util.Locale.ROOT),
              operation.get().code(),
              image));
    }
    if (!row.isObject()) {
      return failure(image, "the envelope's '" + image + "' is not a JSON object");
    }
    Object rowImage = rowImage(parsed.schema(), image, row);
    if (rowImage instanceof Failure failure) {
      return failure;
    }
    return new Change(operation.get(), (RowImage) rowImage, source, tsMs);
  }

  /**
   * Unwraps an envelope already decoded by its schema: Debezium with Confluent's Avro or Protobuf converter,
   * read by the schema module's decoders ({@code by_schema_id}, {@code by_latest_schema}). The envelope has
   * the same fields as in JSON: {@code op}, {@code before}, {@code after}, {@code source}, {@code ts_ms}. A
   * null envelope is a tombstone. Never throws for bad input.
   *
   * @param envelope the decoded value
   * @param envelopeType its struct type, whose {@code before}/{@code after} fields type the row
   */
  public static Unwrapped unwrap(ConvertedStruct envelope, Types.StructType envelopeType) {
    if (envelope == null) {
      return Tombstone.INSTANCE;
    }
    Object op = envelope.get("op");
    if (op == null) {
      Object status = envelope.get("status");
      Object id = envelope.get("id");
      if (status instanceof CharSequence st && id instanceof CharSequence txn
          && ("BEGIN".equals(st.toString()) || "END".equals(st.toString()))) {
        Object count = envelope.get("event_count");
        return new TransactionMarker(st.toString(), txn.toString(),
            count instanceof Number n ? n.longValue() : null);
      }
      return failure("op", "the value is not a Debezium envelope: it has no 'op' field (nor is it a"
          + " transaction BEGIN/END event)");
    }
    Optional<Operation> operation = op instanceof CharSequence c ? Operation.fromCode(c.toString()) : Optional.empty();
    if (operation.isEmpty()) {
      return failure("op", "the envelope's op is " + op + ", not one of c, r, u, d, t");
    }
    if (!(envelope.get("source") instanceof ConvertedStruct sourceStruct)) {
      return failure("source", "the envelope has no 'source' block");
    }
    Source source = new Source(text(sourceStruct.get("connector")), text(sourceStruct.get("db")),
        text(sourceStruct.get("schema")), text(sourceStruct.get("table")), number(sourceStruct.get("ts_ms")),
        number(sourceStruct.get("lsn")), text(sourceStruct.get("txId")), text(sourceStruct.get("snapshot")));
    Long tsMs = number(envelope.get("ts_ms"));
    if (operation.get() == Operation.TRUNCATE) {
      return new Truncate(source, tsMs);
    }
    String image = operation.get() == Operation.DELETE ? "before" : "after";
    Types.NestedField field = envelopeType.field(image);
    if (!(envelope.get(image) instanceof ConvertedStruct row) || field == null || !field.type().isStructType()) {
      return failure(image, String.format("the %s event (op '%s') has no '%s' row image",
          operation.get().name().toLowerCase(java.util.Locale.ROOT), operation.get().code(), image));
    }
    return new Change(operation.get(), new RowImage.Typed(field.type().asStructType(), row), source, tsMs);
  }

  private static String text(Object value) {
    return value == null ? null : value.toString();
  }

  private static Long number(Object value) {
    return value instanceof Number n ? n.longValue() : null;
  }

  /** A {@link RowImage} or a {@link Failure}. */
  private static Object rowImage(JsonNode envelopeSchema, String image, JsonNode row) {
    if (envelopeSchema == null) {
      try {
        return new RowImage.Json(ConnectSchemaDecoder.JSON.writeValueAsBytes(row));
      } catch (JsonProcessingException e) {
        return failure(
            image, "the '" + image + "' row cannot be written as JSON: " + e.getOriginalMessage());
      }
    }
    JsonNode rowSchema = ConnectJsonValue.fieldSchema(envelopeSchema, image);
    if (rowSchema == null) {
      return failure(image, "the envelope's schema has no '" + image + "' field");
    }
    ConnectSchemaDecoder decoder;
    try {
      decoder = DECODERS.decoderFor(rowSchema);
    } catch (IllegalArgumentException e) {
      return failure(
          image, "the '" + image + "' field's Connect schema cannot be read: " + e.getMessage());
    }
    if (!decoder.valueType().isStructType()) {
      return failure(image, "the '" + image + "' field's Connect schema is not a struct");
    }
    ConversionResult decoded = decoder.decode(row);
    if (!decoded.isConverted()) {
      return new Failure(decoded.error());
    }
    return new RowImage.Typed(decoder.valueType().asStructType(), (ConvertedStruct) decoded.value());
  }

  private static Optional<Unwrapped> transactionMarker(JsonNode event) {
    JsonNode status = event.get("status");
    JsonNode id = event.get("id");
    if (status != null
        && status.isTextual()
        && (status.textValue().equals("BEGIN") || status.textValue().equals("END"))
        && id != null
        && id.isTextual()) {
      return Optional.of(
          new TransactionMarker(
              status.textValue(), id.textValue(), longOrNull(event.get("event_count"))));
    }
    return Optional.empty();
  }

  private static Source source(JsonNode source) {
    return new Source(
        textOrNull(source.get("connector")),
        textOrNull(source.get("db")),
        textOrNull(source.get("schema")),
        textOrNull(source.get("table")),
        longOrNull(source.get("ts_ms")),
        longOrNull(source.get("lsn")),
        textOrNull(source.get("txId")),
        textOrNull(source.get("snapshot")));
  }

  /** Text of a scalar (a string, number or boolean), else null. */
  private static String textOrNull(JsonNode node) {
    return node == null || !node.isValueNode() || node.isNull() ? null : node.asText();
  }

  private static Long longOrNull(JsonNode node) {
    return node != null && node.isIntegralNumber() && node.canConvertToLong()
        ? node.longValue()
        : null;
  }

  private static Failure failure(String field, String message) {
    return new Failure(new ConversionError(Reason.INVALID_INPUT, field, message));
  }
}
