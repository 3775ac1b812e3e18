package io.floe.storage.testing;

import io.floe.storage.objectstore.S3Config;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * A real S3-compatible server for tests: S3Proxy (org.gaul:s3proxy, its jar-with-dependencies) with an in-memory
 * blob store, in this JVM on 127.0.0.1 and a free port, with signature authentication on.
 *
 * <p>The fat jar bundles its own AWS SDK, Jetty and logback, which must not mix with ours: it is loaded in a
 * class loader of its own (parent: the platform loader) and driven by reflection. The build passes the jar's
 * path as the {@code floe.s3proxy.jar} system property and keeps it off the test class path.
 */
public final class S3ProxyServer implements AutoCloseable {
  public static final String ACCESS_KEY = "floe-test-access";
  public static final String SECRET_KEY = "floe-test-secret";
  private static final String S3PROXY_VERSION = "4.1.0";

  private final URLClassLoader loader;
  private final Object proxy;
  private final Object blobStore;
  private final URI endpoint;
  private S3AsyncClient client;

  private S3ProxyServer(URLClassLoader loader, Object proxy, Object blobStore, URI endpoint) {
    this.loader = loader;
    this.proxy = proxy;
    this.blobStore = blobStore;
    this.endpoint = endpoint;
  }

  /** Starts a server with an empty in-memory store. */
  public static S3ProxyServer start() {
    Path jar = locateJar();
    // S3Proxy's bundled logback reads LOG_LEVEL; keep its request logging out of the test output.
    if (System.getProperty("LOG_LEVEL") == null) {
      System.setProperty("LOG_LEVEL", "warn");
    }
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    URLClassLoader loader = null;
    try {
      loader = new URLClassLoader("s3proxy", new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
      thread.setContextClassLoader(loader);
      Class<?> blobStoreType = loader.loadClass("org.gaul.s3proxy.blobstore.BlobStore");
      Properties storeProps = new Properties();
      storeProps.setProperty("jclouds.identity", ACCESS_KEY);
      storeProps.setProperty("jclouds.credential", SECRET_KEY);
      Object blobStore =
          loader.loadClass("org.gaul.s3proxy.BlobStores")
              .getMethod("create", String.class, Properties.class)
              .invoke(null, "transient-nio2", storeProps);
      Properties props = new Properties();
      props.setProperty("s3proxy.endpoint", "http://127.0.0.1:0");
      props.setProperty("s3proxy.authorization", "aws-v2-or-v4");
      props.setProperty("s3proxy.identity", ACCESS_KEY);
      props.setProperty("s3proxy.credential", SECRET_KEY);
      Class<?> builderType = loader.loadClass("org.gaul.s3proxy.S3Proxy$Builder");
      Object builder = builderType.getMethod("fromProperties", Properties.class).invoke(null, props);
      builderType.getMethod("blobStore", blobStoreType).invoke(builder, blobStore);
      builderType.getMethod("stopTimeout", long.class).invoke(builder, 0L);
      Object proxy = builderType.getMethod("build").invoke(builder);
      Class<?> proxyType = proxy.getClass();
      proxyType.getMethod("start").invoke(proxy);
      Method state = proxyType.getMethod("getState");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!"STARTED".equals(state.invoke(proxy))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("S3Proxy did not start within 30 s: " + state.invoke(proxy));
        }
        Thread.sleep(5);
      }
      int port = (int) proxyType.getMethod("getPort").invoke(proxy);
      return new S3ProxyServer(loader, proxy, blobStore, URI.create("http://127.0.0.1:" + port));
    } catch (InvocationTargetException e) {
      closeQuietly(loader);
      throw new IllegalStateException("Cannot start S3Proxy from " + jar, e.getCause());
    } catch (Exception e) {
      closeQuietly(loader);
      throw new IllegalStateException("Cannot start S3Proxy from " + jar, e);
    } finally {
      thread.setContextClassLoader(previous);
    }
  }

  public URI endpoint() {
    return endpoint;
  }

  /** Settings for a store on {@code bucket} of this server: path-style, static credentials, short timeouts. */
  public S3Config.Builder config(String bucket) {
    return S3Config.builder(bucket)
        .endpoint(endpoint)
        .region("us-east-1")
        .pathStyleAccess(true)
        .credentials(ACCESS_KEY, SECRET_KEY)
        .requestTimeoutMs(10_000)
        .connectTimeoutMs(2_000);
  }

  /** Creates {@code bucket} through the S3 API. */
  public void createBucket(String bucket) {
    try {
      client().createBucket(b -> b.bucket(bucket)).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("Cannot create bucket " + bucket, e);
    }
  }

  /** A plain SDK client to this server, for looking at a bucket behind a store's back; closed with the server. */
  public synchronized S3AsyncClient client() {
    if (client == null) {
      client =
          S3AsyncClient.builder()
              .endpointOverride(endpoint)
              .region(Region.US_EAST_1)
              .forcePathStyle(true)
              .credentialsProvider(
                  StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
              .build();
    }
    return client;
  }

  /** Stops the server and drops everything it stored. */
  @Override
  public void close() {
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    try {
      synchronized (this) {
        if (client != null) {
          client.close();
        }
      }
      thread.setContextClassLoader(loader);
      proxy.getClass().getMethod("stop").invoke(proxy);
      if (blobStore instanceof AutoCloseable c) {
        c.close();
      }
    } catch (Exception e) {
      throw new IllegalStateException("Cannot stop S3Proxy", e);
    } finally {
      thread.setContextClassLoader(previous);
      closeQuietly(loader);
    }
  }

  private static Path locateJar() {
    String configured = System.getProperty("floe.s3proxy.jar");
    Path jar =
        configured != null
            ? Path.of(configured)
            : Path.of(System.getProperty("user.home"), ".m2", "repository", "org", "gaul", "s3proxy", S3PROXY_VERSION,
                "s3proxy-" + S3PROXY_VERSION + "-jar-with-dependencies.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          "S3Proxy's jar is not at " + jar + "; build with Maven, which downloads org.gaul:s3proxy:" + S3PROXY_VERSION
              + ":jar-with-dependencies and sets floe.s3proxy.jar");
    }
    return jar;
  }

  private static void closeQuietly(URLClassLoader loader) {
    if (loader != null) {
      try {
        loader.close();
      } catch (Exception ignored) {
        // Only the jar file handle is left; the JVM closes it at exit.
      }
    }
  }
}
