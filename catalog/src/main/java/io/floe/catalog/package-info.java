/**
 * Iceberg catalogs for Table Topics.
 *
 * <p>An external catalog from broker properties ({@code automq.table.topic.catalog.type} and the other
 * {@code automq.table.topic.catalog.*} keys):
 *
 * <pre>{@code
 * if (CatalogFactory.isConfigured(props)) {
 *   Catalog catalog = CatalogFactory.create(props);   // IllegalArgumentException names the bad key
 * }
 * }</pre>
 *
 * <p>The embedded default, an Iceberg JDBC catalog on SQLite with a {@code file://} warehouse, usually
 * served to Spark and Trino by {@link io.floe.catalog.rest.RestCatalogServer}:
 *
 * <pre>{@code
 * RestCatalogServer rest = RestCatalogServer.builder()
 *     .bind("127.0.0.1", 8181)
 *     .embeddedCatalog(dataDir.resolve("catalog.db"), dataDir.resolve("warehouse"))
 *     .build()
 *     .start();
 * Catalog tables = rest.catalog();   // the same catalog, for the table-topic committers
 * rest.addRoute("/metrics", query -> ExtraRoute.Reply.text("text/plain; version=0.0.4", scrape()));
 * }</pre>
 */
package io.floe.catalog;
