package io.floe.storage.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.storage.metadata.ClusterStore.BrokerRegistration;
import io.floe.storage.metadata.ClusterStore.Owner;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Broker liveness and resource ownership, on SQLite and on a real PostgreSQL shared by two stores (two brokers). */
class JdbcClusterStoreTest {
  private static final TwoStores STORES = new TwoStores();
  @TempDir static Path dir;

  static Stream<String> databases() {
    return Stream.of("sqlite", "postgresql");
  }

  private JdbcMetadataStore first;
  private JdbcMetadataStore second;

  private ClusterStore[] open(String database) {
    JdbcMetadataStore[] s = STORES.open(database, dir);
    first = s[0];
    second = s[1];
    return new ClusterStore[] {new JdbcClusterStore(first), new JdbcClusterStore(second)};
  }

  @AfterEach
  void close() {
    STORES.closeStores();
  }

  @AfterAll
  static void stopPostgres() {
    STORES.stop();
  }

  @ParameterizedTest
  @MethodSource("databases")
  void aRestartedNodeGetsANewEpochAndTheOldRegistrationIsRefused(String database) {
    ClusterStore[] stores = open(database);
    // Given node 1 registered by one process, then again by its restarted self on another store
    long old = stores[0].registerBroker(1, "127.0.0.1", 9092, null);
    long current = stores[1].registerBroker(1, "127.0.0.1", 9093, "rack-a");
    stores[1].registerBroker(2, "127.0.0.1", 9094, null);

    // Then the old registration's heartbeat is refused and the new one's accepted
    assertTrue(current > old);
    assertFalse(stores[0].heartbeat(1, old));
    assertTrue(stores[1].heartbeat(1, current));
    List<BrokerRegistration> live = stores[0].liveBrokers(60_000);
    assertEquals(List.of(1, 2), live.stream().map(BrokerRegistration::nodeId).toList());
    assertEquals(9093, live.get(0).port());
    assertEquals("rack-a", live.get(0).rack());

    // When node 2 leaves cleanly, it is no longer live; an old epoch cannot unregister the current node 1
    stores[1].unregisterBroker(2, stores[1].liveBrokers(60_000).get(1).brokerEpoch());
    stores[0].unregisterBroker(1, old);
    assertEquals(List.of(1), stores[0].liveBrokers(60_000).stream().map(BrokerRegistration::nodeId).toList());
  }

  @ParameterizedTest
  @MethodSource("databases")
  void liveBrokersAreThoseWithARecentHeartbeatOnTheDatabaseClock(String database) throws Exception {
    ClusterStore[] stores = open(database);
    stores[0].registerBroker(1, "127.0.0.1", 9092, null);
    Thread.sleep(300);
    long epoch2 = stores[1].registerBroker(2, "127.0.0.1", 9093, null);
    // Node 1's heartbeat is 300 ms old, node 2's fresh: a 200 ms timeout sees node 2 only
    assertEquals(List.of(2), stores[0].liveBrokers(200).stream().map(BrokerRegistration::nodeId).toList());
    assertTrue(stores[1].heartbeat(2, epoch2));
    assertEquals(2, stores[0].liveBrokers(10_000).size());
  }

  @org.junit.jupiter.api.Test
  void aBrokerWhoseSessionEndedIsDeadAfterTheGraceNotTheWholeSessionTimeout() throws Exception {
    ClusterStore[] stores = open("postgresql");
    // Given two brokers with fresh heartbeats, broker 1 holding its liveness lock, broker 2 not taking one
    assertTrue(stores[0].holdLivenessLock(1));
    stores[0].registerBroker(1, "127.0.0.1", 9092, null);
    long epoch2 = stores[1].registerBroker(2, "127.0.0.1", 9093, null);
    // A second process cannot take node 1's lock while the first holds it
    JdbcClusterStore other = new JdbcClusterStore(second);
    assertFalse(other.holdLivenessLock(1));
    other.releaseLivenessLock();

    // When broker 1's process dies (its lock session ends) and its heartbeat ages past the grace
    stores[0].releaseLivenessLock();
    Thread.sleep(300);
    assertTrue(stores[1].heartbeat(2, epoch2));

    // Then it is dead after the grace, not the session timeout, while broker 2, whose lock session broke but
    // which still heartbeats, stays live
    assertEquals(List.of(2), stores[1].liveBrokers(60_000, 200).stream().map(BrokerRegistration::nodeId).toList());
    assertEquals(List.of(1, 2), stores[1].liveBrokers(60_000, 60_000).stream().map(BrokerRegistration::nodeId)
        .toList());
    // And the lock can be taken again by a new process of node 1
    assertTrue(other.holdLivenessLock(1));
    other.releaseLivenessLock();
  }

  @ParameterizedTest
  @MethodSource("databases")
  void ownerEpochsRiseOnlyWhenTheOwnerChanges(String database) {
    ClusterStore[] stores = open(database);
    // Given two new resources
    Map<String, Owner> assigned = stores[0].assignOwners(Map.of("stream:1", 1, "groups", 2));
    assertEquals(new Owner(1, 1), assigned.get("stream:1"));
    assertEquals(new Owner(2, 1), assigned.get("groups"));

    // When one is assigned to its current owner again and the other moves
    Map<String, Owner> again = stores[1].assignOwners(Map.of("stream:1", 1, "groups", 3));

    // Then only the moved one has a new epoch, and both stores see the same owners
    assertEquals(new Owner(1, 1), again.get("stream:1"));
    assertEquals(new Owner(3, 2), again.get("groups"));
    assertEquals(again, stores[0].owners());

    stores[0].removeOwners(List.of("stream:1"));
    assertEquals(Map.of("groups", new Owner(3, 2)), stores[1].owners());
  }

  @ParameterizedTest
  @MethodSource("databases")
  void anOffsetCommitFencedByAnOldOwnerEpochIsRefusedAndWritesNothing(String database) {
    ClusterStore[] stores = open(database);
    // Given node 1 owns the group coordinator at epoch 1 and commits an offset under that fence
    stores[0].assignOwners(Map.of("groups", 1));
    OwnerFence node1 = new OwnerFence("groups", 1, 1);
    first.commitOffsets("g", List.of(new GroupOffsetStore.CommittedOffset("t", 0, 5, 0, "", 1)), node1);

    // When the coordinator moves to node 2 (epoch 2) and node 1, unaware, commits again
    stores[1].assignOwners(Map.of("groups", 2));
    StaleOwnerException refused = assertThrows(StaleOwnerException.class,
        () -> first.commitOffsets("g", List.of(new GroupOffsetStore.CommittedOffset("t", 0, 3, 0, "", 2)), node1));

    // Then its commit is refused, naming the fence, and the offset is the one committed before
    assertTrue(refused.getMessage().contains("no longer owns groups at owner epoch 1"), refused.getMessage());
    assertEquals(5, second.fetchOffsets("g").get("t").get(0).offset());
    // while the new owner commits under its own fence, and a node without a fence at all is not checked
    second.commitOffsets("g", List.of(new GroupOffsetStore.CommittedOffset("t", 0, 7, 0, "", 3)), new OwnerFence("groups", 2, 2));
    assertEquals(7, first.fetchOffsets("g").get("t").get(0).offset());
    first.commitOffsets("g", List.of(new GroupOffsetStore.CommittedOffset("t", 1, 1, 0, "", 4)));
    assertEquals(1, second.fetchOffsets("g").get("t").get(1).offset());
  }

  @ParameterizedTest
  @MethodSource("databases")
  void deletesFencedByAnOldOwnerEpochAreRefusedAndDeleteNothing(String database) {
    ClusterStore[] stores = open(database);
    // Given offsets committed while node 1 owned the group coordinator, which has since moved to node 2
    stores[0].assignOwners(Map.of("groups", 1));
    OwnerFence node1 = new OwnerFence("groups", 1, 1);
    first.commitOffsets("g", List.of(new GroupOffsetStore.CommittedOffset("t", 0, 5, 0, "", 1),
        new GroupOffsetStore.CommittedOffset("t", 1, 6, 0, "", 1)), node1);
    stores[1].assignOwners(Map.of("groups", 2));

    // When node 1, unaware, deletes an offset and then the whole group
    StaleOwnerException offsetRefused =
        assertThrows(StaleOwnerException.class, () -> first.deleteOffsets("g", "t", 0, node1));
    StaleOwnerException groupRefused = assertThrows(StaleOwnerException.class, () -> first.deleteGroup("g", node1));

    // Then both are refused, naming the fence, and every offset is still there
    assertTrue(offsetRefused.getMessage().contains("no longer owns groups at owner epoch 1"), offsetRefused.getMessage());
    assertTrue(groupRefused.getMessage().contains("no longer owns groups at owner epoch 1"), groupRefused.getMessage());
    assertEquals(Set.of(0, 1), second.fetchOffsets("g").get("t").keySet());
    // while the new owner deletes under its own fence
    OwnerFence node2 = new OwnerFence("groups", 2, 2);
    second.deleteOffsets("g", "t", 0, node2);
    assertEquals(Set.of(1), first.fetchOffsets("g").get("t").keySet());
    second.deleteGroup("g", node2);
    assertTrue(first.fetchOffsets("g").isEmpty());
  }
}
