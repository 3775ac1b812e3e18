package io.floe.broker.handler;

import io.floe.broker.log.LogManager;
import io.floe.broker.log.PartitionLog;
import io.floe.broker.log.TopicState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsPartition;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsTopic;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsPartitionResult;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DeleteRecordsRequest;
import org.apache.kafka.common.requests.DeleteRecordsResponse;

/** Raises partitions' log start offsets; -1 means the high watermark. */
public final class DeleteRecordsHandler implements ApiHandler<DeleteRecordsRequest> {

  private final LogManager logs;

  public DeleteRecordsHandler(LogManager logs) {
    this.logs = logs;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.DELETE_RECORDS;
  }

  @Override
  public CompletableFuture<Response> handle(RequestContext context, DeleteRecordsRequest request) {
    DeleteRecordsResponseData out = new DeleteRecordsResponseData();
    List<CompletableFuture<?>> all = new ArrayList<>();
    for (DeleteRecordsTopic t : request.data().topics()) {
      DeleteRecordsTopicResult tr = new DeleteRecordsTopicResult().setName(t.name());
      out.topics().add(tr);
      Optional<TopicState> topic = logs.topic(t.name());
      for (DeleteRecordsPartition p : t.partitions()) {
        DeleteRecordsPartitionResult pr = new DeleteRecordsPartitionResult().setPartitionIndex(p.partitionIndex()).setLowWatermark(-1);
        tr.partitions().add(pr);
        PartitionLog log = topic.map(s -> s.partition(p.partitionIndex())).orElse(null);
        if (log == null) {
          pr.setErrorCode(topic.map(s -> s.notServedError(p.partitionIndex()))
              .orElse(Errors.UNKNOWN_TOPIC_OR_PARTITION).code());
          continue;
        }
        long hw = log.highWatermark();
        long target = p.offset() == -1 ? hw : p.offset();
        if (target < 0 || target > hw) {
          pr.setErrorCode(Errors.OFFSET_OUT_OF_RANGE.code());
          continue;
        }
        all.add(log.stream().trim(target).handle((v, e) -> {
          if (e != null) {
            return pr.setErrorCode(AdminErrors.error(e).code());
          }
          return pr.setErrorCode(Errors.NONE.code()).setLowWatermark(log.logStartOffset());
        }));
      }
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
        .thenApply(v -> Response.of(new DeleteRecordsResponse(out)));
  }
}
