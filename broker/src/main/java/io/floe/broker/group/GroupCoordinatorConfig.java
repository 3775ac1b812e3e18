package io.floe.broker.group;

/**
 * Limits and timings of the group coordinator. Immutable; built with {@link #builder()}, which validates in
 * {@link Builder#build()}. Names and defaults follow Kafka's broker configs where Kafka has one (the
 * {@code *_CONFIG} constants), so {@code server.properties} values can be passed through unchanged.
 */
public final class GroupCoordinatorConfig {

  public static final String INITIAL_REBALANCE_DELAY_MS_CONFIG = "group.initial.rebalance.delay.ms";
  public static final String MIN_SESSION_TIMEOUT_MS_CONFIG = "group.min.session.timeout.ms";
  public static final String MAX_SESSION_TIMEOUT_MS_CONFIG = "group.max.session.timeout.ms";
  public static final String MAX_GROUP_SIZE_CONFIG = "group.max.size";
  public static final String OFFSET_METADATA_MAX_BYTES_CONFIG = "offset.metadata.max.bytes";
  public static final String UNUSED_GROUP_CHECK_INTERVAL_MS_CONFIG = "offsets.retention.check.interval.ms";

  private final int initialRebalanceDelayMs;
  private final int minSessionTimeoutMs;
  private final int maxSessionTimeoutMs;
  private final int maxGroupSize;
  private final int newMemberJoinTimeoutMs;
  private final int offsetMetadataMaxBytes;
  private final long unusedGroupCheckIntervalMs;
  private final int maxQueuedOffsetStoreOperations;
  private final long shutdownTimeoutMs;

  private GroupCoordinatorConfig(Builder b) {
    this.initialRebalanceDelayMs = b.initialRebalanceDelayMs;
    this.minSessionTimeoutMs = b.minSessionTimeoutMs;
    this.maxSessionTimeoutMs = b.maxSessionTimeoutMs;
    this.maxGroupSize = b.maxGroupSize;
    this.newMemberJoinTimeoutMs = b.newMemberJoinTimeoutMs;
    this.offsetMetadataMaxBytes = b.offsetMetadataMaxBytes;
    this.unusedGroupCheckIntervalMs = b.unusedGroupCheckIntervalMs;
    this.maxQueuedOffsetStoreOperations = b.maxQueuedOffsetStoreOperations;
    this.shutdownTimeoutMs = b.shutdownTimeoutMs;
  }

  public static GroupCoordinatorConfig defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** How long the first rebalance of an empty group waits for more members (Kafka default 3000). */
  public int initialRebalanceDelayMs() {
    return initialRebalanceDelayMs;
  }

  /** Smallest session timeout a member may ask for, else INVALID_SESSION_TIMEOUT (Kafka default 6000). */
  public int minSessionTimeoutMs() {
    return minSessionTimeoutMs;
  }

  /** Largest session timeout a member may ask for, else INVALID_SESSION_TIMEOUT (Kafka default 1800000). */
  public int maxSessionTimeoutMs() {
    return maxSessionTimeoutMs;
  }

  /** Most members a group may have, else GROUP_MAX_SIZE_REACHED (Kafka default Integer.MAX_VALUE). */
  public int maxGroupSize() {
    return maxGroupSize;
  }

  /** How long a new member may wait in its first JoinGroup before it is dropped (Kafka: 5 minutes). */
  public int newMemberJoinTimeoutMs() {
    return newMemberJoinTimeoutMs;
  }

  /** Longest commit metadata string, else OFFSET_METADATA_TOO_LARGE (Kafka default 4096). */
  public int offsetMetadataMaxBytes() {
    return offsetMetadataMaxBytes;
  }

  /** How often empty groups without offsets are forgotten (Kafka's offsets.retention.check.interval.ms). */
  public long unusedGroupCheckIntervalMs() {
    return unusedGroupCheckIntervalMs;
  }

  /** Bound of the queue of offset store calls; beyond it commits fail with COORDINATOR_NOT_AVAILABLE. */
  public int maxQueuedOffsetStoreOperations() {
    return maxQueuedOffsetStoreOperations;
  }

  /** How long {@link GroupCoordinator#shutdown()} waits for queued work on each of its threads. */
  public long shutdownTimeoutMs() {
    return shutdownTimeoutMs;
  }

  @Override
  public String toString() {
    return "GroupCoordinatorConfig(initialRebalanceDelayMs=" + initialRebalanceDelayMs
        + ", minSessionTimeoutMs=" + minSessionTimeoutMs
        + ", maxSessionTimeoutMs=" + maxSessionTimeoutMs
        + ", maxGroupSize=" + maxGroupSize
        + ", newMemberJoinTimeoutMs=" + newMemberJoinTimeoutMs
        + ", offsetMetadataMaxBytes=" + offsetMetadataMaxBytes
        + ", unusedGroupCheckIntervalMs=" + unusedGroupCheckIntervalMs
        + ", maxQueuedOffsetStoreOperations=" + maxQueuedOffsetStoreOperations
        + ", shutdownTimeoutMs=" + shutdownTimeoutMs + ")";
  }

  public static final class Builder {
    private int initialRebalanceDelayMs = 3000;
    private int minSessionTimeoutMs = 6000;
    private int maxSessionTimeoutMs = 1_800_000;
    private int maxGroupSize = Integer.MAX_VALUE;
    private int newMemberJoinTimeoutMs = 5 * 60 * 1000;
    private int offsetMetadataMaxBytes = 4096;
    private long unusedGroupCheckIntervalMs = 600_000L;
    private int maxQueuedOffsetStoreOperations = 10_000;
    private long shutdownTimeoutMs = 10_000L;

    private Builder() {}

    public Builder initialRebalanceDelayMs(int value) {
      this.initialRebalanceDelayMs = value;
      return this;
    }

    public Builder minSessionTimeoutMs(int value) {
      this.minSessionTimeoutMs = value;
      return this;
    }

    public Builder maxSessionTimeoutMs(int value) {
      this.maxSessionTimeoutMs = value;
      return this;
    }

    public Builder maxGroupSize(int value) {
      this.maxGroupSize = value;
      return this;
    }

    public Builder newMemberJoinTimeoutMs(int value) {
      this.newMemberJoinTimeoutMs = value;
      return this;
    }

    public Builder offsetMetadataMaxBytes(int value) {
      this.offsetMetadataMaxBytes = value;
      return this;
    }

    public Builder unusedGroupCheckIntervalMs(long value) {
      this.unusedGroupCheckIntervalMs = value;
      return this;
    }

    public Builder maxQueuedOffsetStoreOperations(int value) {
      this.maxQueuedOffsetStoreOperations = value;
      return this;
    }

    public Builder shutdownTimeoutMs(long value) {
      this.shutdownTimeoutMs = value;
      return this;
    }

    public GroupCoordinatorConfig build() {
      check(initialRebalanceDelayMs >= 0, "%s must be >= 0, got %s", INITIAL_REBALANCE_DELAY_MS_CONFIG,
          initialRebalanceDelayMs);
      check(minSessionTimeoutMs > 0, "%s must be > 0, got %s", MIN_SESSION_TIMEOUT_MS_CONFIG, minSessionTimeoutMs);
      check(maxSessionTimeoutMs >= minSessionTimeoutMs, "%s (%s) must be >= %s (%s)",
          MAX_SESSION_TIMEOUT_MS_CONFIG, maxSessionTimeoutMs, MIN_SESSION_TIMEOUT_MS_CONFIG, minSessionTimeoutMs);
      check(maxGroupSize >= 1, "%s must be >= 1, got %s", MAX_GROUP_SIZE_CONFIG, maxGroupSize);
      check(newMemberJoinTimeoutMs > 0, "new member join timeout must be > 0, got %s", newMemberJoinTimeoutMs);
      check(offsetMetadataMaxBytes >= 0, "%s must be >= 0, got %s", OFFSET_METADATA_MAX_BYTES_CONFIG,
          offsetMetadataMaxBytes);
      check(unusedGroupCheckIntervalMs > 0, "%s must be > 0, got %s", UNUSED_GROUP_CHECK_INTERVAL_MS_CONFIG,
          unusedGroupCheckIntervalMs);
      check(maxQueuedOffsetStoreOperations >= 1, "offset store queue bound must be >= 1, got %s",
          maxQueuedOffsetStoreOperations);
      check(shutdownTimeoutMs >= 0, "shutdown timeout must be >= 0, got %s", shutdownTimeoutMs);
      return new GroupCoordinatorConfig(this);
    }

    private static void check(boolean condition, String format, Object... args) {
      if (!condition) {
        throw new IllegalArgumentException("Cannot build group coordinator config: " + String.format(format, args));
      }
    }
  }
}
