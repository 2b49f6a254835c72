package dev.relayworker.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One call on the {@link NettyRelayClient}: waits for a connection, writes the request, collects
 * the answer within its limits and completes {@link #result()}. Exactly one of three ends comes
 * first: the whole answer ({@link #lastContent}), a failure (of the connection, of a limit), or
 * the deadline, which covers the wait for a connection, the headers and the body alike.
 *
 * <p>Confined to the client's event loop, except {@link #result()}. The result is completed on
 * that loop, after the connection went back to the pool, so a continuation that starts the next
 * call finds it free.
 */
final class RelayExchange {

  private final FullHttpRequest request;
  private final Duration timeout;
  private final long maxBytes;
  private final AnswerMemory memory;
  private final AnswerReader reader;
  private final RelayApi api;
  private final RelayConnections connections;
  private final CompletableFuture<Completion> result = new CompletableFuture<>();
  private ScheduledFuture<?> deadline;
  private Channel channel;
  private boolean retriedOnStaleConnection;
  private boolean done;
  private int status;
  private HttpHeaders headers;
  private boolean keepAlive;
  private byte[] answer;
  private int received;
  private long reserved;

  /** @param request the request, released when the exchange ends; each write sends a duplicate */
  RelayExchange(RelayApi api, FullHttpRequest request, Duration timeout, long maxBytes, AnswerMemory memory,
      AnswerReader reader, RelayConnections connections) {
    this.api = api;
    this.request = request;
    this.timeout = timeout;
    this.maxBytes = maxBytes;
    this.memory = memory;
    this.reader = reader;
    this.connections = connections;
  }

  CompletableFuture<Completion> result() {
    return result;
  }

  boolean isDone() {
    return done;
  }

  /** Starts the deadline and asks for a connection. */
  void start() {
    deadline = connections.loop().schedule(() -> fail(AnswerReader.timedOut(timeout)), timeout.toNanos(),
        TimeUnit.NANOSECONDS);
    connections.acquire(this);
  }

  /** A connection is ours; {@code reused} when it served a call before. */
  void connected(Channel connection, boolean reused) {
    if (done) {
      connections.release(connection, true);
      return;
    }
    channel = connection;
    connection.pipeline().get(ExchangeHandler.class).begin(this);
    connection.writeAndFlush(request.retainedDuplicate()).addListener(written -> {
      if (!written.isSuccess()) {
        notSent(written.cause(), reused);
      }
    });
  }

  /** No connection could be had: refused, timed out, or the TLS handshake failed. */
  void connectFailed(Throwable cause) {
    fail(AnswerReader.transportFailure(cause));
  }

  void head(HttpResponse response) {
    status = response.status().code();
    headers = response.headers();
    keepAlive = HttpUtil.isKeepAlive(response);
    long declared = HttpUtil.getContentLength(response, -1L);
    if (declared > maxBytes) {
      fail(AnswerTooLarge.declared(status, declared, maxBytes).toRelayException());
      return;
    }
    answer = new byte[(int) Math.max(0, Math.min(declared, 64 * 1024))];
  }

  void content(ByteBuf content) {
    int size = content.readableBytes();
    if ((long) received + size > maxBytes) {
      fail(AnswerTooLarge.cutOff(status, maxBytes).toRelayException());
      return;
    }
    if (!memory.tryReserve(size)) {
      fail(AnswerReader.transportFailure(memory.exhausted()));
      return;
    }
    reserved += size;
    if (received + size > answer.length) {
      answer = Arrays.copyOf(answer, Math.max(received + size, (int) Math.min(maxBytes, 2L * answer.length)));
    }
    content.readBytes(answer, received, size);
    received += size;
  }

  /** The answer is complete: the connection goes back to the pool, then the result is read. */
  void lastContent() {
    if (done) {
      return;
    }
    byte[] whole = received == answer.length ? answer : Arrays.copyOf(answer, received);
    HttpHeaders answerHeaders = headers;
    Channel connection = channel;
    end();
    connections.release(connection, keepAlive);
    try {
      result.complete(reader.read(api, status, answerHeaders::get, whole));
    } catch (RelayException failure) {
      result.completeExceptionally(failure);
    }
  }

  /** The connection ended or broke before the answer was complete. */
  void broken(Throwable cause) {
    fail(AnswerReader.transportFailure(cause));
  }

  private void notSent(Throwable cause, boolean reused) {
    if (done) {
      return;
    }
    Channel stale = channel;
    channel.pipeline().get(ExchangeHandler.class).end(this);
    channel = null;
    connections.release(stale, false);
    if (reused && !retriedOnStaleConnection) {
      // A pooled connection the relay had closed: nothing reached it, so the call is not charged.
      retriedOnStaleConnection = true;
      connections.acquire(this);
      return;
    }
    fail(AnswerReader.transportFailure(cause));
  }

  private void fail(RelayException failure) {
    if (done) {
      return;
    }
    Channel broken = channel;
    end();
    if (broken != null) {
      // Mid-exchange: what is left of the answer would be read as the next call's.
      connections.release(broken, false);
    }
    result.completeExceptionally(failure);
  }

  private void end() {
    done = true;
    if (deadline != null) {
      deadline.cancel(false);
    }
    if (channel != null) {
      channel.pipeline().get(ExchangeHandler.class).end(this);
      channel = null;
    }
    request.release();
    memory.release(reserved);
    reserved = 0;
    answer = null;
    headers = null;
  }

  /** Why a connection closed under a call: the relay hung up before the answer was complete. */
  static IOException closedEarly() {
    return new IOException("the relay closed the connection before its answer was complete");
  }
}
