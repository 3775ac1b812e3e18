package io.floe.e2e.spark;

import org.apache.spark.sql.SparkSession;

/** Apache Spark in local mode with Iceberg's Spark runtime, its catalog {@code floe} on Floe's REST catalog. */
final class FloeSpark {

  private FloeSpark() {}

  static SparkSession session(String restCatalogUri) {
    return SparkSession.builder()
        .master("local[2]")
        .appName("floe-e2e")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.datetime.java8API.enabled", "true")
        .config("spark.sql.extensions", "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions")
        .config("spark.sql.catalog.floe", "org.apache.iceberg.spark.SparkCatalog")
        .config("spark.sql.catalog.floe.type", "rest")
        .config("spark.sql.catalog.floe.uri", restCatalogUri)
        .getOrCreate();
  }
}
