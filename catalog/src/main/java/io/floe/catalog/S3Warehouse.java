package io.floe.catalog;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.iceberg.CatalogProperties;

/**
 * An Iceberg warehouse in an S3 bucket (AWS, MinIO, S3Proxy), written through Iceberg's {@code S3FileIO}:
 * where it is and how {@code S3FileIO} reaches it. The broker builds one from its {@code s3.*} keys so that
 * table data lands in the same bucket as the log. Build with {@link #builder(String, String)}.
 *
 * @param bucket the bucket; it must exist
 * @param path the warehouse's key prefix in the bucket, without a leading or trailing '/', e.g.
 *     {@code floe/warehouse}
 * @param endpoint the S3 endpoint, e.g. {@code http://127.0.0.1:9000}; default AWS's endpoint for the region
 * @param region the signing region; default the AWS SDK's region chain
 * @param pathStyleAccess address the bucket as {@code endpoint/bucket/key}; MinIO and S3Proxy need it
 * @param accessKey the access key id, with {@code secretKey}; neither means the SDK's default credentials chain
 * @param secretKey the secret access key
 */
public record S3Warehouse(
    String bucket,
    String path,
    Optional<String> endpoint,
    Optional<String> region,
    boolean pathStyleAccess,
    Optional<String> accessKey,
    Optional<String> secretKey) {

  /**
   * The HTTP client {@code S3FileIO} uses: the JDK's {@code HttpURLConnection} through
   * {@code software.amazon.awssdk:url-connection-client}, which the broker ships. Iceberg's default is the
   * Apache client, which the broker leaves out (its own S3 traffic goes through the Netty async client).
   */
  public static final String HTTP_CLIENT_TYPE = "urlconnection";

  /**
   * The factory of {@code S3FileIO}'s client: Iceberg's S3-only one. Iceberg's default goes through
   * {@code AwsProperties}, which loads KMS, STS, Glue and DynamoDB model classes that the broker does not ship.
   */
  public static final String S3_CLIENT_FACTORY = "org.apache.iceberg.aws.s3.DefaultS3FileIOAwsClientFactory";

  // Iceberg's property names (S3FileIOProperties, AwsClientProperties, HttpClientProperties in iceberg-aws),
  // spelled out so this module compiles without iceberg-aws
  static final String HTTP_CLIENT_TYPE_PROPERTY = "http-client.type";
  static final String S3_CLIENT_FACTORY_PROPERTY = "s3.client-factory-impl";
  static final String CLIENT_FACTORY_PROPERTY = "client.factory";
  static final String ENDPOINT_PROPERTY = "s3.endpoint";
  static final String PATH_STYLE_ACCESS_PROPERTY = "s3.path-style-access";
  static final String ACCESS_KEY_ID_PROPERTY = "s3.access-key-id";
  static final String SECRET_ACCESS_KEY_PROPERTY = "s3.secret-access-key";
  static final String CLIENT_REGION_PROPERTY = "client.region";

  public S3Warehouse {
    Objects.requireNonNull(bucket, "bucket");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(accessKey, "accessKey");
    Objects.requireNonNull(secretKey, "secretKey");
    if (bucket.isBlank() || bucket.contains("/")) {
      throw new IllegalArgumentException("Cannot use an S3 warehouse: bucket '" + bucket + "' is not a bucket name");
    }
    if (path.isEmpty() || path.startsWith("/") || path.endsWith("/") || path.contains("//")) {
      throw new IllegalArgumentException("Cannot use an S3 warehouse: path '" + path
          + "' must be a non-empty key prefix without a leading, trailing or double '/'");
    }
    if (accessKey.isPresent() != secretKey.isPresent()) {
      throw new IllegalArgumentException("Cannot use an S3 warehouse: give both the access key and the secret key,"
          + " or neither to use the default credentials chain");
    }
    endpoint.ifPresent(e -> {
      if (!(e.startsWith("http://") || e.startsWith("https://"))) {
        throw new IllegalArgumentException("Cannot use an S3 warehouse: endpoint '" + e
            + "' is not an http:// or https:// URL");
      }
    });
  }

  /**
   * A warehouse under {@code path} in {@code bucket}; a leading or trailing '/' of the path is dropped.
   */
  public static Builder builder(String bucket, String path) {
    return new Builder(bucket, path);
  }

  /** The warehouse location, {@code s3://bucket/path}. */
  public String location() {
    return "s3://" + bucket + "/" + path;
  }

  /**
   * The catalog properties that make Iceberg write this warehouse through {@code S3FileIO}: {@code io-impl},
   * {@code s3.client-factory-impl}, {@code http-client.type}, and those of endpoint, region, path-style access
   * and credentials that are set.
   */
  public Map<String, String> fileIoProperties() {
    Map<String, String> props = new HashMap<>();
    props.put(CatalogProperties.FILE_IO_IMPL, CatalogFactory.S3_FILE_IO);
    props.put(S3_CLIENT_FACTORY_PROPERTY, S3_CLIENT_FACTORY);
    props.put(HTTP_CLIENT_TYPE_PROPERTY, HTTP_CLIENT_TYPE);
    props.put(PATH_STYLE_ACCESS_PROPERTY, String.valueOf(pathStyleAccess));
    endpoint.ifPresent(e -> props.put(ENDPOINT_PROPERTY, e));
    region.ifPresent(r -> props.put(CLIENT_REGION_PROPERTY, r));
    accessKey.ifPresent(k -> props.put(ACCESS_KEY_ID_PROPERTY, k));
    secretKey.ifPresent(k -> props.put(SECRET_ACCESS_KEY_PROPERTY, k));
    return props;
  }

  /** Without the secret key. */
  @Override
  public String toString() {
    return "S3Warehouse[" + location() + endpoint.map(e -> " at " + e).orElse("")
        + region.map(r -> " (region " + r + ")").orElse("") + (pathStyleAccess ? ", path-style" : "")
        + ", credentials " + (accessKey.isPresent() ? "static" : "default chain") + "]";
  }

  /** Collects settings; {@link #build()} validates. Unset optional settings stay empty. */
  public static final class Builder {
    private final String bucket;
    private final String path;
    private String endpoint;
    private String region;
    private boolean pathStyleAccess;
    private String accessKey;
    private String secretKey;

    private Builder(String bucket, String path) {
      this.bucket = Objects.requireNonNull(bucket, "bucket").strip();
      String p = Objects.requireNonNull(path, "path").strip();
      while (p.startsWith("/")) {
        p = p.substring(1);
      }
      while (p.endsWith("/")) {
        p = p.substring(0, p.length() - 1);
      }
      this.path = p;
    }

    public Builder endpoint(String v) {
      this.endpoint = Objects.requireNonNull(v, "endpoint").strip();
      return this;
    }

    public Builder region(String v) {
      this.region = Objects.requireNonNull(v, "region").strip();
      return this;
    }

    public Builder pathStyleAccess(boolean v) {
      this.pathStyleAccess = v;
      return this;
    }

    public Builder credentials(String accessKey, String secretKey) {
      this.accessKey = Objects.requireNonNull(accessKey, "accessKey");
      this.secretKey = Objects.requireNonNull(secretKey, "secretKey");
      return this;
    }

    public S3Warehouse build() {
      return new S3Warehouse(bucket, path, nonEmpty(endpoint), nonEmpty(region), pathStyleAccess,
          nonEmpty(accessKey), nonEmpty(secretKey));
    }

    private static Optional<String> nonEmpty(String v) {
      return Optional.ofNullable(v).filter(s -> !s.isEmpty());
    }
  }
}
