package io.floe.broker.handler;

import io.floe.broker.cluster.Cluster;
import io.floe.broker.cluster.ClusterView;
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

/**
 * The group coordinator of the cluster: the live broker owning {@link ClusterView#GROUPS}; while it is being
 * moved, COORDINATOR_NOT_AVAILABLE (clients retry). Transactions are not supported yet.
 */
public final class FindCoordinatorHandler implements ApiHandler<FindCoordinatorRequest> {

  private final BrokerInfo broker;
  private final Cluster cluster;

  public FindCoordinatorHandler(BrokerInfo broker, Cluster cluster) {
    this.broker = broker;
    this.cluster = cluster;
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
    ClusterView view = cluster.view();
    if (view.ownsLocally(ClusterView.GROUPS)) {
      return c.setErrorCode(Errors.NONE.code()).setNodeId(broker.nodeId()).setHost(broker.host()).setPort(broker.port());
    }
    return view.liveOwner(ClusterView.GROUPS)
        .map(b -> c.setErrorCode(Errors.NONE.code()).setNodeId(b.nodeId()).setHost(b.host()).setPort(b.port()))
        .orElseGet(() -> c.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code()).setNodeId(-1).setHost("").setPort(-1)
            .setErrorMessage("The group coordinator is moving to another broker"));
  }
}
