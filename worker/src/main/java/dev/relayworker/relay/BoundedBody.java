package dev.relayworker.relay;

import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * An answer body read incrementally and never past its limits: the call's own byte cap
 * ({@code relay.max.response.bytes}), the {@link AnswerMemory} all calls share, and the call's
 * deadline. Whichever is overrun first cancels the subscription, which makes the JDK client close
 * the connection, and fails the body: {@link AnswerTooLarge} or {@link AnswerMemory#exhausted()}
 * for a cap, {@link HttpTimeoutException}
 * for the deadline. The JDK's own request timeout stops counting once the headers are in, so
 * without {@link #expire} a relay that sends headers and then stalls would hold the call for ever.
 *
 * <p>Threads: the HTTP client calls the subscriber methods serially on its threads;
 * {@link #expire} may be called from any thread, any number of times.
 */
final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {

  private final long maxBytes;
  private final int httpStatus;
  private final AnswerMemory memory;
  private final CompletableFuture<byte[]> result = new CompletableFuture<>();
  /** Reads a successful answer as a stream as it arrives; null for a whole one. */
  private final StreamingAnswer stream;
  private final List<ByteBuffer> chunks = new ArrayList<>();
  private Flow.Subscription subscription;
  private long received;
  private long reserved;
  private boolean ended;

  BoundedBody(long maxBytes, int httpStatus, AnswerMemory memory) {
    this(maxBytes, httpStatus, memory, null);
  }

  BoundedBody(long maxBytes, int httpStatus, AnswerMemory memory, StreamingAnswer stream) {
    this.stream = stream;
    this.maxBytes = maxBytes;
    this.httpStatus = httpStatus;
    this.memory = memory;
  }

  /** A body handler whose subscriber is handed to {@code onBody} before any byte is read. */
  static HttpResponse.BodyHandler<byte[]> handler(long maxBytes, AnswerMemory memory,
      java.util.function.Consumer<BoundedBody> onBody) {
    return handler(maxBytes, memory, onBody, null);
  }

  /**
   * As {@link #handler(long, AnswerMemory, java.util.function.Consumer)}; a successful answer is
   * also read as a stream by what {@code streams} makes (null: never), and its body is then the
   * answer the stream told.
   */
  static HttpResponse.BodyHandler<byte[]> handler(long maxBytes, AnswerMemory memory,
      java.util.function.Consumer<BoundedBody> onBody, java.util.function.Supplier<StreamingAnswer> streams) {
    return info -> {
      boolean streamed = streams != null && info.statusCode() >= 200 && info.statusCode() < 300;
      BoundedBody body = new BoundedBody(maxBytes, info.statusCode(), memory, streamed ? streams.get() : null);
      onBody.accept(body);
      long declared = info.headers().firstValueAsLong("content-length").orElse(-1);
      if (declared > maxBytes) {
        body.fail(AnswerTooLarge.declared(info.statusCode(), declared, maxBytes));
      }
      return body;
    };
  }

  @Override
  public synchronized void onSubscribe(Flow.Subscription subscription) {
    this.subscription = subscription;
    if (ended) {
      subscription.cancel();
    } else {
      subscription.request(Long.MAX_VALUE);
    }
  }

  @Override
  public synchronized void onNext(List<ByteBuffer> items) {
    if (ended) {
      return;
    }
    long size = 0;
    for (ByteBuffer item : items) {
      size += item.remaining();
    }
    received += size;
    if (received > maxBytes) {
      fail(AnswerTooLarge.cutOff(httpStatus, maxBytes));
      return;
    }
    if (!memory.tryReserve(size)) {
      fail(memory.exhausted());
      return;
    }
    reserved += size;
    if (stream != null) {
      try {
        for (ByteBuffer item : items) {
          byte[] piece = new byte[item.remaining()];
          item.duplicate().get(piece);
          stream.accept(piece, 0, piece.length);
        }
      } catch (RelayException broken) {
        fail(broken);
        return;
      }
    }
    chunks.addAll(items);
  }

  @Override
  public synchronized void onError(Throwable failure) {
    fail(failure);
  }

  @Override
  public synchronized void onComplete() {
    if (ended) {
      return;
    }
    byte[] body = new byte[(int) received];
    int at = 0;
    for (ByteBuffer chunk : chunks) {
      int length = chunk.remaining();
      chunk.get(body, at, length);
      at += length;
    }
    end();
    try {
      result.complete(stream != null ? stream.answer(body) : body);
    } catch (RelayException unfinished) {
      result.completeExceptionally(unfinished);
    }
  }

  @Override
  public CompletionStage<byte[]> getBody() {
    return result;
  }

  /** The call's deadline passed: stop reading and fail, unless the body is already complete. */
  void expire(long timeoutMillis) {
    fail(new HttpTimeoutException("relay answer not complete within " + timeoutMillis + " ms"));
  }

  private synchronized void fail(Throwable failure) {
    if (ended) {
      return;
    }
    end();
    if (subscription != null) {
      subscription.cancel();
    }
    result.completeExceptionally(failure);
  }

  private void end() {
    ended = true;
    chunks.clear();
    memory.release(reserved);
    reserved = 0;
  }
}
