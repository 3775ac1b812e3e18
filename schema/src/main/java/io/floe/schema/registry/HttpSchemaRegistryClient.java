package io.floe.schema.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.apache.iceberg.relocated.com.google.common.base.Preconditions;

/**
 * {@link SchemaRegistryClient} over HTTP to any Confluent-compatible registry (Confluent's, Karapace, Redpanda,
 * Apicurio's ccompat API, or Floe's own).
 *
 * <p>Bounds: a connect timeout (default 5 s) and a request timeout (default 10 s) on every call; schemas by id
 * and by concrete version cached in one LRU cache of at most {@code cacheSize} entries (default 10,000): an id
 * never changes meaning, and neither does a version while it exists; the latest version of a subject cached
 * for {@code latestTtl} (default 10 s), so a new version is picked up within it. The client never retries: the
 * caller's policy decides, on {@link RegistryUnavailableException}, which covers I/O errors, timeouts, 5xx,
 * 408 and 429 answers. Any other 4xx answer is a {@link SchemaRegistryException} with the registry's error code.
 *
 * <p>User info in the base URL ({@code http://user:secret@host:8081}) is sent as HTTP basic authentication.
 * Thread-safe; concurrent misses of one key may fetch it more than once.
 */
public final class HttpSchemaRegistryClient implements SchemaRegistryClient {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String ACCEPT =
      "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json; qs=0.9, application/json;"
          + " qs=0.5";

  private final URI baseUri;
  private final String description;
  private final Optional<String> authorization;
  private final HttpClient http;
  private final Duration requestTimeout;
  private final long latestTtlNanos;
  private final LongSupplier nanoClock;
  private final Map<String, RegisteredSchema> immutable;
  private final Map<String, Timed> latest;

  private record Timed(RegisteredSchema schema, long fetchedNanos) {}

  private HttpSchemaRegistryClient(Builder b) {
    URI uri = URI.create(b.baseUrl.endsWith("/") ? b.baseUrl.substring(0, b.baseUrl.length() - 1) : b.baseUrl);
    Preconditions.checkArgument(
        "http".equals(uri.getScheme()) || "https".equals(uri.getScheme()),
        "Cannot create schema registry client: '%s' is not an http(s) URL",
        b.baseUrl);
    Preconditions.checkArgument(
        uri.getHost() != null, "Cannot create schema registry client: '%s' has no host", b.baseUrl);
    String userInfo = uri.getRawUserInfo();
    this.authorization =
        Optional.ofNullable(userInfo)
            .map(u -> "Basic " + Base64.getEncoder().encodeToString(
                URLDecoder.decode(u.replace("+", "%2B"), StandardCharsets.UTF_8)
                    .getBytes(StandardCharsets.UTF_8)));
    try {
      this.baseUri = new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), null, null);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("Cannot create schema registry client: bad URL " + b.baseUrl, e);
    }
    this.description = baseUri.toString();
    this.http = HttpClient.newBuilder().connectTimeout(b.connectTimeout).followRedirects(HttpClient.Redirect.NORMAL)
        .build();
    this.requestTimeout = b.requestTimeout;
    this.latestTtlNanos = b.latestTtl.toNanos();
    this.nanoClock = b.nanoClock;
    int cacheSize = b.cacheSize;
    this.immutable = lru(cacheSize);
    this.latest = lru(cacheSize);
  }

  /** A client of the registry at {@code baseUrl}, such as {@code http://127.0.0.1:8081}, with the defaults. */
  public static HttpSchemaRegistryClient create(String baseUrl) {
    return builder(baseUrl).build();
  }

  public static Builder builder(String baseUrl) {
    return new Builder(baseUrl);
  }

  @Override
  public RegisteredSchema byId(int id) {
    String key = "id:" + id;
    RegisteredSchema cached = cached(key);
    if (cached != null) {
      return cached;
    }
    String what = "read schema " + id;
    JsonNode schema = get(what, "/schemas/ids/" + id);
    // The schema alone does not say where it is registered; its versions do (soft-deleted ones included, since
    // data written with a soft-deleted schema stays readable). A registry without that endpoint, or one that
    // lost the versions meanwhile, still gave the schema: only where it is registered stays unknown.
    String subject = "";
    int version = 0;
    try {
      JsonNode versions = get(what, "/schemas/ids/" + id + "/versions?deleted=true");
      if (versions.isArray() && !versions.isEmpty() && versions.get(0).path("version").asInt(0) > 0) {
        subject = versions.get(0).path("subject").asText("");
        version = versions.get(0).path("version").asInt();
      }
    } catch (SchemaRegistryException e) {
      // keep "" and 0
    }
    RegisteredSchema result = toSchema(what, id, subject, version, schema);
    remember(key, result);
    return result;
  }

  @Override
  public RegisteredSchema latest(String subject) {
    Preconditions.checkArgument(subject != null && !subject.isEmpty(), "Cannot read latest schema: subject is empty");
    Timed cached;
    synchronized (latest) {
      cached = latest.get(subject);
    }
    long now = nanoClock.getAsLong();
    if (cached != null && now - cached.fetchedNanos() < latestTtlNanos) {
      return cached.schema();
    }
    RegisteredSchema result = fetchVersion(subject, "latest");
    synchronized (latest) {
      latest.put(subject, new Timed(result, now));
    }
    return result;
  }

  @Override
  public RegisteredSchema version(String subject, int version) {
    Preconditions.checkArgument(subject != null && !subject.isEmpty(), "Cannot read schema version: subject is empty");
    Preconditions.checkArgument(
        version > 0 || version == -1, "Cannot read version %s of %s: versions are positive, or -1", version, subject);
    if (version == -1) {
      return latest(subject);
    }
    String key = "version:" + version + ":" + subject;
    RegisteredSchema cached = cached(key);
    if (cached != null) {
      return cached;
    }
    RegisteredSchema result = fetchVersion(subject, Integer.toString(version));
    remember(key, result);
    return result;
  }

  private RegisteredSchema fetchVersion(String subject, String version) {
    String what = "read version " + version + " of subject '" + subject + "'";
    JsonNode node = get(what, "/subjects/" + encode(subject) + "/versions/" + version);
    RegisteredSchema result =
        toSchema(what, node.path("id").asInt(0), node.path("subject").asText(subject), node.path("version").asInt(0),
            node);
    remember("id:" + result.id(), result);
    return result;
  }

  private RegisteredSchema toSchema(String what, int id, String subject, int version, JsonNode node) {
    try {
      String typeName = node.path("schemaType").asText("AVRO");
      SchemaType type = SchemaType.valueOf(typeName.toUpperCase(Locale.ROOT));
      List<SchemaReference> references = new ArrayList<>();
      for (JsonNode ref : node.path("references")) {
        references.add(
            new SchemaReference(ref.path("name").asText(), ref.path("subject").asText(), ref.path("version").asInt()));
      }
      JsonNode schema = node.get("schema");
      if (schema == null || !schema.isTextual()) {
        throw new IllegalArgumentException("no schema text");
      }
      return new RegisteredSchema(id, subject, version, type, schema.asText(), references);
    } catch (IllegalArgumentException e) {
      throw new RegistryUnavailableException(
          "Cannot " + what + " from " + description + ": the answer is not a schema (" + e.getMessage() + ")", e);
    }
  }

  /** GETs a path (with its query) under the base URL and parses the JSON answer. */
  private JsonNode get(String what, String pathAndQuery) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(description + pathAndQuery))
            .timeout(requestTimeout)
            .header("Accept", ACCEPT)
            .GET();
    authorization.ifPresent(a -> request.header("Authorization", a));
    HttpResponse<byte[]> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (HttpTimeoutException e) {
      throw new RegistryUnavailableException(
          "Cannot " + what + ": " + description + " did not answer within its timeout (" + e.getMessage() + ")", e);
    } catch (IOException e) {
      throw new RegistryUnavailableException("Cannot " + what + ": cannot reach " + description + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryUnavailableException("Cannot " + what + ": interrupted while waiting for " + description, e);
    }
    int status = response.statusCode();
    if (status / 100 == 2) {
      try {
        return MAPPER.readTree(response.body());
      } catch (IOException e) {
        throw new RegistryUnavailableException(
            "Cannot " + what + ": " + description + " answered " + status + " with a body that is not JSON", e);
      }
    }
    int errorCode = status;
    String message = new String(response.body(), StandardCharsets.UTF_8);
    try {
      JsonNode error = MAPPER.readTree(response.body());
      if (error != null && error.isObject()) {
        errorCode = error.path("error_code").asInt(status);
        message = error.path("message").asText(message);
      }
    } catch (IOException e) {
      // Not Confluent's error JSON (a proxy's page, say): keep the status and the text.
    }
    String text = "Cannot " + what + " from " + description + ": " + message + " (HTTP " + status + ", error code "
        + errorCode + ")";
    if (status >= 500 || status == 408 || status == 429) {
      throw new RegistryUnavailableException(text);
    }
    throw new SchemaRegistryException(errorCode, status, text);
  }

  private RegisteredSchema cached(String key) {
    synchronized (immutable) {
      return immutable.get(key);
    }
  }

  private void remember(String key, RegisteredSchema schema) {
    synchronized (immutable) {
      immutable.put(key, schema);
    }
  }

  /** Percent-encodes a path segment, '/' included: subjects may contain it. */
  private static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static <V> Map<String, V> lru(int maxEntries) {
    return new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
        return size() > maxEntries;
      }
    };
  }

  @Override
  public String toString() {
    return "HttpSchemaRegistryClient[" + description + "]";
  }

  /** Options of a client; every one has a default. */
  public static final class Builder {
    private final String baseUrl;
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration requestTimeout = Duration.ofSeconds(10);
    private Duration latestTtl = Duration.ofSeconds(10);
    private int cacheSize = 10_000;
    private LongSupplier nanoClock = System::nanoTime;

    private Builder(String baseUrl) {
      Preconditions.checkArgument(
          baseUrl != null && !baseUrl.isBlank(), "Cannot create schema registry client: the URL is empty");
      this.baseUrl = baseUrl.trim();
    }

    public Builder connectTimeout(Duration timeout) {
      Preconditions.checkArgument(
          timeout != null && !timeout.isNegative() && !timeout.isZero(),
          "Cannot set connect timeout: must be positive, got %s", timeout);
      this.connectTimeout = timeout;
      return this;
    }

    public Builder requestTimeout(Duration timeout) {
      Preconditions.checkArgument(
          timeout != null && !timeout.isNegative() && !timeout.isZero(),
          "Cannot set request timeout: must be positive, got %s", timeout);
      this.requestTimeout = timeout;
      return this;
    }

    /** How long a subject's latest version is reused before it is asked for again; zero asks every time. */
    public Builder latestTtl(Duration ttl) {
      Preconditions.checkArgument(
          ttl != null && !ttl.isNegative(), "Cannot set latest-version TTL: must not be negative, got %s", ttl);
      this.latestTtl = ttl;
      return this;
    }

    /** The most schemas kept by id or version (and, separately, latest versions by subject). */
    public Builder cacheSize(int entries) {
      Preconditions.checkArgument(entries > 0, "Cannot set cache size: must be positive, got %s", entries);
      this.cacheSize = entries;
      return this;
    }

    /** The clock of the latest-version TTL, in nanoseconds; for tests. */
    public Builder nanoClock(LongSupplier clock) {
      Preconditions.checkArgument(clock != null, "Cannot set clock: null");
      this.nanoClock = clock;
      return this;
    }

    public HttpSchemaRegistryClient build() {
      return new HttpSchemaRegistryClient(this);
    }
  }
}
