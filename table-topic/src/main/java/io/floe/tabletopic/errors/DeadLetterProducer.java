package io.floe.tabletopic.errors;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.header.Header;

/** Appends records to a Kafka topic of this cluster: the broker's side of a dead-letter topic. */
@FunctionalInterface
public interface DeadLetterProducer {

  /**
   * Appends one record to {@code topic}, creating the topic if it does not exist. The arrays are the caller's
   * copies, not modified afterwards.
   *
   * @return completes when the record is acknowledged by the topic's owner (durable), exceptionally if not
   */
  CompletableFuture<Void> send(String topic, byte[] key, byte[] value, Header[] headers);
}
