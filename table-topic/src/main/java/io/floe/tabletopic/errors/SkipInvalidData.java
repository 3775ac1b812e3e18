package io.floe.tabletopic.errors;

import io.floe.tabletopic.worker.KafkaRecord;
import io.floe.tabletopic.worker.ProcessedRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code errors.tolerance=invalid_data} (AutoMQ's default): a record whose data cannot be converted is left
 * out (logged and counted); a record that failed because a dependency is unavailable is not bad data, so its
 * partition waits and tries it again, losing nothing.
 */
public final class SkipInvalidData implements ErrorSink {

  private static final Logger LOG = LoggerFactory.getLogger(SkipInvalidData.class);

  @Override
  public Decision onFailure(String topic, KafkaRecord record, ProcessedRecord.Failure failure) {
    if (failure.kind() == ProcessedRecord.Failure.Kind.UNAVAILABLE) {
      return retryLater(LOG, topic, record, failure);
    }
    return SkipAllFailures.skip(LOG, "invalid_data", topic, record, failure);
  }

  static Decision retryLater(Logger log, String topic, KafkaRecord record, ProcessedRecord.Failure failure) {
    log.warn("Table topic {} partition {} waits at offset {}: {}; it tries again shortly", topic, record.partition(),
        record.offset(), failure.message());
    return Decision.RETRY_LATER;
  }
}
