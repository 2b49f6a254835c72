package dev.relayworker.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Off unless configured: the environment, the system properties and tracing.enabled decide. */
class TracingSetupTest {

  private static dev.relayworker.config.WorkerConfig config() {
    return new dev.relayworker.config.WorkerConfig(Map.of(
        dev.relayworker.config.WorkerConfig.KAFKA_BOOTSTRAP_SERVERS, "localhost:9092",
        dev.relayworker.config.WorkerConfig.RELAY_BASE_URL, "http://relay.example",
        dev.relayworker.config.WorkerConfig.RELAY_API_KEY, "k"));
  }

  @Test
  void autoTracesOnlyWhenTheEnvironmentSaysWhereSpansGo() {
    assertThat(TracingSetup.wanted("auto", Map.of(), Map.of())).isFalse();
    assertThat(TracingSetup.wanted("auto", Map.of("OTEL_SERVICE_NAME", "x"), Map.of())).isFalse();
    assertThat(TracingSetup.wanted("auto", Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"), Map.of()))
        .isTrue();
    assertThat(TracingSetup.wanted("auto", Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c/v1/traces"),
        Map.of())).isTrue();
    assertThat(TracingSetup.wanted("auto", Map.of("OTEL_TRACES_EXPORTER", "otlp"), Map.of())).isTrue();
    assertThat(TracingSetup.wanted("auto", Map.of("OTEL_TRACES_EXPORTER", "none"), Map.of())).isFalse();
    assertThat(TracingSetup.wanted("auto", Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", " "), Map.of())).isFalse();
    assertThat(TracingSetup.wanted("auto", Map.of(), Map.of("otel.exporter.otlp.endpoint", "http://c:4318")))
        .isTrue();
    // A system property wins over its variable, as in OpenTelemetry's own reading.
    assertThat(TracingSetup.wanted("auto", Map.of("OTEL_TRACES_EXPORTER", "otlp"),
        Map.of("otel.traces.exporter", "none"))).isFalse();
  }

  @Test
  void spansGoByOtlpToTheEndpointNamedAndAreCountedExportedOrFailed() throws Exception {
    com.sun.net.httpserver.HttpServer collector = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    java.util.concurrent.atomic.AtomicInteger posts = new java.util.concurrent.atomic.AtomicInteger();
    collector.createContext("/v1/traces", exchange -> {
      exchange.getRequestBody().readAllBytes();
      posts.incrementAndGet();
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    collector.start();
    try {
      TracingSetup.Built built = TracingSetup.from(config(), Map.of(), Map.of(
          "otel.exporter.otlp.endpoint", "http://127.0.0.1:" + collector.getAddress().getPort(),
          "otel.bsp.schedule.delay", "50"));
      assertThat(built.tracing().on()).isTrue();
      RequestSpan span = built.tracing().start(new org.apache.kafka.clients.consumer.ConsumerRecord<>("t", 0, 0,
          new byte[0], new byte[0]), "r", java.time.Instant.now());
      span.done();
      dev.relayworker.testkit.Await.until("the span exported", java.time.Duration.ofSeconds(20),
          () -> built.counts().exported() == 1);
      assertThat(posts.get()).isEqualTo(1);
      built.tracing().close();
    } finally {
      collector.stop(0);
    }
  }

  @Test
  void spansACollectorThatIsNotThereRefusesAreCountedFailed() throws Exception {
    int closed;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    TracingSetup.Built built = TracingSetup.from(config(), Map.of(), Map.of(
        "otel.exporter.otlp.endpoint", "http://127.0.0.1:" + closed, "otel.bsp.schedule.delay", "50",
        "otel.java.exporter.otlp.retry.disabled", "false"));
    built.tracing().start(new org.apache.kafka.clients.consumer.ConsumerRecord<>("t", 0, 0, new byte[0],
        new byte[0]), "r", java.time.Instant.now()).done();
    dev.relayworker.testkit.Await.until("the span counted failed", java.time.Duration.ofSeconds(90),
        () -> built.counts().failed() == 1);
    assertThat(built.counts().exported()).isZero();
    built.tracing().close();
  }

  @Test
  void trueAndFalseAreFinalButTheSdksOwnOffSwitchWins() {
    assertThat(TracingSetup.wanted("true", Map.of(), Map.of())).isTrue();
    assertThat(TracingSetup.wanted("false", Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"), Map.of()))
        .isFalse();
    assertThat(TracingSetup.wanted("true", Map.of("OTEL_SDK_DISABLED", "true"), Map.of())).isFalse();
    assertThat(TracingSetup.wanted("auto", Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
        Map.of("otel.sdk.disabled", "TRUE"))).isFalse();
  }
}
