package io.floe.catalog.rest;

import io.floe.catalog.testing.TempDirs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Starts Floe's REST catalog server (embedded SQLite catalog, temp warehouse) before Iceberg's REST
 * compatibility kit runs, and points the kit's client at it through the {@code uri} system property
 * that the kit's {@code RCKUtils.initCatalogClient} reads. Active only in the {@code iceberg-rck}
 * Surefire execution ({@code -Dfloe.rck.server=true}); a no-op for Floe's own tests.
 */
public final class RckServerSession implements LauncherSessionListener {
  private RestCatalogServer server;
  private Path dir;

  @Override
  public void launcherSessionOpened(LauncherSession session) {
    if (!Boolean.getBoolean("floe.rck.server") || server != null) {
      return;
    }
    try {
      dir = Files.createTempDirectory("floe-rck");
      server = RestCatalogServer.builder()
          .bind("127.0.0.1", 0)
          .embeddedCatalog(dir.resolve("catalog.db"), dir.resolve("warehouse"))
          .build()
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start the REST catalog server for Iceberg's RCK", e);
    }
    System.setProperty("uri", server.uri().toString());
  }

  @Override
  public void launcherSessionClosed(LauncherSession session) {
    if (server != null) {
      server.close();
      server = null;
      TempDirs.deleteQuietly(dir);
    }
  }
}
