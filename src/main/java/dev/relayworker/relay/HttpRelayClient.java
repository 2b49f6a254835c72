package dev.relayworker.relay;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The relay over HTTP, on the JDK's asynchronous {@link HttpClient}: pooled keep-alive
 * connections, a connect timeout on the client and a per-attempt timeout on each request.
 *
 * <p>Threads: {@link #send} may be called from any thread and returns at once. Answers are
 * parsed and futures completed on a small pool of {@code relay-http-N} daemon threads; callers
 * must not block in their continuations. {@link #close()} stops that pool and drops idle
 * connections; calls still open then fail.
 */
public final class HttpRelayClient implements RelayClient {

  private static final int MAX_MESSAGE_CHARS = 300;

  private final RelayEndpoint endpoint;
  private final HttpClient http;
  private final ExecutorService executor;
  private final AnswerReader reader;
  private final Clock clock;
  private final String authorization;

  public HttpRelayClient(RelayEndpoint endpoint, ObjectMapper mapper, Clock clock) {
    this.endpoint = endpoint;
    this.clock = clock;
    this.executor = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()),
        daemonThreads("relay-http-"));
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
    HttpRequest request = HttpRequest.newBuilder(endpoint.completionsUri())
        .timeout(timeout)
        .header("Authorization", authorization)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
    CompletableFuture<HttpResponse<byte[]>> response;
    try {
      response = http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(RelayException.transport(FailureKind.FINAL,
          "relay call could not start: " + e.getClass().getSimpleName()));
    }
    return response.handle((answer, failure) -> {
      if (failure != null) {
        throw transportFailure(failure);
      }
      return toCompletion(answer);
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
    String detail = cause.getMessage() == null ? "" : ": " + cause.getMessage();
    // JDK messages name the host and port at most; no request header ever appears in them.
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
    executor.shutdownNow();
  }
}
