package io.floe.broker.handler;

import io.floe.broker.log.LogManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.CreatePartitionsRequest;
import org.apache.kafka.common.requests.CreatePartitionsResponse;

/** Grows topics; partitions can only be added, as in Kafka. */
public final class CreatePartitionsHandler implements ApiHandler<CreatePartitionsRequest> {

  private final LogManager logs;

  public CreatePartitionsHandler(LogManager logs) {
    this.logs = logs;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.CREATE_PARTITIONS;
  }

  @Override
  public CompletableFuture<Response> handle(RequestContext context, CreatePartitionsRequest request) {
    List<CompletableFuture<CreatePartitionsTopicResult>> results = new ArrayList<>();
    for (CreatePartitionsTopic t : request.data().topics()) {
      CreatePartitionsTopicResult r = new CreatePartitionsTopicResult().setName(t.name());
      results.add(logs.createPartitions(t.name(), t.count(), request.data().validateOnly()).handle((s, error) -> error == null
          ? r.setErrorCode(Errors.NONE.code())
          : r.setErrorCode(AdminErrors.error(error).code()).setErrorMessage(AdminErrors.message(error))));
    }
    return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(v -> {
      CreatePartitionsResponseData out = new CreatePartitionsResponseData();
      for (CompletableFuture<CreatePartitionsTopicResult> r : results) {
        out.results().add(r.join());
      }
      return Response.of(new CreatePartitionsResponse(out));
    });
  }
}
