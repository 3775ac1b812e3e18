package io.floe.tabletopic.errors;

import io.floe.tabletopic.worker.KafkaRecord;
import io.floe.tabletopic.worker.ProcessedRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code errors.tolerance=all}: every record that cannot become a row is left out, logged and counted. */
public final class SkipAllFailures implements ErrorSink {

  private static final Logger LOG = LoggerFactory.getLogger(SkipAllFailures.class);

  @Override
  public Decision onFailure(String topic, KafkaRecord record, ProcessedRecord.Failure failure) {
    return skip(LOG, "all", topic, record, failure);
  }

  static Decision skip(Logger log, String tolerance, String topic, KafkaRecord record, ProcessedRecord.Failure failure) {
    log.warn("Table topic {} partition {} skipped the record at offset {} (errors.tolerance={}): {}", topic,
        record.partition(), record.offset(), tolerance, failure.message());
    return Decision.SKIP;
  }
}
