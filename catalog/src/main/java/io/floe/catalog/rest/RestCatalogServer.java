package io.floe.catalog.rest;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.floe.catalog.CatalogFactory;
import io.floe.catalog.internal.Locations;
import io.floe.catalog.rest.internal.CatalogRequestHandler;
import io.floe.catalog.rest.internal.RestErrors;
import io.floe.catalog.rest.internal.RestExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.catalog.Catalog;
import io.floe.catalog.rest.internal.RestJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Floe's built-in Iceberg REST catalog: the Iceberg REST OpenAPI spec served over HTTP (the JDK's
 * {@link HttpServer}) in front of a backing {@link Catalog}, by default the embedded SQLite
 * {@code JdbcCatalog} of {@link CatalogFactory#embedded(Path, Path)}. Spark, Trino and Iceberg's own
 * {@code RESTCatalog} point their {@code uri} at {@link #uri()}.
 *
 * <p>Served: config, namespaces (list, create, exists, load, drop, properties), tables (list, create
 * and stage-create, exists, load with ETag, commit with update requirements, rename, drop and purge,
 * register), views (when the backing catalog has them), multi-table transactions, and the metrics
 * endpoint (accepted and dropped). Not served: OAuth tokens, credential vending, server-side scan
 * planning; {@code GET /v1/config} advertises exactly what is served.
 *
 * <p>Bounds: request bodies over {@link Builder#maxRequestBytes(int)} get 413; requests run on
 * {@link Builder#threads(int)} threads with a bounded queue, and when the queue is full the accepting
 * thread runs the request itself, which stops it accepting more (backpressure instead of failure).
 *
 * <p>The first start sets the JVM-wide {@code sun.net.httpserver.nodelay=true} unless it is already set,
 * since the JDK server reads it once: without it every response waits ~40 ms for a delayed ACK.
 *
 * <p>Lifecycle: {@link #start()} binds, {@link #close()} stops and closes the backing catalog if this
 * server opened it (the embedded one), not if the caller passed it in.
 */
public final class RestCatalogServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RestCatalogServer.class);
  private static final String JSON = "application/json";

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 8181;
  public static final int DEFAULT_THREADS = 8;
  public static final int DEFAULT_QUEUE = 256;
  public static final int DEFAULT_MAX_REQUEST_BYTES = 8 * 1024 * 1024;
  static final long DRAIN_MILLIS = 5_000;
  private static final String NODELAY_PROPERTY = "sun.net.httpserver.nodelay";

  private final String host;
  private final int requestedPort;
  private final Catalog catalog;
  private final boolean ownsCatalog;
  private final String warehouse;
  private final int threads;
  private final int queue;
  private final int maxRequestBytes;
  private final CatalogRequestHandler handler;
  private final Map<String, ExtraRoute> extraRoutes = new ConcurrentHashMap<>();

  private final AtomicInteger inFlight = new AtomicInteger();
  private HttpServer server;
  private ThreadPoolExecutor executor;
  private volatile boolean closed;

  /**
   * A server on {@code host:port} (port 0 picks a free port) in front of a catalog the caller owns,
   * with the default bounds.
   */
  public RestCatalogServer(String host, int port, Catalog catalog) {
    this(builder().bind(host, port).catalog(catalog).validate());
  }

  private RestCatalogServer(Builder b) {
    this.host = b.host;
    this.requestedPort = b.port;
    this.threads = b.threads;
    this.queue = b.queue;
    this.maxRequestBytes = b.maxRequestBytes;
    if (b.catalog != null) {
      this.catalog = b.catalog;
      this.ownsCatalog = false;
      this.warehouse = b.warehouseForLog != null ? b.warehouseForLog : "(the catalog's own)";
    } else {
      this.catalog = CatalogFactory.embedded(b.catalogDb, b.warehouseDir);
      this.ownsCatalog = true;
      this.warehouse = Locations.toUri(b.warehouseDir);
    }
    this.handler = new CatalogRequestHandler(catalog);
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
  public synchronized RestCatalogServer start() throws IOException {
    if (closed || server != null) {
      throw new IllegalStateException("Cannot start the REST catalog server: it was already "
          + (closed ? "closed" : "started"));
    }
    AtomicInteger n = new AtomicInteger();
    executor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue),
        r -> {
          Thread t = new Thread(r, "floe-rest-catalog-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        },
        new ThreadPoolExecutor.CallerRunsPolicy());
    executor.allowCoreThreadTimeOut(true);
    // without TCP_NODELAY, a response's headers and body go out as two segments and the second waits
    // for the client's delayed ACK (~40 ms a request); the JDK server reads this once, at class init
    if (System.getProperty(NODELAY_PROPERTY) == null) {
      System.setProperty(NODELAY_PROPERTY, "true");
    }
    HttpServer s;
    try {
      s = HttpServer.create(new InetSocketAddress(host, requestedPort), 128);
    } catch (IOException e) {
      executor.shutdownNow();
      throw new IOException("Cannot start the Iceberg REST catalog on " + host + ":" + requestedPort + ": "
          + e.getMessage(), e);
    }
    s.createContext("/", this::serve);
    s.setExecutor(executor);
    s.start();
    server = s;
    LOG.info("Iceberg REST catalog '{}' listening on {} (warehouse {}; {} threads, max request {} bytes)",
        catalog.name(), uri(), warehouse, threads, maxRequestBytes);
    return this;
  }

  /** The bound port (the real one when 0 was asked for). */
  public int port() {
    HttpServer s = server;
    if (s == null) {
      throw new IllegalStateException("The REST catalog server is not started");
    }
    return s.getAddress().getPort();
  }

  /** The base URI clients use as the catalog {@code uri}, e.g. {@code http://127.0.0.1:8181/}. */
  public URI uri() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return URI.create("http://" + h + ":" + port() + "/");
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
    Objects.requireNonNull(route, "route");
    if (path == null || !path.startsWith("/") || path.length() < 2) {
      throw new IllegalArgumentException("Cannot add route " + path + ": the path must start with / and name something");
    }
    if (path.equals("/v1") || path.startsWith("/v1/")) {
      throw new IllegalArgumentException("Cannot add route " + path + ": /v1/ is the Iceberg REST API");
    }
    if (extraRoutes.putIfAbsent(path, route) != null) {
      throw new IllegalArgumentException("Cannot add route " + path + ": it is already routed");
    }
  }

  /**
   * Stops serving: new requests get 503, requests in flight get up to {@value #DRAIN_MILLIS} ms to
   * finish, then the listener closes. Closes the catalog if this server opened it.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (server != null) {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRAIN_MILLIS);
      while (inFlight.get() > 0 && System.nanoTime() < deadline) {
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      // HttpServer.stop(n) waits the whole n seconds while clients hold idle keep-alive connections,
      // so it is given 0 once the requests in flight are done
      server.stop(0);
      executor.shutdown();
      try {
        if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
          executor.shutdownNow();
        }
      } catch (InterruptedException e) {
        executor.shutdownNow();
        Thread.currentThread().interrupt();
      }
      LOG.info("Iceberg REST catalog on {}:{} stopped", host, server.getAddress().getPort());
    }
    if (ownsCatalog && catalog instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("Cannot close the embedded catalog {}", catalog.name(), e);
      }
    }
  }

  private void serve(HttpExchange exchange) {
    inFlight.incrementAndGet();
    try {
      if (closed) {
        exchange.getResponseHeaders().set("Connection", "close");
        sendJson(exchange, exchange.getRequestMethod(), new RestExchange.Response(503,
            RestErrors.error(503, "ServiceUnavailableException", "The REST catalog is shutting down"), Map.of()));
        return;
      }
      String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
      URI requestUri = exchange.getRequestURI();
      String rawPath = requestUri.getRawPath() == null ? "/" : requestUri.getRawPath();
      Map<String, String> query = parseQuery(requestUri.getRawQuery());

      ExtraRoute extra = extraRoutes.get(rawPath);
      if (extra != null) {
        serveExtra(exchange, method, extra, query);
        return;
      }

      // read at most one byte past the limit, so the client gets its 413 after a bounded read rather
      // than a reset while it is still sending
      byte[] body = readBody(exchange.getRequestBody());
      if (body == null) {
        sendJson(exchange, method, tooLarge(contentLength(exchange)));
        return;
      }
      Map<String, String> headers = new HashMap<>();
      exchange.getRequestHeaders().forEach((k, v) -> headers.put(k, v.isEmpty() ? "" : v.get(0)));
      RestExchange.Response response = handler.handle(new RestExchange.Request(method, rawPath, query, headers, body));
      sendJson(exchange, method, response);
    } catch (IOException e) {
      // the client went away (or sent a broken request) before the answer was written
      LOG.debug("Cannot answer {} {}: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString());
    } catch (RuntimeException e) {
      // the response may already be under way; the client sees a reset or a truncated body
      LOG.warn("Cannot answer {} {}", exchange.getRequestMethod(), exchange.getRequestURI(), e);
    } finally {
      exchange.close();
      inFlight.decrementAndGet();
    }
  }

  private void serveExtra(HttpExchange exchange, String method, ExtraRoute route, Map<String, String> query)
      throws IOException {
    if (!method.equals("GET") && !method.equals("HEAD")) {
      exchange.getResponseHeaders().set("Allow", "GET, HEAD");
      exchange.sendResponseHeaders(405, -1);
      return;
    }
    ExtraRoute.Reply reply;
    try {
      reply = route.handle(query);
    } catch (IOException | RuntimeException e) {
      LOG.warn("Route {} failed", exchange.getRequestURI().getRawPath(), e);
      reply = ExtraRoute.Reply.text("text/plain; charset=utf-8", "error: " + e.getMessage());
      reply = new ExtraRoute.Reply(500, reply.contentType(), reply.body());
    }
    byte[] bytes = reply.body();
    exchange.getResponseHeaders().set("Content-Type", reply.contentType());
    if (method.equals("HEAD") || bytes.length == 0) {
      exchange.sendResponseHeaders(reply.status(), -1);
      return;
    }
    exchange.sendResponseHeaders(reply.status(), bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private RestExchange.Response tooLarge(long declared) {
    String size = declared >= 0 ? declared + " bytes" : "more bytes";
    return new RestExchange.Response(413, RestErrors.error(413, "RequestTooLargeException",
        String.format("Request body of %s is over the limit of %d bytes", size, maxRequestBytes)), Map.of());
  }

  private static void sendJson(HttpExchange exchange, String method, RestExchange.Response response)
      throws IOException {
    response.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
    if (response.body() == null || method.equals("HEAD")) {
      exchange.sendResponseHeaders(response.status(), -1);
      return;
    }
    byte[] bytes = RestJson.mapper().writeValueAsBytes(response.body());
    exchange.getResponseHeaders().set("Content-Type", JSON);
    exchange.sendResponseHeaders(response.status(), bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static long contentLength(HttpExchange exchange) {
    String value = exchange.getRequestHeaders().getFirst("Content-Length");
    if (value == null) {
      return -1;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** The body, or null if it is over the limit. */
  private byte[] readBody(InputStream in) throws IOException {
    byte[] bytes = in.readNBytes(maxRequestBytes + 1);
    return bytes.length > maxRequestBytes ? null : bytes;
  }

  static Map<String, String> parseQuery(String rawQuery) {
    Map<String, String> params = new HashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return params;
    }
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      params.putIfAbsent(key, value);
    }
    return params;
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
