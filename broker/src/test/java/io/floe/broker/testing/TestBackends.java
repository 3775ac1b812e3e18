package io.floe.broker.testing;

import io.floe.storage.testing.PostgresServer;
import io.floe.storage.testing.S3ProxyServer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the same broker suites on the cluster backends: with {@code -Dfloe.test.postgres=true} every test
 * broker gets a fresh database on one real PostgreSQL server as its metadata store; with {@code
 * -Dfloe.test.s3=true} a fresh bucket on one in-process S3Proxy for its log (and table warehouse). The
 * servers start on first use and stop when the test JVM exits. Without the properties nothing changes.
 */
public final class TestBackends {

  private static PostgresServer postgres;
  private static S3ProxyServer s3;
  private static final AtomicInteger BUCKETS = new AtomicInteger();

  private TestBackends() {}

  public static boolean postgres() {
    return Boolean.getBoolean("floe.test.postgres");
  }

  public static boolean s3() {
    return Boolean.getBoolean("floe.test.s3");
  }

  /** Whether brokers acknowledge produces once in a local WAL file ({@code s3.wal.path}). */
  public static boolean walFile() {
    return Boolean.getBoolean("floe.test.walfile");
  }

  /** The broker properties of a WAL file under the data directory, when that backend is selected. */
  public static Map<String, String> walFileProperties() {
    return walFile() ? Map.of("s3.wal.path", "wal") : Map.of();
  }

  /** Broker properties putting the log (and table warehouse) in {@code bucket} of {@code s3}. */
  public static Map<String, String> s3Properties(S3ProxyServer s3, String bucket) {
    return Map.of(
        "s3.bucket", bucket,
        "s3.endpoint", s3.endpoint().toString(),
        "s3.region", "us-east-1",
        "s3.path.style.access", "true",
        "s3.access.key", S3ProxyServer.ACCESS_KEY,
        "s3.secret.key", S3ProxyServer.SECRET_KEY);
  }

  /** Broker properties for one new broker on the selected backends (empty when none is selected). */
  public static synchronized Map<String, String> forNewBroker() {
    Map<String, String> m = new HashMap<>();
    if (postgres()) {
      if (postgres == null) {
        postgres = PostgresServer.start();
        Runtime.getRuntime().addShutdownHook(new Thread(postgres::close, "stop-test-postgres"));
      }
      m.put("metadata.store.url", postgres.newDatabase());
    }
    if (s3()) {
      if (s3 == null) {
        s3 = S3ProxyServer.start();
        Runtime.getRuntime().addShutdownHook(new Thread(s3::close, "stop-test-s3proxy"));
      }
      String bucket = "floe-test-" + BUCKETS.incrementAndGet();
      s3.createBucket(bucket);
      m.putAll(s3Properties(s3, bucket));
      // Tests send one record at a time: keep acknowledgements quick on the loopback S3 server.
      m.put("s3.wal.upload.interval.ms", "5");
    }
    m.putAll(walFileProperties());
    return m;
  }
}
