package io.floe.tabletopic.errors;

import io.floe.tabletopic.worker.KafkaRecord;
import io.floe.tabletopic.worker.ProcessedRecord;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code errors.tolerance=invalid_data} (AutoMQ's default): a record whose data cannot be converted is left
 * out (to its {@link SkippedRecords}); a record that failed because a dependency is unavailable is not bad data,
 * so its partition waits and tries it again, losing nothing.
 */
public final class SkipInvalidData implements ErrorSink {

  private static final Logger LOG = LoggerFactory.getLogger(SkipInvalidData.class);

  private final SkippedRecords skipped;

  public SkipInvalidData(SkippedRecords skipped) {
    this.skipped = skipped;
  }

  @Override
  public Decision onFailure(String topic, KafkaRecord record, ProcessedRecord.Failure failure) {
    if (failure.kind() == ProcessedRecord.Failure.Kind.UNAVAILABLE) {
      return retryLater(LOG, topic, record, failure);
    }
    skipped.skip("invalid_data", topic, record, failure);
    return Decision.SKIP;
  }

  @Override
  public CompletableFuture<Void> flush() {
    return skipped.flush();
  }

  static Decision retryLater(Logger log, String topic, KafkaRecord record, ProcessedRecord.Failure failure) {
    log.warn("Table topic {} partition {} waits at offset {}: {}; it tries again shortly", topic, record.partition(),
        record.offset(), failure.message());
    return Decision.RETRY_LATER;
  }
}
