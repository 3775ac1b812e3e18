package io.floe.broker.cluster;

import io.floe.storage.metadata.ClusterStore.Owner;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Decides which live broker owns each resource. Resources come in units that move together (a partition's
 * stream, all partitions of a table topic, the group coordinator). A unit keeps its owner while that owner is
 * live; units of dead or missing owners go to the least loaded broker; then units move from the most to the
 * least loaded broker until loads differ by at most one unit's weight, so a new broker takes its share. No data
 * moves: a new owner opens the streams from the shared store.
 *
 * <p>A pure function of its inputs, so every controller computes the same answer from the same state.
 */
public final class PartitionAssignor {

  private PartitionAssignor() {}

  /**
   * The owner changes to make: resource to node id, for every resource of {@code units} whose owner is not
   * already that node. Empty when {@code liveNodes} is empty.
   */
  public static Map<String, Integer> assign(Set<Integer> liveNodes, List<List<String>> units, Map<String, Owner> current) {
    return assign(liveNodes, units, current, true);
  }

  /** As {@link #assign(Set, List, Map)}; without {@code balance}, only units without a live owner are placed. */
  public static Map<String, Integer> assign(
      Set<Integer> liveNodes, List<List<String>> units, Map<String, Owner> current, boolean balance) {
    Map<String, Integer> changes = new LinkedHashMap<>();
    if (liveNodes.isEmpty()) {
      return changes;
    }
    TreeMap<Integer, List<List<String>>> byNode = new TreeMap<>();
    Map<Integer, Integer> load = new HashMap<>();
    for (int node : liveNodes) {
      byNode.put(node, new ArrayList<>());
      load.put(node, 0);
    }
    List<List<String>> homeless = new ArrayList<>();
    List<List<String>> sorted = new ArrayList<>(units);
    sorted.sort(Comparator.comparing(u -> u.get(0)));
    for (List<String> unit : sorted) {
      Integer node = currentNode(unit, current, liveNodes);
      if (node == null) {
        homeless.add(unit);
      } else {
        byNode.get(node).add(unit);
        load.merge(node, unit.size(), Integer::sum);
      }
    }
    // Heaviest first, so large units (table topics) spread before single partitions fill the gaps.
    homeless.sort(Comparator.comparingInt((List<String> u) -> -u.size()).thenComparing(u -> u.get(0)));
    for (List<String> unit : homeless) {
      int node = leastLoaded(load);
      byNode.get(node).add(unit);
      load.merge(node, unit.size(), Integer::sum);
    }
    // Balance: move a unit from the most to the least loaded node while that narrows the gap.
    for (int guard = 0; balance && guard < 100_000; guard++) {
      int most = mostLoaded(load);
      int least = leastLoaded(load);
      int gap = load.get(most) - load.get(least);
      List<String> move = null;
      for (List<String> unit : byNode.get(most)) {
        if (unit.size() < gap && (move == null || unit.size() > move.size())) {
          move = unit;
        }
      }
      if (move == null || gap <= 1) {
        break;
      }
      byNode.get(most).remove(move);
      byNode.get(least).add(move);
      load.merge(most, -move.size(), Integer::sum);
      load.merge(least, move.size(), Integer::sum);
    }
    for (Map.Entry<Integer, List<List<String>>> e : byNode.entrySet()) {
      for (List<String> unit : e.getValue()) {
        for (String resource : unit) {
          Owner o = current.get(resource);
          if (o == null || o.nodeId() != e.getKey()) {
            changes.put(resource, e.getKey());
          }
        }
      }
    }
    return changes;
  }

  /**
   * Owners for new resources (a new topic's streams): each to the least loaded of {@code nodes} by the resources
   * {@code current} gives them, or all to the least loaded one when {@code together}.
   */
  public static Map<String, Integer> placeNew(
      Set<Integer> nodes, Map<String, Owner> current, List<String> resources, boolean together) {
    Map<Integer, Integer> load = new HashMap<>();
    nodes.forEach(n -> load.put(n, 0));
    current.values().forEach(o -> load.computeIfPresent(o.nodeId(), (n, c) -> c + 1));
    Map<String, Integer> placement = new LinkedHashMap<>();
    for (String resource : resources) {
      int node = together && !placement.isEmpty() ? placement.values().iterator().next() : leastLoaded(load);
      placement.put(resource, node);
      load.merge(node, 1, Integer::sum);
    }
    return placement;
  }

  /** The live node owning most of the unit's resources, or null if none of them has a live owner. */
  private static Integer currentNode(List<String> unit, Map<String, Owner> current, Set<Integer> liveNodes) {
    Map<Integer, Integer> votes = new TreeMap<>();
    for (String resource : unit) {
      Owner o = current.get(resource);
      if (o != null && liveNodes.contains(o.nodeId())) {
        votes.merge(o.nodeId(), 1, Integer::sum);
      }
    }
    return votes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
  }

  private static int leastLoaded(Map<Integer, Integer> load) {
    return load.entrySet().stream()
        .min(Map.Entry.<Integer, Integer>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
        .orElseThrow().getKey();
  }

  private static int mostLoaded(Map<Integer, Integer> load) {
    return load.entrySet().stream()
        .max(Map.Entry.<Integer, Integer>comparingByValue()
            .thenComparing(Map.Entry.<Integer, Integer>comparingByKey().reversed()))
        .orElseThrow().getKey();
  }
}
