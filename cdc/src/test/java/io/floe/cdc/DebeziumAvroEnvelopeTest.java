package io.floe.cdc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.schema.ConversionResult;
import io.floe.schema.ConvertedStruct;
import io.floe.schema.internal.avro.AvroSchemaDecoder;
import java.io.ByteArrayOutputStream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;

/**
 * Debezium envelopes written with Confluent's Avro converter (the envelope schema Debezium registers for the
 * PostgreSQL customers table of the fixtures), decoded by Floe's Avro decoder, then unwrapped.
 */
class DebeziumAvroEnvelopeTest {

  static final String ENVELOPE = """
      {"type": "record", "name": "Envelope", "namespace": "feas.public.customers", "fields": [
        {"name": "before", "type": ["null", {"type": "record", "name": "Value", "fields": [
          {"name": "id", "type": "int"},
          {"name": "name", "type": ["null", "string"], "default": null},
          {"name": "email", "type": ["null", "string"], "default": null},
          {"name": "balance", "type": ["null", "string"], "default": null},
          {"name": "updated_at", "type": ["null", {"type": "string", "connect.name": "io.debezium.time.ZonedTimestamp"}],
           "default": null}]}], "default": null},
        {"name": "after", "type": ["null", "Value"], "default": null},
        {"name": "source", "type": {"type": "record", "name": "Source", "namespace": "io.debezium.connector.postgresql",
          "fields": [
            {"name": "version", "type": "string"}, {"name": "connector", "type": "string"},
            {"name": "name", "type": "string"}, {"name": "ts_ms", "type": "long"},
            {"name": "snapshot", "type": ["string", "null"], "default": "false"},
            {"name": "db", "type": "string"}, {"name": "schema", "type": "string"},
            {"name": "table", "type": "string"}, {"name": "txId", "type": ["null", "long"], "default": null},
            {"name": "lsn", "type": ["null", "long"], "default": null}]}},
        {"name": "op", "type": "string"},
        {"name": "ts_ms", "type": ["null", "long"], "default": null}]}""";

  static final Schema SCHEMA = new Schema.Parser().parse(ENVELOPE);
  static final AvroSchemaDecoder DECODER = AvroSchemaDecoder.forSchema(SCHEMA);

  static GenericData.Record value(int id, String email) {
    GenericData.Record v = new GenericData.Record(SCHEMA.getField("before").schema().getTypes().get(1));
    v.put("id", id);
    v.put("name", "Ada");
    v.put("email", email);
    v.put("balance", "12.50");
    v.put("updated_at", "2026-11-25T05:14:13.600488Z");
    return v;
  }

  static byte[] envelope(String op, GenericData.Record before, GenericData.Record after) throws Exception {
    GenericData.Record source = new GenericData.Record(SCHEMA.getField("source").schema());
    source.put("version", "3.6.3.Final");
    source.put("connector", "postgresql");
    source.put("name", "feas");
    source.put("ts_ms", 1795583653607L);
    source.put("snapshot", "false");
    source.put("db", "shop");
    source.put("schema", "public");
    source.put("table", "customers");
    source.put("txId", 729L);
    source.put("lsn", 26368256L);
    GenericData.Record e = new GenericData.Record(SCHEMA);
    e.put("before", before);
    e.put("after", after);
    e.put("source", source);
    e.put("op", op);
    e.put("ts_ms", 1795583653954L);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericData.Record>(SCHEMA).write(e, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  static DebeziumEnvelope.Unwrapped unwrap(byte[] avro) {
    ConversionResult decoded = DECODER.decode(avro, 0, avro.length);
    assertTrue(decoded.isConverted(), () -> decoded.toString());
    return DebeziumEnvelope.unwrap((ConvertedStruct) decoded.value(), DECODER.valueType().asStructType());
  }

  @Test
  void anAvroUpdateIsAChangeWithTheAfterImageTypedByItsSchema() throws Exception {
    // When an update envelope is decoded by its Avro schema and unwrapped
    DebeziumEnvelope.Change change = assertInstanceOf(DebeziumEnvelope.Change.class,
        unwrap(envelope("u", value(200, "ada@example.com"), value(200, "ada@lovelace.org"))));

    // Then it carries the op, the after image as a typed row, and the source position
    assertEquals(Operation.UPDATE, change.op());
    RowImage.Typed row = assertInstanceOf(RowImage.Typed.class, change.row());
    assertEquals("ada@lovelace.org", row.value().get("email"));
    assertEquals(200, row.value().get("id"));
    assertEquals(Types.IntegerType.get(), row.type().fieldType("id"));
    assertEquals(new Source("postgresql", "shop", "public", "customers", 1795583653607L, 26368256L, "729", "false"),
        change.source());
    assertEquals(1795583653954L, change.tsMs());
  }

  @Test
  void anAvroDeleteCarriesTheBeforeImageWithTheSameColumnsAsTheAfterImage() throws Exception {
    DebeziumEnvelope.Change delete = assertInstanceOf(DebeziumEnvelope.Change.class,
        unwrap(envelope("d", value(200, "ada@lovelace.org"), null)));
    DebeziumEnvelope.Change insert = assertInstanceOf(DebeziumEnvelope.Change.class,
        unwrap(envelope("c", null, value(201, "b@example.com"))));

    assertEquals(Operation.DELETE, delete.op());
    assertEquals(200, ((RowImage.Typed) delete.row()).value().get("id"));
    assertEquals(Operation.CREATE, insert.op());
    // before and after are two positions of one record type: their columns match by name and type
    assertEquals(columns(((RowImage.Typed) delete.row()).type()), columns(((RowImage.Typed) insert.row()).type()));
  }

  private static java.util.List<String> columns(Types.StructType type) {
    return type.fields().stream().map(f -> f.name() + ":" + f.type()).toList();
  }

  @Test
  void truncatesTombstonesAndBrokenEnvelopesAreTheirOwnCases() throws Exception {
    assertInstanceOf(DebeziumEnvelope.Truncate.class, unwrap(envelope("t", null, null)));
    assertInstanceOf(DebeziumEnvelope.Tombstone.class,
        DebeziumEnvelope.unwrap((ConvertedStruct) null, DECODER.valueType().asStructType()));
    DebeziumEnvelope.Failure noImage = assertInstanceOf(DebeziumEnvelope.Failure.class,
        unwrap(envelope("u", value(1, "x"), null)));
    assertTrue(noImage.message().contains("'after'"), noImage.message());
    DebeziumEnvelope.Failure badOp = assertInstanceOf(DebeziumEnvelope.Failure.class,
        unwrap(envelope("x", null, value(1, "x"))));
    assertTrue(badOp.message().contains("not one of c, r, u, d, t"), badOp.message());
  }
}
