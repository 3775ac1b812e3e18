package io.floe.catalog;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A validated catalog configuration: what {@link CatalogFactory#spec} reads from broker properties and
 * {@link CatalogFactory#create(CatalogSpec)} builds. Immutable; {@link #toString()} hides secrets.
 *
 * @param type the catalog type ({@code automq.table.topic.catalog.type})
 * @param name the catalog name Iceberg is given ({@code automq.table.topic.catalog.name}, default
 *     {@value CatalogFactory#DEFAULT_CATALOG_NAME}); the JDBC catalog keys its rows by it
 * @param properties what Iceberg's {@code Catalog.initialize} receives: every other
 *     {@code automq.table.topic.catalog.*} key with the prefix stripped, plus {@code catalog-impl}
 * @param hadoopProperties {@code automq.table.topic.hadoop.*} with the prefix stripped, set on the
 *     Hadoop {@code Configuration} the catalog gets
 */
public record CatalogSpec(CatalogType type, String name, Map<String, String> properties,
    Map<String, String> hadoopProperties) {

  private static final Pattern SECRET_KEY =
      Pattern.compile("(?i).*(password|secret|token|credential|sas|private|session|access-key).*");

  public CatalogSpec {
    properties = Map.copyOf(properties);
    hadoopProperties = Map.copyOf(hadoopProperties);
  }

  /** The properties with the values of secret-looking keys replaced by {@code ******}, for logs. */
  public Map<String, String> redactedProperties() {
    return redact(properties);
  }

  static Map<String, String> redact(Map<String, String> props) {
    Map<String, String> out = new TreeMap<>();
    props.forEach((k, v) -> out.put(k, SECRET_KEY.matcher(k).matches() ? "******" : v));
    return out;
  }

  @Override
  public String toString() {
    return "CatalogSpec{type=" + type.configName() + ", name=" + name + ", properties=" + redact(properties)
        + ", hadoop=" + redact(hadoopProperties) + "}";
  }
}
