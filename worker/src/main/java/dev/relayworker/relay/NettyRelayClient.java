package dev.relayworker.relay;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.URI;
import java.util.EnumMap;
import java.util.Map;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay over HTTP/1.1 on Netty ({@code relay.http.client=netty}, the default): one event
 * loop, a pool of keep-alive connections capped at {@code relay.max.concurrent.calls}
 * ({@link RelayConnections}), one deadline per call covering the wait for a connection, the
 * headers and the body, answers read within {@code relay.max.response.bytes} and the
 * {@link AnswerMemory} all calls share. Over {@code https} the relay's certificate is verified
 * against the JVM's trust store and its host name, which is also sent as SNI. A call written to
 * a pooled connection the relay had already closed is sent once more on another connection.
 *
 * <p>Threads: {@link #send} may be called from any thread and returns at once. Everything else,
 * reading, parsing the answer and completing its future, happens on the one {@code relay-io}
 * daemon thread: no executor hop and no thread per answer. Continuations of the returned future
 * run there too and must not block. {@link #close()} closes every connection and stops the loop;
 * calls still open then fail.
 *
 * <p>Answers are taken in step with requests: interim 1xx answers are skipped, and a connection
 * on which anything arrives out of turn is closed, never reused ({@link ExchangeHandler}); a relay
 * caught at it gets a connection per call for a while ({@link RelayConnections#outOfStep}). The
 * request asks for no compression ({@code Accept-Encoding: identity}).
 *
 * <p>Through a proxy ({@link RelayEndpoint#proxy()}), each connection first opens a {@code CONNECT}
 * tunnel ({@link ProxyTunnel}). Host names are looked up off the loop ({@link OffLoopResolver}).
 *
 * <p>Failure messages name the exception and, for I/O errors, its text (host and port at most);
 * never a request header, so never the key.
 */
public final class NettyRelayClient implements RelayClient {

  private static final AsciiString USER_AGENT = AsciiString.cached("relay-worker");
  private static final Logger log = LoggerFactory.getLogger(NettyRelayClient.class);

  private final RelayEndpoint endpoint;
  private final EventLoopGroup group;
  private final RelayConnections connections;
  private final AnswerMemory memory;
  private final AnswerReader reader;
  private final HttpHeaders requestHeaders;
  private final Map<RelayApi, String> paths = new EnumMap<>(RelayApi.class);
  private final ObjectMapper mapper;
  private final OffLoopResolver resolver;

  NettyRelayClient(RelayEndpoint endpoint, ObjectMapper mapper, Clock clock, AnswerMemory memory) {
    this(endpoint, mapper, clock, memory, null);
  }

  /** @param tls the TLS context for an {@code https} relay; null for the JVM's trust store */
  NettyRelayClient(RelayEndpoint endpoint, ObjectMapper mapper, Clock clock, AnswerMemory memory, SslContext tls) {
    this(endpoint, mapper, clock, memory, tls, new OffLoopResolver());
  }

  /** @param resolver looks host names up off the loop; closed with this client */
  NettyRelayClient(RelayEndpoint endpoint, ObjectMapper mapper, Clock clock, AnswerMemory memory, SslContext tls,
      OffLoopResolver resolver) {
    this.endpoint = endpoint;
    this.resolver = resolver;
    this.memory = memory;
    this.reader = new AnswerReader(mapper, endpoint.apiKey(), clock, endpoint.maxResponseBytes());
    this.mapper = mapper;
    URI target = endpoint.completionsUri();
    for (RelayApi api : RelayApi.values()) {
      paths.put(api, endpoint.uri(api).getRawPath());
    }
    boolean secure = "https".equals(target.getScheme());
    String host = target.getHost();
    int port = target.getPort() != -1 ? target.getPort() : secure ? 443 : 80;
    this.requestHeaders = requestHeaders(target.getPort() == -1 ? host : host + ":" + port);
    this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("relay-io", true),
        NioIoHandler.newFactory());
    SslContext context = secure ? (tls != null ? tls : defaultTls()) : null;
    // URI keeps an IPv6 literal in brackets; the socket address wants it bare.
    String address = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    RelayProxy proxy = endpoint.proxy();
    Consumer<ChannelPipeline> relayHandlers = pipeline -> addRelayHandlers(pipeline, context, address, port);
    Bootstrap bootstrap = new Bootstrap()
        .group(group)
        .channel(NioSocketChannel.class)
        .resolver(resolver)
        .remoteAddress(proxy == null ? address : proxy.host(), proxy == null ? port : proxy.port())
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) endpoint.connectTimeout().toMillis())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel channel) {
            if (proxy == null) {
              relayHandlers.accept(channel.pipeline());
            } else {
              String tunnelTarget = (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
              channel.pipeline().addLast(new ProxyTunnel(tunnelTarget, proxy.authorization(), relayHandlers));
            }
          }
        });
    this.connections = new RelayConnections(bootstrap, group.next(), endpoint.maxConnections(),
        endpoint.idleTimeout(), endpoint.displayUri());
    if (proxy != null) {
      log.info("relay {} is reached through the proxy {}", endpoint.displayUri(), proxy);
    }
  }

  @Override
  public CompletableFuture<Completion> send(RelayApi api, byte[] body, Duration timeout, StreamSink sink) {
    RelayExchange exchange = new RelayExchange(api, request(api, body), body, timeout, endpoint.maxResponseBytes(),
        memory, reader, connections, sink == null ? null : new StreamingAnswer(api, mapper, endpoint.maxResponseBytes(),
        sink));
    try {
      if (connections.loop().inEventLoop()) {
        exchange.start();
      } else {
        connections.loop().execute(exchange::start);
      }
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(RelayException.transport(FailureKind.FINAL,
          "relay call could not start: the relay client is closed"));
    }
    return exchange.result();
  }

  /** TLS to the relay (when {@code tls} is not null), HTTP/1.1, and the guard that keeps answers in step. */
  private void addRelayHandlers(ChannelPipeline pipeline, SslContext tls, String host, int port) {
    if (tls != null) {
      pipeline.addLast(tls.newHandler(pipeline.channel().alloc(), host, port));
    }
    // Decoder and encoder apart, not HttpClientCodec: the codec pairs answers with requests by a method
    // queue that a 103 Early Hints throws out of step.
    pipeline.addLast(new HttpResponseDecoder(), new HttpRequestEncoder(), new ExchangeHandler(connections));
  }

  private FullHttpRequest request(RelayApi api, byte[] body) {
    FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, paths.get(api),
        Unpooled.wrappedBuffer(body));
    request.headers().set(requestHeaders).setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    endpoint.keyHeaders(api).forEach(request.headers()::set);
    return request;
  }

  /** Connections open now, idle ones included; for tests. */
  int openConnections() {
    CompletableFuture<Integer> open = new CompletableFuture<>();
    connections.loop().execute(() -> open.complete(connections.open()));
    return open.join();
  }

  @Override
  public void close() {
    try {
      connections.loop().submit(connections::close).syncUninterruptibly();
    } catch (RejectedExecutionException alreadyStopped) {
      // Closed before: nothing left to close.
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    resolver.close();
  }

  /** Every request's headers but the key's, which may change ({@link RelayKey}). */
  private static HttpHeaders requestHeaders(String hostHeader) {
    HttpHeaders headers = new DefaultHttpHeaders();
    headers.set(HttpHeaderNames.HOST, hostHeader);
    headers.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    headers.set(HttpHeaderNames.ACCEPT, HttpHeaderValues.APPLICATION_JSON);
    // Answers are read whole and bounded; a compressed one is still decoded (AnswerEncoding) if a relay ignores this.
    headers.set(HttpHeaderNames.ACCEPT_ENCODING, HttpHeaderValues.IDENTITY);
    headers.set(HttpHeaderNames.USER_AGENT, USER_AGENT);
    return headers;
  }

  private static SslContext defaultTls() {
    try {
      return SslContextBuilder.forClient().endpointIdentificationAlgorithm("HTTPS").build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot set up TLS for the relay: " + e.getClass().getSimpleName(), e);
    }
  }
}
