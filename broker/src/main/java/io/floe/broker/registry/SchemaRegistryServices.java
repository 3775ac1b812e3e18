package io.floe.broker.registry;

import io.floe.broker.config.BrokerConfig;
import io.floe.catalog.http.HttpApi;
import io.floe.catalog.http.HttpApiServer;
import io.floe.catalog.http.HttpReply;
import io.floe.catalog.http.HttpRequest;
import io.floe.schema.registry.HttpSchemaRegistryClient;
import io.floe.schema.registry.SchemaFormats;
import io.floe.schema.registry.SchemaRegistry;
import io.floe.schema.registry.SchemaRegistryApi;
import io.floe.schema.registry.SchemaRegistryClient;
import io.floe.storage.metadata.SchemaStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The schema registry in the broker: the built-in Confluent-compatible registry, kept in the metadata store
 * and served on {@code floe.schema.registry.listeners} (127.0.0.1:8081 by default) by the same HTTP stack as
 * the REST catalog; and the registry table topics read schemas from, which is {@code
 * automq.table.topic.schema.registry.url} when set, else the built-in one, asked in process.
 */
public final class SchemaRegistryServices implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryServices.class);

  private final SchemaRegistry registry;
  private final SchemaRegistryClient forTableTopics;
  private final HttpApiServer server;

  private SchemaRegistryServices(SchemaRegistry registry, SchemaRegistryClient forTableTopics, HttpApiServer server) {
    this.registry = registry;
    this.forTableTopics = forTableTopics;
    this.server = server;
  }

  /**
   * Starts the built-in registry's HTTP API if enabled.
   *
   * @throws UncheckedIOException if its port cannot be bound
   */
  public static SchemaRegistryServices start(BrokerConfig config, SchemaStore store) {
    SchemaRegistry registry = new SchemaRegistry(new MetadataSchemaRegistryStore(store), SchemaFormats.all());
    HttpApiServer server = null;
    if (config.getBoolean(BrokerConfig.SCHEMA_REGISTRY_ENABLE)) {
      BrokerConfig.Listener l = BrokerConfig.Listener.parseHttp(BrokerConfig.SCHEMA_REGISTRY_LISTENERS,
          config.get(BrokerConfig.SCHEMA_REGISTRY_LISTENERS));
      server = HttpApiServer.builder("schema registry", "floe-schema-registry", new RegistryHttpApi(registry))
          .bind(l.host(), l.port())
          .build();
      try {
        server.start();
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot start the schema registry on " + l.host() + ":" + l.port() + " (set "
            + BrokerConfig.SCHEMA_REGISTRY_LISTENERS + " or " + BrokerConfig.SCHEMA_REGISTRY_ENABLE + "=false)", e);
      }
      LOG.info("Schema registry (Confluent API) listening on {}", server.uri());
    }
    String url = config.get(BrokerConfig.TABLE_TOPIC_SCHEMA_REGISTRY_URL);
    SchemaRegistryClient client;
    if (url == null || url.isBlank()) {
      client = registry;
    } else {
      client = HttpSchemaRegistryClient.create(url.trim());
      LOG.info("Table topics read schemas from the registry at {}", url.trim());
    }
    return new SchemaRegistryServices(registry, client, server);
  }

  /** The registry table topics read schemas from. */
  public SchemaRegistryClient forTableTopics() {
    return forTableTopics;
  }

  /** The built-in registry. */
  public SchemaRegistry registry() {
    return registry;
  }

  /** The built-in registry's base URI, if it is served. */
  public Optional<URI> uri() {
    return server == null ? Optional.empty() : Optional.of(server.uri());
  }

  @Override
  public void close() {
    if (server != null) {
      server.close();
    }
  }

  /** Confluent's REST API over the built-in registry, on Floe's HTTP stack. */
  private static final class RegistryHttpApi implements HttpApi {
    private final SchemaRegistryApi api;

    RegistryHttpApi(SchemaRegistry registry) {
      this.api = new SchemaRegistryApi(registry);
    }

    @Override
    public HttpReply handle(HttpRequest request) {
      SchemaRegistryApi.Response r = api.handle(request.method(), request.rawPath(), request.query(), request.body());
      return HttpReply.of(r.status(), r.contentType(), r.body());
    }

    @Override
    public HttpReply error(int status, String message) {
      int code = status == 413 ? 413 : status == 503 ? 50003 : 50001;
      String body = "{\"error_code\":" + code + ",\"message\":" + quote(message) + "}";
      return HttpReply.of(status, SchemaRegistryApi.CONTENT_TYPE, body.getBytes(StandardCharsets.UTF_8));
    }

    private static String quote(String s) {
      return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
  }
}
