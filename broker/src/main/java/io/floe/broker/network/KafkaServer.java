package io.floe.broker.network;

import io.floe.broker.handler.HandlerRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka listener: a Netty server whose pipeline is framing ({@link KafkaFrameDecoder}), then decoding
 * and dispatch in request order ({@link KafkaRequestHandler}).
 */
public final class KafkaServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaServer.class);
  /** Requests one connection may have awaiting a response before reading from it pauses. */
  public static final int MAX_IN_FLIGHT_PER_CONNECTION = 64;

  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final Channel serverChannel;

  public KafkaServer(String host, int port, int networkThreads, int maxRequestBytes, HandlerRegistry registry,
      io.floe.broker.metrics.RequestMetrics metrics) throws InterruptedException {
    boss = new NioEventLoopGroup(1, new DefaultThreadFactory("floe-accept", true));
    workers = new NioEventLoopGroup(networkThreads, new DefaultThreadFactory("floe-network", true));
    ServerBootstrap b = new ServerBootstrap()
        .group(boss, workers)
        .channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.SO_KEEPALIVE, true)
        .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 8 << 20))
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline()
                .addLast(KafkaFrameDecoder.NAME, new KafkaFrameDecoder(maxRequestBytes))
                .addLast(KafkaRequestHandler.NAME, new KafkaRequestHandler(registry, metrics, MAX_IN_FLIGHT_PER_CONNECTION));
          }
        });
    try {
      serverChannel = b.bind(host, port).sync().channel();
    } catch (Exception e) {
      boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw e;
    }
    LOG.info("Kafka listener on {}", serverChannel.localAddress());
  }

  public int port() {
    return ((InetSocketAddress) serverChannel.localAddress()).getPort();
  }

  /** Stops accepting connections; existing ones keep being served until {@link #close()}. */
  public void stopAccepting() {
    serverChannel.close().syncUninterruptibly();
  }

  @Override
  public void close() {
    serverChannel.close().syncUninterruptibly();
    boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    workers.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
