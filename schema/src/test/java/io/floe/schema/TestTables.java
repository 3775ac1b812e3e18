package io.floe.schema;

import java.util.Map;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.inmemory.InMemoryCatalog;

/** Real Iceberg tables in Iceberg's in-memory catalog (metadata and data files in memory). */
final class TestTables implements AutoCloseable {

  private static final Namespace NAMESPACE = Namespace.of("floe");
  private final InMemoryCatalog catalog = new InMemoryCatalog();
  private int tables;

  TestTables() {
    catalog.initialize("test", Map.of());
    catalog.createNamespace(NAMESPACE);
  }

  Table create(Schema schema) {
    return catalog.createTable(TableIdentifier.of(NAMESPACE, "t" + tables++), schema);
  }

  /** A second, independent handle on the same table, like another worker's. */
  Table load(Table table) {
    return catalog.loadTable(TableIdentifier.parse(table.name().substring(table.name().indexOf('.') + 1)));
  }

  @Override
  public void close() throws Exception {
    catalog.close();
  }
}
