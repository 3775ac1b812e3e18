package io.floe.broker.network;

import io.floe.broker.handler.ApiHandler;
import io.floe.broker.handler.HandlerRegistry;
import io.floe.broker.handler.RequestContext;
import io.floe.broker.handler.Response;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes one framed request, dispatches it to its {@link ApiHandler}, and writes responses strictly in
 * request order per connection while later requests are already being served (pipelining). Requests the
 * broker cannot even parse (garbage, unknown API key, unsupported version) close the connection with a log
 * line that says why, as Apache Kafka does; an unsupported ApiVersions version gets Kafka's
 * UNSUPPORTED_VERSION answer so the client can retry with a version it shares.
 *
 * <p>Backpressure: reading from the socket pauses while {@code maxInFlight} requests await their response
 * or while the socket is not writable, and resumes when both clear.
 */
public final class KafkaRequestHandler extends ChannelInboundHandlerAdapter {

  public static final String NAME = "requestHandler";
  private static final Logger LOG = LoggerFactory.getLogger(KafkaRequestHandler.class);

  private final HandlerRegistry registry;
  private final io.floe.broker.metrics.RequestMetrics metrics;
  private final int maxInFlight;
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private boolean closed;
  private String peer = "?";
  private String peerHost = "?";

  public KafkaRequestHandler(HandlerRegistry registry, io.floe.broker.metrics.RequestMetrics metrics, int maxInFlight) {
    this.registry = registry;
    this.metrics = metrics;
    this.maxInFlight = maxInFlight;
  }

  private static final class Pending {
    final RequestHeader header;
    final AbstractRequest request;
    final short responseVersion;
    final long receivedNanos;
    Response response;

    Pending(RequestHeader header, AbstractRequest request, short responseVersion, long receivedNanos) {
      this.header = header;
      this.receivedNanos = receivedNanos;
      this.request = request;
      this.responseVersion = responseVersion;
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    if (ctx.channel().remoteAddress() instanceof InetSocketAddress a) {
      peerHost = a.getAddress().getHostAddress();
      peer = peerHost + ":" + a.getPort();
    }
    super.channelActive(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf frame = (ByteBuf) msg;
    try {
      if (!closed) {
        dispatch(ctx, frame);
      }
    } finally {
      // Handlers copy what they keep (produce copies batches into the WAL) before returning.
      frame.release();
    }
  }

  private void dispatch(ChannelHandlerContext ctx, ByteBuf frame) {
    long receivedNanos = System.nanoTime();
    ByteBuffer buffer = frame.nioBuffer();
    int size = buffer.remaining();
    RequestHeader header;
    try {
      header = parseHeader(buffer);
    } catch (RuntimeException e) {
      short guess = size >= 2 ? buffer.getShort(0) : -1;
      closeWithReason(ctx, "cannot parse the request header (" + size + " bytes, api key " + guess + "): " + e.getMessage());
      return;
    }
    ApiKeys key = header.apiKey();
    short version = header.apiVersion();
    if (!registry.supports(key, version)) {
      if (key == ApiKeys.API_VERSIONS) {
        // Kafka answers in v0, which every client can read, listing the versions it does support.
        enqueue(ctx, header, null, (short) 0, receivedNanos,
            CompletableFuture.completedFuture(Response.of(unsupportedApiVersions())));
        return;
      }
      ApiHandler<?> h = registry.handler(key);
      closeWithReason(ctx, h == null
          ? "API " + key + " (key " + key.id + ") is not supported by this broker"
          : "API " + key + " version " + version + " is not supported (supported: " + h.minVersion() + ".."
              + h.maxVersion() + ")");
      return;
    }
    AbstractRequest request;
    try {
      request = AbstractRequest.parseRequest(key, version, new ByteBufferAccessor(buffer)).request;
    } catch (RuntimeException e) {
      closeWithReason(ctx, "cannot parse " + key + " v" + version + " request (correlation id "
          + header.correlationId() + ", client " + header.clientId() + "): " + e);
      return;
    }
    metrics.request(key);
    RequestContext context = new RequestContext(header, peerHost, ctx.channel().id().asShortText(), ctx.alloc());
    CompletableFuture<Response> future;
    try {
      future = call(registry.handler(key), context, request);
    } catch (Throwable t) {
      future = CompletableFuture.failedFuture(t);
    }
    enqueue(ctx, header, request, version, receivedNanos, future);
  }

  /**
   * Kafka's header parser rejects versions it does not know, but an ApiVersions request from a newer client
   * must still be answered: such a request is read with the newest (flexible, v2) header layout.
   */
  private static RequestHeader parseHeader(ByteBuffer buffer) {
    if (buffer.remaining() >= 4 && buffer.getShort(buffer.position()) == ApiKeys.API_VERSIONS.id
        && buffer.getShort(buffer.position() + 2) > ApiKeys.API_VERSIONS.latestVersion()) {
      short headerVersion = 2;
      return new RequestHeader(
          new org.apache.kafka.common.message.RequestHeaderData(new ByteBufferAccessor(buffer), headerVersion), headerVersion);
    }
    return RequestHeader.parse(buffer);
  }

  @SuppressWarnings("unchecked")
  private static <R extends AbstractRequest> CompletableFuture<Response> call(
      ApiHandler<R> handler, RequestContext context, AbstractRequest request) {
    return handler.handle(context, (R) request);
  }

  private void enqueue(
      ChannelHandlerContext ctx, RequestHeader header, AbstractRequest request, short responseVersion,
      long receivedNanos, CompletableFuture<Response> future) {
    Pending p = new Pending(header, request, responseVersion, receivedNanos);
    pending.add(p);
    if (pending.size() >= maxInFlight) {
      ctx.channel().config().setAutoRead(false);
    }
    future.whenComplete((r, t) -> {
      if (ctx.executor().inEventLoop()) {
        complete(ctx, p, r, t);
      } else {
        ctx.executor().execute(() -> complete(ctx, p, r, t));
      }
    });
  }

  private void complete(ChannelHandlerContext ctx, Pending p, Response r, Throwable t) {
    if (t != null) {
      metrics.error(p.header.apiKey());
      Throwable cause = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
      LOG.error("Error serving {} v{} from {} (client {}): answering with {}", p.header.apiKey(), p.header.apiVersion(),
          peer, p.header.clientId(), Errors.forException(cause), cause);
      r = p.request == null ? Response.NONE : Response.of(p.request.getErrorResponse(0, cause));
    }
    p.response = r;
    if (closed) {
      drainClosed();
      return;
    }
    boolean wrote = false;
    while (!pending.isEmpty() && pending.peek().response != null) {
      Pending head = pending.poll();
      wrote |= write(ctx, head);
    }
    if (wrote) {
      ctx.flush();
    }
    maybeResumeReading(ctx);
  }

  private boolean write(ChannelHandlerContext ctx, Pending p) {
    Response r = p.response;
    if (r.body() == null) {
      r.onSent().run();
      return false;
    }
    metrics.latency(p.header.apiKey(), System.nanoTime() - p.receivedNanos);
    ByteBuf out;
    try {
      Send send = r.body().toSend(p.header.toResponseHeader(), p.responseVersion);
      ByteBufTransferableChannel channel = new ByteBufTransferableChannel(ctx.alloc());
      send.writeTo(channel);
      out = channel.result();
    } catch (IOException | RuntimeException e) {
      r.onSent().run();
      closeWithReason(ctx, "cannot serialize the " + p.header.apiKey() + " response: " + e);
      return false;
    }
    ctx.write(out).addListener(f -> r.onSent().run());
    return true;
  }

  private void maybeResumeReading(ChannelHandlerContext ctx) {
    if (!ctx.channel().config().isAutoRead() && pending.size() < maxInFlight && ctx.channel().isWritable()) {
      ctx.channel().config().setAutoRead(true);
      ctx.read();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    if (!ctx.channel().isWritable()) {
      ctx.channel().config().setAutoRead(false);
    } else {
      maybeResumeReading(ctx);
    }
    super.channelWritabilityChanged(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    closed = true;
    drainClosed();
    super.channelInactive(ctx);
  }

  /** After the connection is gone, completed responses are dropped and their buffers released. */
  private void drainClosed() {
    while (!pending.isEmpty() && pending.peek().response != null) {
      pending.poll().response.onSent().run();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof TooLongFrameException) {
      closeWithReason(ctx, "request size exceeds socket.request.max.bytes (" + cause.getMessage() + ")");
    } else if (cause instanceof DecoderException) {
      closeWithReason(ctx, "cannot decode request frame: " + cause.getMessage());
    } else if (cause instanceof IOException) {
      LOG.debug("Connection from {} failed: {}", peer, cause.toString());
      ctx.close();
    } else {
      LOG.warn("Closing connection from {} after an unexpected error", peer, cause);
      ctx.close();
    }
  }

  private void closeWithReason(ChannelHandlerContext ctx, String reason) {
    LOG.warn("Closing connection from {}: {}", peer, reason);
    metrics.rejectedConnection();
    closed = true;
    ctx.close();
  }

  private AbstractResponse unsupportedApiVersions() {
    return new ApiVersionsResponse(new ApiVersionsResponseData()
        .setErrorCode(Errors.UNSUPPORTED_VERSION.code())
        .setApiKeys(registry.apiVersions()));
  }
}
