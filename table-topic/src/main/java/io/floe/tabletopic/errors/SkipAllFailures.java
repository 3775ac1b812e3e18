package io.floe.tabletopic.errors;

import io.floe.tabletopic.worker.KafkaRecord;
import io.floe.tabletopic.worker.ProcessedRecord;
import java.util.concurrent.CompletableFuture;

/**
 * {@code errors.tolerance=all}: every record that cannot become a row is left out (to its {@link
 * SkippedRecords}), even one whose registry is unavailable.
 */
public final class SkipAllFailures implements ErrorSink {

  private final SkippedRecords skipped;

  public SkipAllFailures(SkippedRecords skipped) {
    this.skipped = skipped;
  }

  @Override
  public Decision onFailure(String topic, KafkaRecord record, ProcessedRecord.Failure failure) {
    skipped.skip("all", topic, record, failure);
    return Decision.SKIP;
  }

  @Override
  public CompletableFuture<Void> flush() {
    return skipped.flush();
  }
}
