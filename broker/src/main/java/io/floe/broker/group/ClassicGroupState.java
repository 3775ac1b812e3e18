package io.floe.broker.group;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * States of a classic (JoinGroup/SyncGroup) consumer group, with Kafka's names and Kafka's allowed
 * transitions:
 *
 * <pre>
 *   Empty ──join──▶ PreparingRebalance ──all joined / timeout──▶ CompletingRebalance ──leader sync──▶ Stable
 *     ▲                  │   ▲                                          │                              │
 *     └──no members left─┘   └────────── member joins, leaves or times out ─────────────────────────────┘
 *   Any state ──DeleteGroups (only from Empty) / coordinator unload──▶ Dead
 * </pre>
 */
enum ClassicGroupState {
  /** No members; the group may still have committed offsets. */
  EMPTY("Empty"),
  /** Waiting for members to (re)join before the next generation starts. */
  PREPARING_REBALANCE("PreparingRebalance"),
  /** Generation started; waiting for the leader's assignment in SyncGroup. */
  COMPLETING_REBALANCE("CompletingRebalance"),
  /** Assignment distributed; members heartbeat and commit. */
  STABLE("Stable"),
  /** Removed; kept only until in-flight operations that reference it finish. */
  DEAD("Dead");

  static {
    EMPTY.validPrevious = EnumSet.of(PREPARING_REBALANCE);
    PREPARING_REBALANCE.validPrevious = EnumSet.of(STABLE, COMPLETING_REBALANCE, EMPTY);
    COMPLETING_REBALANCE.validPrevious = EnumSet.of(PREPARING_REBALANCE);
    STABLE.validPrevious = EnumSet.of(COMPLETING_REBALANCE);
    DEAD.validPrevious = EnumSet.of(STABLE, PREPARING_REBALANCE, COMPLETING_REBALANCE, EMPTY, DEAD);
  }

  private final String kafkaName;
  private Set<ClassicGroupState> validPrevious;

  ClassicGroupState(String kafkaName) {
    this.kafkaName = kafkaName;
  }

  boolean canTransitionFrom(ClassicGroupState previous) {
    return validPrevious.contains(previous);
  }

  /** Whether a {@code ListGroups} states filter entry names this state (Kafka matches case-insensitively). */
  boolean matchesFilter(String filterEntry) {
    return kafkaName.toLowerCase(Locale.ROOT).equals(filterEntry.toLowerCase(Locale.ROOT));
  }

  /** The name Kafka uses on the wire (ListGroups, DescribeGroups). */
  @Override
  public String toString() {
    return kafkaName;
  }
}
