package io.floe.tabletopic.errors;

import io.floe.tabletopic.worker.KafkaRecord;
import io.floe.tabletopic.worker.ProcessedRecord;
import java.util.concurrent.CompletableFuture;

/**
 * Where records left out of the table go: dropped with a log line, or to a dead-letter topic. Called on the
 * table's serial executor.
 */
public interface SkippedRecords {

  /** Takes {@code record}, left out of the table for {@code failure} under {@code tolerance}. */
  void skip(String tolerance, String topic, KafkaRecord record, ProcessedRecord.Failure failure);

  /**
   * Completes when every record taken so far is durable where it went, or exceptionally if one could not be
   * kept: the table's offsets may move past a skipped record only after this completes.
   */
  CompletableFuture<Void> flush();
}
