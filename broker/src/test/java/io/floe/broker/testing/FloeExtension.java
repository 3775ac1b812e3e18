package io.floe.broker.testing;

import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One embedded broker and an Admin client for a whole test class:
 * {@code @RegisterExtension static final FloeExtension broker = new FloeExtension(Map.of(...));}
 */
public final class FloeExtension implements BeforeAllCallback, AfterAllCallback {

  private final Map<String, String> overrides;
  private EmbeddedFloe floe;
  private Admin admin;

  public FloeExtension() {
    this(Map.of());
  }

  public FloeExtension(Map<String, String> overrides) {
    this.overrides = overrides;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    floe = EmbeddedFloe.start(overrides);
    admin = floe.admin();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (admin != null) {
      admin.close();
    }
    if (floe != null) {
      floe.close();
    }
  }

  public EmbeddedFloe floe() {
    return floe;
  }

  public Admin admin() {
    return admin;
  }

  /** Restarts the broker over the same data and port, with a new Admin client. */
  public void restart() {
    admin.close();
    floe.restart();
    admin = floe.admin();
  }
}
