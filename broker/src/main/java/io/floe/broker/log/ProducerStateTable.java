package io.floe.broker.log;

import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.RecordBatch;

/**
 * Idempotent-producer state of one partition: per producer id, its epoch and its last five batches'
 * sequence ranges (the most a kafka-clients producer has in flight). Appends that repeat one of those
 * batches are duplicates (a retry after a lost response): they are answered with the original offset and
 * not written again. A gap in sequence is OUT_OF_ORDER_SEQUENCE_NUMBER; an older epoch is
 * INVALID_PRODUCER_EPOCH. A producer the table does not know (new, or its state evicted) is accepted at any
 * sequence, as Kafka does since KIP-360, except by a partition that never held a record: there it is new, and starts
 * at 0. Otherwise a producer's later in-flight batch that overtook its rejected first one (the broker learned of a
 * new topic between the two requests) would be taken as its start, and the retried first batch would be out of
 * order for good.
 *
 * <p>Not thread-safe: used under the partition's append lock. Bounded: at most {@code maxProducers} ids are
 * tracked, least recently used evicted first.
 */
final class ProducerStateTable {

  static final int BATCHES_PER_PRODUCER = 5;

  private final Map<Long, Entry> producers;

  ProducerStateTable(int maxProducers) {
    this.producers = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Long, Entry> eldest) {
        return size() > maxProducers;
      }
    };
  }

  private static final class Entry {
    short epoch;
    final ArrayDeque<BatchMetadata> batches = new ArrayDeque<>(BATCHES_PER_PRODUCER);
  }

  /** One remembered batch; {@code durable} completes when it is acknowledged-safe (committed). */
  record BatchMetadata(int firstSeq, int lastSeq, long baseOffset, CompletableFuture<Void> durable) {}

  /**
   * Outcome of a check: {@code error == NONE} and no {@code duplicateOf} means append it. A duplicate is
   * answered only once its original is durable ({@link BatchMetadata#durable()}).
   */
  record Check(Errors error, String message, BatchMetadata duplicateOf) {
    static final Check APPEND = new Check(Errors.NONE, null, null);

    boolean isDuplicate() {
      return duplicateOf != null;
    }

    long duplicateOffset() {
      return duplicateOf.baseOffset();
    }
  }

  /** Checks a batch of {@code producerId}; {@code logEmpty} when the partition never held a record. */
  Check check(long producerId, short epoch, int firstSeq, int lastSeq, boolean logEmpty) {
    Entry e = producers.get(producerId);
    if (e == null) {
      return !logEmpty || firstSeq == 0 ? Check.APPEND : new Check(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER,
          "Producer " + producerId + " sent sequence " + firstSeq + " first to a partition that holds no record yet;"
              + " 0 was expected", null);
    }
    if (epoch < e.epoch) {
      return new Check(Errors.INVALID_PRODUCER_EPOCH,
          "Producer " + producerId + " epoch " + epoch + " is older than the current epoch " + e.epoch, null);
    }
    if (epoch > e.epoch) {
      return firstSeq == 0 ? Check.APPEND : new Check(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER,
          "Producer " + producerId + " bumped its epoch to " + epoch + " but sent sequence " + firstSeq + ", not 0", null);
    }
    for (BatchMetadata b : e.batches) {
      if (b.firstSeq() == firstSeq && b.lastSeq() == lastSeq) {
        return new Check(Errors.NONE, null, b);
      }
    }
    BatchMetadata last = e.batches.peekLast();
    int expected = last == null ? firstSeq : nextSequence(last.lastSeq());
    if (firstSeq != expected) {
      return new Check(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER,
          "Producer " + producerId + " sent sequence " + firstSeq + " but " + expected + " was expected", null);
    }
    return Check.APPEND;
  }

  void record(long producerId, short epoch, int firstSeq, int lastSeq, long baseOffset, CompletableFuture<Void> durable) {
    if (producerId == RecordBatch.NO_PRODUCER_ID) {
      return;
    }
    Entry e = producers.computeIfAbsent(producerId, id -> new Entry());
    if (epoch != e.epoch) {
      e.batches.clear();
      e.epoch = epoch;
    }
    if (e.batches.size() == BATCHES_PER_PRODUCER) {
      e.batches.pollFirst();
    }
    e.batches.addLast(new BatchMetadata(firstSeq, lastSeq, baseOffset, durable));
  }

  int size() {
    return producers.size();
  }

  /** Sequences wrap from Integer.MAX_VALUE to 0. */
  private static int nextSequence(int seq) {
    return seq == Integer.MAX_VALUE ? 0 : seq + 1;
  }
}
