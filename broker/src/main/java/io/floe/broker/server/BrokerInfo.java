package io.floe.broker.server;

/**
 * How this broker presents itself to clients: its node id, advertised endpoint and cluster id. An
 * advertised port of 0 (listener on an ephemeral port, as in tests) is filled in once the listener is bound.
 */
public final class BrokerInfo {

  private final int nodeId;
  private final String host;
  private final String clusterId;
  private volatile int port;

  public BrokerInfo(int nodeId, String host, int port, String clusterId) {
    this.nodeId = nodeId;
    this.host = host;
    this.port = port;
    this.clusterId = clusterId;
  }

  public int nodeId() {
    return nodeId;
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  public String clusterId() {
    return clusterId;
  }

  /** Sets the port clients are told when it was left to the listener (0). */
  public void boundTo(int actualPort) {
    if (port == 0) {
      port = actualPort;
    }
  }
}
