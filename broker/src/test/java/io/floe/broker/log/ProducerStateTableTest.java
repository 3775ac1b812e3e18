package io.floe.broker.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class ProducerStateTableTest {

  private static final java.util.concurrent.CompletableFuture<Void> DONE = java.util.concurrent.CompletableFuture.completedFuture(null);

  @Test
  void retriedBatchIsADuplicateAnsweredWithItsOriginalOffset() {
    // Given a producer whose batches 0-9 and 10-19 were appended at offsets 100 and 110
    ProducerStateTable t = new ProducerStateTable(10);
    t.record(7, (short) 0, 0, 9, 100, DONE);
    t.record(7, (short) 0, 10, 19, 110, DONE);

    // When the first batch arrives again (its response was lost)
    ProducerStateTable.Check c = t.check(7, (short) 0, 0, 9, false);

    // Then it is a duplicate of offset 100, and the next batch in sequence is accepted
    assertTrue(c.isDuplicate());
    assertEquals(100, c.duplicateOffset());
    assertEquals(ProducerStateTable.Check.APPEND, t.check(7, (short) 0, 20, 29, false));
  }

  @Test
  void gapInSequenceIsOutOfOrder() {
    ProducerStateTable t = new ProducerStateTable(10);
    t.record(7, (short) 0, 0, 9, 0, DONE);
    assertEquals(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, t.check(7, (short) 0, 15, 20, false).error());
  }

  @Test
  void olderEpochIsFencedAndNewEpochMustStartAtZero() {
    ProducerStateTable t = new ProducerStateTable(10);
    t.record(7, (short) 3, 0, 9, 0, DONE);
    assertEquals(Errors.INVALID_PRODUCER_EPOCH, t.check(7, (short) 2, 10, 19, false).error());
    assertEquals(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, t.check(7, (short) 4, 10, 19, false).error());
    assertEquals(ProducerStateTable.Check.APPEND, t.check(7, (short) 4, 0, 4, false));
  }

  @Test
  void unknownProducerIsAcceptedAtAnySequenceAndOnlyFiveBatchesAreRemembered() {
    ProducerStateTable t = new ProducerStateTable(10);
    assertEquals(ProducerStateTable.Check.APPEND, t.check(9, (short) 0, 500, 509, false));
    for (int i = 0; i < 6; i++) {
      t.record(9, (short) 0, i * 10, i * 10 + 9, i * 10L, DONE);
    }
    assertFalse(t.check(9, (short) 0, 0, 9, false).isDuplicate(), "the sixth-newest batch is forgotten");
    assertTrue(t.check(9, (short) 0, 10, 19, false).isDuplicate());
  }

  @Test
  void aNewProducerMustStartAtZeroInAPartitionThatNeverHeldARecord() {
    // Given a producer whose first batch (sequence 0) was rejected, and whose second overtook it
    ProducerStateTable t = new ProducerStateTable(10);

    // When the second arrives at a partition that holds no record yet
    ProducerStateTable.Check overtaking = t.check(9, (short) 0, 10, 19, true);

    // Then it is out of order (the client retries it after the first), and the first is accepted
    assertEquals(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, overtaking.error());
    assertEquals(ProducerStateTable.Check.APPEND, t.check(9, (short) 0, 0, 9, true));
  }

  @Test
  void sequenceWrapsAroundAtIntMax() {
    ProducerStateTable t = new ProducerStateTable(10);
    t.record(1, (short) 0, Integer.MAX_VALUE - 9, Integer.MAX_VALUE, 0, DONE);
    assertEquals(ProducerStateTable.Check.APPEND, t.check(1, (short) 0, 0, 9, false));
  }

  @Test
  void tracksAtMostTheConfiguredNumberOfProducers() {
    ProducerStateTable t = new ProducerStateTable(2);
    t.record(1, (short) 0, 0, 0, 0, DONE);
    t.record(2, (short) 0, 0, 0, 1, DONE);
    t.record(3, (short) 0, 0, 0, 2, DONE);
    assertEquals(2, t.size());
  }
}
