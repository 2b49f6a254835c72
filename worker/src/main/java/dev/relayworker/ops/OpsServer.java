package dev.relayworker.ops;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The worker's operations endpoint: {@code GET /metrics} (Prometheus text format),
 * {@code GET /health/live} and {@code GET /health/ready} (JSON, 200 when up, 503 when down).
 * Nothing else: other paths are 404, other methods 405.
 *
 * <p>Built on Netty's non-blocking HTTP codec, so a client that is slow or stuck holds nothing but
 * its own connection: probes are answered however many of those there are, up to
 * {@value #MAX_CONNECTIONS} connections ({@link ConnectionLimit}: more are closed at once). A
 * connection whose request is not complete within {@link #REQUEST_TIMEOUT} of opening (or of its
 * last answer) is closed; requests are capped at {@value #MAX_REQUEST_BYTES} bytes. Each connection
 * has one request in progress ({@link OneRequestAtATime}): pipelined scrapes wait their turn, and
 * answers leave in the order asked.
 *
 * <p>Threads: one {@code admin-io} event loop; scrapes run on one {@code admin-scrape} thread so a
 * large scrape never delays a probe. The health suppliers are called on the event loop and must
 * be thread-safe and quick. {@link #start} fails with an {@link IOException} when the address
 * cannot be bound, so a misconfigured port stops the worker at start rather than leaving it
 * unobservable.
 */
public final class OpsServer implements AutoCloseable {

  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
  static final int MAX_REQUEST_BYTES = 16 * 1024;
  static final int MAX_CONNECTIONS = 128;

  private final EventLoopGroup loop;
  private final ExecutorService scraper;
  private final Channel server;

  private OpsServer(EventLoopGroup loop, ExecutorService scraper, Channel server) {
    this.loop = loop;
    this.scraper = scraper;
    this.server = server;
  }

  /**
   * Binds {@code address}:{@code port} (0 picks a free port) and starts serving.
   *
   * @param live whether the process works: its poll loop runs and is not stuck
   * @param ready whether it takes part in the consumer group and its replies get through
   */
  public static OpsServer start(String address, int port, PrometheusMeterRegistry registry,
      Supplier<HealthReport> live, Supplier<HealthReport> ready) throws IOException {
    EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, daemon("admin-io"), NioIoHandler.newFactory());
    ExecutorService scraper = Executors.newSingleThreadExecutor(daemon("admin-scrape"));
    OpsHandler handler = new OpsHandler(registry::scrape, scraper, live, ready);
    ConnectionLimit limit = new ConnectionLimit(MAX_CONNECTIONS);
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(loop)
        .channel(NioServerSocketChannel.class)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel channel) {
            channel.pipeline()
                .addLast(limit)
                .addLast(new HttpServerCodec(4096, 8192, 8192))
                .addLast(new HttpObjectAggregator(MAX_REQUEST_BYTES))
                .addLast(new OneRequestAtATime())
                .addLast(new ReadDeadline(REQUEST_TIMEOUT))
                .addLast(handler);
          }
        });
    try {
      Channel server = bootstrap.bind(new InetSocketAddress(address, port)).sync().channel();
      return new OpsServer(loop, scraper, server);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      shutdown(loop, scraper);
      throw new IOException("interrupted while binding " + address + ":" + port, e);
    } catch (RuntimeException e) {
      shutdown(loop, scraper);
      throw new IOException("cannot bind " + address + ":" + port + ": " + e.getMessage(), e);
    }
  }

  /** The bound port (the chosen one when started with 0). */
  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  @Override
  public void close() {
    server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    shutdown(loop, scraper);
  }

  private static void shutdown(EventLoopGroup loop, ExecutorService scraper) {
    scraper.shutdownNow();
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return task -> {
      Thread thread = new Thread(task, name);
      thread.setDaemon(true);
      return thread;
    };
  }
}
