package io.floe.tabletopic.errors;

import io.floe.tabletopic.worker.KafkaRecord;
import io.floe.tabletopic.worker.ProcessedRecord;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code errors.tolerance=none}: a bad record stops its partition, so nothing is left out silently; a
 * record that failed only because a dependency is unavailable is tried again later.
 */
public final class StopOnFailure implements ErrorSink {

  private static final Logger LOG = LoggerFactory.getLogger(StopOnFailure.class);

  @Override
  public Decision onFailure(String topic, KafkaRecord record, ProcessedRecord.Failure failure) {
    if (failure.kind() == ProcessedRecord.Failure.Kind.UNAVAILABLE) {
      return SkipInvalidData.retryLater(LOG, topic, record, failure);
    }
    LOG.error("Table topic {} partition {} stopped at offset {} (errors.tolerance=none): {}. The topic still accepts "
        + "records; fix the data or set automq.table.topic.errors.tolerance to resume", topic, record.partition(),
        record.offset(), failure.message());
    return Decision.STOP;
  }

  @Override
  public CompletableFuture<Void> flush() {
    return CompletableFuture.completedFuture(null);
  }
}
