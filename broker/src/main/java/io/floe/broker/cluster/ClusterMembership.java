package io.floe.broker.cluster;

import io.floe.storage.metadata.ClusterStore;
import io.floe.storage.metadata.ClusterStore.BrokerRegistration;
import io.floe.storage.metadata.ClusterStore.Owner;
import io.floe.storage.metadata.TopicRecord;
import io.floe.storage.metadata.TopicStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This broker's membership of the cluster: it registers, heartbeats every {@code broker.heartbeat.interval.ms},
 * and each round reads the live brokers, the owners and the topics. The controller (the live broker with the
 * lowest node id) then moves resources whose owner died, and balances them across live brokers (see {@link
 * PartitionAssignor}). Every round ends by handing the new {@link ClusterView} and topics to the listener,
 * which opens what this broker now owns and lets go of the rest.
 *
 * <p>Where the database offers session locks (PostgreSQL), each broker also holds a liveness lock on a
 * connection of its own: when its process dies the database ends that session at once, and the broker counts
 * as dead after three missed heartbeats instead of the whole session timeout. A broker that hangs or is cut
 * off keeps its lock or loses its session; either way the session timeout still decides.
 *
 * <p>A broker that cannot heartbeat for a whole session timeout stops serving (the others are taking its
 * partitions over) and registers again once the store answers. A broker whose registration was replaced by
 * another process with the same node id stops for good: two processes must not share a node id.
 */
public final class ClusterMembership implements Cluster, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterMembership.class);

  /** Told of each round's view, on the membership thread, one round at a time. */
  @FunctionalInterface
  public interface Listener {
    void onView(ClusterView view, List<TopicRecord> topics);
  }

  /** Settings of this broker's membership. */
  public record Settings(
      int nodeId, String host, java.util.function.IntSupplier port, String rack, long heartbeatIntervalMs,
      long sessionTimeoutMs) {}

  private final Settings settings;
  private final ClusterStore store;
  private final TopicStore topics;
  private final Predicate<TopicRecord> movesAsOne;
  private final Listener listener;
  private final ScheduledExecutorService thread;
  private final java.util.concurrent.ExecutorService applier;
  private final java.util.concurrent.atomic.AtomicReference<Runnable> pendingApply =
      new java.util.concurrent.atomic.AtomicReference<>();
  private final AtomicLong rounds = new AtomicLong();
  private final AtomicLong ownerChanges = new AtomicLong();
  private volatile ClusterView view;
  private List<TopicRecord> lastTopics = List.of();
  private volatile long brokerEpoch = -1;
  private long lastHeartbeatMs;
  private volatile boolean replaced;
  private volatile boolean closed;

  /**
   * @param movesAsOne topics whose partitions must have one owner (table topics, written by one broker)
   */
  public ClusterMembership(
      Settings settings, ClusterStore store, TopicStore topics, Predicate<TopicRecord> movesAsOne, Listener listener) {
    this.settings = settings;
    this.store = store;
    this.topics = topics;
    this.movesAsOne = movesAsOne;
    this.listener = listener;
    this.view = ClusterView.detached(settings.nodeId());
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "floe-cluster");
      t.setDaemon(true);
      return t;
    });
    this.applier = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "floe-cluster-apply");
      t.setDaemon(true);
      return t;
    });
  }

  /** Registers and runs the first round before returning, so the broker starts owning its share. */
  public void start() {
    try {
      thread.submit(() -> {
        register();
        round();
      }).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while joining the cluster", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
    }
    thread.scheduleWithFixedDelay(this::roundQuietly, settings.heartbeatIntervalMs(), settings.heartbeatIntervalMs(),
        TimeUnit.MILLISECONDS);
  }

  @Override
  public ClusterView view() {
    return view;
  }

  @Override
  public Map<String, Owner> placeNew(List<String> resources, boolean together) {
    ClusterView v = view;
    Set<Integer> nodes = new HashSet<>(v.live().keySet());
    nodes.add(settings.nodeId()); // it is creating the topic, so it is up even before its first round
    return store.assignOwners(PartitionAssignor.placeNew(nodes, v.owners(), resources, together));
  }

  @Override
  public boolean ownsNow(String resource) {
    Owner o = store.owners().get(resource);
    return o != null && o.nodeId() == settings.nodeId() && !replaced && brokerEpoch >= 0;
  }

  public long rounds() {
    return rounds.get();
  }

  /** Owner changes this broker made as controller. */
  public long ownerChanges() {
    return ownerChanges.get();
  }

  @Override
  public void refreshSoon() {
    if (!closed) {
      thread.execute(this::roundQuietly);
    }
  }

  private void register() {
    store.holdLivenessLock(settings.nodeId());
    brokerEpoch = store.registerBroker(settings.nodeId(), settings.host(), settings.port().getAsInt(), settings.rack());
    lastHeartbeatMs = System.currentTimeMillis();
    LOG.info("Broker {} joined the cluster as {}:{} (broker epoch {})", settings.nodeId(), settings.host(),
        settings.port().getAsInt(), brokerEpoch);
  }

  private void roundQuietly() {
    if (closed || replaced) {
      return;
    }
    try {
      round();
    } catch (RuntimeException e) {
      long silentMs = System.currentTimeMillis() - lastHeartbeatMs;
      if (silentMs > settings.sessionTimeoutMs() && !view.owners().isEmpty()) {
        LOG.error("Broker {} could not reach the metadata store for {} ms, longer than broker.session.timeout.ms;"
            + " it stops serving its partitions, which other brokers take over", settings.nodeId(), silentMs, e);
        publish(ClusterView.detached(settings.nodeId()), lastTopics);
        brokerEpoch = -1;
      } else {
        LOG.warn("Cluster round of broker {} failed ({} ms since the last heartbeat); retrying", settings.nodeId(),
            silentMs, e);
      }
    }
  }

  private void round() {
    long readAt = System.nanoTime();
    if (brokerEpoch < 0) {
      register();
    } else if (store.heartbeat(settings.nodeId(), brokerEpoch)) {
      lastHeartbeatMs = System.currentTimeMillis();
      store.holdLivenessLock(settings.nodeId());
    } else {
      replaced = true;
      LOG.error("Broker {} was registered again by another process (broker epoch {} is stale); this process stops"
          + " serving. Give each broker its own node.id", settings.nodeId(), brokerEpoch);
      store.releaseLivenessLock();
      publish(ClusterView.detached(settings.nodeId()), lastTopics);
      return;
    }
    // A broker whose process died (its liveness lock freed with its database session) is dead after a few
    // missed heartbeats rather than the whole session timeout.
    List<BrokerRegistration> liveList =
        store.liveBrokers(settings.sessionTimeoutMs(), 3 * settings.heartbeatIntervalMs());
    Map<Integer, BrokerRegistration> live = new LinkedHashMap<>();
    liveList.forEach(b -> live.put(b.nodeId(), b));
    // Owners before topics: a topic created in between then looks unowned (and is placed), never the other way
    // round, where its fresh owners would look like leftovers of a deleted topic and be removed.
    Map<String, Owner> owners = new HashMap<>(store.owners());
    List<TopicRecord> all = topics.topics();
    lastTopics = all;
    ClusterView next = new ClusterView(settings.nodeId(), live, owners, readAt);
    if (next.isController()) {
      List<List<String>> units = units(all);
      // Not in the first round, which runs before this broker accepts clients: moving partitions to it then
      // would make them unreachable until it does.
      Map<String, Integer> changes = PartitionAssignor.assign(live.keySet(), units, owners, rounds.get() > 0);
      if (!changes.isEmpty()) {
        owners.putAll(store.assignOwners(changes));
        ownerChanges.addAndGet(changes.size());
        LOG.info("Controller {} moved {} resources: {}", settings.nodeId(), changes.size(), summarize(changes));
      }
      Set<String> known = new HashSet<>();
      units.forEach(known::addAll);
      List<String> gone = owners.keySet().stream().filter(r -> !known.contains(r)).toList();
      if (!gone.isEmpty()) {
        store.removeOwners(gone);
        gone.forEach(owners::remove);
      }
      next = new ClusterView(settings.nodeId(), live, owners, readAt);
    }
    publish(next, all);
    rounds.incrementAndGet();
  }

  /**
   * Hands the view to the listener: at once for the first round (start() waits for it), later on the apply
   * thread, so that opening many partitions never delays a heartbeat past the session timeout. Views the apply
   * thread has not reached yet are replaced by newer ones: only the latest matters.
   */
  private void publish(ClusterView next, List<TopicRecord> all) {
    view = next;
    Runnable apply = () -> {
      try {
        listener.onView(next, all);
      } catch (RuntimeException e) {
        LOG.error("Applying the cluster view failed; the next round tries again", e);
      }
    };
    if (rounds.get() == 0) {
      apply.run();
    } else if (pendingApply.getAndSet(apply) == null) {
      applier.execute(() -> pendingApply.getAndSet(null).run());
    }
  }

  private List<List<String>> units(List<TopicRecord> all) {
    List<List<String>> units = new ArrayList<>();
    units.add(List.of(ClusterView.GROUPS));
    for (TopicRecord t : all) {
      List<String> streams = new ArrayList<>(t.partitions());
      for (int p = 0; p < t.partitions(); p++) {
        streams.add(ClusterView.streamResource(t.streamId(p)));
      }
      if (movesAsOne.test(t)) {
        units.add(streams);
      } else {
        streams.forEach(s -> units.add(List.of(s)));
      }
    }
    return units;
  }

  private static String summarize(Map<String, Integer> changes) {
    Map<Integer, Integer> perNode = new java.util.TreeMap<>();
    changes.values().forEach(n -> perNode.merge(n, 1, Integer::sum));
    StringBuilder b = new StringBuilder();
    perNode.forEach((n, c) -> b.append(b.length() == 0 ? "" : ", ").append(c).append(" to broker ").append(n));
    return b.toString();
  }

  /** Stops the rounds (the broker is stopping) without leaving the cluster yet. */
  public void stopRounds() {
    closed = true;
    thread.shutdownNow();
    applier.shutdownNow();
    try {
      thread.awaitTermination(5, TimeUnit.SECONDS);
      applier.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Stops the rounds and tells the others this broker is gone, so its resources move at once rather than after
   * the session timeout. Call after the broker stopped serving.
   */
  @Override
  public void close() {
    stopRounds();
    if (brokerEpoch >= 0 && !replaced) {
      try {
        store.unregisterBroker(settings.nodeId(), brokerEpoch);
      } catch (RuntimeException e) {
        LOG.warn("Could not unregister broker {}; others take its partitions after the session timeout",
            settings.nodeId(), e);
      }
    }
    store.releaseLivenessLock();
  }
}
