package dev.relayworker.simulator;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Writes the events of a streamed answer ({@link StreamEvents}) as a chunked {@code text/event-stream}
 * body, one event a chunk, {@code between} apart. Runs on the connection's event loop: each next
 * event is a task scheduled there, so a slow stream holds no thread.
 */
final class StreamSender {

  private StreamSender() {}

  /**
   * Sends the head and the events; {@code cut}: half of them, then the connection closed with no
   * end.
   *
   * @param done run once, when the last event went or the client left
   */
  static void send(ChannelHandlerContext ctx, List<byte[]> events, boolean keepAlive, Duration between, boolean cut,
      Runnable done) {
    DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream").set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
    HttpUtil.setTransferEncodingChunked(head, true);
    if (keepAlive && !cut) {
      head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
    ctx.writeAndFlush(head);
    next(ctx, events, 0, cut ? events.size() / 2 : events.size(), between, cut, keepAlive, done);
  }

  /** Writes event {@code next} and schedules the one after it; ends the stream (or cuts it) after {@code end}. */
  private static void next(ChannelHandlerContext ctx, List<byte[]> events, int next, int end, Duration between,
      boolean cut, boolean keepAlive, Runnable done) {
    if (!ctx.channel().isActive()) {
      done.run();
      return;
    }
    if (next == end) {
      done.run();
      if (cut) {
        ctx.close(); // No last chunk: the stream just stops.
      } else if (keepAlive) {
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
      } else {
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
      }
      return;
    }
    ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(events.get(next))));
    Runnable following = () -> next(ctx, events, next + 1, end, between, cut, keepAlive, done);
    if (between.isZero()) {
      ctx.executor().execute(following);
    } else {
      ctx.executor().schedule(following, between.toNanos(), TimeUnit.NANOSECONDS);
    }
  }
}
