package dev.relayworker.relay;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;

/**
 * The last handler of a relay connection: passes what the HTTP codec decodes to the connection's
 * current {@link RelayExchange}, and tells it when the connection breaks or closes. Whatever
 * arrives while no exchange is current (the rest of an answer already given up, or anything on an
 * idle connection) is dropped, and the connection closed.
 *
 * <p>One per connection, on the client's event loop.
 */
final class ExchangeHandler extends ChannelInboundHandlerAdapter {

  private RelayExchange current;

  void begin(RelayExchange exchange) {
    current = exchange;
  }

  void end(RelayExchange exchange) {
    if (current == exchange) {
      current = null;
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object message) {
    try {
      if (current == null) {
        // The rest of an answer given up (the connection is closing anyway), or bytes nobody asked
        // for on an idle connection: either way it cannot carry another call.
        ctx.close();
        return;
      }
      if (message instanceof DecoderResultProvider decoded && decoded.decoderResult().isFailure()) {
        current.broken(malformed(decoded.decoderResult()));
        return;
      }
      if (message instanceof HttpResponse response) {
        current.head(response);
      }
      if (current != null && message instanceof HttpContent content) {
        current.content(content.content());
      }
      if (current != null && message instanceof LastHttpContent) {
        current.lastContent();
      }
    } finally {
      ReferenceCountUtil.release(message);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (current != null) {
      current.broken(RelayExchange.closedEarly());
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (current != null) {
      // The TLS handler's failures come wrapped; the cause says what happened (an SSLException is an IOException).
      current.broken(cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause);
    }
    ctx.close();
  }

  private static IOException malformed(DecoderResult result) {
    // The codec's messages quote the offending bytes; the class says enough.
    return new IOException("the relay's answer is not valid HTTP/1.1 ("
        + result.cause().getClass().getSimpleName() + ")");
  }
}
