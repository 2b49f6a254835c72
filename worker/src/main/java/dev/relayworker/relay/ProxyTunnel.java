package dev.relayworker.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Opens a {@code CONNECT} tunnel through an HTTP proxy to the relay, first thing on a new
 * connection, then steps aside: once the proxy answers 200 it removes itself and lets
 * {@code afterTunnel} put the connection's own handlers (TLS to the relay, HTTP) in place. Any
 * other answer, a head over {@value #MAX_HEAD_BYTES} bytes, or bytes after the head fail
 * {@link #established()}, which names the proxy's status line only (its headers could carry
 * anything).
 *
 * <p>One per connection, on the client's event loop.
 */
final class ProxyTunnel extends ChannelInboundHandlerAdapter {

  static final int MAX_HEAD_BYTES = 16 * 1024;

  private final String target;
  private final String authorization;
  private final Consumer<ChannelPipeline> afterTunnel;
  private Promise<Void> established;
  private ByteBuf head;

  /**
   * @param target the relay's {@code host:port}
   * @param authorization the {@code Proxy-Authorization} value, or null
   */
  ProxyTunnel(String target, String authorization, Consumer<ChannelPipeline> afterTunnel) {
    this.target = target;
    this.authorization = authorization;
    this.afterTunnel = afterTunnel;
  }

  /** Completes when the tunnel is up and the connection's handlers are in place. */
  Future<Void> established() {
    return established;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    established = ctx.executor().newPromise();
    head = ctx.alloc().buffer(256);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    head.release();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    String request = "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n"
        + (authorization == null ? "" : "Proxy-Authorization: " + authorization + "\r\n") + "\r\n";
    ctx.writeAndFlush(Unpooled.wrappedBuffer(request.getBytes(StandardCharsets.ISO_8859_1)));
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object message) {
    ByteBuf bytes = (ByteBuf) message;
    try {
      head.writeBytes(bytes);
    } finally {
      bytes.release();
    }
    int end = endOfHead();
    if (end < 0) {
      if (head.readableBytes() > MAX_HEAD_BYTES) {
        fail(ctx, "the proxy's answer to CONNECT has a head over " + MAX_HEAD_BYTES + " bytes");
      }
      return;
    }
    String statusLine = head.toString(0, Math.max(0, head.indexOf(0, end, (byte) '\r')), StandardCharsets.ISO_8859_1);
    if (head.readableBytes() > end) {
      fail(ctx, "the proxy sent bytes after its answer to CONNECT");
    } else if (!statusLine.matches("HTTP/1\\.[01] 200( .*)?")) {
      fail(ctx, "the proxy refused the tunnel to " + target + ": " + AnswerReader.truncate(statusLine));
    } else {
      ChannelPipeline pipeline = ctx.pipeline();
      pipeline.remove(this);
      afterTunnel.accept(pipeline);
      established.trySuccess(null);
    }
  }

  /** The index just past the blank line ending the head, or -1 while it has not arrived. */
  private int endOfHead() {
    for (int i = head.readerIndex(); i + 3 < head.writerIndex(); i++) {
      if (head.getByte(i) == '\r' && head.getByte(i + 1) == '\n' && head.getByte(i + 2) == '\r'
          && head.getByte(i + 3) == '\n') {
        return i + 4;
      }
    }
    return -1;
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    established.tryFailure(new IOException("the proxy closed the connection before the tunnel to " + target
        + " was open"));
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    established.tryFailure(cause);
    ctx.close();
  }

  private void fail(ChannelHandlerContext ctx, String why) {
    established.tryFailure(new IOException(why));
    ctx.close();
  }
}
