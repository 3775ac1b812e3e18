package io.floe.schema;

import static org.apache.iceberg.types.Types.NestedField.optional;
import static org.apache.iceberg.types.Types.NestedField.required;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetWriter;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.relocated.com.google.common.collect.Lists;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The worker's path end to end, minus Kafka: convert batches, evolve the table, build rows, write
 * them with Iceberg's generic Parquet appender, commit, and read the table back with Iceberg's
 * reader, across schema versions.
 */
class ParquetRoundTripTest {

  private static final Types.StructType METADATA =
      Types.StructType.of(
          required(3, "partition", Types.IntegerType.get()),
          required(4, "offset", Types.LongType.get()),
          required(5, "timestamp", Types.LongType.get()));

  private final TestTables tables = new TestTables();
  private final Map<String, String> configs =
      Map.of(
          ConverterConfig.CONVERT_VALUE_TYPE, "json",
          ConverterConfig.TRANSFORM_VALUE_TYPE, "flatten");
  private final ValueConverter key = ValueConverters.forKey(configs);
  private final ValueConverter value = ValueConverters.forValue(configs);
  private final List<ConversionError> errors = new ArrayList<>();
  private long nextOffset;

  @AfterEach
  void closeCatalog() throws Exception {
    tables.close();
  }

  @Test
  void rowsWrittenUnderTwoSchemaVersionsReadBackThroughIceberg() throws IOException {
    // Given a table topic's table with Floe's record metadata and flattened JSON values
    Table table =
        tables.create(
            new Schema(
                optional(1, "_kafka_key", Types.StringType.get()),
                required(2, "_kafka_metadata", METADATA)));

    // When a first batch arrives, then a second with new nested fields, a new list, an odd key,
    // a value the table cannot take (long to double) and an integral 3.0
    appendBatch(
        table,
        "{\"id\": 1, \"amount\": 10, \"user\": {\"name\": \"a\"}, \"at\": \"2024-05-01T00:00:00Z\"}",
        "{\"id\": 2, \"amount\": 20}");
    appendBatch(
        table,
        "{\"id\": 3, \"amount\": 3.0, \"user\": {\"name\": \"c\", \"vip\": true},"
            + " \"tags\": [\"x\", \"y\"], \"odd key-1\": [{\"k\": 1.5}]}",
        "{\"id\": 4, \"amount\": 2.5}");

    // Then the table has the union of both batches, the conflicting record is an error value,
    // and every other row reads back with nulls where an older row had no value
    assertEquals(
        "_kafka_key: string, _kafka_metadata: required struct<partition: required int, offset:"
            + " required long, timestamp: required long>, id: long, amount: long,"
            + " user: struct<name: string, vip: boolean>, at: string, tags: list<string>,"
            + " odd key-1: list<struct<k: double>>",
        TypeText.of(table.schema()));
    assertEquals(1, errors.size());
    assertEquals("amount", errors.get(0).field());

    List<Record> rows = read(table);
    assertEquals(3, rows.size());
    Record first = rows.get(0);
    assertEquals("key-0", first.getField("_kafka_key"));
    assertEquals(0L, ((Record) first.getField("_kafka_metadata")).getField("offset"));
    assertEquals(10L, first.getField("amount"));
    assertEquals("a", ((Record) first.getField("user")).getField("name"));
    assertNull(((Record) first.getField("user")).getField("vip"));
    assertNull(first.getField("tags"));
    assertEquals("2024-05-01T00:00:00Z", first.getField("at"));
    assertNull(rows.get(1).getField("user"));
    Record third = rows.get(2);
    assertEquals(3L, third.getField("amount"));
    assertEquals(Boolean.TRUE, ((Record) third.getField("user")).getField("vip"));
    assertEquals(List.of("x", "y"), third.getField("tags"));
    assertEquals(1.5, ((Record) ((List<?>) third.getField("odd key-1")).get(0)).getField("k"));
  }

  private void appendBatch(Table table, String... values) throws IOException {
    key.useSchema(table.schema());
    value.useSchema(table.schema());
    List<Object[]> converted = new ArrayList<>();
    for (String json : values) {
      long offset = nextOffset++;
      ConversionResult k = key.convert(("key-" + offset).getBytes(StandardCharsets.UTF_8));
      ConversionResult v = value.convert(json.getBytes(StandardCharsets.UTF_8));
      if (!v.isConverted()) {
        errors.add(v.error()); // errors.tolerance=all: skip the record
        continue;
      }
      converted.add(new Object[] {offset, k.value(), v.value()});
    }

    List<Types.NestedField> needed = new ArrayList<>(key.columns());
    needed.addAll(value.columns());
    Schema schema = SchemaEvolution.evolve(table, needed).schema();
    key.useSchema(schema);
    value.useSchema(schema);

    RecordBuilder rows = RecordBuilder.forSchema(schema);
    Types.StructType metadataType = schema.findField("_kafka_metadata").type().asStructType();
    DataWriter<Record> writer =
        Parquet.writeData(
                table.io().newOutputFile(table.locationProvider().newDataLocation(offsetName())))
            .schema(schema)
            .createWriterFunc(GenericParquetWriter::create)
            .withSpec(PartitionSpec.unpartitioned())
            .overwrite()
            .build();
    try (writer) {
      for (Object[] record : converted) {
        GenericRecord row = rows.newRow();
        rows.put(row, key.placement(), record[1]).ifPresent(errors::add);
        rows.put(row, value.placement(), record[2]).ifPresent(errors::add);
        GenericRecord metadata = GenericRecord.create(metadataType);
        metadata.setField("partition", 0);
        metadata.setField("offset", record[0]);
        metadata.setField("timestamp", 1_700_000_000_000L);
        row.setField("_kafka_metadata", metadata);
        writer.write(row);
      }
    }
    table.newAppend().appendFile(writer.toDataFile()).commit();
  }

  private String offsetName() {
    return "batch-" + nextOffset + ".parquet";
  }

  private static List<Record> read(Table table) throws IOException {
    try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
      List<Record> rows = Lists.newArrayList(records);
      rows.sort(
          Comparator.comparingLong(r -> (Long) ((Record) r.getField("_kafka_metadata")).getField("offset")));
      return rows;
    }
  }
}
