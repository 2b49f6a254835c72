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
 * The last handler of a relay connection, and the guard of its order: passes what the HTTP decoder
 * reads to the connection's current {@link RelayExchange}, and makes sure an answer is never given
 * to a call it was not sent for.
 *
 * <p>HTTP/1.1 pairs answers with requests by order alone, so a connection carries another call
 * only once it is known to be in step. An exchange's answer is complete at its last content, but it
 * is handed over (and the connection freed) only when the read that brought it ends: anything read
 * after it in the same read (a second answer to the same request, the rest of a body whose length
 * was understated) shows the relay out of step. So does anything that arrives while no call waits
 * on the connection (an answer to nobody, a late duplicate). Either way the connection is closed,
 * never reused, and the relay's connections are {@linkplain RelayConnections#outOfStep put under
 * watch}.
 *
 * <p>One per connection, on the client's event loop.
 */
final class ExchangeHandler extends ChannelInboundHandlerAdapter {

  private final RelayConnections connections;
  private RelayExchange current;
  /** An exchange whose answer is complete, handed over when the read that brought it ends. */
  private RelayExchange finishing;
  private boolean trailing;
  /** Closed for bytes nobody asked for; what else was read with them is dropped unread. */
  private boolean closing;
  /** Digests of the last request and answer this connection carried, to catch an answer repeated. */
  private long lastRequest = -1;
  private long lastAnswer = -1;

  ExchangeHandler(RelayConnections connections) {
    this.connections = connections;
  }

  void begin(RelayExchange exchange) {
    current = exchange;
  }

  void end(RelayExchange exchange) {
    if (current == exchange) {
      current = null;
    }
  }

  /**
   * Whether an answer is, byte for byte, the answer this connection carried last although the
   * request differs ({@link AnswerDigest}s): a relay that sent one answer twice, the second taken
   * for the next call's. A relay that answers the same request the same way (a cache) is in step.
   * Remembers both for the next call.
   */
  boolean repeats(long requestDigest, long answerDigest) {
    boolean repeated = answerDigest == lastAnswer && requestDigest != lastRequest;
    lastRequest = requestDigest;
    lastAnswer = answerDigest;
    return repeated;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object message) {
    try {
      if (finishing != null) {
        // More after a complete answer in the same read: the relay is not answering in step.
        trailing = true;
        return;
      }
      if (current == null) {
        if (!closing) {
          closing = true;
          // A 408 is how some servers (Apache's mod_reqtimeout) say they close an idle connection: not out of step.
          if (!(message instanceof HttpResponse response && response.status().code() == 408)) {
            connections.outOfStep("it sent bytes while no call was waiting for an answer");
          }
          ctx.close();
        }
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
      if (current != null && message instanceof LastHttpContent && current.lastContent()) {
        finishing = current;
      }
    } finally {
      ReferenceCountUtil.release(message);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    handOver();
    ctx.fireChannelReadComplete();
  }

  /** Ends the exchange whose answer is complete: in step only if nothing followed it in its read. */
  private void handOver() {
    if (finishing == null) {
      return;
    }
    boolean inStep = !trailing;
    if (!inStep) {
      connections.outOfStep("more bytes followed a complete answer on the same connection");
    }
    finishWithout(inStep);
  }

  /** Hands the complete answer over; the connection goes back to the pool only if {@code reusable}. */
  private void finishWithout(boolean reusable) {
    RelayExchange done = finishing;
    finishing = null;
    trailing = false;
    done.finish(reusable);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (finishing != null) {
      finishWithout(false); // Closed right after a whole answer (Connection: close): the answer stands.
    } else if (current != null) {
      current.broken(RelayExchange.closedEarly());
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (finishing != null) {
      finishWithout(false);
    } else if (current != null) {
      // The TLS handler's failures come wrapped; the cause says what happened (an SSLException is an IOException).
      current.broken(cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause);
    }
    ctx.close();
  }

  private static IOException malformed(DecoderResult result) {
    // The decoder's messages quote the offending bytes; the class says enough.
    return new IOException("the relay's answer is not valid HTTP/1.1 ("
        + result.cause().getClass().getSimpleName() + ")");
  }
}
