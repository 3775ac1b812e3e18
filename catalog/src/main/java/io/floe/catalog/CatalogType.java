package io.floe.catalog;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The values of {@code automq.table.topic.catalog.type}: AutoMQ's names ({@code rest}, {@code glue},
 * {@code nessie}, {@code hive}, {@code tablebucket}) plus Floe's {@code jdbc} and {@code hadoop}.
 *
 * <p>Each names the Iceberg {@code Catalog} class that {@link CatalogFactory} loads, and, for catalogs
 * whose jars Floe does not ship, the Maven artifacts a user adds to the broker's classpath.
 */
public enum CatalogType {
  REST("rest", "org.apache.iceberg.rest.RESTCatalog", List.of(), List.of()),
  JDBC("jdbc", "org.apache.iceberg.jdbc.JdbcCatalog", List.of(), List.of()),
  HADOOP("hadoop", "org.apache.iceberg.hadoop.HadoopCatalog", List.of(), List.of()),
  GLUE("glue", "org.apache.iceberg.aws.glue.GlueCatalog",
      List.of("software.amazon.awssdk.services.glue.GlueClient"),
      List.of("org.apache.iceberg:iceberg-aws:1.12.0", "org.apache.iceberg:iceberg-aws-bundle:1.12.0")),
  NESSIE("nessie", "org.apache.iceberg.nessie.NessieCatalog",
      List.of("org.projectnessie.client.api.NessieApiV1"),
      List.of("org.apache.iceberg:iceberg-nessie:1.12.0")),
  HIVE("hive", "org.apache.iceberg.hive.HiveCatalog",
      List.of("org.apache.hadoop.hive.metastore.IMetaStoreClient"),
      List.of("org.apache.iceberg:iceberg-hive-metastore:1.12.0", "org.apache.hive:hive-metastore")),
  TABLEBUCKET("tablebucket", "software.amazon.s3tables.iceberg.S3TablesCatalog", List.of(),
      List.of("software.amazon.s3tables:s3-tables-catalog-for-iceberg-runtime"));

  private final String configName;
  private final String catalogImpl;
  private final List<String> dependencyClasses;
  private final List<String> artifacts;

  CatalogType(String configName, String catalogImpl, List<String> dependencyClasses, List<String> artifacts) {
    this.configName = configName;
    this.catalogImpl = catalogImpl;
    this.dependencyClasses = dependencyClasses;
    this.artifacts = artifacts;
  }

  /** The value of {@code automq.table.topic.catalog.type} that selects this type. */
  public String configName() {
    return configName;
  }

  /** The Iceberg catalog class, passed to Iceberg as {@code catalog-impl}. */
  public String catalogImpl() {
    return catalogImpl;
  }

  /** Classes besides {@link #catalogImpl()} that the catalog needs at run time (its client library). */
  List<String> dependencyClasses() {
    return dependencyClasses;
  }

  /** The Maven artifacts that provide {@link #catalogImpl()} when Floe does not ship it; empty if it does. */
  public List<String> artifacts() {
    return artifacts;
  }

  /** The type named by a config value, case-insensitively; empty for an unknown name. */
  public static Optional<CatalogType> fromConfigName(String name) {
    String normalized = name.trim().toLowerCase(Locale.ROOT);
    return Arrays.stream(values()).filter(t -> t.configName.equals(normalized)).findFirst();
  }

  /** The allowed config values, for error messages: {@code rest|jdbc|...}. */
  public static String allowedNames() {
    return Arrays.stream(values()).map(CatalogType::configName).collect(Collectors.joining("|"));
  }
}
