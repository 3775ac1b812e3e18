package io.floe.broker.handler;

import io.floe.broker.log.LogManager;
import io.floe.broker.log.PartitionLog;
import io.floe.broker.log.TopicState;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;

/**
 * Consumers validate their position after a leader change with this API. Every partition has a single
 * leader epoch (0) whose end is the high watermark, so a consumer's position is never truncated.
 */
public final class OffsetForLeaderEpochHandler implements ApiHandler<OffsetsForLeaderEpochRequest> {

  private final LogManager logs;

  public OffsetForLeaderEpochHandler(LogManager logs) {
    this.logs = logs;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.OFFSET_FOR_LEADER_EPOCH;
  }

  @Override
  public CompletableFuture<Response> handle(RequestContext context, OffsetsForLeaderEpochRequest request) {
    OffsetForLeaderEpochResponseData out = new OffsetForLeaderEpochResponseData();
    for (OffsetForLeaderTopic t : request.data().topics()) {
      OffsetForLeaderTopicResult tr = new OffsetForLeaderTopicResult().setTopic(t.topic());
      out.topics().add(tr);
      Optional<TopicState> topic = logs.topic(t.topic());
      for (OffsetForLeaderPartition p : t.partitions()) {
        EpochEndOffset e = new EpochEndOffset().setPartition(p.partition());
        PartitionLog log = topic.map(s -> s.partition(p.partition())).orElse(null);
        if (log == null) {
          e.setErrorCode(topic.map(s -> s.notServedError(p.partition())).orElse(Errors.UNKNOWN_TOPIC_OR_PARTITION).code())
              .setLeaderEpoch(-1).setEndOffset(-1);
        } else {
          // Floe never truncates a log, so an earlier epoch's records all stand: every epoch ends at the high
          // watermark as far as a consumer validating its position can tell.
          e.setErrorCode(Errors.NONE.code())
              .setLeaderEpoch(Math.min(p.leaderEpoch() < 0 ? log.leaderEpoch() : p.leaderEpoch(), log.leaderEpoch()))
              .setEndOffset(log.highWatermark());
        }
        tr.partitions().add(e);
      }
    }
    return CompletableFuture.completedFuture(Response.of(new OffsetsForLeaderEpochResponse(out)));
  }
}
