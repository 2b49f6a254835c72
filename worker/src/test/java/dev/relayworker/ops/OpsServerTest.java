package dev.relayworker.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.BufferedInputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The admin endpoint answers probes whatever other clients do: half-sent requests held open,
 * idle connections, a scrape in progress. It serves only GETs of its three paths.
 */
class OpsServerTest {

  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

  private final AtomicInteger scraping = new AtomicInteger();
  private final AtomicInteger mostScrapingAtOnce = new AtomicInteger();
  /** A registry that counts scrapes running at once. */
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT) {
    @Override
    public String scrape() {
      mostScrapingAtOnce.accumulateAndGet(scraping.incrementAndGet(), Math::max);
      try {
        return super.scrape();
      } finally {
        scraping.decrementAndGet();
      }
    }
  };
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(PROBE_TIMEOUT).build();
  private final List<Socket> stuck = new ArrayList<>();
  private OpsServer server;

  @BeforeEach
  void start() throws Exception {
    server = OpsServer.start("127.0.0.1", 0, registry, () -> new HealthReport(true, Map.of("check", "live")),
        () -> new HealthReport(false, Map.of("reason", "not yet a member of the consumer group")));
  }

  @AfterEach
  void stop() throws Exception {
    for (Socket socket : stuck) {
      socket.close();
    }
    server.close();
  }

  @Test
  void probesAreAnsweredWhileOtherClientsHoldHalfSentRequests() throws Exception {
    for (int i = 0; i < 50; i++) {
      Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port());
      OutputStream out = socket.getOutputStream();
      out.write("GET /health/li".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      stuck.add(socket);
    }
    Socket idle = new Socket(InetAddress.getLoopbackAddress(), server.port());
    stuck.add(idle);

    HttpResponse<String> live = get("/health/live");
    HttpResponse<String> ready = get("/health/ready");

    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(live.body()).startsWith("{\"status\":\"UP\"").contains("\"check\":\"live\"");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.body()).contains("\"status\":\"DOWN\"").contains("not yet a member");
    assertThat(get("/metrics").body()).isNotNull();
  }

  @Test
  void pipelinedRequestsOnOneConnectionAreAnsweredOneAtATimeInOrder() throws Exception {
    String requests = ("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" + "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
        .repeat(50);
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(requests.getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();

      List<Integer> answers = new ArrayList<>();
      BufferedInputStream in = new BufferedInputStream(socket.getInputStream());
      for (int i = 0; i < 100; i++) {
        answers.add(readAnswer(in).contains("\"status\":\"UP\"") ? 1 : 0);
      }

      assertThat(answers).containsExactlyElementsOf(java.util.stream.IntStream.range(0, 100).map(i -> i % 2).boxed()
          .toList());
      assertThat(mostScrapingAtOnce.get()).isEqualTo(1);
    }
  }

  @Test
  void connectionsOverTheCapAreClosedWhileThoseWithinAreServed() throws Exception {
    for (int i = 0; i < OpsServer.MAX_CONNECTIONS + 10; i++) {
      stuck.add(new Socket(InetAddress.getLoopbackAddress(), server.port()));
    }
    Socket over = stuck.get(stuck.size() - 1);
    over.setSoTimeout(10_000);

    int read = over.getInputStream().read();
    Socket within = stuck.get(0);
    within.getOutputStream().write("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    within.setSoTimeout(10_000);

    assertThat(read).isEqualTo(-1);
    assertThat(readAnswer(new BufferedInputStream(within.getInputStream()))).startsWith("HTTP/1.1 200");
  }

  /** One HTTP answer with a Content-Length body, as text. */
  private static String readAnswer(BufferedInputStream in) throws Exception {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      assertThat(b).as("an answer").isNotNegative();
      head.append((char) b);
    }
    java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: (\\d+)").matcher(head);
    assertThat(length.find()).isTrue();
    return head + new String(in.readNBytes(Integer.parseInt(length.group(1))), StandardCharsets.UTF_8);
  }

  @Test
  void servesOnlyGetsOfItsOwnPaths() throws Exception {
    assertThat(get("/metrics").statusCode()).isEqualTo(200);
    assertThat(get("/metrics").headers().firstValue("content-type")).hasValueSatisfying(type ->
        assertThat(type).startsWith("text/plain; version=0.0.4"));
    assertThat(get("/health/live?verbose=1").statusCode()).isEqualTo(200);
    assertThat(get("/").statusCode()).isEqualTo(404);
    assertThat(get("/health").statusCode()).isEqualTo(404);
    assertThat(send(HttpRequest.newBuilder(uri("/health/live")).POST(HttpRequest.BodyPublishers.ofString("x")))
        .statusCode()).isEqualTo(405);
    assertThat(send(HttpRequest.newBuilder(uri("/metrics")).method("HEAD", HttpRequest.BodyPublishers.noBody()))
        .statusCode()).isEqualTo(405);
    assertThat(send(HttpRequest.newBuilder(uri("/metrics")).DELETE()).statusCode()).isEqualTo(405);
    assertThat(send(HttpRequest.newBuilder(uri("/health/live"))
        .POST(HttpRequest.BodyPublishers.ofString("y".repeat(OpsServer.MAX_REQUEST_BYTES + 1)))).statusCode())
        .isEqualTo(413);
  }

  @Test
  void bindsTheConfiguredAddress() throws Exception {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 2_000);
      assertThat(socket.getInetAddress().isLoopbackAddress()).isTrue();
    }
    try (OpsServer everywhere = OpsServer.start("0.0.0.0", 0, registry, () -> new HealthReport(true, Map.of()),
        () -> new HealthReport(true, Map.of()))) {
      assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + everywhere.port() + "/health/live"))
          .timeout(PROBE_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }
  }

  private HttpResponse<String> get(String path) throws Exception {
    return send(HttpRequest.newBuilder(uri(path)));
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.timeout(PROBE_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }
}
