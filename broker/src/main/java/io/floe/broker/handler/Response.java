package io.floe.broker.handler;

import org.apache.kafka.common.requests.AbstractResponse;

/**
 * A handler's answer. {@code onSent} runs once the response bytes have been written to the socket (or the
 * connection closed), to release buffers the body still references (fetched batches are sent without a
 * copy). A null body means no response is sent (produce with acks=0).
 */
public record Response(AbstractResponse body, Runnable onSent) {

  private static final Runnable NOTHING = () -> {};

  public static final Response NONE = new Response(null, NOTHING);

  public static Response of(AbstractResponse body) {
    return new Response(body, NOTHING);
  }

  public static Response of(AbstractResponse body, Runnable onSent) {
    return new Response(body, onSent);
  }
}
