package io.floe.schema.registry;

import static io.floe.schema.registry.RegistryTestApi.field;
import static io.floe.schema.registry.RegistryTestApi.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.floe.schema.registry.SchemaRegistry.SchemaText;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The HTTP client against a real HTTP server serving {@link SchemaRegistryApi} on a loopback port. */
class HttpSchemaRegistryClientTest {
  private static final String USER_V1 = record("User", field("name", "string"));
  private static final String USER_V2 = record("User", field("name", "string"), field("age", "int", "0"));

  private final SchemaRegistry registry = RegistryTestApi.newRegistry();
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicLong nanos = new AtomicLong();
  private HttpServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  private String serve(HttpHandler handler) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", handler);
    server.start();
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Serves the registry's REST API, counting requests. */
  private String serveRegistry() throws IOException {
    SchemaRegistryApi api = new SchemaRegistryApi(registry);
    return serve(exchange -> {
      requests.incrementAndGet();
      byte[] body = exchange.getRequestBody().readAllBytes();
      SchemaRegistryApi.Response r =
          api.handle(
              exchange.getRequestMethod(),
              exchange.getRequestURI().getRawPath(),
              RegistryTestApi.query(exchange.getRequestURI().getRawQuery()),
              body);
      respond(exchange, r.status(), r.body());
    });
  }

  private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", SchemaRegistryApi.CONTENT_TYPE);
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private HttpSchemaRegistryClient client(String url) {
    return client(url, Duration.ofSeconds(10));
  }

  private HttpSchemaRegistryClient client(String url, Duration requestTimeout) {
    return HttpSchemaRegistryClient.builder(url)
        .requestTimeout(requestTimeout)
        .latestTtl(Duration.ofSeconds(10))
        .nanoClock(nanos::get)
        .build();
  }

  private RegisteredSchema register(String subject, String schema) {
    return registry.register(subject, new SchemaText(SchemaType.AVRO, schema, List.of()));
  }

  @Test
  void schemasAreFetchedByIdVersionAndLatestThenServedFromCache() throws IOException {
    // Given a registry with one schema under a subject holding a '/'
    RegisteredSchema v1 = register("team/users-value", USER_V1);
    HttpSchemaRegistryClient client = client(serveRegistry());

    // When a converter asks for it by id, by version and as latest
    RegisteredSchema byId = client.byId(v1.id());
    RegisteredSchema byVersion = client.version("team/users-value", 1);
    RegisteredSchema latest = client.latest("team/users-value");

    // Then each answer is the registered schema, with where it is registered
    assertEquals(v1, byId);
    assertEquals(v1, byVersion);
    assertEquals(v1, latest);

    // And once the server is gone, ids and versions still come from the cache
    int before = requests.get();
    server.stop(0);
    server = null;
    assertEquals(v1, client.byId(v1.id()));
    assertEquals(v1, client.version("team/users-value", 1));
    assertEquals(v1, client.latest("team/users-value"));
    assertEquals(before, requests.get());
    // But latest, once its TTL passed, must be asked for again, and the registry cannot answer
    nanos.addAndGet(TimeUnit.SECONDS.toNanos(11));
    assertThrows(RegistryUnavailableException.class, () -> client.latest("team/users-value"));
  }

  @Test
  void aNewVersionIsPickedUpAfterTheLatestTtl() throws IOException {
    // Given a client that read the latest version
    register("users-value", USER_V1);
    HttpSchemaRegistryClient client = client(serveRegistry());
    assertEquals(1, client.latest("users-value").version());

    // When a second version is registered
    RegisteredSchema v2 = register("users-value", USER_V2);

    // Then the client sees it once the TTL has passed, not before
    nanos.addAndGet(TimeUnit.SECONDS.toNanos(5));
    assertEquals(1, client.latest("users-value").version());
    nanos.addAndGet(TimeUnit.SECONDS.toNanos(6));
    assertEquals(v2, client.latest("users-value"));
  }

  @Test
  void whatDoesNotExistIsADefiniteNotFoundWithConfluentsCode() throws IOException {
    register("users-value", USER_V1);
    HttpSchemaRegistryClient client = client(serveRegistry());

    SchemaRegistryException noSchema = assertThrows(SchemaRegistryException.class, () -> client.byId(99));
    assertEquals(SchemaRegistryException.SCHEMA_NOT_FOUND, noSchema.errorCode());
    assertTrue(noSchema.isNotFound());
    assertEquals(
        SchemaRegistryException.SUBJECT_NOT_FOUND,
        assertThrows(SchemaRegistryException.class, () -> client.latest("nobody-value")).errorCode());
    assertEquals(
        SchemaRegistryException.VERSION_NOT_FOUND,
        assertThrows(SchemaRegistryException.class, () -> client.version("users-value", 7)).errorCode());
  }

  @Test
  void anUnreachableRegistryIsUnavailableNotNotFound() throws IOException {
    // Given a registry that was started and stopped, so its port refuses connections
    String url = serveRegistry();
    server.stop(0);
    server = null;
    HttpSchemaRegistryClient client = client(url);

    // Then every call fails as unavailable, naming the registry
    RegistryUnavailableException e = assertThrows(RegistryUnavailableException.class, () -> client.byId(1));
    assertTrue(e.getMessage().contains(url), e.getMessage());
    assertThrows(RegistryUnavailableException.class, () -> client.latest("users-value"));
  }

  @Test
  void serverErrorsAndTimeoutsAreUnavailable() throws IOException {
    // Given a registry whose store fails
    String failing = serve(exchange -> respond(exchange, 500,
        "{\"error_code\":50001,\"message\":\"Error in the backend data store\"}".getBytes(StandardCharsets.UTF_8)));
    RegistryUnavailableException e =
        assertThrows(RegistryUnavailableException.class, () -> client(failing).byId(1));
    assertTrue(e.getMessage().contains("50001"), e.getMessage());
    server.stop(0);

    // Given a registry that answers too late for the request timeout
    String slow = serve(exchange -> {
      try {
        Thread.sleep(3_000);
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
      }
      respond(exchange, 200, "{}".getBytes(StandardCharsets.UTF_8));
    });
    long start = System.nanoTime();
    assertThrows(
        RegistryUnavailableException.class, () -> client(slow, Duration.ofMillis(300)).latest("users-value"));
    assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(2_500), "the timeout bounds the wait");
  }

  @Test
  void userInfoInTheUrlIsSentAsBasicAuthentication() throws IOException {
    register("users-value", USER_V1);
    SchemaRegistryApi api = new SchemaRegistryApi(registry);
    String url = serve(exchange -> {
      String auth = exchange.getRequestHeaders().getFirst("Authorization");
      if (!"Basic dXNlcjpzM2NyZXQ=".equals(auth)) {
        respond(exchange, 401, "{\"error_code\":401,\"message\":\"Unauthorized\"}".getBytes(StandardCharsets.UTF_8));
        return;
      }
      SchemaRegistryApi.Response r =
          api.handle(
              "GET",
              exchange.getRequestURI().getRawPath(),
              RegistryTestApi.query(exchange.getRequestURI().getRawQuery()),
              new byte[0]);
      respond(exchange, r.status(), r.body());
    });

    String withUser = url.replace("http://", "http://user:s3cret@");
    assertEquals(1, client(withUser).latest("users-value").version());
    assertEquals(401, assertThrows(SchemaRegistryException.class, () -> client(url).latest("users-value")).errorCode());
  }
}
