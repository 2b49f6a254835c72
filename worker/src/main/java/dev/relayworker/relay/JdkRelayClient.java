package dev.relayworker.relay;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
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
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay over the JDK's asynchronous {@link HttpClient} ({@code relay.http.client=jdk}), for
 * HTTP/2: pooled keep-alive connections, a connect timeout on the client, and one deadline per
 * attempt that covers the whole exchange, body included. Answer bodies are read by a
 * {@link BoundedBody}: never more than {@code relay.max.response.bytes} per call, nor more than
 * an {@link AnswerMemory} share of the heap for all calls together.
 *
 * <p>Threads: {@link #send} may be called from any thread and returns at once. The client reads
 * on a small pool of {@code relay-http-N} daemon threads, but completes every {@code sendAsync}
 * future through {@code CompletableFuture}'s default executor, which on JDK 17 with a common pool
 * parallelism below 2 (fewer than 3 CPUs) starts a new thread for each answer; the constructor
 * warns when that is the case. {@link NettyRelayClient} has no such hop. Deadlines fire on one
 * {@code relay-deadline} thread. {@link #close()} stops both and drops idle connections; calls
 * still open then fail.
 *
 * <p>Failure messages name the exception and, for I/O errors, the JDK's text (host and port at
 * most); never a request header, so never the key.
 */
public final class JdkRelayClient implements RelayClient {

  private static final Logger log = LoggerFactory.getLogger(JdkRelayClient.class);

  private final RelayEndpoint endpoint;
  private final HttpClient http;
  private final ExecutorService executor;
  private final ScheduledThreadPoolExecutor deadlines;
  private final AnswerMemory memory;
  private final AnswerReader reader;
  private final ObjectMapper mapper;

  JdkRelayClient(RelayEndpoint endpoint, ObjectMapper mapper, Clock clock, AnswerMemory memory) {
    this.endpoint = endpoint;
    this.memory = memory;
    warnIfEveryAnswerStartsAThread();
    this.executor = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()),
        daemonThreads("relay-http-"));
    this.deadlines = new ScheduledThreadPoolExecutor(1, daemonThreads("relay-deadline-"));
    deadlines.setRemoveOnCancelPolicy(true);
    HttpClient.Builder builder = HttpClient.newBuilder();
    RelayProxy proxy = endpoint.proxy();
    if (proxy != null) {
      // Credentials in the proxy URL need -Djdk.http.auth.tunneling.disabledSchemes= on this transport
      // (the JDK will not send Basic over a CONNECT by default); the netty transport sends them itself.
      builder.proxy(ProxySelector.of(InetSocketAddress.createUnresolved(proxy.host(), proxy.port())));
    }
    this.http = builder
        .version(endpoint.httpVersion())
        .connectTimeout(endpoint.connectTimeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .executor(executor)
        .build();
    this.reader = new AnswerReader(mapper, endpoint.apiKey(), clock, endpoint.maxResponseBytes());
    this.mapper = mapper;
  }

  @Override
  public CompletableFuture<Completion> send(RelayApi api, byte[] body, Duration timeout, StreamSink sink) {
    CompletableFuture<HttpResponse<byte[]>> response;
    AtomicReference<BoundedBody> answer = new AtomicReference<>();
    try {
      HttpRequest.Builder builder = HttpRequest.newBuilder(endpoint.uri(api))
          .timeout(timeout)
          .header("Content-Type", "application/json")
          .header("Accept", "application/json")
          .header("Accept-Encoding", "identity");
      endpoint.keyHeaders(api).forEach(builder::header);
      HttpRequest request = builder.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
      response = http.sendAsync(request, BoundedBody.handler(endpoint.maxResponseBytes(), memory, answer::set,
          sink == null ? null : () -> new StreamingAnswer(api, mapper, endpoint.maxResponseBytes(), sink)));
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
        throw expired.get() ? AnswerReader.timedOut(timeout) : transportFailure(failure);
      }
      HttpHeaders headers = received.headers();
      return reader.read(api, received.statusCode(), name -> headers.firstValue(name).orElse(null), received.body());
    });
  }

  /**
   * On JDK 17 the default async executor is a thread per task when the common pool's parallelism
   * is below 2, and {@code sendAsync} completes every answer through it (JDK 25 keeps a minimal
   * pool instead).
   */
  private static void warnIfEveryAnswerStartsAThread() {
    if (!(new CompletableFuture<Void>().defaultExecutor() instanceof ForkJoinPool)) {
      log.warn("relay.http.client=jdk on this JVM starts a thread for every relay answer (common ForkJoinPool"
          + " parallelism {}); use relay.http.client=netty, or start the JVM with"
          + " -Djava.util.concurrent.ForkJoinPool.common.parallelism=2", ForkJoinPool.getCommonPoolParallelism());
    }
  }

  private static RelayException transportFailure(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    for (Throwable link = cause; link != null; link = link.getCause()) {
      if (link instanceof AnswerTooLarge tooLarge) {
        return tooLarge.toRelayException();
      }
      if (link instanceof RelayException said) {
        return said; // A stream that said it broke.
      }
      if (link instanceof HttpTimeoutException timeout) {
        cause = timeout;
        break;
      }
    }
    return AnswerReader.transportFailure(cause);
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
