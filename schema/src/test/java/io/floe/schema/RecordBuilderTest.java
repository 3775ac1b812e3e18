package io.floe.schema;

import static io.floe.schema.JsonInferenceTest.convert;
import static org.apache.iceberg.types.Types.NestedField.optional;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.schema.ConverterConfig.ConvertType;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RecordBuilderTest {

  private final TestTables tables = new TestTables();
  private final ValueConverter converter =
      ValueConverters.create(ConvertType.JSON, Placement.flattened());

  @AfterEach
  void closeCatalog() throws Exception {
    tables.close();
  }

  @Test
  void valuesConvertedBeforeTheTableEvolvedFitTheEvolvedSchema() {
    // Given a batch converted against an empty table: v widens from long to double mid-batch
    Table table = tables.create(new Schema(optional(1, "id", Types.LongType.get())));
    converter.useSchema(table.schema());
    Object first = convert(converter, "{\"id\": 1, \"v\": 1}").value();
    Object second =
        convert(converter, "{\"id\": 2, \"v\": 2.5, \"s\": {\"a\": 1, \"tags\": [\"x\"]}}").value();

    // When the table evolves and rows are built for its new schema
    Schema schema = SchemaEvolution.evolve(table, converter.columns()).schema();
    RecordBuilder rows = RecordBuilder.forSchema(schema);
    GenericRecord row1 = rows.newRow();
    GenericRecord row2 = rows.newRow();
    Optional<ConversionError> error1 = rows.put(row1, converter.placement(), first);
    Optional<ConversionError> error2 = rows.put(row2, converter.placement(), second);

    // Then the earlier long is written as a double, the missing struct is null, nested values fill
    // nested records
    assertEquals(Optional.empty(), error1);
    assertEquals(Optional.empty(), error2);
    assertEquals(1.0, row1.getField("v"));
    assertNull(row1.getField("s"));
    assertEquals(2.5, row2.getField("v"));
    Record nested = (Record) row2.getField("s");
    assertEquals(1L, nested.getField("a"));
    assertEquals(List.of("x"), nested.getField("tags"));
    assertEquals(schema.findField("s").type().asStructType(), nested.struct());
  }

  @Test
  void intsWrittenBeforeAWideningBecomeLongs() {
    // Given a table with an int column, a record that fits it and one that widens it
    Table table = tables.create(new Schema(optional(1, "small", Types.IntegerType.get())));
    converter.useSchema(table.schema());
    Object fits = convert(converter, "{\"small\": 5}").value();
    Object widens = convert(converter, "{\"small\": 3000000000}").value();

    // When the table evolves and the rows are built
    RecordBuilder rows =
        RecordBuilder.forSchema(SchemaEvolution.evolve(table, converter.columns()).schema());
    GenericRecord row = rows.newRow();
    rows.put(row, converter.placement(), fits);
    GenericRecord wide = rows.newRow();
    rows.put(wide, converter.placement(), widens);

    // Then both are longs
    assertEquals(5L, row.getField("small"));
    assertEquals(3_000_000_000L, wide.getField("small"));
  }

  @Test
  void listsOfStructsAndListsOfListsAreBuiltElementByElement() {
    // Given a converted value with nested arrays
    Table table = tables.create(new Schema());
    converter.useSchema(table.schema());
    Object value =
        convert(converter, "{\"items\": [{\"sku\": \"a\"}, null, {\"qty\": 2}], \"m\": [[1], [2.5]]}")
            .value();

    // When a row is built
    RecordBuilder rows =
        RecordBuilder.forSchema(SchemaEvolution.evolve(table, converter.columns()).schema());
    GenericRecord row = rows.newRow();
    assertEquals(Optional.empty(), rows.put(row, converter.placement(), value));

    // Then each struct element is a record, nulls stay null, and numbers take the element type
    List<?> items = (List<?>) row.getField("items");
    assertEquals("a", ((Record) items.get(0)).getField("sku"));
    assertNull(((Record) items.get(0)).getField("qty"));
    assertNull(items.get(1));
    assertEquals(2L, ((Record) items.get(2)).getField("qty"));
    assertEquals(List.of(List.of(1.0), List.of(2.5)), row.getField("m"));
  }

  @Test
  void aColumnAnotherWriterAddedWithOtherCaseIsFound() {
    // Given a converter that saw userId, and a table where another worker added USERID
    Table table = tables.create(new Schema(optional(1, "id", Types.LongType.get())));
    converter.useSchema(table.schema());
    Object value = convert(converter, "{\"userId\": 7}").value();
    tables.load(table).updateSchema().addColumn("USERID", Types.LongType.get()).commit();
    table.refresh();

    // When the table evolves and the row is built
    SchemaEvolution.Result result = SchemaEvolution.evolve(table, converter.columns());
    RecordBuilder rows = RecordBuilder.forSchema(result.schema());
    GenericRecord row = rows.newRow();
    rows.put(row, converter.placement(), value);

    // Then no second column is added and the value lands in USERID
    assertEquals(List.of(), result.applied());
    assertEquals(7L, row.getField("USERID"));
  }

  @Test
  void aValueTheTableCanNoLongerHoldIsAnErrorValue() {
    // Given records converted while x was a new long, and another writer adding x as a string
    Table table = tables.create(new Schema(optional(1, "id", Types.LongType.get())));
    converter.useSchema(table.schema());
    Object value = convert(converter, "{\"id\": 1, \"x\": {\"y\": 5}}").value();
    tables.load(table).updateSchema()
        .addColumn("x", Types.StructType.of(optional(100, "y", Types.StringType.get())))
        .commit();
    table.refresh();

    // When the table evolves and the row is built
    SchemaEvolution.Result result = SchemaEvolution.evolve(table, converter.columns());
    RecordBuilder rows = RecordBuilder.forSchema(result.schema());
    Optional<ConversionError> error = rows.put(rows.newRow(), converter.placement(), value);

    // Then the conflict is reported by the evolution, and the record fails as a value
    assertEquals(1, result.conflicts().size());
    assertEquals("x.y", error.orElseThrow().field());
    assertEquals(
        "field 'x.y' cannot be written: the table's type is string, the record has a long",
        error.orElseThrow().message());
  }

  @Test
  void keysAndUnflattenedValuesGoToTheirColumns() {
    // Given a key as a string, a raw value and an unflattened JSON value, in one table
    Map<String, String> configs = Map.of(ConverterConfig.CONVERT_VALUE_TYPE, "json");
    ValueConverter key = ValueConverters.forKey(configs);
    ValueConverter json = ValueConverters.forValue(configs);
    ValueConverter raw = ValueConverters.create(ConvertType.RAW, Placement.column("payload"));
    Table table = tables.create(new Schema());
    ConversionResult k = key.convert("k1".getBytes(StandardCharsets.UTF_8));
    ConversionResult v = convert(json, "{\"a\": [1, 2]}");
    ConversionResult p = raw.convert(new byte[] {1, 2, 3});

    // When the table is evolved with all three converters' columns and a row is built
    List<Types.NestedField> needed = new java.util.ArrayList<>(key.columns());
    needed.addAll(json.columns());
    needed.addAll(raw.columns());
    RecordBuilder rows = RecordBuilder.forSchema(SchemaEvolution.evolve(table, needed).schema());
    GenericRecord row = rows.newRow();
    rows.put(row, key.placement(), k.value());
    rows.put(row, json.placement(), v.value());
    rows.put(row, raw.placement(), p.value());

    // Then each lands in its column
    assertEquals(
        "_kafka_key: string, _kafka_value: struct<a: list<long>>, payload: binary",
        TypeText.of(table.schema()));
    assertEquals("k1", row.getField("_kafka_key"));
    assertEquals(List.of(1L, 2L), ((Record) row.getField("_kafka_value")).getField("a"));
    assertEquals(ByteBuffer.wrap(new byte[] {1, 2, 3}), row.getField("payload"));
    assertTrue(rows.put(row, key.placement(), null).isEmpty());
  }
}
