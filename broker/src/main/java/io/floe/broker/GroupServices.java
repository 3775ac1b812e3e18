package io.floe.broker;

import io.floe.broker.config.BrokerConfig;
import io.floe.broker.group.GroupCoordinator;
import io.floe.broker.group.GroupCoordinatorConfig;
import io.floe.broker.handler.ApiHandler;
import io.floe.broker.handler.GroupHandlers;
import io.floe.broker.handler.HandlerRegistry;
import io.floe.storage.metadata.GroupOffsetStore;
import java.util.Collection;

/** The consumer group coordinator configured from broker properties, and its API handlers. */
final class GroupServices implements AutoCloseable {

  private final GroupCoordinator coordinator;

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
    this.coordinator = GroupCoordinator.builder().config(b.build()).offsetStore(offsets).build();
    coordinator.start().join();
  }

  void register(HandlerRegistry registry) {
    for (ApiHandler<?> h : GroupHandlers.all(coordinator)) {
      registry.register(h);
    }
  }

  /** Drops the committed offsets of deleted topics from every group's view. */
  void onTopicsDeleted(Collection<String> topics) {
    coordinator.onTopicsDeleted(topics).join();
  }

  @Override
  public void close() {
    coordinator.shutdown();
  }
}
