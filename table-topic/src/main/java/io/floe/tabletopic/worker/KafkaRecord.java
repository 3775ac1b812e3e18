package io.floe.tabletopic.worker;

import java.nio.ByteBuffer;
import org.apache.kafka.common.header.Header;

/**
 * One record read from a partition's log, as the table sees it. Key and value are views into the batch's
 * (decompressed) buffer and valid only until the next record is read.
 */
public record KafkaRecord(int partition, long offset, long timestamp, ByteBuffer key, ByteBuffer value, Header[] headers) {}
