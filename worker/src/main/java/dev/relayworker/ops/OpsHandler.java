package dev.relayworker.ops;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * Answers the admin endpoint's three GETs. Health answers are built on the event loop; the
 * Prometheus scrape runs on the scrape executor and is written back from there. Each connection
 * hands it one request at a time ({@link OneRequestAtATime}).
 *
 * <p>Shared by every connection; stateless.
 */
@Sharable
final class OpsHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

  static final String METRICS = "/metrics";
  static final String LIVE = "/health/live";
  static final String READY = "/health/ready";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
  private static final String PLAIN_TEXT = "text/plain; charset=utf-8";

  private final Supplier<String> scrape;
  private final Executor scraper;
  private final Supplier<HealthReport> live;
  private final Supplier<HealthReport> ready;

  OpsHandler(Supplier<String> scrape, Executor scraper, Supplier<HealthReport> live, Supplier<HealthReport> ready) {
    this.scrape = scrape;
    this.scraper = scraper;
    this.live = live;
    this.ready = ready;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    if (!request.decoderResult().isSuccess()) {
      respond(ctx, HttpResponseStatus.BAD_REQUEST, PLAIN_TEXT, "bad request\n", false);
      return;
    }
    String path = request.uri().split("\\?", 2)[0];
    if (!path.equals(METRICS) && !path.equals(LIVE) && !path.equals(READY)) {
      respond(ctx, HttpResponseStatus.NOT_FOUND, PLAIN_TEXT, "not found; try GET /metrics, /health/live or"
          + " /health/ready\n", keepAlive);
      return;
    }
    if (request.method() != HttpMethod.GET) {
      FullHttpResponse refused = response(HttpResponseStatus.METHOD_NOT_ALLOWED, PLAIN_TEXT, "only GET\n");
      refused.headers().set(HttpHeaderNames.ALLOW, "GET");
      send(ctx, refused, keepAlive);
      return;
    }
    switch (path) {
      case LIVE -> health(ctx, live.get(), keepAlive);
      case READY -> health(ctx, ready.get(), keepAlive);
      default -> metrics(ctx, keepAlive);
    }
  }

  private void metrics(ChannelHandlerContext ctx, boolean keepAlive) {
    try {
      scraper.execute(() -> respond(ctx, HttpResponseStatus.OK, PROMETHEUS_TEXT, scrape.get(), keepAlive));
    } catch (RejectedExecutionException e) {
      respond(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, PLAIN_TEXT, "shutting down\n", false);
    }
  }

  private static void health(ChannelHandlerContext ctx, HealthReport report, boolean keepAlive) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", report.up() ? "UP" : "DOWN");
    body.putAll(report.details());
    String json;
    try {
      json = JSON.writeValueAsString(body) + "\n";
    } catch (JsonProcessingException e) {
      json = "{\"status\":\"" + (report.up() ? "UP" : "DOWN") + "\"}\n";
    }
    respond(ctx, report.up() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, "application/json",
        json, keepAlive);
  }

  private static void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String contentType, String body,
      boolean keepAlive) {
    send(ctx, response(status, contentType, body), keepAlive);
  }

  private static FullHttpResponse response(HttpResponseStatus status, String contentType, String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType).setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
    return response;
  }

  private static void send(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
    HttpUtil.setKeepAlive(response, keepAlive);
    if (keepAlive) {
      ctx.writeAndFlush(response);
    } else {
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
