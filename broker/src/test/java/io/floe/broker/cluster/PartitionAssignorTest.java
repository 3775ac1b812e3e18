package io.floe.broker.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.storage.metadata.ClusterStore.Owner;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PartitionAssignorTest {

  private static List<List<String>> singles(int n) {
    List<List<String>> units = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      units.add(List.of("stream:" + i));
    }
    return units;
  }

  private static Map<Integer, Integer> load(Map<String, Owner> owners) {
    Map<Integer, Integer> load = new HashMap<>();
    owners.values().forEach(o -> load.merge(o.nodeId(), 1, Integer::sum));
    return load;
  }

  private static Map<String, Owner> apply(Map<String, Owner> owners, Map<String, Integer> changes) {
    Map<String, Owner> next = new HashMap<>(owners);
    changes.forEach((r, n) -> next.put(r, new Owner(n, next.containsKey(r) ? next.get(r).epoch() + 1 : 1)));
    return next;
  }

  @Test
  void newResourcesAreSpreadEvenly() {
    Map<String, Integer> changes = PartitionAssignor.assign(Set.of(1, 2, 3), singles(9), Map.of());
    Map<String, Owner> owners = apply(Map.of(), changes);
    assertEquals(Map.of(1, 3, 2, 3, 3, 3), load(owners));
  }

  @Test
  void aDeadBrokersResourcesMoveAndNothingElseDoes() {
    // Given 9 partitions on three brokers
    Map<String, Owner> owners = apply(Map.of(), PartitionAssignor.assign(Set.of(1, 2, 3), singles(9), Map.of()));
    // When broker 2 dies
    Map<String, Integer> changes = PartitionAssignor.assign(Set.of(1, 3), singles(9), owners);
    // Then exactly its three partitions move, to the two others, evenly
    assertEquals(3, changes.size());
    changes.keySet().forEach(r -> assertEquals(2, owners.get(r).nodeId()));
    Map<Integer, Integer> after = load(apply(owners, changes));
    assertTrue(Math.abs(after.get(1) - after.get(3)) <= 1, after.toString());
  }

  @Test
  void aNewBrokerTakesAShare() {
    Map<String, Owner> owners = apply(Map.of(), PartitionAssignor.assign(Set.of(1, 2), singles(12), Map.of()));
    Map<String, Integer> changes = PartitionAssignor.assign(Set.of(1, 2, 3), singles(12), owners);
    assertEquals(4, changes.size());
    assertEquals(Map.of(1, 4, 2, 4, 3, 4), load(apply(owners, changes)));
    // And a second round changes nothing
    assertTrue(PartitionAssignor.assign(Set.of(1, 2, 3), singles(12), apply(owners, changes)).isEmpty());
  }

  @Test
  void unitsMoveTogether() {
    List<List<String>> units = new ArrayList<>(singles(2));
    units.add(List.of("stream:10", "stream:11", "stream:12"));
    Map<String, Owner> owners = apply(Map.of(), PartitionAssignor.assign(Set.of(1, 2), units, Map.of()));
    int node = owners.get("stream:10").nodeId();
    assertEquals(node, owners.get("stream:11").nodeId());
    assertEquals(node, owners.get("stream:12").nodeId());
    // When that node dies, the whole unit moves to the survivor
    int survivor = node == 1 ? 2 : 1;
    Map<String, Owner> after = apply(owners, PartitionAssignor.assign(Set.of(survivor), units, owners));
    assertEquals(Map.of(survivor, 5), load(after));
  }

  @Test
  void newResourcesGoToTheLeastLoadedBrokersOrAllToOneWhenTogether() {
    Map<String, Owner> owners = Map.of("stream:1", new Owner(1, 1), "stream:2", new Owner(1, 1),
        "stream:3", new Owner(2, 1));
    assertEquals(Map.of("stream:10", 3, "stream:11", 2, "stream:12", 3),
        PartitionAssignor.placeNew(Set.of(1, 2, 3), owners, List.of("stream:10", "stream:11", "stream:12"), false));
    assertEquals(Map.of("stream:10", 3, "stream:11", 3, "stream:12", 3),
        PartitionAssignor.placeNew(Set.of(1, 2, 3), owners, List.of("stream:10", "stream:11", "stream:12"), true));
  }

  @Test
  void noLiveBrokersMeansNoChanges() {
    assertTrue(PartitionAssignor.assign(Set.of(), singles(3), Map.of()).isEmpty());
  }
}
