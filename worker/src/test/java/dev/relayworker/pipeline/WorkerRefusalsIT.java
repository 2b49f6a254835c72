package dev.relayworker.pipeline;

import static dev.relayworker.testkit.TopicReader.header;
import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.config.WorkerConfig;
import dev.relayworker.metrics.Metric;
import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testing.TestWorkers;
import dev.relayworker.testkit.Await;
import dev.relayworker.testkit.KafkaBroker;
import dev.relayworker.testkit.RawRelay;
import dev.relayworker.testkit.Scrape;
import dev.relayworker.testkit.TopicReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Relay refusals read by what they mean, on a real broker against relays written on raw sockets:
 * a refusal of one request is that request's answer and leaves the route open; a used-up account
 * is the key's outage however its relay words it.
 */
@ExtendWith(KafkaBroker.class)
class WorkerRefusalsIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String PRE_CONSUME = "{\"error\":{\"message\":\"pre-consume quota failed, user quota: 1200,"
      + " need quota: 24576 (request id: P1)\",\"type\":\"new_api_error\",\"code\":\"insufficient_user_quota\"}}";
  private static final String ACCOUNT_OUT = "{\"error\":{\"message\":\"You exceeded your current quota, please check"
      + " your plan and billing details.\",\"type\":\"insufficient_quota\",\"param\":null,\"code\":\"insufficient_quota\"}}";

  private final HttpClient http = HttpClient.newHttpClient();
  private final RelaySimulator unused = RelaySimulator.start(SimulatorSettings.defaults(), 0);

  @AfterEach
  void stopSimulator() {
    unused.close();
  }

  @Test
  void aRequestTooLargeForTheBalanceIsAnsweredAloneAndTheRouteStaysOpen(KafkaBroker.Running broker) {
    try (RawRelay relay = RawRelay.start(exchange -> exchange.write(exchange.prompt().startsWith("huge")
        ? RawRelay.response(403, "Forbidden", PRE_CONSUME) : RawRelay.ok("cmpl-" + exchange.overall, "fine")))) {
      TestWorkers workers = workers(broker, relay, "over-balance");
      Map<String, ConsumerRecord<byte[], byte[]>> replies = answer(workers, relay, 60, "huge-30");

      ConsumerRecord<byte[], byte[]> huge = replies.get("r-30");
      assertThat(header(huge, ProtocolHeaders.STATUS)).isEqualTo(ProtocolHeaders.STATUS_ERROR);
      assertThat(header(huge, ProtocolHeaders.ERROR_TYPE)).isEqualTo("insufficient_quota");
      assertThat(TopicReader.value(huge)).contains("need quota: 24576").contains("user quota: 1200");
      assertThat(replies.values().stream().filter(reply -> reply != huge))
          .allSatisfy(reply -> assertThat(header(reply, ProtocolHeaders.STATUS)).isEqualTo(ProtocolHeaders.STATUS_OK));
      assertThat(relay.received().stream().filter(exchange -> exchange.prompt().startsWith("huge")))
          .as("refused once, never retried nor sent as a key probe").hasSize(1);
      assertThat(relay.requests()).as("sixty small requests and the huge one, each sent once").isEqualTo(61);
    }
  }

  @Test
  void aUsedUpAccountsTooManyRequestsIsTheKeysOutageWaitedOutWithNoErrorReply(KafkaBroker.Running broker) {
    AtomicBoolean toppedUp = new AtomicBoolean();
    try (RawRelay relay = RawRelay.start(exchange -> exchange.write(toppedUp.get()
        ? RawRelay.ok("cmpl-" + exchange.overall, "fine") : RawRelay.response(429, "Too Many Requests", ACCOUNT_OUT)))) {
      TestWorkers workers = workers(broker, relay, "account-out");
      try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer()) {
        String ops = "http://127.0.0.1:" + worker.opsPort();
        for (int i = 0; i < 20; i++) {
          producer.send(workers.request("r-" + i, "small " + i));
        }
        producer.flush();
        Await.until("not ready, the key held", WAIT, () -> {
          HttpResponse<String> ready = get(ops + "/health/ready");
          return ready.statusCode() == 503 && ready.body().contains("\"held\":\"key\"")
              && ready.body().contains("insufficient_quota");
        });
        assertThat(Scrape.of(get(ops + "/metrics").body()).value(Metric.KEY_AVAILABLE.prometheusName())).isZero();
        try (TopicReader replies = workers.replies()) {
          assertThat(replies.readToEnd(Duration.ofSeconds(2))).as("no error reply while the key is out").isEmpty();
        }

        toppedUp.set(true);

        try (TopicReader replies = workers.replies()) {
          List<ConsumerRecord<byte[], byte[]>> answered = replies.awaitDistinctKeys(20, WAIT);
          assertThat(answered).allSatisfy(
              reply -> assertThat(header(reply, ProtocolHeaders.STATUS)).isEqualTo(ProtocolHeaders.STATUS_OK));
        }
        Await.until("ready again", WAIT, () -> get(ops + "/health/ready").statusCode() == 200);
      }
    }
  }

  @Test
  void aFirewallsRefusalAnswersThatRequestAndMovesNothingToTheDearerRoute(KafkaBroker.Running broker) {
    try (RawRelay cheap = RawRelay.start(exchange -> exchange.write(exchange.prompt().contains("script")
            ? "HTTP/1.1 403 Forbidden\r\nContent-Type: text/html\r\nContent-Length: 48\r\n\r\n"
                + "<html><body>Request blocked by WAF</body></html>"
            : RawRelay.ok("cmpl-cheap-" + exchange.overall, "cheap")));
        RawRelay premium = RawRelay.start(exchange -> exchange.write(RawRelay.ok("cmpl-vip-" + exchange.overall,
            "premium")))) {
      TestWorkers workers = workers(broker, cheap, "firewall")
          .with(WorkerConfig.ROUTES, "cheap,premium")
          .with("route.cheap.base.url", cheap.baseUri())
          .with("route.cheap.group.ratio", 1)
          .with("route.premium.base.url", premium.baseUri())
          .with("route.premium.api.key", "sk-premium")
          .with("route.premium.group", "vip")
          .with("route.premium.group.ratio", 2);
      Map<String, ConsumerRecord<byte[], byte[]>> replies = answer(workers, cheap, 30, "script-10");

      ConsumerRecord<byte[], byte[]> refused = replies.get("r-10");
      assertThat(header(refused, ProtocolHeaders.STATUS)).isEqualTo(ProtocolHeaders.STATUS_ERROR);
      assertThat(header(refused, ProtocolHeaders.ERROR_TYPE)).isEqualTo("invalid_request_error");
      assertThat(replies.values().stream().filter(reply -> reply != refused))
          .allSatisfy(reply -> assertThat(header(reply, ProtocolHeaders.RELAY_ROUTE)).isEqualTo("cheap"));
      assertThat(premium.requests()).as("nothing moved to the dearer route").isZero();
    }
  }

  /**
   * OpenAI's rate limits are per model: a 429 for gpt-4o that asks for ten minutes pauses gpt-4o
   * on the route, and the other model's requests are answered meanwhile (a pause of the route
   * would have left them no time before their deadlines either).
   */
  @Test
  void aTooManyRequestsForOneModelLeavesTheOtherModelsFlowing(KafkaBroker.Running broker) {
    String perModel = "{\"error\":{\"message\":\"Rate limit reached for gpt-4o in organization org-x on requests per"
        + " min (RPM): Limit 3, Used 3, Requested 1.\",\"type\":\"requests\",\"param\":null,"
        + "\"code\":\"rate_limit_exceeded\"}}";
    try (RawRelay relay = RawRelay.start(exchange -> exchange.write(
        new String(exchange.body, java.nio.charset.StandardCharsets.UTF_8).contains("\"gpt-4o\"")
            ? "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nRetry-After: 600\r\n"
                + "Content-Length: " + perModel.length() + "\r\n\r\n" + perModel
            : RawRelay.ok("cmpl-" + exchange.overall, "fine")))) {
      TestWorkers workers = workers(broker, relay, "model-paused").with(WorkerConfig.RELAY_RETRY_AFTER_MAX_MS, 600_000);
      try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer();
          TopicReader replies = workers.replies()) {
        producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(workers.requestTopic,
            TestWorkers.utf8("paused"), TestWorkers.utf8("{\"model\":\"gpt-4o\",\"prompt\":\"wait\"}")));
        producer.flush();
        Await.until("gpt-4o throttled", WAIT, () -> relay.requests() == 1);
        for (int i = 0; i < 20; i++) {
          producer.send(workers.request("r-" + i, "other model " + i));
        }
        producer.flush();

        Map<String, ConsumerRecord<byte[], byte[]>> answered = replies.awaitDistinctKeys(21, WAIT).stream()
            .collect(Collectors.toMap(TopicReader::key, Function.identity(), (first, second) -> first));

        // Ten minutes do not fit its deadline: it is told so at once, without a second call.
        assertThat(header(answered.get("paused"), ProtocolHeaders.ERROR_TYPE)).isEqualTo("deadline_exceeded");
        assertThat(answered.values().stream().filter(reply -> !TopicReader.key(reply).equals("paused"))).hasSize(20)
            .allSatisfy(reply -> assertThat(header(reply, ProtocolHeaders.STATUS)).isEqualTo(ProtocolHeaders.STATUS_OK));
        assertThat(relay.received().stream().filter(exchange -> new String(exchange.body,
            java.nio.charset.StandardCharsets.UTF_8).contains("\"gpt-4o\""))).as("gpt-4o waits its pause").hasSize(1);
      }
    }
  }

  /** Sends {@code count} requests, the one numbered by {@code special} with that prompt, and reads every reply. */
  private Map<String, ConsumerRecord<byte[], byte[]>> answer(TestWorkers workers, RawRelay relay, int count,
      String special) {
    String[] parts = special.split("-");
    int specialIndex = Integer.parseInt(parts[1]);
    try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer();
        TopicReader replies = workers.replies()) {
      for (int i = 0; i <= count; i++) {
        producer.send(workers.request("r-" + i, i == specialIndex ? special : "small " + i));
      }
      producer.flush();
      List<ConsumerRecord<byte[], byte[]>> read = replies.awaitDistinctKeys(count + 1, WAIT);
      String ops = "http://127.0.0.1:" + worker.opsPort();
      assertThat(get(ops + "/health/ready").statusCode()).as("the route was never held").isEqualTo(200);
      assertThat(Scrape.of(get(ops + "/metrics").body()).value(Metric.KEY_AVAILABLE.prometheusName(),
          "route=\"" + workers.config().routeNames().get(0) + "\"")).isEqualTo(1);
      return read.stream().collect(Collectors.toMap(reply -> new String(reply.key()), Function.identity(),
          (first, again) -> first));
    }
  }

  private TestWorkers workers(KafkaBroker.Running broker, RawRelay relay, String name) {
    return new TestWorkers(broker, unused, name).createRequestTopic(2)
        .with(WorkerConfig.RELAY_BASE_URL, relay.baseUri())
        .with(WorkerConfig.RELAY_MAX_CONCURRENT_CALLS, 4)
        .with(WorkerConfig.RELAY_KEY_PROBE_INTERVAL_MS, 300);
  }

  private HttpResponse<String> get(String url) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException("GET " + url + " failed", e);
    }
  }
}
