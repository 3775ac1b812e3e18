package io.floe.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.floe.catalog.rest.RestCatalogServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.iceberg.rest.RESTCatalog;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CatalogFactoryTest {
  private static final Schema SCHEMA = new Schema(Types.NestedField.required(1, "id", Types.LongType.get()));

  @TempDir
  Path dir;

  private static Map<String, String> props(String... kv) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  @Test
  void restPassesEveryCatalogKeyWithThePrefixStrippedAndKeepsTheWarehouseName() {
    // Given AutoMQ-style broker properties for a REST catalog, with unrelated broker keys beside them
    Map<String, String> broker = props(
        "automq.table.topic.catalog.type", "rest",
        "automq.table.topic.catalog.uri", "http://lakekeeper:8181/catalog",
        "automq.table.topic.catalog.warehouse", "my_warehouse",
        "automq.table.topic.catalog.header.Polaris-Realm", "POLARIS",
        "automq.table.topic.catalog.token", "s3cr3t",
        "automq.table.topic.hadoop.fs.s3a.endpoint", "http://minio:9000",
        "automq.table.topic.enable", "true",
        "listeners", "PLAINTEXT://:9092");

    // When the spec is read
    CatalogSpec spec = CatalogFactory.spec(broker);

    // Then Iceberg gets the RESTCatalog class and every catalog key unprefixed; a REST warehouse is a
    // name the server interprets, so it is not turned into a file URI
    assertThat(spec.type()).isEqualTo(CatalogType.REST);
    assertThat(spec.name()).isEqualTo("floe");
    assertThat(spec.properties()).containsExactlyInAnyOrderEntriesOf(Map.of(
        "catalog-impl", "org.apache.iceberg.rest.RESTCatalog",
        "uri", "http://lakekeeper:8181/catalog",
        "warehouse", "my_warehouse",
        "header.Polaris-Realm", "POLARIS",
        "token", "s3cr3t"));
    assertThat(spec.hadoopProperties()).containsExactly(Map.entry("fs.s3a.endpoint", "http://minio:9000"));
    // and secrets stay out of logs
    assertThat(spec.toString()).doesNotContain("s3cr3t").contains("token=******");
  }

  @Test
  void jdbcTurnsABareWarehousePathIntoAFileUriAndDefaultsToTheViewCapableSchema() {
    // Given a JDBC catalog with a relative warehouse path and a JDBC user
    Map<String, String> broker = props(
        "automq.table.topic.catalog.type", "jdbc",
        "automq.table.topic.catalog.uri", "jdbc:sqlite:" + dir.resolve("c.db"),
        "automq.table.topic.catalog.warehouse", "floe-data/../floe-data/warehouse",
        "automq.table.topic.catalog.jdbc.user", "floe",
        "automq.table.topic.catalog.jdbc.password", "pw");

    // When the spec is read
    CatalogSpec spec = CatalogFactory.spec(broker);

    // Then the warehouse is an absolute file:/// URI and the JDBC keys pass through
    String expected = Path.of("floe-data/warehouse").toAbsolutePath().normalize().toUri().toString();
    assertThat(spec.properties())
        .containsEntry("warehouse", expected.substring(0, expected.length() - (expected.endsWith("/") ? 1 : 0)))
        .containsEntry("catalog-impl", "org.apache.iceberg.jdbc.JdbcCatalog")
        .containsEntry("jdbc.user", "floe")
        .containsEntry("jdbc.password", "pw")
        .containsEntry("jdbc.schema-version", "V1");
    assertThat(spec.properties().get("warehouse")).startsWith("file:///");
    assertThat(spec.redactedProperties()).containsEntry("jdbc.password", "******");
  }

  @Test
  void jdbcCatalogIsBuiltAndCreatesTablesAtFileUris() throws Exception {
    // Given a JDBC catalog on SQLite with a bare warehouse path
    Path warehouse = dir.resolve("wh");
    Map<String, String> broker = props(
        "automq.table.topic.catalog.type", "jdbc",
        "automq.table.topic.catalog.name", "tables",
        "automq.table.topic.catalog.uri", "jdbc:sqlite:" + dir.resolve("c.db"),
        "automq.table.topic.catalog.warehouse", warehouse.toString());

    // When it is built and a table is created
    Catalog catalog = CatalogFactory.create(broker);
    try (AutoCloseable closeable = (AutoCloseable) catalog) {
      ((SupportsNamespaces) catalog).createNamespace(Namespace.of("ns"));
      Table table = catalog.createTable(TableIdentifier.of("ns", "t"), SCHEMA);

      // Then it is Iceberg's JdbcCatalog under the configured name, and the table lives at a file:/// URI
      assertThat(catalog).isInstanceOf(JdbcCatalog.class);
      assertThat(catalog.name()).isEqualTo("tables");
      assertThat(table.location()).isEqualTo(warehouse.toUri().toString() + "ns/t");
    }
  }

  @Test
  void hadoopCatalogIsBuiltFromARelativeWarehouse() throws Exception {
    // Given a Hadoop catalog whose warehouse is a file: URI in its short form
    Path warehouse = dir.resolve("hadoop-wh");
    Map<String, String> broker = props(
        "automq.table.topic.catalog.type", "HADOOP",
        "automq.table.topic.catalog.warehouse", "file:" + warehouse);

    // When it is built and a table is created
    Catalog catalog = CatalogFactory.create(broker);
    try (AutoCloseable closeable = (AutoCloseable) catalog) {
      Table table = catalog.createTable(TableIdentifier.of("ns", "t"), SCHEMA);

      // Then the type name was matched case-insensitively and the location is a file:/// URI
      assertThat(catalog).isInstanceOf(HadoopCatalog.class);
      assertThat(table.location()).startsWith("file:///").endsWith("/hadoop-wh/ns/t");
      assertThat(Files.isDirectory(warehouse.resolve("ns/t/metadata"))).isTrue();
    }
  }

  @Test
  void restCatalogIsBuiltAgainstARunningRestServer() throws Exception {
    // Given Floe's REST catalog server
    try (RestCatalogServer server = RestCatalogServer.builder().bind("127.0.0.1", 0)
        .embeddedCatalog(dir.resolve("catalog.db"), dir.resolve("warehouse")).build().start()) {
      Map<String, String> broker = props(
          "automq.table.topic.catalog.type", "rest",
          "automq.table.topic.catalog.uri", server.uri().toString());

      // When the factory builds a rest catalog pointing at it
      Catalog catalog = CatalogFactory.create(broker);
      try (AutoCloseable closeable = (AutoCloseable) catalog) {
        ((SupportsNamespaces) catalog).createNamespace(Namespace.of("ns"));
        catalog.createTable(TableIdentifier.of("ns", "t"), SCHEMA);

        // Then it is Iceberg's RESTCatalog and the table went to the server's warehouse
        assertThat(catalog).isInstanceOf(RESTCatalog.class);
        assertThat(catalog.loadTable(TableIdentifier.of("ns", "t")).location())
            .isEqualTo(dir.resolve("warehouse").toUri() + "ns/t");
      }
    }
  }

  @ParameterizedTest
  @CsvSource({
      "glue, org.apache.iceberg.aws.glue.GlueCatalog, org.apache.iceberg:iceberg-aws:1.12.0",
      "nessie, org.apache.iceberg.nessie.NessieCatalog, org.apache.iceberg:iceberg-nessie:1.12.0",
      "hive, org.apache.iceberg.hive.HiveCatalog, org.apache.iceberg:iceberg-hive-metastore:1.12.0",
      "tablebucket, software.amazon.s3tables.iceberg.S3TablesCatalog, s3-tables-catalog-for-iceberg-runtime"})
  void catalogsFloeDoesNotShipFailNamingTheMissingArtifact(String type, String impl, String artifact) {
    // Given a catalog type whose jars are not on the broker's classpath
    Map<String, String> broker = props(
        "automq.table.topic.catalog.type", type,
        "automq.table.topic.catalog.uri", "http://nessie:19120/api/v2",
        "automq.table.topic.catalog.warehouse", "s3://bucket/wh");

    // When it is built, Then the error names the class and the artifact to add
    assertThatThrownBy(() -> CatalogFactory.create(broker))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("type=" + type)
        .hasMessageContaining(impl)
        .hasMessageContaining(artifact);
  }

  @Test
  void anS3WarehouseGetsS3FileIoAndNamesIcebergAwsWhenItIsMissing() {
    // Given a JDBC catalog with its warehouse on S3 and no io-impl
    Map<String, String> broker = props(
        "automq.table.topic.catalog.type", "jdbc",
        "automq.table.topic.catalog.uri", "jdbc:sqlite:" + dir.resolve("c.db"),
        "automq.table.topic.catalog.warehouse", "s3://bucket/warehouse/");

    // When the spec is read, Then the S3 location is kept and Iceberg's S3FileIO is chosen
    assertThat(CatalogFactory.spec(broker).properties())
        .containsEntry("warehouse", "s3://bucket/warehouse")
        .containsEntry("io-impl", "org.apache.iceberg.aws.s3.S3FileIO");
    // and building it without iceberg-aws on the classpath says what to add
    assertThatThrownBy(() -> CatalogFactory.create(broker))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("org.apache.iceberg.aws.s3.S3FileIO")
        .hasMessageContaining("iceberg-aws");
  }

  @ParameterizedTest
  @CsvSource({
      // type,     uri,                     warehouse, message parts (;-separated)
      ",            ,                        ,          automq.table.topic.catalog.type is not set;rest|jdbc|hadoop|glue|nessie|hive|tablebucket",
      "unity,       ,                        ,          automq.table.topic.catalog.type=unity is not a catalog type;allowed: rest|jdbc|hadoop",
      "rest,        ,                        ,          automq.table.topic.catalog.uri is not set;http://",
      "rest,        thrift://metastore:9083, ,          automq.table.topic.catalog.uri=thrift://metastore:9083 is not an http:// or https:// URL",
      "jdbc,        postgresql://db/iceberg, /tmp/wh,   automq.table.topic.catalog.uri=postgresql://db/iceberg is not a JDBC URL",
      "jdbc,        jdbc:sqlite:/tmp/x.db,   ,          automq.table.topic.catalog.warehouse is not set",
      "hadoop,      ,                        ,          automq.table.topic.catalog.warehouse is not set",
      "nessie,      ,                        s3://b/w,  automq.table.topic.catalog.uri is not set",
      "tablebucket, ,                        ,          automq.table.topic.catalog.warehouse is not set;arn:aws:s3tables"})
  void badConfigIsRejectedWithTheKeyTheValueAndWhatIsAllowed(String type, String uri, String warehouse,
      String messageParts) {
    // Given broker properties with a missing or wrong catalog key
    Map<String, String> broker = new HashMap<>();
    if (type != null) {
      broker.put("automq.table.topic.catalog.type", type);
    }
    if (uri != null) {
      broker.put("automq.table.topic.catalog.uri", uri);
    }
    if (warehouse != null) {
      broker.put("automq.table.topic.catalog.warehouse", warehouse);
    }

    // When the spec is read, Then the error says which key, what value, and what is allowed
    var thrown = assertThatThrownBy(() -> CatalogFactory.spec(broker)).isInstanceOf(IllegalArgumentException.class);
    for (String part : messageParts.split(";")) {
      thrown.hasMessageContaining(part);
    }
  }

  @Test
  void aJdbcUrlWithoutItsDriverNamesTheDriverArtifact() {
    // Given a PostgreSQL JDBC catalog while only SQLite's driver is on the classpath
    Map<String, String> broker = props(
        "automq.table.topic.catalog.type", "jdbc",
        "automq.table.topic.catalog.uri", "jdbc:postgresql://db:5432/iceberg",
        "automq.table.topic.catalog.warehouse", "s3://bucket/wh");
    CatalogSpec spec = CatalogFactory.spec(broker);
    Map<String, String> withFileIo = new HashMap<>(spec.properties());
    withFileIo.remove(CatalogProperties.FILE_IO_IMPL);
    CatalogSpec noS3 = new CatalogSpec(spec.type(), spec.name(), withFileIo, spec.hadoopProperties());

    // When it is built, Then the error names PostgreSQL's driver artifact
    assertThatThrownBy(() -> CatalogFactory.create(noS3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("jdbc:postgresql://db:5432/iceberg")
        .hasMessageContaining("org.postgresql:postgresql");
  }

  @Test
  void aBlankNameOrAnEmptyKeyIsRejected() {
    assertThatThrownBy(() -> CatalogFactory.spec(props(
        "automq.table.topic.catalog.type", "rest", "automq.table.topic.catalog.uri", "http://x",
        "automq.table.topic.catalog.name", " ")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("automq.table.topic.catalog.name is blank");
    assertThatThrownBy(() -> CatalogFactory.spec(props(
        "automq.table.topic.catalog.type", "rest", "automq.table.topic.catalog.uri", "http://x",
        "automq.table.topic.catalog.", "v")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has nothing after the prefix");
  }

  @Test
  void isConfiguredOnlyWhenATypeIsSet() {
    assertThat(CatalogFactory.isConfigured(props())).isFalse();
    assertThat(CatalogFactory.isConfigured(props("automq.table.topic.catalog.type", " "))).isFalse();
    assertThat(CatalogFactory.isConfigured(props("automq.table.topic.catalog.type", "rest"))).isTrue();
  }

  @Test
  void theEmbeddedCatalogIsASqliteJdbcCatalogWithAFileUriWarehouseThatNeedsNamespaces() throws Exception {
    // Given the embedded default's files in a data directory that does not exist yet
    Path dataDir = dir.resolve("floe-data");

    // When it is opened
    try (JdbcCatalog catalog = CatalogFactory.embedded(dataDir.resolve("catalog.db"), dataDir.resolve("warehouse"))) {
      // Then both are created, tables need their namespace, and locations are file:/// URIs
      assertThat(dataDir.resolve("catalog.db")).exists();
      assertThat(dataDir.resolve("warehouse")).isDirectory();
      assertThatThrownBy(() -> catalog.createTable(TableIdentifier.of("missing", "t"), SCHEMA))
          .hasMessageContaining("Namespace missing does not exist");
      catalog.createNamespace(Namespace.of("ns"));
      assertThat(catalog.createTable(TableIdentifier.of("ns", "t"), SCHEMA).location())
          .isEqualTo(dataDir.resolve("warehouse").toUri() + "ns/t");
    }
  }
}
