package dev.relayworker.simulator;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;

/**
 * An OpenAI-compatible relay on loopback, for tests, the demo and benchmarks: completions with
 * honest usage, the relays' error habits ({@link Flavor}), latency, injected faults, its own
 * request and token limits, and a key quota spent by each answer's price.
 *
 * <p>Usable in-process ({@link #start}, {@link #close}) or as {@code bin/relay-worker
 * simulate-relay}. Threads: one Netty event loop per {@code ioThreads} serves every connection;
 * answers wait in the loop's timer, not on a thread. Methods are thread-safe.
 */
public final class RelaySimulator implements AutoCloseable {

  private final EventLoopGroup loops;
  private final Channel serverChannel;
  private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final SimulatorStats stats = new SimulatorStats();
  private final FaultPlan faults;
  private volatile SimulatorSettings settings;
  private volatile SimulatorRateLimit rateLimit;
  private volatile SimulatorTokenLimit tokenLimit;
  private final QuotaAccount quota;
  private final boolean secure;

  private RelaySimulator(SimulatorSettings settings, String host, int port, int ioThreads, SslContext tls)
      throws InterruptedException {
    this.secure = tls != null;
    this.faults = new FaultPlan(settings.seed());
    this.quota = new QuotaAccount(settings.quota());
    reconfigure(settings);
    this.loops = new MultiThreadIoEventLoopGroup(ioThreads, NioIoHandler.newFactory());
    SimulatorHandler handler = new SimulatorHandler(this, new ObjectMapper());
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(loops)
        .channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 4096)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel channel) {
            connections.add(channel);
            if (tls != null) {
              channel.pipeline().addLast(tls.newHandler(channel.alloc()));
            }
            channel.pipeline()
                .addLast(new HttpServerCodec())
                .addLast(new HttpObjectAggregator(4 * 1024 * 1024))
                .addLast(handler);
          }
        });
    try {
      this.serverChannel = bootstrap.bind(host, port).sync().channel();
    } catch (RuntimeException | InterruptedException e) {
      loops.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.MILLISECONDS);
      throw e;
    }
  }

  /**
   * Starts a simulator on loopback.
   *
   * @param port the port, or 0 for any free one (see {@link #port()})
   */
  public static RelaySimulator start(SimulatorSettings settings, int port) {
    return start(settings, "127.0.0.1", port, 1);
  }

  public static RelaySimulator start(SimulatorSettings settings, String host, int port, int ioThreads) {
    try {
      return new RelaySimulator(settings, host, port, ioThreads, null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the relay simulator", e);
    }
  }

  /**
   * Starts a simulator on loopback that speaks HTTPS only, with the certificate {@code tls} holds;
   * {@link #baseUri()} names it {@code https://localhost:PORT}.
   */
  public static RelaySimulator startTls(SimulatorSettings settings, SslContext tls) {
    try {
      return new RelaySimulator(settings, "127.0.0.1", 0, 1, tls);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the relay simulator", e);
    }
  }

  /** Client connections open now. */
  public int openConnections() {
    return connections.size();
  }

  /** Closes every client connection, as a relay that drops idle keep-alive connections does. */
  public void dropConnections() {
    connections.close().awaitUninterruptibly();
  }

  public int port() {
    return ((InetSocketAddress) serverChannel.localAddress()).getPort();
  }

  /** The base URL to give a relay client, e.g. {@code http://127.0.0.1:8089}. */
  public URI baseUri() {
    InetSocketAddress address = (InetSocketAddress) serverChannel.localAddress();
    return URI.create(secure ? "https://localhost:" + address.getPort()
        : "http://" + address.getHostString() + ":" + address.getPort());
  }

  public SimulatorSettings settings() {
    return settings;
  }

  /**
   * Swaps the behaviour of a running simulator; a new rate limit starts with a full burst, a new
   * token limit with a full bucket, and a changed quota replaces what is left.
   */
  public void reconfigure(SimulatorSettings next) {
    this.rateLimit = next.requestsPerMinute() == 0 ? null
        : new SimulatorRateLimit(next.requestsPerMinute(), next.burst(), System.nanoTime());
    this.tokenLimit = next.tokensPerMinute() == 0 ? null : new SimulatorTokenLimit(next.tokensPerMinute(), System.nanoTime());
    if (settings != null && settings.quota() != next.quota()) {
      quota.set(next.quota());
    }
    this.settings = next;
  }

  /** The key's quota: what is left, and a refill ({@code POST /admin/quota} does the same over HTTP). */
  public QuotaAccount quota() {
    return quota;
  }

  /** Makes the next completion requests fail with these faults, one each, before any random draw. */
  public void scriptNext(Fault... next) {
    faults.scriptNext(next);
  }

  /** Answers every request whose prompt is exactly {@code prompt} with {@code fault}, from now on. */
  public void scriptForPrompt(String prompt, Fault fault) {
    faults.scriptForPrompt(prompt, fault);
  }

  /**
   * The vector the simulator answers for an embeddings input ({@code text}, or token ids as their
   * JSON text such as {@code [1,2]}) at {@code dimensions}: the same in any call, any batch.
   */
  public static float[] embeddingOf(String input, int dimensions) {
    return EmbeddingGenerator.vector(input, dimensions);
  }

  public SimulatorStats stats() {
    return stats;
  }

  FaultPlan faults() {
    return faults;
  }

  Duration admit(long nowNanos) {
    SimulatorRateLimit limit = rateLimit;
    return limit == null ? Duration.ZERO : limit.tryAcquire(nowNanos);
  }

  /** The token limit in force, or null. */
  SimulatorTokenLimit tokenLimit() {
    return tokenLimit;
  }

  /** Stops listening, drops every connection (hung ones too) and stops the event loop. */
  @Override
  public void close() {
    serverChannel.close().syncUninterruptibly();
    connections.close().awaitUninterruptibly();
    loops.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
  }
}
