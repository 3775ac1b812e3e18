package io.floe.broker.handler;

import io.floe.broker.config.TopicConfigs;
import io.floe.broker.log.LogManager;
import io.floe.broker.log.PartitionLog;
import io.floe.broker.log.PartitionLog.AppendResult;
import io.floe.broker.log.PartitionLog.AppendSettings;
import io.floe.broker.log.TopicState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends produced batches. Every partition's batches are validated and copied before this returns (the
 * request's buffer is released right after); the response waits until they are durable, except with
 * acks=0, which gets no response.
 */
public final class ProduceHandler implements ApiHandler<ProduceRequest> {

  private static final Logger LOG = LoggerFactory.getLogger(ProduceHandler.class);

  private final LogManager logs;

  public ProduceHandler(LogManager logs) {
    this.logs = logs;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.PRODUCE;
  }

  @Override
  public CompletableFuture<Response> handle(RequestContext context, ProduceRequest request) {
    ProduceRequestData data = request.data();
    short acks = data.acks();
    boolean idTopics = context.apiVersion() >= 13;
    List<CompletableFuture<TopicProduceResponse>> topics = new ArrayList<>();
    if (acks != 0 && acks != 1 && acks != -1) {
      for (ProduceRequestData.TopicProduceData td : data.topicData()) {
        topics.add(CompletableFuture.completedFuture(errorTopic(td, Errors.INVALID_REQUIRED_ACKS,
            "acks must be -1 (all), 0 or 1, was " + acks)));
      }
    } else {
      for (ProduceRequestData.TopicProduceData td : data.topicData()) {
        topics.add(produceTopic(context, td, idTopics));
      }
    }
    if (acks == 0) {
      topics.forEach(t -> t.thenAccept(r -> logErrors(context, r)));
      return CompletableFuture.completedFuture(Response.NONE);
    }
    return CompletableFuture.allOf(topics.toArray(CompletableFuture[]::new)).thenApply(v -> {
      ProduceResponseData out = new ProduceResponseData();
      for (CompletableFuture<TopicProduceResponse> t : topics) {
        out.responses().add(t.join());
      }
      return Response.of(new ProduceResponse(out));
    });
  }

  private CompletableFuture<TopicProduceResponse> produceTopic(
      RequestContext context, ProduceRequestData.TopicProduceData td, boolean idTopics) {
    Optional<TopicState> topic = idTopics ? logs.topic(td.topicId()) : logs.topic(td.name());
    if (topic.isEmpty()) {
      return CompletableFuture.completedFuture(errorTopic(td,
          idTopics ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION, "This server does not host this topic"));
    }
    TopicState t = topic.get();
    TopicConfigs configs = logs.topicConfigs();
    AppendSettings settings = new AppendSettings(
        Integer.parseInt(configs.getString(t.configs(), TopicConfigs.MAX_MESSAGE_BYTES)),
        "LogAppendTime".equals(configs.getString(t.configs(), TopicConfigs.MESSAGE_TIMESTAMP_TYPE)));
    List<CompletableFuture<PartitionProduceResponse>> parts = new ArrayList<>();
    for (ProduceRequestData.PartitionProduceData pd : td.partitionData()) {
      PartitionLog log = t.partition(pd.index());
      if (log == null) {
        Errors error = t.notServedError(pd.index());
        parts.add(CompletableFuture.completedFuture(errorPartition(pd.index(), error,
            error == Errors.NOT_LEADER_OR_FOLLOWER
                ? "Partition " + t.name() + "-" + pd.index() + " is served by another broker"
                : "Topic " + t.name() + " has no partition " + pd.index())));
        continue;
      }
      MemoryRecords records = (MemoryRecords) pd.records();
      parts.add(log.append(records, settings, context.alloc()).thenApply(r -> toResponse(pd.index(), r)));
    }
    return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> {
      TopicProduceResponse out = new TopicProduceResponse().setName(td.name()).setTopicId(td.topicId());
      for (CompletableFuture<PartitionProduceResponse> p : parts) {
        out.partitionResponses().add(p.join());
      }
      return out;
    });
  }

  private static PartitionProduceResponse toResponse(int index, AppendResult r) {
    return new PartitionProduceResponse()
        .setIndex(index)
        .setErrorCode(r.error().code())
        .setErrorMessage(r.message())
        .setBaseOffset(r.baseOffset())
        .setLogAppendTimeMs(r.logAppendTime())
        .setLogStartOffset(r.logStartOffset());
  }

  private static PartitionProduceResponse errorPartition(int index, Errors error, String message) {
    return new PartitionProduceResponse()
        .setIndex(index)
        .setErrorCode(error.code())
        .setErrorMessage(message)
        .setBaseOffset(-1)
        .setLogAppendTimeMs(RecordBatch.NO_TIMESTAMP)
        .setLogStartOffset(-1);
  }

  private static TopicProduceResponse errorTopic(ProduceRequestData.TopicProduceData td, Errors error, String message) {
    TopicProduceResponse out = new TopicProduceResponse().setName(td.name()).setTopicId(td.topicId());
    for (ProduceRequestData.PartitionProduceData pd : td.partitionData()) {
      out.partitionResponses().add(errorPartition(pd.index(), error, message));
    }
    return out;
  }

  private static void logErrors(RequestContext context, TopicProduceResponse r) {
    for (PartitionProduceResponse p : r.partitionResponses()) {
      if (p.errorCode() != Errors.NONE.code()) {
        LOG.warn("acks=0 produce from client {} to {}-{} failed: {} {}", context.clientId(), r.name(), p.index(),
            Errors.forCode(p.errorCode()), p.errorMessage());
      }
    }
  }
}
