package io.floe.broker.cluster;

import io.floe.storage.metadata.ClusterStore.Owner;
import java.util.List;
import java.util.Map;

/** What the rest of the broker asks of the cluster: the current view, and owners for new resources. */
public interface Cluster {

  ClusterView view();

  /**
   * Gives new resources (a new topic's or new partitions' streams) owners among the live brokers, spread
   * evenly, or all on one broker when {@code together}; returns the owners as stored.
   */
  Map<String, Owner> placeNew(List<String> resources, boolean together);

  /** Whether this broker owns the resource now, read from the store rather than from the last view. */
  boolean ownsNow(String resource);

  /** Asks for a new round soon (ownership may have changed under this broker). */
  void refreshSoon();
}
