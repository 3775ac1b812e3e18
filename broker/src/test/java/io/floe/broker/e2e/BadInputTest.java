package io.floe.broker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.floe.broker.testing.EmbeddedFloe;
import io.floe.broker.testing.RawKafkaConnection;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Malformed and out-of-bounds input gets the error a Kafka client expects, or a closed connection; the
 * broker keeps serving others and loses nothing it acknowledged.
 */
class BadInputTest {

  static EmbeddedFloe floe;
  static Admin admin;
  static RecordMetadata acknowledged;

  @BeforeAll
  static void start() throws Exception {
    floe = EmbeddedFloe.start(Map.of("socket.request.max.bytes", String.valueOf(1024 * 1024),
        "auto.create.topics.enable", "false"));
    admin = floe.admin();
    admin.createTopics(List.of(new NewTopic("good", 1, (short) 1),
        new NewTopic("small", 1, (short) 1).configs(Map.of("max.message.bytes", "1024")))).all().get();
    try (KafkaProducer<byte[], byte[]> p = floe.producer(Map.of())) {
      acknowledged = p.send(new ProducerRecord<>("good", "before".getBytes(StandardCharsets.UTF_8))).get();
    }
  }

  @AfterAll
  static void stop() throws Exception {
    // Nothing acknowledged was lost, and the broker still serves new connections.
    assertEquals(acknowledged.offset() + 1, ProduceConsumeTestSupport.endOffset(admin, "good", 0));
    admin.close();
    floe.close();
  }

  private RawKafkaConnection connect() throws Exception {
    return new RawKafkaConnection("127.0.0.1", floe.server().port());
  }

  @Test
  void oversizedFrameClosesTheConnectionBeforeReadingIt() throws Exception {
    try (RawKafkaConnection c = connect()) {
      c.writeRaw(ByteBuffer.allocate(4).putInt(512 * 1024 * 1024).array());
      assertTrue(c.closedByBroker());
    }
    assertTrue(admin.listTopics().names().get().contains("good"));
  }

  @Test
  void garbageClosesTheConnection() throws Exception {
    try (RawKafkaConnection c = connect()) {
      c.writeFrame(ByteBuffer.wrap(new byte[] {1, 2, 3}));
      assertTrue(c.closedByBroker());
    }
    try (RawKafkaConnection c = connect()) {
      c.writeRaw(ByteBuffer.allocate(4).putInt(-5).array());
      assertTrue(c.closedByBroker());
    }
  }

  @Test
  void unknownApiKeyAndUnsupportedVersionCloseTheConnection() throws Exception {
    try (RawKafkaConnection c = connect()) {
      c.sendHeaderOnly((short) 999, (short) 0);
      assertTrue(c.closedByBroker());
    }
    try (RawKafkaConnection c = connect()) {
      c.sendHeaderOnly(ApiKeys.PRODUCE.id, (short) 99);
      assertTrue(c.closedByBroker());
    }
  }

  @Test
  void tooNewApiVersionsRequestGetsUnsupportedVersionWithTheSupportedRanges() throws Exception {
    try (RawKafkaConnection c = connect()) {
      // A v0 ApiVersions request is answered normally and lists Produce.
      ApiVersionsResponse ok = (ApiVersionsResponse) c.send(new ApiVersionsRequest(new ApiVersionsRequestData(), (short) 0));
      assertEquals(Errors.NONE, Errors.forCode(ok.data().errorCode()));
      assertTrue(ok.data().apiKeys().find(ApiKeys.PRODUCE.id) != null);
      // A version from the future gets UNSUPPORTED_VERSION in v0 format, so the client can fall back.
      c.sendFlexibleHeaderOnly(ApiKeys.API_VERSIONS.id, (short) 99);
      ByteBuffer frame = c.readFrame();
      frame.getInt(); // correlation id
      ApiVersionsResponse r = ApiVersionsResponse.parse(new org.apache.kafka.common.protocol.ByteBufferAccessor(frame), (short) 0);
      assertEquals(Errors.UNSUPPORTED_VERSION, Errors.forCode(r.data().errorCode()));
      assertTrue(r.data().apiKeys().find(ApiKeys.FETCH.id) != null);
    }
  }

  @Test
  void corruptCrcIsRejectedWithCorruptMessage() throws Exception {
    MemoryRecords records = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("payload".getBytes(StandardCharsets.UTF_8)));
    ByteBuffer buffer = records.buffer();
    buffer.put(buffer.limit() - 2, (byte) (buffer.get(buffer.limit() - 2) ^ 0x5a));
    ProduceResponse r = produceRaw("good", MemoryRecords.readableRecords(buffer));
    assertEquals(Errors.CORRUPT_MESSAGE, partitionError(r));
  }

  @Test
  void unknownTopicGetsUnknownTopicOrPartition() throws Exception {
    MemoryRecords records = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("x".getBytes(StandardCharsets.UTF_8)));
    assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION, partitionError(produceRaw("no-such-topic", records)));
  }

  @Test
  void recordOverMaxMessageBytesIsRejectedWithRecordTooLarge() throws Exception {
    try (KafkaProducer<byte[], byte[]> p = floe.producer(Map.of("retries", 0))) {
      ExecutionException e = assertThrows(ExecutionException.class,
          () -> p.send(new ProducerRecord<>("small", new byte[4096])).get());
      assertInstanceOf(RecordTooLargeException.class, e.getCause());
      // A record within the limit is still accepted.
      assertEquals(0, p.send(new ProducerRecord<>("small", new byte[100])).get().offset());
    }
  }

  private ProduceResponse produceRaw(String topic, MemoryRecords records) throws Exception {
    ProduceRequestData data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(10_000);
    ProduceRequestData.TopicProduceData td = new ProduceRequestData.TopicProduceData().setName(topic);
    td.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records));
    data.topicData().add(td);
    try (RawKafkaConnection c = connect()) {
      return (ProduceResponse) c.send(new ProduceRequest.Builder((short) 11, (short) 11, data).build((short) 11));
    }
  }

  private static Errors partitionError(ProduceResponse r) {
    return Errors.forCode(r.data().responses().iterator().next().partitionResponses().get(0).errorCode());
  }
}
