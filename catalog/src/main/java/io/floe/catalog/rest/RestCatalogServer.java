package io.floe.catalog.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.floe.catalog.CatalogFactory;
import io.floe.catalog.http.ExtraRoute;
import io.floe.catalog.http.HttpApi;
import io.floe.catalog.http.HttpApiServer;
import io.floe.catalog.http.HttpReply;
import io.floe.catalog.http.HttpRequest;
import io.floe.catalog.internal.Locations;
import io.floe.catalog.rest.internal.CatalogRequestHandler;
import io.floe.catalog.rest.internal.RestErrors;
import io.floe.catalog.rest.internal.RestExchange;
import io.floe.catalog.rest.internal.RestJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.apache.iceberg.catalog.Catalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Floe's built-in Iceberg REST catalog: the Iceberg REST OpenAPI spec served over HTTP ({@link
 * HttpApiServer}) in front of a backing {@link Catalog}, by default the embedded SQLite
 * {@code JdbcCatalog} of {@link CatalogFactory#embedded(Path, Path)}. Spark, Trino and Iceberg's own
 * {@code RESTCatalog} point their {@code uri} at {@link #uri()}.
 *
 * <p>Served: config, namespaces (list, create, exists, load, drop, properties), tables (list, create
 * and stage-create, exists, load with ETag, commit with update requirements, rename, drop and purge,
 * register), views (when the backing catalog has them), multi-table transactions, and the metrics
 * endpoint (accepted and dropped). Not served: OAuth tokens, credential vending, server-side scan
 * planning; {@code GET /v1/config} advertises exactly what is served.
 *
 * <p>Served by Floe's one HTTP stack, {@link HttpApiServer}, which holds the bounds: request bodies over
 * {@link Builder#maxRequestBytes(int)} get 413; requests run on {@link Builder#threads(int)} threads with
 * a bounded queue and backpressure.
 *
 * <p>Lifecycle: {@link #start()} binds, {@link #close()} stops and closes the backing catalog if this
 * server opened it (the embedded one), not if the caller passed it in.
 */
public final class RestCatalogServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RestCatalogServer.class);
  private static final String JSON = "application/json";

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 8181;
  public static final int DEFAULT_THREADS = HttpApiServer.DEFAULT_THREADS;
  public static final int DEFAULT_QUEUE = HttpApiServer.DEFAULT_QUEUE;
  public static final int DEFAULT_MAX_REQUEST_BYTES = HttpApiServer.DEFAULT_MAX_REQUEST_BYTES;

  private final Catalog catalog;
  private final boolean ownsCatalog;
  private final String warehouse;
  private final HttpApiServer server;

  /**
   * A server on {@code host:port} (port 0 picks a free port) in front of a catalog the caller owns,
   * with the default bounds.
   */
  public RestCatalogServer(String host, int port, Catalog catalog) {
    this(builder().bind(host, port).catalog(catalog).validate());
  }

  private RestCatalogServer(Builder b) {
    if (b.catalog != null) {
      this.catalog = b.catalog;
      this.ownsCatalog = false;
      this.warehouse = b.warehouseForLog != null ? b.warehouseForLog : "(the catalog's own)";
    } else {
      this.catalog = CatalogFactory.embedded(b.catalogDb, b.warehouseDir);
      this.ownsCatalog = true;
      this.warehouse = Locations.toUri(b.warehouseDir);
    }
    this.server = HttpApiServer.builder("Iceberg REST catalog", "floe-rest-catalog", new CatalogApi(catalog))
        .bind(b.host, b.port)
        .threads(b.threads)
        .queue(b.queue)
        .maxRequestBytes(b.maxRequestBytes)
        .build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Binds and starts serving.
   *
   * @throws IOException if the address cannot be bound (e.g. the port is in use)
   * @throws IllegalStateException if already started or closed
   */
  public RestCatalogServer start() throws IOException {
    server.start();
    LOG.info("Iceberg REST catalog '{}' listening on {} (warehouse {}; {} threads, max request {} bytes)",
        catalog.name(), uri(), warehouse, server.threads(), server.maxRequestBytes());
    return this;
  }

  /** The bound port (the real one when 0 was asked for). */
  public int port() {
    return server.port();
  }

  /** The base URI clients use as the catalog {@code uri}, e.g. {@code http://127.0.0.1:8181/}. */
  public URI uri() {
    return server.uri();
  }

  /** The backing catalog; the broker may give the same instance to its table-topic committers. */
  public Catalog catalog() {
    return catalog;
  }

  /**
   * Adds a GET route on this server, e.g. {@code /metrics} for Prometheus. Callable before or after
   * {@link #start()}.
   *
   * @param path an exact path starting with {@code /}, outside the catalog's {@code /v1/}
   * @throws IllegalArgumentException if the path is malformed, under {@code /v1/}, or taken
   */
  public void addRoute(String path, ExtraRoute route) {
    if (path != null && (path.equals("/v1") || path.startsWith("/v1/"))) {
      throw new IllegalArgumentException("Cannot add route " + path + ": /v1/ is the Iceberg REST API");
    }
    server.addRoute(path, route);
  }

  /** Adds a POST route (an action) beside the Iceberg REST API; {@code /v1/} is the API's. */
  public void addPostRoute(String path, ExtraRoute route) {
    if (path != null && (path.equals("/v1") || path.startsWith("/v1/"))) {
      throw new IllegalArgumentException("Cannot add route " + path + ": /v1/ is the Iceberg REST API");
    }
    server.addPostRoute(path, route);
  }

  /**
   * Stops serving: new requests get 503, requests in flight get a few seconds to finish, then the
   * listener closes. Closes the catalog if this server opened it.
   */
  @Override
  public void close() {
    server.close();
    if (ownsCatalog && catalog instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("Cannot close the embedded catalog {}", catalog.name(), e);
      }
    }
  }

  /** The Iceberg REST API over {@link CatalogRequestHandler}, with JSON bodies and Iceberg's error shape. */
  private static final class CatalogApi implements HttpApi {
    private final CatalogRequestHandler handler;

    CatalogApi(Catalog catalog) {
      this.handler = new CatalogRequestHandler(catalog);
    }

    @Override
    public HttpReply handle(HttpRequest request) {
      return reply(handler.handle(new RestExchange.Request(request.method(), request.rawPath(), request.query(),
          request.headers(), request.body())));
    }

    @Override
    public HttpReply error(int status, String message) {
      String type = switch (status) {
        case 413 -> "RequestTooLargeException";
        case 503 -> "ServiceUnavailableException";
        default -> "ServerError";
      };
      return reply(new RestExchange.Response(status, RestErrors.error(status, type, message), Map.of()));
    }

    private static HttpReply reply(RestExchange.Response response) {
      if (response.body() == null) {
        return new HttpReply(response.status(), null, response.headers(), null);
      }
      try {
        return new HttpReply(response.status(), JSON, response.headers(),
            RestJson.mapper().writeValueAsBytes(response.body()));
      } catch (JsonProcessingException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Settings of a {@link RestCatalogServer}; {@link #build()} validates them. */
  public static final class Builder {
    private String host = DEFAULT_HOST;
    private int port = DEFAULT_PORT;
    private Catalog catalog;
    private String warehouseForLog;
    private Path catalogDb;
    private Path warehouseDir;
    private int threads = DEFAULT_THREADS;
    private int queue = DEFAULT_QUEUE;
    private int maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;

    private Builder() {}

    /** The address to listen on; port 0 picks a free port (read it back with {@link #port()}). */
    public Builder bind(String bindHost, int bindPort) {
      this.host = bindHost;
      this.port = bindPort;
      return this;
    }

    /** Serve a catalog the caller built and keeps owning (it is not closed with the server). */
    public Builder catalog(Catalog backing) {
      this.catalog = backing;
      return this;
    }

    /** Serve a catalog the caller owns, naming its warehouse for the startup log line. */
    public Builder catalog(Catalog backing, String warehouseUri) {
      this.catalog = backing;
      this.warehouseForLog = warehouseUri;
      return this;
    }

    /**
     * Serve the embedded SQLite catalog of {@link CatalogFactory#embedded(Path, Path)}, opened by the
     * server and closed with it.
     */
    public Builder embeddedCatalog(Path sqliteFile, Path warehouseDirectory) {
      this.catalogDb = sqliteFile;
      this.warehouseDir = warehouseDirectory;
      return this;
    }

    /** Threads that serve requests (default {@value #DEFAULT_THREADS}). */
    public Builder threads(int count) {
      this.threads = count;
      return this;
    }

    /** Requests that wait for a thread before the acceptor pushes back (default {@value #DEFAULT_QUEUE}). */
    public Builder queue(int capacity) {
      this.queue = capacity;
      return this;
    }

    /** The largest request body accepted; larger ones get 413 (default {@value #DEFAULT_MAX_REQUEST_BYTES}). */
    public Builder maxRequestBytes(int bytes) {
      this.maxRequestBytes = bytes;
      return this;
    }

    /**
     * The server, not yet listening (call {@link RestCatalogServer#start()}). Opens the embedded
     * catalog if one was asked for.
     *
     * @throws IllegalArgumentException for invalid settings
     */
    public RestCatalogServer build() {
      return new RestCatalogServer(validate());
    }

    private Builder validate() {
      check(host != null && !host.isBlank(), "Cannot build the REST catalog server: the bind host is blank");
      check(port >= 0 && port <= 65535, "Cannot build the REST catalog server: port %s is not in 0..65535", port);
      check(threads >= 1 && threads <= 1024, "Cannot build the REST catalog server: threads=%s is not in 1..1024", threads);
      check(queue >= 1, "Cannot build the REST catalog server: queue=%s must be at least 1", queue);
      check(maxRequestBytes >= 1024 && maxRequestBytes < Integer.MAX_VALUE,
          "Cannot build the REST catalog server: maxRequestBytes=%s must be at least 1024", maxRequestBytes);
      check((catalog == null) != (catalogDb == null),
          "Cannot build the REST catalog server: give either a catalog or an embedded catalog's files, not %s",
          catalog == null ? "neither" : "both");
      check(catalogDb == null || warehouseDir != null,
          "Cannot build the REST catalog server: the embedded catalog needs a warehouse directory");
      return this;
    }

    private static void check(boolean ok, String message, Object... args) {
      if (!ok) {
        throw new IllegalArgumentException(String.format(message, args));
      }
    }
  }
}
