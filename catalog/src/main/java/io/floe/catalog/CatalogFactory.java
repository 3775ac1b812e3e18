package io.floe.catalog;

import io.floe.catalog.internal.Locations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the Iceberg {@link Catalog} that Table Topics commit to, from broker properties, with AutoMQ's
 * names: {@code automq.table.topic.catalog.type} selects the {@link CatalogType}, and every other
 * {@code automq.table.topic.catalog.*} key goes to the catalog with the prefix stripped ({@code uri},
 * {@code warehouse}, {@code jdbc.user}, {@code header.X}, {@code io-impl}, ...). Like AutoMQ,
 * {@code automq.table.topic.hadoop.*} keys go to the Hadoop {@code Configuration}. Floe adds
 * {@code automq.table.topic.catalog.name} (default {@value #DEFAULT_CATALOG_NAME}).
 *
 * <p>Locations are URIs: a bare warehouse path becomes {@code file:///abs/path} (except for
 * {@code rest} and {@code tablebucket}, whose warehouse is a name or an ARN the server interprets). A
 * warehouse without {@code io-impl} gets a FileIO that keeps its locations' form: Iceberg's
 * {@code S3FileIO} for {@code s3://} (unless set, on the URLConnection HTTP client and Iceberg's S3-only client
 * factory, which is what the broker ships), Floe's {@link LocalFileIO} for {@code file://} (jdbc, hadoop).
 *
 * <p>Every problem a user can fix is an {@link IllegalArgumentException} that names the key, the value
 * and what is allowed, or the artifact missing from the classpath.
 */
public final class CatalogFactory {
  private static final Logger LOG = LoggerFactory.getLogger(CatalogFactory.class);

  public static final String CONFIG_PREFIX = "automq.table.topic.catalog.";
  public static final String TYPE_CONFIG = CONFIG_PREFIX + "type";
  public static final String NAME_CONFIG = CONFIG_PREFIX + "name";
  public static final String HADOOP_CONFIG_PREFIX = "automq.table.topic.hadoop.";
  public static final String DEFAULT_CATALOG_NAME = "floe";

  static final String S3_FILE_IO = "org.apache.iceberg.aws.s3.S3FileIO";
  private static final String S3_CLIENT = "software.amazon.awssdk.services.s3.S3Client";
  private static final String URL_CONNECTION_CLIENT = "software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient";
  private static final Set<String> S3_SCHEMES = Set.of("s3", "s3a", "s3n");

  private CatalogFactory() {}

  /** Whether the broker properties name an external catalog ({@value #TYPE_CONFIG} is set and not blank). */
  public static boolean isConfigured(Map<String, String> brokerProperties) {
    String type = brokerProperties.get(TYPE_CONFIG);
    return type != null && !type.isBlank();
  }

  /**
   * Reads and validates the catalog keys of broker properties, without loading any class or opening
   * any connection.
   *
   * @throws IllegalArgumentException naming the key, value and what is allowed, for bad config
   */
  public static CatalogSpec spec(Map<String, String> brokerProperties) {
    String typeValue = brokerProperties.get(TYPE_CONFIG);
    if (typeValue == null || typeValue.isBlank()) {
      throw new IllegalArgumentException(String.format(
          "Cannot build a table topic catalog: %s is not set; set it to one of %s",
          TYPE_CONFIG, CatalogType.allowedNames()));
    }
    CatalogType type = CatalogType.fromConfigName(typeValue).orElseThrow(() -> new IllegalArgumentException(
        String.format("Cannot build a table topic catalog: %s=%s is not a catalog type; allowed: %s",
            TYPE_CONFIG, typeValue, CatalogType.allowedNames())));

    String name = DEFAULT_CATALOG_NAME;
    Map<String, String> props = new HashMap<>();
    Map<String, String> hadoop = new HashMap<>();
    for (Map.Entry<String, String> e : brokerProperties.entrySet()) {
      String key = e.getKey();
      if (key.equals(TYPE_CONFIG)) {
        continue;
      }
      if (key.equals(NAME_CONFIG)) {
        name = requireNonBlank(key, e.getValue(), "a catalog name such as " + DEFAULT_CATALOG_NAME).trim();
      } else if (key.startsWith(CONFIG_PREFIX)) {
        props.put(strip(key, CONFIG_PREFIX), e.getValue() == null ? "" : e.getValue().trim());
      } else if (key.startsWith(HADOOP_CONFIG_PREFIX)) {
        hadoop.put(strip(key, HADOOP_CONFIG_PREFIX), e.getValue() == null ? "" : e.getValue().trim());
      }
    }
    // a catalog-impl given by the user (a subclass, say) wins over the type's class
    props.putIfAbsent(CatalogProperties.CATALOG_IMPL, type.catalogImpl());

    switch (type) {
      case REST -> {
        String uri = require(props, CatalogProperties.URI, "the REST catalog's base URL, e.g. http://127.0.0.1:8181");
        Optional<String> scheme = Locations.scheme(uri);
        if (scheme.isEmpty() || !(scheme.get().equals("http") || scheme.get().equals("https"))) {
          throw new IllegalArgumentException(String.format(
              "Cannot build the rest catalog: %s%s=%s is not an http:// or https:// URL",
              CONFIG_PREFIX, CatalogProperties.URI, uri));
        }
      }
      case JDBC -> {
        String uri = require(props, CatalogProperties.URI,
            "a JDBC URL, e.g. jdbc:sqlite:/var/lib/floe/catalog.db or jdbc:postgresql://host/db");
        if (!uri.startsWith("jdbc:")) {
          throw new IllegalArgumentException(String.format(
              "Cannot build the jdbc catalog: %s%s=%s is not a JDBC URL (jdbc:<driver>:...)",
              CONFIG_PREFIX, CatalogProperties.URI, uri));
        }
        require(props, CatalogProperties.WAREHOUSE_LOCATION, "a file:///path or s3://bucket/prefix URI");
        // schema V1 stores views as well as tables; Iceberg migrates a V0 database in place
        props.putIfAbsent(JdbcCatalog.PROPERTY_PREFIX + "schema-version", "V1");
      }
      case HADOOP -> require(props, CatalogProperties.WAREHOUSE_LOCATION, "a file:///path or s3://bucket/prefix URI");
      case NESSIE -> require(props, CatalogProperties.URI, "the Nessie API URL, e.g. http://host:19120/api/v2");
      case TABLEBUCKET -> require(props, CatalogProperties.WAREHOUSE_LOCATION,
          "the table bucket ARN, e.g. arn:aws:s3tables:us-east-1:111122223333:bucket/name");
      default -> { }
    }

    String warehouse = props.get(CatalogProperties.WAREHOUSE_LOCATION);
    if (warehouse != null && type != CatalogType.REST && type != CatalogType.TABLEBUCKET) {
      String uri;
      try {
        uri = Locations.toUri(warehouse);
      } catch (IllegalArgumentException ex) {
        throw new IllegalArgumentException(String.format("Cannot build the %s catalog: %s%s=%s: %s",
            type.configName(), CONFIG_PREFIX, CatalogProperties.WAREHOUSE_LOCATION, warehouse, ex.getMessage()), ex);
      }
      props.put(CatalogProperties.WAREHOUSE_LOCATION, uri);
      Optional<String> scheme = Locations.scheme(uri);
      if (scheme.filter(S3_SCHEMES::contains).isPresent()) {
        if (props.putIfAbsent(CatalogProperties.FILE_IO_IMPL, S3_FILE_IO) == null) {
          // what the broker ships: the URLConnection HTTP client (not Iceberg's default, Apache) and the S3-only
          // client factory (Iceberg's default loads KMS, STS, Glue and DynamoDB classes), unless the user chose
          props.putIfAbsent(S3Warehouse.HTTP_CLIENT_TYPE_PROPERTY, S3Warehouse.HTTP_CLIENT_TYPE);
          if (!props.containsKey(S3Warehouse.CLIENT_FACTORY_PROPERTY)) {
            props.putIfAbsent(S3Warehouse.S3_CLIENT_FACTORY_PROPERTY, S3Warehouse.S3_CLIENT_FACTORY);
          }
        }
      } else if (scheme.filter("file"::equals).isPresent()
          && (type == CatalogType.JDBC || type == CatalogType.HADOOP)) {
        // keeps file:/// in every metadata, manifest and data file location (HadoopFileIO writes file:/)
        props.putIfAbsent(CatalogProperties.FILE_IO_IMPL, LocalFileIO.class.getName());
      }
    }
    return new CatalogSpec(type, name, props, hadoop);
  }

  /**
   * Builds and initializes the catalog that broker properties name.
   *
   * @throws IllegalArgumentException for bad config or a catalog whose jars are not on the classpath
   * @throws IllegalStateException if the catalog cannot initialize (e.g. its server is unreachable)
   */
  public static Catalog create(Map<String, String> brokerProperties) {
    return create(spec(brokerProperties));
  }

  /** Builds and initializes the catalog of a validated spec; see {@link #create(Map)}. */
  public static Catalog create(CatalogSpec spec) {
    CatalogType type = spec.type();
    String impl = spec.properties().get(CatalogProperties.CATALOG_IMPL);
    requireClass(type, impl, TYPE_CONFIG + "=" + type.configName());
    if (impl.equals(type.catalogImpl())) {
      for (String dependency : type.dependencyClasses()) {
        requireClass(type, dependency, TYPE_CONFIG + "=" + type.configName());
      }
    }
    String io = spec.properties().get(CatalogProperties.FILE_IO_IMPL);
    if (S3_FILE_IO.equals(io)) {
      requireS3FileIO(type, spec.properties());
    }
    if (type == CatalogType.JDBC) {
      requireJdbcDriver(spec.properties().get(CatalogProperties.URI));
    }

    Configuration conf = new Configuration();
    spec.hadoopProperties().forEach(conf::set);
    LOG.info("Building Iceberg catalog '{}' of type {} with {}", spec.name(), type.configName(),
        spec.redactedProperties());
    try {
      return CatalogUtil.buildIcebergCatalog(spec.name(), spec.properties(), conf);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(String.format("Cannot build the %s catalog '%s' with %s: %s",
          type.configName(), spec.name(), spec.redactedProperties(), e.getMessage()), e);
    } catch (RuntimeException e) {
      throw new IllegalStateException(String.format("Cannot initialize the %s catalog '%s' (uri=%s, warehouse=%s): %s",
          type.configName(), spec.name(), spec.properties().get(CatalogProperties.URI),
          spec.properties().get(CatalogProperties.WAREHOUSE_LOCATION), e), e);
    }
  }

  /**
   * The embedded default: an Iceberg {@link JdbcCatalog} named {@value #DEFAULT_CATALOG_NAME} on a
   * SQLite file, with its warehouse in a local directory as a {@code file://} URI written through
   * {@link LocalFileIO} (so every file location is {@code file:///...}). Creates both if missing. Tables need their namespace to exist first (strict mode), as in the REST spec.
   *
   * @param catalogDb the SQLite database file, e.g. {@code <dataDir>/catalog.db}
   * @param warehouseDir the warehouse directory, e.g. {@code <dataDir>/warehouse}
   */
  public static JdbcCatalog embedded(Path catalogDb, Path warehouseDir) {
    return (JdbcCatalog) CatalogUtil.buildIcebergCatalog(DEFAULT_CATALOG_NAME,
        embeddedProperties(catalogDb, warehouseDir), new Configuration());
  }

  /** The catalog properties of {@link #embedded(Path, Path)}, creating the directories they name. */
  public static Map<String, String> embeddedProperties(Path catalogDb, Path warehouseDir) {
    try {
      Files.createDirectories(warehouseDir);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create the embedded catalog's warehouse directory " + warehouseDir, e);
    }
    return embeddedProperties(catalogDb, Locations.toUri(warehouseDir),
        Map.of(CatalogProperties.FILE_IO_IMPL, LocalFileIO.class.getName()));
  }

  /**
   * The embedded default with its warehouse in an S3 bucket: the same Iceberg {@link JdbcCatalog} on a local
   * SQLite file, but table metadata and data files are written to {@link S3Warehouse#location()} through
   * Iceberg's {@code S3FileIO}, so every file location is {@code s3://bucket/path/...}. The bucket must exist;
   * nothing is sent to S3 until the first table is created.
   *
   * @param catalogDb the SQLite database file, e.g. {@code <dataDir>/catalog.db}
   * @param warehouse the bucket, key prefix and S3 settings of the warehouse
   * @throws IllegalArgumentException if iceberg-aws, the AWS SDK's S3 client or its URLConnection HTTP client is
   *     not on the classpath
   */
  public static JdbcCatalog embedded(Path catalogDb, S3Warehouse warehouse) {
    Map<String, String> props = embeddedProperties(catalogDb, warehouse);
    requireS3FileIO(CatalogType.JDBC, props);
    return (JdbcCatalog) CatalogUtil.buildIcebergCatalog(DEFAULT_CATALOG_NAME, props, new Configuration());
  }

  /**
   * The embedded catalog of a cluster: the Iceberg {@link JdbcCatalog} in the database the brokers share (a
   * {@code jdbc:postgresql:} URL, the brokers' metadata store), so that whichever broker writes a table topic
   * commits to the same table, and every broker's REST catalog serves the same tables. Its tables ({@code
   * iceberg_tables}, {@code iceberg_namespace_properties}) sit beside Floe's. Brokers starting together may race
   * to create them; the loser tries again.
   *
   * @param warehouseLocation a location every broker reaches: {@code s3://...} (with {@code fileIoProperties}
   *     from {@link S3Warehouse#fileIoProperties()}) or a shared file system
   */
  public static JdbcCatalog shared(String jdbcUrl, String warehouseLocation, Map<String, String> fileIoProperties) {
    if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException("Cannot build the shared catalog: '"
          + jdbcUrl.replaceAll("password=[^&;]*", "password=***") + "' is not a jdbc:postgresql: URL");
    }
    Map<String, String> props = new HashMap<>(fileIoProperties);
    props.put(CatalogProperties.CATALOG_IMPL, CatalogType.JDBC.catalogImpl());
    props.put(CatalogProperties.URI, jdbcUrl);
    props.put(CatalogProperties.WAREHOUSE_LOCATION, warehouseLocation);
    props.put(JdbcCatalog.PROPERTY_PREFIX + "schema-version", "V1");
    props.put(JdbcCatalog.PROPERTY_PREFIX + "strict-mode", "true");
    if (warehouseLocation.startsWith("s3://")) {
      requireS3FileIO(CatalogType.JDBC, props);
    }
    RuntimeException last = null;
    for (int attempt = 1; attempt <= 3; attempt++) {
      try {
        return (JdbcCatalog) CatalogUtil.buildIcebergCatalog(DEFAULT_CATALOG_NAME, props, new Configuration());
      } catch (RuntimeException e) {
        last = e; // another broker created the catalog's tables between our check and our CREATE TABLE
        try {
          Thread.sleep(200L * attempt);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
    throw last;
  }

  /** The catalog properties of {@link #embedded(Path, S3Warehouse)}, creating the database's directory. */
  public static Map<String, String> embeddedProperties(Path catalogDb, S3Warehouse warehouse) {
    return embeddedProperties(catalogDb, warehouse.location(), warehouse.fileIoProperties());
  }

  private static Map<String, String> embeddedProperties(Path catalogDb, String warehouseUri,
      Map<String, String> fileIoProperties) {
    try {
      Path db = catalogDb.toAbsolutePath().normalize();
      if (db.getParent() != null) {
        Files.createDirectories(db.getParent());
      }
      Map<String, String> props = new HashMap<>(fileIoProperties);
      props.put(CatalogProperties.CATALOG_IMPL, CatalogType.JDBC.catalogImpl());
      props.put(CatalogProperties.URI, "jdbc:sqlite:" + db);
      props.put(CatalogProperties.WAREHOUSE_LOCATION, warehouseUri);
      props.put(JdbcCatalog.PROPERTY_PREFIX + "schema-version", "V1");
      props.put(JdbcCatalog.PROPERTY_PREFIX + "strict-mode", "true");
      // sqlite-jdbc connection properties: wait for the write lock instead of failing with SQLITE_BUSY
      // when the REST server and the table-topic committers write at once
      props.put(JdbcCatalog.PROPERTY_PREFIX + "busy_timeout", "30000");
      props.put(JdbcCatalog.PROPERTY_PREFIX + "journal_mode", "WAL");
      return props;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create the embedded catalog's directory for " + catalogDb, e);
    }
  }

  private static String strip(String key, String prefix) {
    String stripped = key.substring(prefix.length());
    if (stripped.isEmpty()) {
      throw new IllegalArgumentException("Cannot build a table topic catalog: the key " + key
          + " has nothing after the prefix; use " + prefix + "<property>");
    }
    return stripped;
  }

  private static String require(Map<String, String> props, String key, String expected) {
    return requireNonBlank(CONFIG_PREFIX + key, props.get(key), expected);
  }

  private static String requireNonBlank(String key, String value, String expected) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(String.format("Cannot build a table topic catalog: %s is %s; set it to %s",
          key, value == null ? "not set" : "blank", expected));
    }
    return value;
  }

  private static void requireS3FileIO(CatalogType type, Map<String, String> props) {
    requireClass(type, S3_FILE_IO, "an s3:// warehouse");
    requireClass(type, S3_CLIENT, "an s3:// warehouse");
    if (S3Warehouse.HTTP_CLIENT_TYPE.equals(props.get(S3Warehouse.HTTP_CLIENT_TYPE_PROPERTY))) {
      requireClass(type, URL_CONNECTION_CLIENT, "an s3:// warehouse with http-client.type=urlconnection");
    }
  }

  private static void requireClass(CatalogType type, String className, String neededFor) {
    if (!classPresent(className)) {
      String artifacts = type.artifacts().isEmpty() ? "the jar that provides it"
          : String.join(" or ", type.artifacts()) + " (with its dependencies)";
      if (className.equals(URL_CONNECTION_CLIENT)) {
        artifacts = "software.amazon.awssdk:url-connection-client (the AWS SDK's version), or set the catalog's"
            + " http-client.type to a client that is there";
      } else if (className.startsWith("org.apache.iceberg.aws") || className.startsWith("software.amazon.awssdk")) {
        artifacts = "org.apache.iceberg:iceberg-aws:1.12.0 with the AWS SDK (org.apache.iceberg:iceberg-aws-bundle:1.12.0)";
      }
      throw new IllegalArgumentException(String.format(
          "Cannot build the %s catalog for %s: class %s is not on the broker's classpath; add %s to the broker's libs",
          type.configName(), neededFor, className, artifacts));
    }
  }

  static boolean classPresent(String className) {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    try {
      Class.forName(className, false, loader != null ? loader : CatalogFactory.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  private static void requireJdbcDriver(String uri) {
    try {
      DriverManager.getDriver(uri);
    } catch (SQLException e) {
      String driver = uri.substring("jdbc:".length()).split(":", 2)[0].toLowerCase(Locale.ROOT);
      String hint = switch (driver) {
        case "postgresql" -> "org.postgresql:postgresql";
        case "mysql" -> "com.mysql:mysql-connector-j";
        case "mariadb" -> "org.mariadb.jdbc:mariadb-java-client";
        default -> "the JDBC driver for '" + driver + "'";
      };
      throw new IllegalArgumentException(String.format(
          "Cannot build the jdbc catalog: no JDBC driver accepts %s%s=%s; add %s to the broker's libs",
          CONFIG_PREFIX, CatalogProperties.URI, uri, hint), e);
    }
  }
}
