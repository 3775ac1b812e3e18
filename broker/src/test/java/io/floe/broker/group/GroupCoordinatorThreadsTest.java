package io.floe.broker.group;

import static io.floe.broker.group.GroupCoordinatorTestContext.TOPIC;
import static io.floe.broker.group.GroupCoordinatorTestContext.assignment;
import static io.floe.broker.group.GroupCoordinatorTestContext.commitRequest;
import static io.floe.broker.group.GroupCoordinatorTestContext.context;
import static io.floe.broker.group.GroupCoordinatorTestContext.joinRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** The production wiring: the coordinator thread with real time and the offset store on its own thread. */
class GroupCoordinatorThreadsTest {

  @Test
  void joinSyncCommitAndFetchOnRealThreads() throws Exception {
    InMemoryGroupOffsetStore store = new InMemoryGroupOffsetStore();
    GroupCoordinator coordinator =
        GroupCoordinator.builder()
            .config(GroupCoordinatorConfig.builder().initialRebalanceDelayMs(0).build())
            .offsetStore(store)
            .build();
    try {
      coordinator.start().get(5, TimeUnit.SECONDS);

      JoinGroupResponseData join =
          coordinator.joinGroup(context((short) 3, "app"), joinRequest("g", "")).get(5, TimeUnit.SECONDS);
      assertEquals(Errors.NONE, Errors.forCode(join.errorCode()));
      String member = join.memberId();
      SyncGroupRequestData sync =
          new SyncGroupRequestData()
              .setGroupId("g")
              .setMemberId(member)
              .setGenerationId(join.generationId())
              .setAssignments(
                  List.of(new SyncGroupRequestAssignment().setMemberId(member).setAssignment(assignment(TOPIC, 0))));
      assertEquals(
          Errors.NONE.code(),
          coordinator.syncGroup(context(ApiKeys.SYNC_GROUP, "app"), sync).get(5, TimeUnit.SECONDS).errorCode());

      var commit =
          coordinator
              .commitOffsets(context((short) 9, "app"), commitRequest("g", member, join.generationId(), TOPIC, 0, 8L))
              .get(5, TimeUnit.SECONDS);
      assertEquals(Errors.NONE.code(), commit.topics().get(0).partitions().get(0).errorCode());
      var fetch =
          coordinator
              .fetchOffsets(
                  context((short) 9, "app"),
                  new OffsetFetchRequestData()
                      .setGroups(
                          List.of(
                              new OffsetFetchRequestGroup()
                                  .setGroupId("g")
                                  .setTopics(
                                      List.of(new OffsetFetchRequestTopics().setName(TOPIC).setPartitionIndexes(List.of(0)))))))
              .get(5, TimeUnit.SECONDS);
      assertEquals(8L, fetch.groups().get(0).topics().get(0).partitions().get(0).committedOffset());
      assertEquals(8L, store.fetchOffsets("g").get(TOPIC).get(0).offset());
    } finally {
      long start = System.nanoTime();
      coordinator.shutdown();
      assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "shutdown is prompt when idle");
    }
    var afterShutdown =
        coordinator.joinGroup(context((short) 3, "app"), joinRequest("g", "")).get(5, TimeUnit.SECONDS);
    assertEquals(Errors.NOT_COORDINATOR, Errors.forCode(afterShutdown.errorCode()));
  }
}
