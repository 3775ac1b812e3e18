package io.floe.broker.handler;

import io.floe.broker.server.BrokerInfo;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.FindCoordinatorResponseData.Coordinator;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorRequest.CoordinatorType;
import org.apache.kafka.common.requests.FindCoordinatorResponse;

/** This broker coordinates every consumer group. Transactions are not supported yet. */
public final class FindCoordinatorHandler implements ApiHandler<FindCoordinatorRequest> {

  private final BrokerInfo broker;

  public FindCoordinatorHandler(BrokerInfo broker) {
    this.broker = broker;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.FIND_COORDINATOR;
  }

  @Override
  public CompletableFuture<Response> handle(RequestContext context, FindCoordinatorRequest request) {
    byte keyType = request.data().keyType();
    FindCoordinatorResponseData out = new FindCoordinatorResponseData();
    if (context.apiVersion() < 4) {
      Coordinator c = coordinator(request.data().key(), keyType);
      out.setErrorCode(c.errorCode()).setErrorMessage(c.errorMessage())
          .setNodeId(c.nodeId()).setHost(c.host()).setPort(c.port());
    } else {
      List<String> keys = request.data().coordinatorKeys();
      for (String key : keys) {
        out.coordinators().add(coordinator(key, keyType));
      }
    }
    return CompletableFuture.completedFuture(Response.of(new FindCoordinatorResponse(out)));
  }

  private Coordinator coordinator(String key, byte keyType) {
    Coordinator c = new Coordinator().setKey(key);
    if (keyType != CoordinatorType.GROUP.id()) {
      return c.setErrorCode(Errors.INVALID_REQUEST.code()).setNodeId(-1).setHost("").setPort(-1)
          .setErrorMessage("Only consumer group coordinators are supported; transactions are not supported yet");
    }
    return c.setErrorCode(Errors.NONE.code()).setNodeId(broker.nodeId()).setHost(broker.host()).setPort(broker.port());
  }
}
