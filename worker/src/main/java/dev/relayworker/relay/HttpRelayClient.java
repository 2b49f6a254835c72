package dev.relayworker.relay;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The relay over HTTP, on the JDK's asynchronous {@link HttpClient}: pooled keep-alive
 * connections, a connect timeout on the client, and one deadline per attempt that covers the
 * whole exchange, body included. Answer bodies are read by a {@link BoundedBody}: never more
 * than {@code relay.max.response.bytes} per call, nor more than an {@link AnswerMemory} share of
 * the heap for all calls together.
 *
 * <p>Threads: {@link #send} may be called from any thread and returns at once. Answers are
 * parsed and futures completed on a small pool of {@code relay-http-N} daemon threads; callers
 * must not block in their continuations. Deadlines fire on one {@code relay-deadline} thread.
 * {@link #close()} stops both and drops idle connections; calls still open then fail.
 *
 * <p>Failure messages name the exception and, for I/O errors, the JDK's text (host and port at
 * most); never a request header, so never the key.
 */
public final class HttpRelayClient implements RelayClient {

  private static final int MAX_MESSAGE_CHARS = 300;

  private final RelayEndpoint endpoint;
  private final HttpClient http;
  private final ExecutorService executor;
  private final ScheduledThreadPoolExecutor deadlines;
  private final AnswerMemory memory;
  private final AnswerReader reader;
  private final Clock clock;
  private final String authorization;

  public HttpRelayClient(RelayEndpoint endpoint, ObjectMapper mapper, Clock clock) {
    this(endpoint, mapper, clock, AnswerMemory.eighthOfHeap());
  }

  HttpRelayClient(RelayEndpoint endpoint, ObjectMapper mapper, Clock clock, AnswerMemory memory) {
    this.endpoint = endpoint;
    this.clock = clock;
    this.memory = memory;
    this.executor = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()),
        daemonThreads("relay-http-"));
    this.deadlines = new ScheduledThreadPoolExecutor(1, daemonThreads("relay-deadline-"));
    deadlines.setRemoveOnCancelPolicy(true);
    this.http = HttpClient.newBuilder()
        .version(endpoint.httpVersion())
        .connectTimeout(endpoint.connectTimeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .executor(executor)
        .build();
    String key = endpoint.apiKey().value();
    this.authorization = "Bearer " + key;
    this.reader = new AnswerReader(mapper, new KeyRedactor(key));
  }

  @Override
  public CompletableFuture<Completion> send(byte[] body, Duration timeout) {
    CompletableFuture<HttpResponse<byte[]>> response;
    AtomicReference<BoundedBody> answer = new AtomicReference<>();
    try {
      HttpRequest request = HttpRequest.newBuilder(endpoint.completionsUri())
          .timeout(timeout)
          .header("Authorization", authorization)
          .header("Content-Type", "application/json")
          .header("Accept", "application/json")
          .POST(HttpRequest.BodyPublishers.ofByteArray(body))
          .build();
      response = http.sendAsync(request, BoundedBody.handler(endpoint.maxResponseBytes(), memory, answer::set));
    } catch (RuntimeException e) {
      // The class only: the JDK's messages about a refused header quote the header's value.
      return CompletableFuture.failedFuture(RelayException.transport(FailureKind.FINAL,
          "relay call could not start: " + e.getClass().getSimpleName()));
    }
    AtomicBoolean expired = new AtomicBoolean();
    ScheduledFuture<?> deadline = deadlines.schedule(() -> {
      expired.set(true);
      BoundedBody reading = answer.get();
      if (reading != null) {
        reading.expire(timeout.toMillis());
      }
      response.cancel(true);
    }, timeout.toNanos(), TimeUnit.NANOSECONDS);
    return response.handle((received, failure) -> {
      deadline.cancel(false);
      if (failure != null) {
        throw expired.get() ? RelayException.transport(FailureKind.TRANSIENT, "relay call failed:"
            + " HttpTimeoutException: no complete answer within " + timeout.toMillis() + " ms")
            : transportFailure(failure);
      }
      return toCompletion(received);
    });
  }

  private Completion toCompletion(HttpResponse<byte[]> answer) {
    int status = answer.statusCode();
    String relayRequestId = relayRequestId(answer.headers());
    if (status >= 200 && status < 300) {
      return reader.readCompletion(answer.body(), status, relayRequestId);
    }
    RelayError error = reader.readError(answer.body());
    FailureKind kind = FailureClassifier.classifyStatus(status,
        answer.headers().firstValue("x-should-retry").orElse(null), error);
    throw new RelayException(kind, status, error, RetryAfter.parse(answer.headers(), clock.instant()).orElse(null),
        describe(status, error));
  }

  private static RelayException transportFailure(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    for (Throwable link = cause; link != null; link = link.getCause()) {
      if (link instanceof BoundedBody.TooLarge tooLarge) {
        return new RelayException(FailureKind.FINAL, tooLarge.httpStatus, RelayError.NONE, null, tooLarge.getMessage());
      }
      if (link instanceof HttpTimeoutException timeout) {
        cause = timeout;
        break;
      }
    }
    // JDK I/O messages name the host and port at most; other exceptions are named by class only.
    String detail = cause instanceof IOException && cause.getMessage() != null ? ": " + cause.getMessage() : "";
    return RelayException.transport(FailureClassifier.classifyTransport(cause),
        "relay call failed: " + cause.getClass().getSimpleName() + truncate(detail));
  }

  private static String describe(int status, RelayError error) {
    StringBuilder text = new StringBuilder("relay answered ").append(status);
    if (error.code() != null) {
      text.append(" (").append(error.code()).append(')');
    }
    if (error.message() != null) {
      text.append(": ").append(truncate(error.message()));
    }
    return text.toString();
  }

  private static String relayRequestId(HttpHeaders headers) {
    return headers.firstValue("x-oneapi-request-id")
        .or(() -> headers.firstValue("x-new-api-request-id"))
        .or(() -> headers.firstValue("x-request-id"))
        .orElse(null);
  }

  private static String truncate(String text) {
    return text.length() <= MAX_MESSAGE_CHARS ? text : text.substring(0, MAX_MESSAGE_CHARS) + "...";
  }

  private static java.util.concurrent.ThreadFactory daemonThreads(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return task -> {
      Thread thread = new Thread(task, prefix + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  @Override
  public void close() {
    deadlines.shutdownNow();
    executor.shutdownNow();
  }
}
