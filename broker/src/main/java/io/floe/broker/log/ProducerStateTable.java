package io.floe.broker.log;

import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.RecordBatch;

/**
 * Idempotent-producer state of one partition: per producer id, its epoch and its last five batches'
 * sequence ranges (the most a kafka-clients producer has in flight). Appends that repeat one of those
 * batches are duplicates (a retry after a lost response): they are answered with the original offset and
 * not written again. A gap in sequence is OUT_OF_ORDER_SEQUENCE_NUMBER; an older epoch is
 * INVALID_PRODUCER_EPOCH. A producer the table does not know (new, or its state evicted) is accepted at any
 * sequence, as Kafka does since KIP-360.
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
    final ArrayDeque<long[]> batches = new ArrayDeque<>(BATCHES_PER_PRODUCER); // {firstSeq, lastSeq, baseOffset}
  }

  /** Outcome of a check: {@code error == NONE} and {@code duplicateOffset < 0} means append it. */
  record Check(Errors error, String message, long duplicateOffset) {
    static final Check APPEND = new Check(Errors.NONE, null, -1);

    boolean isDuplicate() {
      return duplicateOffset >= 0;
    }
  }

  Check check(long producerId, short epoch, int firstSeq, int lastSeq) {
    Entry e = producers.get(producerId);
    if (e == null) {
      return Check.APPEND;
    }
    if (epoch < e.epoch) {
      return new Check(Errors.INVALID_PRODUCER_EPOCH,
          "Producer " + producerId + " epoch " + epoch + " is older than the current epoch " + e.epoch, -1);
    }
    if (epoch > e.epoch) {
      return firstSeq == 0 ? Check.APPEND : new Check(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER,
          "Producer " + producerId + " bumped its epoch to " + epoch + " but sent sequence " + firstSeq + ", not 0", -1);
    }
    for (long[] b : e.batches) {
      if (b[0] == firstSeq && b[1] == lastSeq) {
        return new Check(Errors.NONE, null, b[2]);
      }
    }
    long[] last = e.batches.peekLast();
    int expected = last == null ? firstSeq : nextSequence((int) last[1]);
    if (firstSeq != expected) {
      return new Check(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER,
          "Producer " + producerId + " sent sequence " + firstSeq + " but " + expected + " was expected", -1);
    }
    return Check.APPEND;
  }

  void record(long producerId, short epoch, int firstSeq, int lastSeq, long baseOffset) {
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
    e.batches.addLast(new long[] {firstSeq, lastSeq, baseOffset});
  }

  int size() {
    return producers.size();
  }

  /** Sequences wrap from Integer.MAX_VALUE to 0. */
  private static int nextSequence(int seq) {
    return seq == Integer.MAX_VALUE ? 0 : seq + 1;
  }
}
