package io.floe.tabletopic.errors;

import io.floe.tabletopic.worker.KafkaRecord;
import io.floe.tabletopic.worker.ProcessedRecord;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Skipped records are left out with a log line each (they stay in the topic's log). */
public final class DroppedRecords implements SkippedRecords {

  private static final Logger LOG = LoggerFactory.getLogger(DroppedRecords.class);
  private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

  @Override
  public void skip(String tolerance, String topic, KafkaRecord record, ProcessedRecord.Failure failure) {
    LOG.warn("Table topic {} partition {} skipped the record at offset {} (errors.tolerance={}): {}", topic,
        record.partition(), record.offset(), tolerance, failure.message());
  }

  @Override
  public CompletableFuture<Void> flush() {
    return DONE;
  }
}
