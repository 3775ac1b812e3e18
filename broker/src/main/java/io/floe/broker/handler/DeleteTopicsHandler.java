package io.floe.broker.handler;

import io.floe.broker.log.LogManager;
import io.floe.broker.log.TopicState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DeleteTopicsRequest;
import org.apache.kafka.common.requests.DeleteTopicsResponse;

/** Deletes topics by name (v0-5) or by name or id (v6+), with their data and committed offsets. */
public final class DeleteTopicsHandler implements ApiHandler<DeleteTopicsRequest> {

  private final LogManager logs;

  public DeleteTopicsHandler(LogManager logs) {
    this.logs = logs;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.DELETE_TOPICS;
  }

  @Override
  public CompletableFuture<Response> handle(RequestContext context, DeleteTopicsRequest request) {
    List<CompletableFuture<DeletableTopicResult>> results = new ArrayList<>();
    if (context.apiVersion() < 6) {
      for (String name : request.data().topicNames()) {
        results.add(delete(new DeletableTopicResult().setName(name), logs.topic(name), Errors.UNKNOWN_TOPIC_OR_PARTITION));
      }
    } else {
      for (DeleteTopicState t : request.data().topics()) {
        if (t.name() != null) {
          results.add(delete(new DeletableTopicResult().setName(t.name()), logs.topic(t.name()),
              Errors.UNKNOWN_TOPIC_OR_PARTITION));
        } else {
          results.add(delete(new DeletableTopicResult().setTopicId(t.topicId()), logs.topic(t.topicId()),
              Errors.UNKNOWN_TOPIC_ID));
        }
      }
    }
    return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(v -> {
      DeleteTopicsResponseData out = new DeleteTopicsResponseData();
      for (CompletableFuture<DeletableTopicResult> r : results) {
        out.responses().add(r.join());
      }
      return Response.of(new DeleteTopicsResponse(out));
    });
  }

  private CompletableFuture<DeletableTopicResult> delete(DeletableTopicResult r, Optional<TopicState> topic, Errors missing) {
    if (topic.isEmpty()) {
      return CompletableFuture.completedFuture(r.setErrorCode(missing.code()).setErrorMessage("The topic does not exist"));
    }
    TopicState t = topic.get();
    r.setName(t.name()).setTopicId(t.topicId());
    return logs.deleteTopic(t.name()).handle((v, error) -> error == null
        ? r.setErrorCode(Errors.NONE.code())
        : r.setErrorCode(AdminErrors.error(error).code()).setErrorMessage(AdminErrors.message(error)));
  }

}
