package io.floe.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The S3 runs' producer settings and the topic configs that let their batches through. */
class S3BenchOptionsTest {

    @Test
    void batchesAboveKafkasDefaultMessageLimitGetTopicsThatTakeTheirRequests() {
        // Given the default S3 producer settings (4 MiB batches, 16 MiB requests)
        S3BenchOptions o = S3BenchOptions.parse(new String[0]);

        // When the topic configs are derived, then the topics take a whole request
        assertEquals("4194304", o.s3ProducerProps.get("batch.size"));
        assertEquals(Map.of("max.message.bytes", "16777216"), o.topicConfigs());
    }

    @Test
    void batchesWithinKafkasDefaultMessageLimitKeepTheDefaultTopicConfigs() {
        // Given S3 producers with 1 MiB batches and no max.request.size
        S3BenchOptions o = S3BenchOptions.parse(
                new String[] {"--s3-producer-prop", "batch.size=1048576", "--s3-producer-prop", "max.request.size="});

        // When the topic configs are derived, then none is set
        assertEquals(Map.of(), o.topicConfigs());
    }

    @Test
    void largerBatchesThanRequestsSetTheLimitToTheBatch() {
        // Given 8 MiB batches and the producer's default 1 MiB max.request.size
        S3BenchOptions o = S3BenchOptions.parse(
                new String[] {"--s3-producer-prop", "batch.size=8388608", "--s3-producer-prop", "max.request.size="});

        // When the topic configs are derived, then a whole batch fits
        assertEquals(Map.of("max.message.bytes", "8388608"), o.topicConfigs());
    }
}
