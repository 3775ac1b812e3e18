package io.floe.broker.handler;

import io.floe.broker.cluster.Cluster;
import io.floe.broker.cluster.ClusterView;
import io.floe.storage.metadata.ClusterStore.BrokerRegistration;
import io.floe.broker.server.BrokerInfo;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBroker;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeClusterRequest;
import org.apache.kafka.common.requests.DescribeClusterResponse;

/** The cluster as clients see it: the live brokers and the controller (see {@link ClusterView}). */
public final class DescribeClusterHandler implements ApiHandler<DescribeClusterRequest> {

  private final BrokerInfo broker;
  private final Cluster cluster;

  public DescribeClusterHandler(BrokerInfo broker, Cluster cluster) {
    this.broker = broker;
    this.cluster = cluster;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.DESCRIBE_CLUSTER;
  }

  @Override
  public CompletableFuture<Response> handle(RequestContext context, DescribeClusterRequest request) {
    DescribeClusterResponseData out = new DescribeClusterResponseData()
        .setErrorCode(Errors.NONE.code())
        .setClusterId(broker.clusterId())
        .setEndpointType(request.data().endpointType());
    ClusterView view = cluster.view();
    out.setControllerId(view.controllerId());
    for (BrokerRegistration b : view.listedBrokers(broker.host(), broker.port())) {
      out.brokers().add(new DescribeClusterBroker().setBrokerId(b.nodeId()).setHost(b.host()).setPort(b.port())
          .setRack(b.rack()));
    }
    return CompletableFuture.completedFuture(Response.of(new DescribeClusterResponse(out)));
  }
}
