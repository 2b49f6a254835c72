package dev.relayworker.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
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
 * first: the whole answer ({@link #finish}), a failure (of the connection, of a limit), or the
 * deadline, which covers the wait for a connection, the headers and the body alike.
 *
 * <p>Interim answers (1xx but 101) that a relay or a proxy sends before the answer are skipped:
 * the call waits for its final answer. A 101 (the relay switching protocols) fails the call, as
 * does an answer the {@link ExchangeHandler} finds out of step; the connection is then closed.
 *
 * <p>Confined to the client's event loop, except {@link #result()}. The result is completed on
 * that loop, after the connection went back to the pool, so a continuation that starts the next
 * call finds it free.
 */
final class RelayExchange {

  /** Interim answers one call takes before its answer; a relay sending more is not answering. */
  static final int MAX_INTERIM_ANSWERS = 16;

  private final FullHttpRequest request;
  private final byte[] body;
  private final Duration timeout;
  private final long maxBytes;
  private final AnswerMemory memory;
  private final AnswerReader reader;
  private final RelayApi api;
  private final RelayConnections connections;
  private final StreamingAnswer stream;
  private final CompletableFuture<Completion> result = new CompletableFuture<>();
  private ScheduledFuture<?> deadline;
  private Channel channel;
  private boolean retriedOnStaleConnection;
  private boolean reused;
  private boolean done;
  private int interimAnswers;
  private boolean interim;
  private int status;
  private HttpHeaders headers;
  private boolean reusable;
  private byte[] answer;
  private int received;
  private long reserved;

  /**
   * @param request the request, released when the exchange ends; each write sends a duplicate
   * @param body the request's body, to tell a repeated answer from a cached one
   * @param stream reads a successful answer as a stream, or null for a whole one
   */
  RelayExchange(RelayApi api, FullHttpRequest request, byte[] body, Duration timeout, long maxBytes,
      AnswerMemory memory, AnswerReader reader, RelayConnections connections, StreamingAnswer stream) {
    this.stream = stream;
    this.api = api;
    this.request = request;
    this.body = body;
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
    this.reused = reused;
    connection.pipeline().get(ExchangeHandler.class).begin(this);
    FullHttpRequest sent = request.retainedDuplicate();
    if (!connections.reusing()) {
      sent.headers().set(HttpHeaderNames.CONNECTION, "close");
    }
    connection.writeAndFlush(sent).addListener(written -> {
      if (!written.isSuccess()) {
        notSent(written.cause(), reused);
      }
    });
  }

  /** No connection could be had: refused, timed out, or the TLS handshake or proxy tunnel failed. */
  void connectFailed(Throwable cause) {
    fail(AnswerReader.transportFailure(cause));
  }

  void head(HttpResponse response) {
    int code = response.status().code();
    if (code == 101) {
      fail(outOfStep("answered 101 Switching Protocols to an API call"));
      return;
    }
    if (code >= 100 && code < 200) {
      // 100 Continue, 102 Processing, 103 Early Hints: the answer follows on the same connection.
      interim = true;
      if (++interimAnswers > MAX_INTERIM_ANSWERS) {
        fail(outOfStep("sent more than " + MAX_INTERIM_ANSWERS + " interim answers and no answer"));
      }
      return;
    }
    status = code;
    headers = response.headers();
    // An answer with both a length and chunks never gets here: the decoder refuses it (a smuggling habit).
    reusable = HttpUtil.isKeepAlive(response);
    long declared = HttpUtil.getContentLength(response, -1L);
    if (declared > maxBytes) {
      fail(AnswerTooLarge.declared(status, declared, maxBytes).toRelayException());
      return;
    }
    answer = new byte[(int) Math.max(0, Math.min(declared, 64 * 1024))];
  }

  void content(ByteBuf content) {
    if (interim) {
      return; // An interim answer has no body; the decoder hands over an empty one.
    }
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
    if (stream != null && status >= 200 && status < 300) {
      try {
        stream.accept(answer, received, size);
      } catch (RelayException broken) {
        fail(broken);
        return;
      }
    }
    received += size;
  }

  /**
   * The end of an answer: false after an interim one (the call goes on waiting), true when the
   * answer is whole; the {@link ExchangeHandler} then {@linkplain #finish finishes} the call once
   * the read that brought it ends.
   */
  boolean lastContent() {
    if (done) {
      return false;
    }
    if (interim) {
      interim = false;
      return false;
    }
    return true;
  }

  /**
   * Reads the whole answer and completes the call; the connection goes back to the pool when the
   * answer left it in step and {@code inStep} says nothing followed it.
   */
  void finish(boolean inStep) {
    if (done) {
      return;
    }
    byte[] whole = received == answer.length ? answer : Arrays.copyOf(answer, received);
    RelayException broken = null;
    if (stream != null && status >= 200 && status < 300) {
      try {
        whole = stream.answer(whole);
      } catch (RelayException unfinished) {
        broken = unfinished;
      }
    }
    HttpHeaders answerHeaders = headers;
    Channel connection = channel;
    ExchangeHandler handler = connection.pipeline().get(ExchangeHandler.class);
    end();
    if (broken != null) {
      connections.release(connection, reusable && inStep);
      result.completeExceptionally(broken);
      return;
    }
    if (status >= 200 && status < 300 && repeated(handler, whole)) {
      connections.release(connection, false);
      result.completeExceptionally(outOfStep("gave a call the very answer it had given the previous call on the"
          + " same connection"));
      return;
    }
    connections.release(connection, reusable && inStep);
    try {
      result.complete(reader.read(api, status, answerHeaders::get, whole));
    } catch (RelayException failure) {
      result.completeExceptionally(failure);
    }
  }

  /**
   * Whether this successful answer repeats, byte for byte, the previous call's on the same
   * connection: a late second answer to that call, not this call's. Error answers repeat by nature
   * and are not asked; nor is a relay found to answer different requests with the same bytes even
   * on fresh connections (a canned stub, {@link RelayConnections#answered}).
   */
  private boolean repeated(ExchangeHandler handler, byte[] whole) {
    long requestDigest = AnswerDigest.of(body);
    long answerDigest = AnswerDigest.of(whole);
    boolean repeated = handler.repeats(requestDigest, answerDigest);
    return connections.answered(requestDigest, answerDigest, reused, repeated);
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

  private RelayException outOfStep(String what) {
    connections.outOfStep("it " + what);
    // Transient: the relay may well have answered the request, but not so that the answer is known to be its own.
    return RelayException.transport(FailureKind.TRANSIENT, "relay call failed: the relay " + what);
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
