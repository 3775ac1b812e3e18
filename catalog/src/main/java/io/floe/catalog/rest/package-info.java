/**
 * The built-in Iceberg REST catalog server: {@link io.floe.catalog.rest.RestCatalogServer} serves the
 * Iceberg REST OpenAPI spec over any Iceberg {@code Catalog}, running each operation through Iceberg's
 * own {@code CatalogHandlers}; {@code internal} holds the route table, the request handler and the
 * error mapping.
 */
package io.floe.catalog.rest;
