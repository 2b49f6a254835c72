package dev.relayworker.ops;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * One request in progress per admin connection: while a request is being answered (a scrape may
 * take a while on its own thread), the connection stops reading, and requests already decoded
 * from the same read (pipelined) wait here, at most the HTTP decoder's pipelining depth of them.
 * Each answer written lets the next one through, so answers leave in the order asked and a client
 * pipelining scrapes makes the worker hold one scrape at a time, not a queue of them.
 *
 * <p>One per connection, on its event loop.
 */
final class OneRequestAtATime extends ChannelDuplexHandler {

  private final ArrayDeque<Object> waiting = new ArrayDeque<>();
  private boolean answering;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object message) {
    if (!(message instanceof FullHttpRequest)) {
      ctx.fireChannelRead(message);
      return;
    }
    ctx.channel().config().setAutoRead(false);
    if (answering) {
      waiting.add(message);
      return;
    }
    answering = true;
    ctx.fireChannelRead(message);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object message, ChannelPromise promise) {
    if (message instanceof HttpResponse) {
      ChannelPromise written = promise.unvoid();
      written.addListener(done -> next(ctx));
      ctx.write(message, written);
      return;
    }
    ctx.write(message, promise);
  }

  /** The last answer is out: the next waiting request goes in, or the connection reads again. */
  private void next(ChannelHandlerContext ctx) {
    answering = false;
    Object message = waiting.poll();
    if (message != null) {
      answering = true;
      ctx.fireChannelRead(message);
    } else if (ctx.channel().isActive()) {
      ctx.channel().config().setAutoRead(true);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    waiting.forEach(ReferenceCountUtil::release);
    waiting.clear();
    super.channelInactive(ctx);
  }
}
