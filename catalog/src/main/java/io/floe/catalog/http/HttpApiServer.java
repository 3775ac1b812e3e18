package io.floe.catalog.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Floe's one HTTP stack: serves one {@link HttpApi} (the Iceberg REST catalog, the schema registry), extra GET
 * routes ({@code /metrics}) and POST routes (actions) on the JDK's {@link HttpServer}, with every bound in one
 * place.
 *
 * <p>Bounds: request bodies over {@link Builder#maxRequestBytes(int)} get 413 after a bounded read;
 * requests run on {@link Builder#threads(int)} threads with a bounded queue, and when the queue is full the
 * accepting thread runs the request itself, which stops it accepting more (backpressure instead of
 * failure).
 *
 * <p>The first start sets the JVM-wide {@code sun.net.httpserver.nodelay=true} unless it is already set,
 * since the JDK server reads it once: without it every response waits ~40 ms for a delayed ACK.
 *
 * <p>Lifecycle: {@link #start()} binds; {@link #close()} answers new requests 503, gives requests in flight
 * up to {@value #DRAIN_MILLIS} ms, then stops.
 */
public final class HttpApiServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApiServer.class);

  public static final int DEFAULT_THREADS = 8;
  public static final int DEFAULT_QUEUE = 256;
  public static final int DEFAULT_MAX_REQUEST_BYTES = 8 * 1024 * 1024;
  static final long DRAIN_MILLIS = 5_000;
  private static final String NODELAY_PROPERTY = "sun.net.httpserver.nodelay";

  private final String name;
  private final String threadPrefix;
  private final String host;
  private final int requestedPort;
  private final int threads;
  private final int queue;
  private final int maxRequestBytes;
  private final HttpApi api;
  private final Map<String, ExtraRoute> extraRoutes = new ConcurrentHashMap<>();
  private final Map<String, ExtraRoute> postRoutes = new ConcurrentHashMap<>();

  private final AtomicInteger inFlight = new AtomicInteger();
  private HttpServer server;
  private ThreadPoolExecutor executor;
  private volatile boolean closed;

  private HttpApiServer(Builder b) {
    this.name = b.name;
    this.threadPrefix = b.threadPrefix;
    this.host = b.host;
    this.requestedPort = b.port;
    this.threads = b.threads;
    this.queue = b.queue;
    this.maxRequestBytes = b.maxRequestBytes;
    this.api = b.api;
  }

  /**
   * @param name what the server serves, for log lines and errors ("Iceberg REST catalog")
   * @param threadPrefix the prefix of its request threads' names
   */
  public static Builder builder(String name, String threadPrefix, HttpApi api) {
    return new Builder(name, threadPrefix, api);
  }

  /**
   * Binds and starts serving.
   *
   * @throws IOException if the address cannot be bound (e.g. the port is in use)
   * @throws IllegalStateException if already started or closed
   */
  public synchronized HttpApiServer start() throws IOException {
    if (closed || server != null) {
      throw new IllegalStateException("Cannot start the " + name + " server: it was already "
          + (closed ? "closed" : "started"));
    }
    AtomicInteger n = new AtomicInteger();
    executor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue),
        r -> {
          Thread t = new Thread(r, threadPrefix + "-" + n.incrementAndGet());
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
      throw new IOException("Cannot start the " + name + " on " + host + ":" + requestedPort + ": "
          + e.getMessage(), e);
    }
    s.createContext("/", this::serve);
    s.setExecutor(executor);
    s.start();
    server = s;
    return this;
  }

  /** The bound port (the real one when 0 was asked for). */
  public int port() {
    HttpServer s = server;
    if (s == null) {
      throw new IllegalStateException("The " + name + " server is not started");
    }
    return s.getAddress().getPort();
  }

  /** The base URI clients point at, e.g. {@code http://127.0.0.1:8181/}. */
  public URI uri() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return URI.create("http://" + h + ":" + port() + "/");
  }

  public int threads() {
    return threads;
  }

  public int maxRequestBytes() {
    return maxRequestBytes;
  }

  /**
   * Adds a GET route, e.g. {@code /metrics} for Prometheus, answered before the API sees the request.
   * Callable before or after {@link #start()}.
   *
   * @param path an exact path starting with {@code /}
   * @throws IllegalArgumentException if the path is malformed or taken
   */
  public void addRoute(String path, ExtraRoute route) {
    checkFree(path, route);
    extraRoutes.put(path, route);
  }

  /**
   * Adds a POST route: an action such as re-driving a stopped table, taking its arguments from the query
   * string, answered before the API sees the request. Callable before or after {@link #start()}.
   *
   * @param path an exact path starting with {@code /}
   * @throws IllegalArgumentException if the path is malformed or taken
   */
  public void addPostRoute(String path, ExtraRoute route) {
    checkFree(path, route);
    postRoutes.put(path, route);
  }

  private synchronized void checkFree(String path, ExtraRoute route) {
    Objects.requireNonNull(route, "route");
    if (path == null || !path.startsWith("/") || path.length() < 2) {
      throw new IllegalArgumentException("Cannot add route " + path + ": the path must start with / and name something");
    }
    if (extraRoutes.containsKey(path) || postRoutes.containsKey(path)) {
      throw new IllegalArgumentException("Cannot add route " + path + ": it is already routed");
    }
  }

  /**
   * Stops serving: new requests get 503, requests in flight get up to {@value #DRAIN_MILLIS} ms to
   * finish, then the listener closes.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (server == null) {
      return;
    }
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
    LOG.info("{} on {}:{} stopped", name, host, server.getAddress().getPort());
  }

  private void serve(HttpExchange exchange) {
    inFlight.incrementAndGet();
    try {
      String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
      if (closed) {
        exchange.getResponseHeaders().set("Connection", "close");
        send(exchange, method, api.error(503, "The " + name + " is shutting down"));
        return;
      }
      URI requestUri = exchange.getRequestURI();
      String rawPath = requestUri.getRawPath() == null ? "/" : requestUri.getRawPath();
      Map<String, String> query = parseQuery(requestUri.getRawQuery());

      ExtraRoute extra = extraRoutes.get(rawPath);
      if (extra != null) {
        serveExtra(exchange, method, extra, query, "GET", "HEAD");
        return;
      }
      ExtraRoute action = postRoutes.get(rawPath);
      if (action != null) {
        serveExtra(exchange, method, action, query, "POST");
        return;
      }

      // read at most one byte past the limit, so the client gets its 413 after a bounded read rather
      // than a reset while it is still sending
      byte[] body = readBody(exchange.getRequestBody());
      if (body == null) {
        long declared = contentLength(exchange);
        String size = declared >= 0 ? declared + " bytes" : "more bytes";
        send(exchange, method, api.error(413,
            String.format("Request body of %s is over the limit of %d bytes", size, maxRequestBytes)));
        return;
      }
      Map<String, String> headers = new HashMap<>();
      exchange.getRequestHeaders().forEach((k, v) -> headers.put(k, v.isEmpty() ? "" : v.get(0)));
      HttpReply reply;
      try {
        reply = api.handle(new HttpRequest(method, rawPath, query, headers, body));
      } catch (RuntimeException e) {
        LOG.warn("{}: cannot answer {} {}", name, method, requestUri, e);
        reply = api.error(500, "Cannot answer " + method + " " + rawPath + ": " + e);
      }
      send(exchange, method, reply);
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

  private void serveExtra(HttpExchange exchange, String method, ExtraRoute route, Map<String, String> query,
      String... allowed) throws IOException {
    if (!java.util.Arrays.asList(allowed).contains(method)) {
      exchange.getResponseHeaders().set("Allow", String.join(", ", allowed));
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
    send(exchange, method, HttpReply.of(reply.status(), reply.contentType(), reply.body()));
  }

  private static void send(HttpExchange exchange, String method, HttpReply reply) throws IOException {
    reply.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
    byte[] bytes = reply.body();
    if (bytes == null || method.equals("HEAD")) {
      if (bytes != null && reply.contentType() != null) {
        exchange.getResponseHeaders().set("Content-Type", reply.contentType());
      }
      exchange.sendResponseHeaders(reply.status(), -1);
      return;
    }
    if (reply.contentType() != null) {
      exchange.getResponseHeaders().set("Content-Type", reply.contentType());
    }
    if (bytes.length == 0) {
      exchange.sendResponseHeaders(reply.status(), -1);
      return;
    }
    exchange.sendResponseHeaders(reply.status(), bytes.length);
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

  /** Settings of an {@link HttpApiServer}; {@link #build()} validates them. */
  public static final class Builder {
    private final String name;
    private final String threadPrefix;
    private final HttpApi api;
    private String host = "127.0.0.1";
    private int port;
    private int threads = DEFAULT_THREADS;
    private int queue = DEFAULT_QUEUE;
    private int maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;

    private Builder(String name, String threadPrefix, HttpApi api) {
      this.name = name;
      this.threadPrefix = threadPrefix;
      this.api = api;
    }

    /** The address to listen on; port 0 picks a free port (read it back with {@link #port()}). */
    public Builder bind(String bindHost, int bindPort) {
      this.host = bindHost;
      this.port = bindPort;
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
     * The server, not yet listening (call {@link HttpApiServer#start()}).
     *
     * @throws IllegalArgumentException for invalid settings
     */
    public HttpApiServer build() {
      String what = "Cannot build the " + name + " server: ";
      check(api != null, what + "no API to serve");
      check(host != null && !host.isBlank(), what + "the bind host is blank");
      check(port >= 0 && port <= 65535, what + "port %s is not in 0..65535", port);
      check(threads >= 1 && threads <= 1024, what + "threads=%s is not in 1..1024", threads);
      check(queue >= 1, what + "queue=%s must be at least 1", queue);
      check(maxRequestBytes >= 1024 && maxRequestBytes < Integer.MAX_VALUE,
          what + "maxRequestBytes=%s must be at least 1024", maxRequestBytes);
      return new HttpApiServer(this);
    }

    private static void check(boolean ok, String message, Object... args) {
      if (!ok) {
        throw new IllegalArgumentException(String.format(message, args));
      }
    }
  }
}
