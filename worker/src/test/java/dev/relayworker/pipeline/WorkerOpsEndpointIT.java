package dev.relayworker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.config.WorkerConfig;
import dev.relayworker.metrics.Metric;
import dev.relayworker.simulator.Fault;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testing.TestWorkers;
import dev.relayworker.testkit.Await;
import dev.relayworker.testkit.KafkaBroker;
import dev.relayworker.testkit.Scrape;
import dev.relayworker.testkit.TopicReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The admin endpoint of a running worker: health for probes, and meters that move as requests flow. */
@ExtendWith(KafkaBroker.class)
class WorkerOpsEndpointIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void healthAndMetricsFollowTheTraffic(KafkaBroker.Running broker) throws Exception {
    SimulatorSettings relay = SimulatorSettings.defaults().withLatency(Duration.ofMillis(5), Duration.ZERO)
        .withFault(Fault.RATE_LIMITED, 0.3).withRetryAfter(Duration.ofMillis(20));
    int valid = 40;
    try (RelaySimulator simulator = RelaySimulator.start(relay, 0)) {
      TestWorkers workers = new TestWorkers(broker, simulator, "admin").createRequestTopic(2)
          .with(WorkerConfig.RELAY_RETRY_MAX_ATTEMPTS, 10)
          .with(WorkerConfig.RELAY_RATE_LIMIT_RPM, 600_000);
      try (Worker worker = Worker.start(workers.config());
          KafkaProducer<byte[], byte[]> producer = workers.producer();
          TopicReader replies = workers.replies()) {
        String base = "http://127.0.0.1:" + worker.opsPort();
        assertThat(get(base + "/health/live").statusCode()).isEqualTo(200);
        Await.until("ready", WAIT, () -> get(base + "/health/ready").statusCode() == 200);
        assertThat(get(base + "/health/ready").body()).contains("\"status\":\"UP\"")
            .contains("\"relay\":\"available\"").contains("\"relayCircuit\":\"CLOSED\"")
            .contains(workers.requestTopic + "-0");
        Scrape before = Scrape.of(get(base + "/metrics").body());

        for (int i = 0; i < valid; i++) {
          producer.send(workers.request("m-" + i, "metered " + i));
        }
        producer.send(new ProducerRecord<>(workers.requestTopic, TestWorkers.utf8("bad"), TestWorkers.utf8("{not json")));
        producer.flush();
        replies.awaitDistinctKeys(valid + 1, WAIT);
        Await.until("no request in flight", WAIT,
            () -> Scrape.of(get(base + "/metrics").body()).value(Metric.IN_FLIGHT.prometheusName()) == 0);
        Scrape after = Scrape.of(get(base + "/metrics").body());

        assertThat(before.value(Metric.REQUESTS_CONSUMED.prometheusName())).isZero();
        assertThat(after.value(Metric.REQUESTS_CONSUMED.prometheusName())).isEqualTo(valid + 1);
        assertThat(after.value(Metric.REPLIES.prometheusName(), "status=\"ok\"")).isEqualTo(valid);
        assertThat(after.value(Metric.REPLIES.prometheusName(), "error_type=\"invalid_request_error\"")).isEqualTo(1);
        double throttled = after.value(Metric.RELAY_THROTTLED.prometheusName());
        assertThat(throttled).isPositive().isEqualTo((double) simulator.stats().outcome("429"));
        assertThat(after.value(Metric.RELAY_RETRIES.prometheusName())).isEqualTo(throttled);
        assertThat(after.value(Metric.RELAY_LATENCY.prometheusName() + "_count", "status=\"200\"")).isEqualTo(valid);
        assertThat(after.value(Metric.REQUEST_AGE.prometheusName() + "_count")).isEqualTo(valid + 1);
        assertThat(after.value(Metric.REQUEST_AGE.prometheusName() + "_sum", "status=\"ok\"")).isPositive();
        assertThat(after.value(Metric.RELAY_LATENCY.prometheusName() + "_bucket", "status=\"429\"")).isPositive();
        assertThat(after.value(Metric.RATE_LIMITER_WAIT.prometheusName() + "_count")).isEqualTo(valid + throttled);
        assertThat(after.value(Metric.TOKENS.prometheusName(), "kind=\"prompt\"")).isPositive();
        assertThat(after.value(Metric.TOKENS.prometheusName(), "kind=\"completion\"")).isPositive();
        assertThat(after.value(Metric.PARTITIONS_ASSIGNED.prometheusName())).as("2 request and 2 retry partitions")
        .isEqualTo(4);
        assertThat(after.has(Metric.PARTITIONS_PAUSED.prometheusName())).isTrue();
        assertThat(after.has(Metric.PARKED.prometheusName())).isTrue();
        assertThat(after.has(Metric.RELAY_CALLS_ACTIVE.prometheusName())).isTrue();
        assertThat(after.value(Metric.CONSUMER_LAG.prometheusName(), "partition=\"1\"")).isZero();
        assertThat(after.value("resilience4j_circuitbreaker_state", "state=\"closed\"")).isEqualTo(1);
        assertThat(after.value("resilience4j_retry_calls_total", "kind=\"successful_with_retry\"")).isPositive();
        // The Kafka clients' own metrics, bound through Micrometer.
        assertThat(after.has("kafka_consumer_fetch_manager_records_lag_max")).isTrue();
        assertThat(after.value("kafka_producer_record_send_total")).isPositive();
      }
    }
  }

  private HttpResponse<String> get(String url) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException("GET " + url + " failed", e);
    }
  }
}
