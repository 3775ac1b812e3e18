package io.floe.broker;

import io.floe.broker.config.BrokerConfig;
import io.floe.broker.group.GroupCoordinator;
import io.floe.broker.group.GroupCoordinatorConfig;
import io.floe.broker.handler.ApiHandler;
import io.floe.broker.handler.GroupHandlers;
import io.floe.broker.handler.HandlerRegistry;
import io.floe.broker.cluster.ClusterView;
import io.floe.storage.metadata.GroupOffsetStore;
import io.floe.storage.metadata.OwnerFence;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The consumer group coordinator configured from broker properties, and its API handlers. One broker of the
 * cluster coordinates all groups: the owner of {@link ClusterView#GROUPS}. It starts a coordinator when it
 * gains that role (loading committed offsets from the store, so it sees every earlier owner's commits) and
 * stops it when it loses it; meanwhile, and on every other broker, group requests get NOT_COORDINATOR and
 * clients look the coordinator up again.
 */
final class GroupServices implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(GroupServices.class);

  private final GroupCoordinatorConfig coordinatorConfig;
  private final GroupOffsetStore offsets;
  private final AtomicReference<GroupCoordinator> coordinator = new AtomicReference<>();
  private static final int NOT_OWNED = -1;
  /** The owner epoch of the "groups" resource the running coordinator was started with; NOT_OWNED when stopped. */
  private int activeEpoch = NOT_OWNED;

  GroupServices(BrokerConfig config, GroupOffsetStore offsets) {
    GroupCoordinatorConfig.Builder b = GroupCoordinatorConfig.builder()
        .initialRebalanceDelayMs(config.getInt(BrokerConfig.GROUP_INITIAL_REBALANCE_DELAY_MS))
        .minSessionTimeoutMs(config.getInt(BrokerConfig.GROUP_MIN_SESSION_TIMEOUT_MS))
        .maxSessionTimeoutMs(config.getInt(BrokerConfig.GROUP_MAX_SESSION_TIMEOUT_MS));
    if (config.get(GroupCoordinatorConfig.MAX_GROUP_SIZE_CONFIG) != null) {
      b.maxGroupSize(config.getInt(GroupCoordinatorConfig.MAX_GROUP_SIZE_CONFIG));
    }
    if (config.get(GroupCoordinatorConfig.OFFSET_METADATA_MAX_BYTES_CONFIG) != null) {
      b.offsetMetadataMaxBytes(config.getInt(GroupCoordinatorConfig.OFFSET_METADATA_MAX_BYTES_CONFIG));
    }
    this.coordinatorConfig = b.build();
    this.offsets = offsets;
    coordinator.set(stopped());
  }

  /** A coordinator that answers NOT_COORDINATOR to everything. */
  private GroupCoordinator stopped() {
    GroupCoordinator c = GroupCoordinator.builder().config(coordinatorConfig).offsetStore(offsets).build();
    c.shutdown();
    return c;
  }

  /** Starts or stops coordinating as the cluster view says; called one round at a time. */
  synchronized void onView(ClusterView view) {
    boolean owns = view.ownsLocally(ClusterView.GROUPS);
    int epoch = owns ? view.ownerEpoch(ClusterView.GROUPS) : NOT_OWNED;
    // A new epoch while owning means the coordinator was elsewhere meanwhile: start over from the stored offsets.
    if (epoch == activeEpoch) {
      return;
    }
    activeEpoch = epoch;
    GroupCoordinator next;
    if (owns) {
      next = GroupCoordinator.builder().config(coordinatorConfig).offsetStore(offsets)
          .offsetFence(new OwnerFence(ClusterView.GROUPS, view.localNodeId(), epoch)).build();
      next.start().join();
      LOG.info("Broker {} is the group coordinator now (owner epoch {})", view.localNodeId(), epoch);
    } else {
      next = stopped();
      LOG.info("Broker {} is no longer the group coordinator", view.localNodeId());
    }
    coordinator.getAndSet(next).shutdown();
  }

  void register(HandlerRegistry registry) {
    for (ApiHandler<?> h : GroupHandlers.all(coordinator::get)) {
      registry.register(h);
    }
  }

  /** Drops the committed offsets of deleted topics from every group's view. */
  void onTopicsDeleted(Collection<String> topics) {
    coordinator.get().onTopicsDeleted(topics).join();
  }

  @Override
  public void close() {
    coordinator.get().shutdown();
  }
}
