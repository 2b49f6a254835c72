package dev.relayworker.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The worker's operations endpoint: {@code GET /metrics} (Prometheus text format),
 * {@code GET /health/live} and {@code GET /health/ready} (JSON, 200 when up, 503 when down).
 * The JDK's own HTTP server is enough for a scrape every few seconds and adds no dependency.
 *
 * <p>Threads: requests are served one at a time on a {@code admin-http} daemon thread; the
 * suppliers are called there and must be thread-safe. {@link #start} fails with an
 * {@link IOException} when the port cannot be bound, so a misconfigured port stops the worker
 * at start rather than leaving it unobservable.
 */
public final class AdminServer implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final ExecutorService executor;

  private AdminServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Binds {@code port} on every interface (0 picks a free one) and starts serving.
   *
   * @param live whether the process works: its poll loop runs and is not stuck
   * @param ready whether it takes part in the consumer group and polls
   */
  public static AdminServer start(int port, PrometheusMeterRegistry registry, Supplier<HealthReport> live,
      Supplier<HealthReport> ready) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
    ExecutorService executor = Executors.newSingleThreadExecutor(task -> {
      Thread thread = new Thread(task, "admin-http");
      thread.setDaemon(true);
      return thread;
    });
    server.setExecutor(executor);
    server.createContext("/metrics", exchange -> respond(exchange, 200,
        "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
    server.createContext("/health/live", exchange -> health(exchange, live.get()));
    server.createContext("/health/ready", exchange -> health(exchange, ready.get()));
    server.createContext("/", exchange -> respond(exchange, 404, "text/plain; charset=utf-8",
        "not found; try /metrics, /health/live or /health/ready\n"));
    server.start();
    return new AdminServer(server, executor);
  }

  /** The bound port (the chosen one when started with 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  private static void health(HttpExchange exchange, HealthReport report) throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", report.up() ? "UP" : "DOWN");
    body.putAll(report.details());
    respond(exchange, report.up() ? 200 : 503, "application/json", JSON.writeValueAsString(body) + "\n");
  }

  private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
    try {
      if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", contentType);
      boolean head = "HEAD".equals(exchange.getRequestMethod());
      exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
      if (!head) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(bytes);
        }
      }
    } finally {
      exchange.close();
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
