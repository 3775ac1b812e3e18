package io.floe.broker.handler;

import io.netty.buffer.ByteBufAllocator;
import org.apache.kafka.common.requests.RequestHeader;

/** What a handler knows about the request besides its body: header, version, who sent it. */
public record RequestContext(RequestHeader header, String clientHost, String connectionId, ByteBufAllocator alloc) {

  public short apiVersion() {
    return header.apiVersion();
  }

  public String clientId() {
    return header.clientId();
  }
}
