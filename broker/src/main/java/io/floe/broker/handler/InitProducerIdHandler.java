package io.floe.broker.handler;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Producer ids for idempotent producers. Ids are unique across restarts without a stored counter: they
 * start from the wall clock in milliseconds shifted left by 20 bits (a million ids per millisecond of
 * uptime before the next start could collide). A producer that passes its id and epoch (KIP-360) gets the
 * same id with the next epoch.
 */
public final class InitProducerIdHandler implements ApiHandler<InitProducerIdRequest> {

  private static final Logger LOG = LoggerFactory.getLogger(InitProducerIdHandler.class);

  private final AtomicLong nextId;

  public InitProducerIdHandler(Time time) {
    this.nextId = new AtomicLong(time.milliseconds() << 20);
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.INIT_PRODUCER_ID;
  }

  @Override
  public CompletableFuture<Response> handle(RequestContext context, InitProducerIdRequest request) {
    InitProducerIdResponseData out = new InitProducerIdResponseData();
    if (request.data().transactionalId() != null) {
      LOG.warn("Client {} asked for transactional id {}: transactions are not supported yet",
          context.clientId(), request.data().transactionalId());
      out.setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code()).setProducerId(-1).setProducerEpoch((short) -1);
    } else if (request.data().producerId() >= 0 && request.data().producerEpoch() >= 0
        && request.data().producerEpoch() < Short.MAX_VALUE - 1) {
      out.setProducerId(request.data().producerId()).setProducerEpoch((short) (request.data().producerEpoch() + 1));
    } else {
      out.setProducerId(nextId.getAndIncrement()).setProducerEpoch((short) 0);
    }
    return CompletableFuture.completedFuture(Response.of(new InitProducerIdResponse(out)));
  }

}
