package io.floe.tabletopic.errors;

import io.floe.tabletopic.worker.KafkaRecord;
import io.floe.tabletopic.worker.ProcessedRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Skipped records go to a dead-letter topic ({@code automq.table.topic.errors.deadletterqueue.topic.name}) with
 * their original key, value and headers, plus headers saying where they came from and why they failed (after
 * Kafka Connect's {@code __connect.errors.*}): {@value #TOPIC}, {@value #PARTITION}, {@value #OFFSET} (as text),
 * {@value #REASON} ({@code INVALID_DATA} or {@code UNAVAILABLE}), {@value #MESSAGE} and {@value #TOLERANCE}. The
 * topic is an ordinary topic: consume it, fix the records and produce them again, or make it a table topic.
 */
public final class DeadLetterTopic implements SkippedRecords {

  public static final String TOPIC = "__floe.errors.topic";
  public static final String PARTITION = "__floe.errors.partition";
  public static final String OFFSET = "__floe.errors.offset";
  public static final String REASON = "__floe.errors.reason";
  public static final String MESSAGE = "__floe.errors.message";
  public static final String TOLERANCE = "__floe.errors.tolerance";

  private static final Logger LOG = LoggerFactory.getLogger(DeadLetterTopic.class);

  private final String deadLetterTopic;
  private final DeadLetterProducer producer;
  private final AtomicLong sent;
  private List<CompletableFuture<Void>> pending = new ArrayList<>();

  /** @param sent counts the records acknowledged by the dead-letter topic */
  public DeadLetterTopic(String deadLetterTopic, DeadLetterProducer producer, AtomicLong sent) {
    this.deadLetterTopic = deadLetterTopic;
    this.producer = producer;
    this.sent = sent;
  }

  @Override
  public void skip(String tolerance, String topic, KafkaRecord record, ProcessedRecord.Failure failure) {
    Header[] original = record.headers();
    Header[] headers = new Header[original.length + 6];
    System.arraycopy(original, 0, headers, 0, original.length);
    int i = original.length;
    headers[i++] = header(TOPIC, topic);
    headers[i++] = header(PARTITION, String.valueOf(record.partition()));
    headers[i++] = header(OFFSET, String.valueOf(record.offset()));
    headers[i++] = header(REASON, failure.kind().name());
    headers[i++] = header(MESSAGE, failure.message());
    headers[i] = header(TOLERANCE, tolerance);
    CompletableFuture<Void> f;
    try {
      f = producer.send(deadLetterTopic, Utils.toNullableArray(record.key()), Utils.toNullableArray(record.value()),
          headers);
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    pending.add(f.thenRun(sent::incrementAndGet));
    LOG.debug("Table topic {} partition {} sent the record at offset {} to dead-letter topic {}: {}", topic,
        record.partition(), record.offset(), deadLetterTopic, failure.message());
  }

  @Override
  public CompletableFuture<Void> flush() {
    List<CompletableFuture<Void>> waiting = pending;
    pending = new ArrayList<>();
    return CompletableFuture.allOf(waiting.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
      if (e != null) {
        LOG.warn("Records could not be written to dead-letter topic {}: {}", deadLetterTopic, e.toString());
      }
    });
  }

  private static Header header(String key, String value) {
    return new RecordHeader(key, value.getBytes(StandardCharsets.UTF_8));
  }
}
