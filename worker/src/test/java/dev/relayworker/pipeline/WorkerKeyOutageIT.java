package dev.relayworker.pipeline;

import static dev.relayworker.testkit.TopicReader.header;
import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.config.WorkerConfig;
import dev.relayworker.metrics.Metric;
import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.simulator.Flavor;
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
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A key whose quota runs out mid-run is an outage of the key: the worker parks what it holds,
 * stops consuming, says it is not ready and why, probes, and once the key is topped up answers
 * every request, once, with no error reply at all.
 */
@ExtendWith(KafkaBroker.class)
class WorkerKeyOutageIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int REQUESTS = 60;
  private final HttpClient http = HttpClient.newHttpClient();
  private RelaySimulator simulator;

  @AfterEach
  void stopSimulator() {
    simulator.close();
  }

  @ParameterizedTest(name = "delivery.guarantee={0}")
  @ValueSource(strings = {WorkerConfig.EXACTLY_ONCE, WorkerConfig.AT_LEAST_ONCE})
  void quotaUsedUpMidRunIsWaitedOutAndEveryRequestAnsweredOnceAfterTheTopUp(String delivery,
      KafkaBroker.Running broker) {
    // About 15 quota an answer: 300 answer some 20 of the 60 requests before the relay refuses the key.
    simulator = RelaySimulator.start(SimulatorSettings.defaults().withFlavor(Flavor.NEW_API).withQuota(300)
        .withLatency(Duration.ofMillis(20), Duration.ofMillis(20)), 0);
    TestWorkers workers = new TestWorkers(broker, simulator, "key-outage").createRequestTopic(2)
        .with(WorkerConfig.DELIVERY_GUARANTEE, delivery)
        .with(WorkerConfig.RELAY_MAX_CONCURRENT_CALLS, 8)
        .with(WorkerConfig.RELAY_KEY_PROBE_INTERVAL_MS, 300);

    try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer()) {
      String admin = "http://127.0.0.1:" + worker.opsPort();
      for (int i = 0; i < REQUESTS; i++) {
        producer.send(workers.request("k-" + i, "quota " + i));
      }
      producer.flush();

      Await.until("the relay refusing the key and a probe refused too", WAIT,
          () -> simulator.stats().outcome("403") >= 1 && simulator.quota().usedUp());
      Await.until("not ready, naming the used-up key", WAIT, () -> {
        HttpResponse<String> ready = get(admin + "/health/ready");
        return ready.statusCode() == 503 && ready.body().contains("relay refused the key")
            && ready.body().contains("insufficient_user_quota") && ready.body().contains("\"held\":\"key\"")
            && !ready.body().contains(simulator.settings().apiKey());
      });
      assertThat(Scrape.of(get(admin + "/metrics").body()).value(Metric.KEY_AVAILABLE.prometheusName())).isZero();
      long refusedBefore = simulator.stats().outcome("403");
      Await.until("another probe", WAIT, () -> simulator.stats().outcome("403") > refusedBefore);

      simulator.quota().add(1_000_000);

      try (TopicReader replies = workers.replies()) {
        replies.awaitDistinctKeys(REQUESTS, WAIT);
      }
      Await.until("ready again", WAIT, () -> get(admin + "/health/ready").statusCode() == 200);
    }

    List<ConsumerRecord<byte[], byte[]>> replies;
    try (TopicReader reader = workers.replies()) {
      replies = reader.readToEnd(WAIT);
    }
    Set<String> keys = replies.stream().map(reply -> new String(reply.key())).collect(Collectors.toSet());
    assertThat(replies).hasSize(REQUESTS);
    assertThat(keys).hasSize(REQUESTS);
    assertThat(replies).allSatisfy(reply -> assertThat(header(reply, ProtocolHeaders.STATUS)).isEqualTo("ok"));
    // While the key was out, at most the calls already on their way and one probe per interval reached the relay.
    assertThat(simulator.stats().outcome("403")).isLessThan(REQUESTS);
  }

  @org.junit.jupiter.api.Test
  void aKeyRefusedAtTheFirstCallIsReportedAndNothingIsConsumedUntilItWorks(KafkaBroker.Running broker) {
    simulator = RelaySimulator.start(SimulatorSettings.defaults().withFlavor(Flavor.ONE_API)
        .withApiKey("sk-the-key-the-relay-knows"), 0);
    TestWorkers workers = new TestWorkers(broker, simulator, "first-call").createRequestTopic(2)
        .with(WorkerConfig.RELAY_API_KEY, "sk-a-key-with-a-typo")
        .with(WorkerConfig.RELAY_KEY_FAILURE, "fail")
        .with(WorkerConfig.RELAY_KEY_PROBE_INTERVAL_MS, 300);

    try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer()) {
      String admin = "http://127.0.0.1:" + worker.opsPort();
      for (int i = 0; i < 20; i++) {
        producer.send(workers.request("f-" + i, "first " + i));
      }
      producer.flush();
      Await.until("not ready, naming the key refused at the first call", WAIT, () -> {
        HttpResponse<String> ready = get(admin + "/health/ready");
        return ready.statusCode() == 503 && ready.body().contains("relay refused the key at the first call")
            && !ready.body().contains("sk-a-key-with-a-typo");
      });
      long refused = simulator.stats().outcome("401");
      Await.until("two more probes", WAIT, () -> simulator.stats().outcome("401") >= refused + 2);

      simulator.reconfigure(simulator.settings().withApiKey("sk-a-key-with-a-typo"));

      try (TopicReader replies = workers.replies()) {
        replies.awaitDistinctKeys(20, WAIT);
      }
    }
    List<ConsumerRecord<byte[], byte[]>> replies;
    try (TopicReader reader = workers.replies()) {
      replies = reader.readToEnd(WAIT);
    }
    // Even under relay.key.failure=fail: a key the relay never accepted answers nobody with an error.
    assertThat(replies).hasSize(20)
        .allSatisfy(reply -> assertThat(header(reply, ProtocolHeaders.STATUS)).isEqualTo("ok"));
  }

  private HttpResponse<String> get(String url) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException("GET " + url + " failed", e);
    }
  }
}
