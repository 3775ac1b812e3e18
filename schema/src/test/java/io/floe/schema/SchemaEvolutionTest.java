package io.floe.schema;

import static io.floe.schema.JsonInferenceTest.convert;
import static org.apache.iceberg.types.Types.NestedField.optional;
import static org.apache.iceberg.types.Types.NestedField.required;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.schema.ConverterConfig.ConvertType;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SchemaEvolutionTest {

  private final TestTables tables = new TestTables();

  @AfterEach
  void closeCatalog() throws Exception {
    tables.close();
  }

  @Test
  void addsColumnsAtEveryLevelWidensAndMakesOptionalOnARealTable() {
    // Given a table and a JSON converter bound to it
    Table table =
        tables.create(
            new Schema(
                required(1, "id", Types.IntegerType.get()),
                optional(2, "user", Types.StructType.of(optional(3, "name", Types.StringType.get()))),
                optional(4, "items", Types.ListType.ofOptional(5,
                    Types.StructType.of(optional(6, "sku", Types.StringType.get())))),
                optional(7, "price", Types.FloatType.get()),
                required(8, "region", Types.StringType.get())));
    ValueConverter converter = ValueConverters.create(ConvertType.JSON, Placement.flattened());
    converter.useSchema(table.schema());

    // When a batch needs a wider id and price, new nested fields, a new struct and a null region
    assertTrue(
        convert(
                converter,
                "{\"id\": 3000000000, \"user\": {\"name\": \"x\", \"age\": 3},"
                    + " \"items\": [{\"sku\": \"a\", \"qty\": 1}], \"price\": 0.1,"
                    + " \"region\": null, \"added\": {\"deep\": [1]}}")
            .isConverted());
    SchemaEvolution.Result result = SchemaEvolution.evolve(table, converter.columns());

    // Then the table was changed in one commit, by name, without dropping or reordering anything
    assertEquals(
        List.of(
            "widen id: int -> long",
            "add user.age: long",
            "add items.element.qty: long",
            "widen price: float -> double",
            "make optional region",
            "add added: struct<deep: list<long>>"),
        result.applied().stream().map(SchemaChange::toString).collect(Collectors.toList()));
    assertEquals(List.of(), result.conflicts());
    assertEquals(
        "id: required long, user: struct<name: string, age: long>,"
            + " items: list<struct<sku: string, qty: long>>, price: double, region: string,"
            + " added: struct<deep: list<long>>",
        TypeText.of(table.schema()));
    assertEquals(result.schema().schemaId(), table.schema().schemaId());
    assertEquals(TypeText.of(result.schema()), TypeText.of(tables.load(table).schema()));
  }

  @Test
  void newColumnsKeepTheDocsOfTheNeededFieldsAtEveryLevel() {
    // Given a table with a struct column, and needed columns with docs: a new top-level struct
    // with a documented nested field, and a new documented field in the existing struct
    Table table =
        tables.create(
            new Schema(
                optional(1, "user", Types.StructType.of(optional(2, "name", Types.StringType.get())))));
    List<Types.NestedField> needed =
        List.of(
            optional(
                1,
                "user",
                Types.StructType.of(
                    optional(2, "name", Types.StringType.get()),
                    optional(3, "age", Types.IntegerType.get(), "the user's age"))),
            optional(
                4,
                "address",
                Types.StructType.of(optional(5, "city", Types.StringType.get(), "where")),
                "postal address"));

    // When the table evolves to hold them
    SchemaEvolution.evolve(table, needed);

    // Then each added column, and each field nested in one, has its doc
    Schema schema = table.schema();
    assertEquals("the user's age", schema.findField("user.age").doc());
    assertEquals("postal address", schema.findField("address").doc());
    assertEquals("where", schema.findField("address.city").doc());
  }

  @Test
  void evolvingAgainWithTheSameNeedsChangesNothing() {
    // Given a table evolved for a batch
    Table table = tables.create(new Schema(optional(1, "id", Types.LongType.get())));
    ValueConverter converter = ValueConverters.create(ConvertType.JSON, Placement.flattened());
    converter.useSchema(table.schema());
    convert(converter, "{\"id\": 1, \"name\": \"a\"}");
    List<Types.NestedField> needed = converter.columns();
    SchemaEvolution.evolve(table, needed);
    int schemaId = table.schema().schemaId();

    // When the same needs are applied again (a retry after an unknown commit outcome)
    SchemaEvolution.Result again = SchemaEvolution.evolve(table, needed);

    // Then nothing is committed
    assertEquals(List.of(), again.applied());
    assertEquals(schemaId, table.schema().schemaId());
  }

  @Test
  void neverDropsOrNarrowsAColumn() {
    // Given a table with a double, a required struct field and more columns than the records use
    Schema current =
        new Schema(
            optional(1, "d", Types.DoubleType.get()),
            optional(2, "s", Types.StructType.of(required(3, "x", Types.LongType.get()))),
            optional(4, "unused", Types.StringType.get()));

    // When the records need less: a long for the double, a required x, no unused
    SchemaEvolution.Plan plan =
        SchemaEvolution.plan(
            current,
            List.of(
                required(100, "d", Types.LongType.get()),
                optional(101, "s", Types.StructType.of(required(102, "x", Types.IntegerType.get())))));

    // Then there is nothing to do
    assertTrue(plan.isEmpty());
    assertEquals(List.of(), plan.conflicts());
  }

  @Test
  void needsTheTableCannotMeetAreConflictsAndTheRestIsApplied() {
    // Given a table where s is a struct and n a long
    Table table =
        tables.create(
            new Schema(
                optional(1, "s", Types.StructType.of(optional(2, "a", Types.LongType.get()))),
                optional(3, "n", Types.LongType.get())));

    // When records need s as a string, n as a double, and a new column
    SchemaEvolution.Result result =
        SchemaEvolution.evolve(
            table,
            List.of(
                optional(10, "s", Types.StringType.get()),
                optional(11, "n", Types.DoubleType.get()),
                optional(12, "fresh", Types.BooleanType.get())));

    // Then the conflicts are reported, not applied, and the new column is added
    assertEquals(
        List.of(
            "column 's' is struct<a: long> in the table, records need string",
            "column 'n' is long in the table, records need double"),
        result.conflicts().stream().map(Object::toString).collect(Collectors.toList()));
    assertEquals("s: struct<a: long>, n: long, fresh: boolean", TypeText.of(table.schema()));
  }

  @Test
  void aConcurrentSchemaChangeIsMergedByRetrying() {
    // Given two workers' handles on one table, and a converter that saw a new field
    Table mine = tables.create(new Schema(optional(1, "id", Types.LongType.get())));
    Table theirs = tables.load(mine);
    ValueConverter converter = ValueConverters.create(ConvertType.JSON, Placement.flattened());
    converter.useSchema(mine.schema());
    convert(converter, "{\"id\": 1, \"mine\": \"a\", \"both\": 2}");

    // When the other worker commits its own new columns first
    theirs.updateSchema()
        .addColumn("theirs", Types.StringType.get())
        .addColumn("BOTH", Types.LongType.get())
        .commit();
    SchemaEvolution.Result result = SchemaEvolution.evolve(mine, converter.columns());

    // Then this worker's commit is retried on the fresh schema, without re-adding what is there
    assertEquals(
        List.of("add mine: string"),
        result.applied().stream().map(SchemaChange::toString).collect(Collectors.toList()));
    assertEquals("id: long, theirs: string, BOTH: long, mine: string", TypeText.of(result.schema()));
  }
}
