package io.floe.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class S3WarehouseTest {

  @TempDir
  Path dir;

  @Test
  void theEmbeddedCatalogOnS3KeepsItsDatabaseLocalAndWritesThroughS3FileIo() {
    // Given an S3 warehouse with every setting the broker maps from its s3.* keys
    S3Warehouse warehouse = S3Warehouse.builder("lake", "/floe/cluster-1/warehouse/")
        .endpoint("http://127.0.0.1:9000")
        .region("eu-west-1")
        .pathStyleAccess(true)
        .credentials("AKID", "s3cr3t")
        .build();

    // When the embedded catalog's properties are built
    Map<String, String> props = CatalogFactory.embeddedProperties(dir.resolve("catalog.db"), warehouse);

    // Then the database is the local SQLite file, the warehouse an s3:// URI, and S3FileIO gets Iceberg's names
    assertThat(props)
        .containsEntry("uri", "jdbc:sqlite:" + dir.resolve("catalog.db").toAbsolutePath())
        .containsEntry("catalog-impl", "org.apache.iceberg.jdbc.JdbcCatalog")
        .containsEntry("warehouse", "s3://lake/floe/cluster-1/warehouse")
        .containsEntry("io-impl", "org.apache.iceberg.aws.s3.S3FileIO")
        .containsEntry("http-client.type", "urlconnection")
        .containsEntry("s3.client-factory-impl", "org.apache.iceberg.aws.s3.DefaultS3FileIOAwsClientFactory")
        .containsEntry("s3.endpoint", "http://127.0.0.1:9000")
        .containsEntry("client.region", "eu-west-1")
        .containsEntry("s3.path-style-access", "true")
        .containsEntry("s3.access-key-id", "AKID")
        .containsEntry("s3.secret-access-key", "s3cr3t")
        .containsEntry("jdbc.strict-mode", "true");
    // and the secret stays out of log lines
    assertThat(warehouse.toString()).contains("s3://lake/floe/cluster-1/warehouse").doesNotContain("s3cr3t");
  }

  @Test
  void unsetSettingsAreLeftToTheSdkDefaults() {
    // Given only a bucket and a path
    S3Warehouse warehouse = S3Warehouse.builder("lake", "warehouse").build();

    // When its FileIO properties are read, Then region, endpoint and credentials come from the SDK's chains
    assertThat(warehouse.fileIoProperties())
        .containsEntry("s3.path-style-access", "false")
        .doesNotContainKeys("s3.endpoint", "client.region", "s3.access-key-id", "s3.secret-access-key");
    assertThat(warehouse.location()).isEqualTo("s3://lake/warehouse");
  }

  @Test
  void badSettingsAreRejectedSayingWhatIsWrong() {
    assertThatThrownBy(() -> S3Warehouse.builder("lake", "/").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("path");
    assertThatThrownBy(() -> S3Warehouse.builder("lake/x", "warehouse").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bucket 'lake/x'");
    assertThatThrownBy(() -> S3Warehouse.builder("lake", "warehouse").endpoint("127.0.0.1:9000").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http://");
  }

  @Test
  void anExternalS3WarehouseDefaultsToTheHttpClientTheBrokerShips() {
    // Given a JDBC catalog on S3 that names no FileIO
    Map<String, String> broker = Map.of(
        "automq.table.topic.catalog.type", "jdbc",
        "automq.table.topic.catalog.uri", "jdbc:sqlite:" + dir.resolve("c.db"),
        "automq.table.topic.catalog.warehouse", "s3://bucket/wh");

    // When the spec is read, Then S3FileIO runs on the URLConnection client and the S3-only client factory,
    // not Iceberg's defaults (the Apache client; a factory that loads KMS, STS, Glue and DynamoDB classes)
    assertThat(CatalogFactory.spec(broker).properties())
        .containsEntry("http-client.type", "urlconnection")
        .containsEntry("s3.client-factory-impl", "org.apache.iceberg.aws.s3.DefaultS3FileIOAwsClientFactory");

    // unless the user chose a client, or a client factory of their own (to assume a role, say)
    Map<String, String> chosen = new java.util.HashMap<>(broker);
    chosen.put("automq.table.topic.catalog.http-client.type", "apache");
    chosen.put("automq.table.topic.catalog.client.factory", "org.apache.iceberg.aws.AssumeRoleAwsClientFactory");
    assertThat(CatalogFactory.spec(chosen).properties())
        .containsEntry("http-client.type", "apache")
        .doesNotContainKey("s3.client-factory-impl");
  }
}
