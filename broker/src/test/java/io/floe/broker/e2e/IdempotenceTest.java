package io.floe.broker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.floe.broker.testing.EmbeddedFloe;
import io.floe.broker.testing.RawKafkaConnection;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.junit.jupiter.api.Test;

/**
 * Idempotent produce: a retried batch is answered with its first offset and not written twice, also when
 * the retry reaches a restarted broker; gaps and stale epochs get the errors kafka-clients handles.
 */
class IdempotenceTest {

  static final long PRODUCER = 4242L;

  @Test
  void retriedBatchIsNotWrittenTwiceEvenAfterARestart() throws Exception {
    try (EmbeddedFloe floe = EmbeddedFloe.start(); Admin admin = floe.admin()) {
      admin.createTopics(List.of(new NewTopic("idem", 1, (short) 1))).all().get();

      // Given batches 0-9 and 10-19 of one producer were written
      assertEquals(0, produce(floe, batch(0, 10, (short) 0)).baseOffset());
      assertEquals(10, produce(floe, batch(10, 10, (short) 0)).baseOffset());

      // When the second is retried, before and after a broker restart
      PartitionProduceResponse retry = produce(floe, batch(10, 10, (short) 0));
      admin.close();
      floe.restart();
      PartitionProduceResponse retryAfterRestart = produce(floe, batch(10, 10, (short) 0));

      // Then both retries get the original offset and the log holds 20 records, not 30
      assertEquals(Errors.NONE, Errors.forCode(retry.errorCode()));
      assertEquals(10, retry.baseOffset());
      assertEquals(Errors.NONE, Errors.forCode(retryAfterRestart.errorCode()));
      assertEquals(10, retryAfterRestart.baseOffset());
      try (Admin again = floe.admin()) {
        assertEquals(20, ProduceConsumeTestSupport.endOffset(again, "idem", 0));
      }

      // And the next batch in sequence is appended, a gap is refused, an older epoch is fenced
      assertEquals(20, produce(floe, batch(20, 5, (short) 0)).baseOffset());
      assertEquals(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, Errors.forCode(produce(floe, batch(40, 5, (short) 0)).errorCode()));
      assertEquals(25, produce(floe, batch(0, 5, (short) 1)).baseOffset());
      assertEquals(Errors.INVALID_PRODUCER_EPOCH, Errors.forCode(produce(floe, batch(25, 5, (short) 0)).errorCode()));
    }
  }

  private static MemoryRecords batch(int firstSeq, int count, short epoch) {
    SimpleRecord[] records = new SimpleRecord[count];
    for (int i = 0; i < count; i++) {
      records[i] = new SimpleRecord(("seq-" + (firstSeq + i)).getBytes(StandardCharsets.UTF_8));
    }
    return MemoryRecords.withIdempotentRecords(Compression.NONE, PRODUCER, epoch, firstSeq, records);
  }

  private static PartitionProduceResponse produce(EmbeddedFloe floe, MemoryRecords records) throws Exception {
    ProduceRequestData data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(10_000);
    ProduceRequestData.TopicProduceData td = new ProduceRequestData.TopicProduceData().setName("idem");
    td.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records));
    data.topicData().add(td);
    try (RawKafkaConnection c = new RawKafkaConnection("127.0.0.1", floe.server().port())) {
      ProduceResponse r = (ProduceResponse) c.send(new ProduceRequest.Builder((short) 11, (short) 11, data).build((short) 11));
      return r.data().responses().iterator().next().partitionResponses().get(0);
    }
  }

}
