package io.floe.storage.objectstore;

import static io.floe.storage.internal.Preconditions.checkArgument;
import static io.floe.storage.internal.Preconditions.checkNotNull;

import java.net.URI;
import java.util.Optional;

/**
 * Where and how {@link S3ObjectStorage} reaches its bucket. Build with {@link #builder(String)}; the broker maps
 * its {@code s3.*} keys onto the builder one to one.
 *
 * @param bucket the bucket ({@code s3.bucket}); it must exist
 * @param prefix a key prefix all of Floe's objects live under, empty or ending in '/' ({@code s3.prefix});
 *     default none, so keys are laid out exactly as under the local object directory
 * @param endpoint the S3 endpoint ({@code s3.endpoint}), e.g. {@code http://127.0.0.1:9000} for MinIO; default
 *     AWS's endpoint for the region
 * @param region the signing region ({@code s3.region}); default the SDK's region chain (environment, profile,
 *     instance metadata), else {@code us-east-1}
 * @param pathStyleAccess address the bucket as {@code endpoint/bucket/key} rather than {@code
 *     bucket.endpoint/key} ({@code s3.path.style.access}); MinIO and S3Proxy need it; default false
 * @param accessKey the access key id ({@code s3.access.key}); with {@code secretKey}, or neither, in which case
 *     the SDK's default credentials chain is used (environment, profile, web identity, container, instance)
 * @param secretKey the secret access key ({@code s3.secret.key})
 * @param maxConnections HTTP connections to S3 at most, and so requests in flight; more wait for a connection
 *     ({@code s3.max.connections}); default 64
 * @param requestTimeoutMs one attempt of one request may take this long before it fails as retriable ({@code
 *     s3.request.timeout.ms}); default 30 s, room for an 8 MiB PUT on a slow link
 * @param connectTimeoutMs opening a connection may take this long ({@code s3.connect.timeout.ms}); default 10 s
 */
public record S3Config(
    String bucket,
    String prefix,
    Optional<URI> endpoint,
    Optional<String> region,
    boolean pathStyleAccess,
    Optional<String> accessKey,
    Optional<String> secretKey,
    int maxConnections,
    long requestTimeoutMs,
    long connectTimeoutMs) {

  public static final String DEFAULT_REGION = "us-east-1";
  public static final int DEFAULT_MAX_CONNECTIONS = 64;
  public static final long DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
  public static final long DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

  public S3Config {
    checkNotNull(bucket, "bucket");
    checkNotNull(prefix, "prefix");
    checkNotNull(endpoint, "endpoint");
    checkNotNull(region, "region");
    checkNotNull(accessKey, "accessKey");
    checkNotNull(secretKey, "secretKey");
    checkArgument(!bucket.isBlank(), "Cannot configure S3: the bucket name is empty");
    checkArgument(prefix.isEmpty() || (prefix.endsWith("/") && !prefix.startsWith("/") && !prefix.contains("//")),
        "Cannot configure S3: prefix '%s' must be empty or a relative path ending in '/'", prefix);
    checkArgument(accessKey.isPresent() == secretKey.isPresent(),
        "Cannot configure S3: set both s3.access.key and s3.secret.key, or neither to use the default credentials"
            + " chain");
    endpoint.ifPresent(
        uri -> checkArgument(
            uri.getScheme() != null && (uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                && uri.getHost() != null,
            "Cannot configure S3: endpoint '%s' must be an http:// or https:// URL with a host", uri));
    checkArgument(maxConnections > 0, "Cannot configure S3: maxConnections must be positive, got %s", maxConnections);
    checkArgument(requestTimeoutMs > 0, "Cannot configure S3: requestTimeoutMs must be positive, got %s",
        requestTimeoutMs);
    checkArgument(connectTimeoutMs > 0, "Cannot configure S3: connectTimeoutMs must be positive, got %s",
        connectTimeoutMs);
  }

  public static Builder builder(String bucket) {
    return new Builder(bucket);
  }

  /** Where an object key lives in the bucket. */
  String bucketKey(String key) {
    return prefix + key;
  }

  /** A description for log lines, without credentials. */
  public String describe() {
    return "s3://" + bucket + "/" + prefix + endpoint.map(e -> " at " + e).orElse("")
        + region.map(r -> " (region " + r + ")").orElse("") + (pathStyleAccess ? ", path-style" : "");
  }

  @Override
  public String toString() {
    return "S3Config[" + describe() + ", credentials " + (accessKey.isPresent() ? "static" : "default chain")
        + ", maxConnections=" + maxConnections + ", requestTimeoutMs=" + requestTimeoutMs + "]";
  }

  /** Collects settings; {@link #build()} fills defaults and validates. */
  public static final class Builder {
    private final String bucket;
    private String prefix = "";
    private URI endpoint;
    private String region;
    private boolean pathStyleAccess;
    private String accessKey;
    private String secretKey;
    private int maxConnections = DEFAULT_MAX_CONNECTIONS;
    private long requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS;
    private long connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS;

    private Builder(String bucket) {
      this.bucket = checkNotNull(bucket, "bucket");
    }

    /** A key prefix; a missing trailing '/' is added, a leading one dropped. */
    public Builder prefix(String v) {
      String p = checkNotNull(v, "prefix").strip();
      while (p.startsWith("/")) {
        p = p.substring(1);
      }
      this.prefix = p.isEmpty() || p.endsWith("/") ? p : p + "/";
      return this;
    }

    public Builder endpoint(URI v) {
      this.endpoint = checkNotNull(v, "endpoint");
      return this;
    }

    public Builder endpoint(String v) {
      return endpoint(URI.create(checkNotNull(v, "endpoint").strip()));
    }

    public Builder region(String v) {
      this.region = checkNotNull(v, "region").strip();
      return this;
    }

    public Builder pathStyleAccess(boolean v) {
      this.pathStyleAccess = v;
      return this;
    }

    public Builder credentials(String accessKey, String secretKey) {
      this.accessKey = checkNotNull(accessKey, "accessKey");
      this.secretKey = checkNotNull(secretKey, "secretKey");
      return this;
    }

    public Builder accessKey(String v) {
      this.accessKey = checkNotNull(v, "accessKey");
      return this;
    }

    public Builder secretKey(String v) {
      this.secretKey = checkNotNull(v, "secretKey");
      return this;
    }

    public Builder maxConnections(int v) {
      this.maxConnections = v;
      return this;
    }

    public Builder requestTimeoutMs(long v) {
      this.requestTimeoutMs = v;
      return this;
    }

    public Builder connectTimeoutMs(long v) {
      this.connectTimeoutMs = v;
      return this;
    }

    public S3Config build() {
      return new S3Config(
          bucket.strip(),
          prefix,
          Optional.ofNullable(endpoint),
          Optional.ofNullable(region).filter(r -> !r.isEmpty()),
          pathStyleAccess,
          Optional.ofNullable(accessKey).filter(k -> !k.isEmpty()),
          Optional.ofNullable(secretKey).filter(k -> !k.isEmpty()),
          maxConnections,
          requestTimeoutMs,
          connectTimeoutMs);
    }
  }
}
