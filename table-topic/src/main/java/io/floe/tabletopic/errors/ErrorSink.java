package io.floe.tabletopic.errors;

import io.floe.tabletopic.worker.KafkaRecord;
import io.floe.tabletopic.worker.ProcessedRecord;
import java.util.concurrent.CompletableFuture;

/**
 * Decides what becomes of a record that cannot become a row, per {@code automq.table.topic.errors.tolerance}.
 * Called on the table's serial executor, one record at a time, in offset order per partition.
 */
public interface ErrorSink {

  /** What the pipeline does next with the failed record's partition. */
  enum Decision {
    /** The record is left out of the table; the partition goes on. */
    SKIP,
    /** The partition stops at this record until the table topic is restarted with other settings or data. */
    STOP,
    /** The partition pauses at this record and tries it again later (a dependency is unavailable). */
    RETRY_LATER
  }

  /** Handles {@code failure} of {@code record}; logs what a user needs to know. */
  Decision onFailure(String topic, KafkaRecord record, ProcessedRecord.Failure failure);

  /**
   * Completes when every record skipped so far is durable where it went (a dead-letter topic), exceptionally if
   * one is not: the table's offsets move past skipped records only after this completes.
   */
  CompletableFuture<Void> flush();

  /** The sink for an {@code errors.tolerance} value, dropping skipped records with a log line. */
  static ErrorSink forTolerance(String tolerance) {
    return forTolerance(tolerance, new DroppedRecords());
  }

  /**
   * The sink for an {@code errors.tolerance} value: {@code none}, {@code invalid_data} or {@code all}, with the
   * records it skips going to {@code skipped}.
   */
  static ErrorSink forTolerance(String tolerance, SkippedRecords skipped) {
    return switch (tolerance) {
      case "none" -> new StopOnFailure();
      case "invalid_data" -> new SkipInvalidData(skipped);
      case "all" -> new SkipAllFailures(skipped);
      default -> throw new IllegalArgumentException("Cannot handle record failures: unknown errors.tolerance " + tolerance);
    };
  }
}
