package io.floe.broker.handler;

import io.floe.broker.server.BrokerInfo;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBroker;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeClusterRequest;
import org.apache.kafka.common.requests.DescribeClusterResponse;

/** The cluster as clients see it: this broker, which is also the controller. */
public final class DescribeClusterHandler implements ApiHandler<DescribeClusterRequest> {

  private final BrokerInfo broker;

  public DescribeClusterHandler(BrokerInfo broker) {
    this.broker = broker;
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
        .setControllerId(broker.nodeId())
        .setEndpointType(request.data().endpointType());
    out.brokers().add(new DescribeClusterBroker().setBrokerId(broker.nodeId()).setHost(broker.host()).setPort(broker.port()));
    return CompletableFuture.completedFuture(Response.of(new DescribeClusterResponse(out)));
  }
}
