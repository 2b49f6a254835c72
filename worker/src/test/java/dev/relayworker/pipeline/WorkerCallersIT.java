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
import dev.relayworker.testkit.Scrape;
import dev.relayworker.testkit.TopicReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Callers, named by their {@code relay_caller} header: each has its own spend caps over every
 * route, and may use only the routes it is allowed; one caller over its cap leaves the others'
 * requests flowing.
 */
@ExtendWith(KafkaBroker.class)
class WorkerCallersIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private final RelaySimulator cheap = RelaySimulator.start(SimulatorSettings.defaults(), 0);
  private final RelaySimulator premium = RelaySimulator.start(SimulatorSettings.defaults(), 0);

  @AfterEach
  void stopSimulators() {
    cheap.close();
    premium.close();
  }

  @Test
  void aCallerOverItsCapIsAnsweredBudgetExceededWhileAnotherCallersRequestsFlow(KafkaBroker.Running broker) {
    // svc-a may spend 0.00001 USD a day (5 quota): its first call (about 20 quota) uses it up.
    TestWorkers workers = new TestWorkers(broker, cheap, "caller-cap")
        .with(WorkerConfig.BUDGET_CALLER_USD_PER_DAY, "svc-a=0.00001; *=1000");
    Map<String, ConsumerRecord<byte[], byte[]>> replies;
    try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer();
        TopicReader reader = workers.replies()) {
      sendTenEach(producer, workers);
      replies = byKey(reader.awaitDistinctKeys(20, WAIT));
    }

    List<ConsumerRecord<byte[], byte[]>> fromA = of(replies, "a-");
    assertThat(fromA.stream().filter(WorkerCallersIT::ok)).as("one call before the cap, reserved first").hasSize(1);
    assertThat(fromA.stream().filter(reply -> !ok(reply))).hasSize(9).allSatisfy(reply -> {
      assertThat(header(reply, ProtocolHeaders.ERROR_TYPE)).isEqualTo("budget_exceeded");
      assertThat(TopicReader.value(reply)).contains("caller:svc-a").contains("per day");
    });
    assertThat(of(replies, "b-")).hasSize(10).allSatisfy(reply -> assertThat(ok(reply)).isTrue());
    assertThat(cheap.stats().calls()).isEqualTo(11);
  }

  @Test
  void withParkingACallerOverItsCapWaitsForItsWindowWhileAnotherCallersRequestsFlow(KafkaBroker.Running broker) {
    TestWorkers workers = new TestWorkers(broker, cheap, "caller-park")
        .with(WorkerConfig.BUDGET_CALLER_USD_PER_DAY, "svc-a=0.00001; *=1000")
        .with(WorkerConfig.BUDGET_EXCEEDED_ACTION, WorkerConfig.PARK)
        // Parked requests wait for the window, not for a stop: do not wait the default 30 s for them.
        .with(WorkerConfig.SHUTDOWN_TIMEOUT_MS, 1_000);
    try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer();
        TopicReader reader = workers.replies()) {
      sendTenEach(producer, workers);
      Map<String, ConsumerRecord<byte[], byte[]>> replies = byKey(reader.awaitDistinctKeys(11, WAIT));
      Await.until("svc-a's other nine parked", WAIT,
          () -> Scrape.fetch(worker.opsPort()).value(Metric.PARKED.prometheusName()) == 9);

      assertThat(of(replies, "a-")).hasSize(1).allSatisfy(reply -> assertThat(ok(reply)).isTrue());
      assertThat(of(replies, "b-")).hasSize(10).allSatisfy(reply -> assertThat(ok(reply)).isTrue());
      assertThat(cheap.stats().calls()).isEqualTo(11);
    }
  }

  @Test
  void aCallerMayNameOnlyTheRoutesItIsAllowedAndIsToldOnlyOfThose(KafkaBroker.Running broker) {
    TestWorkers workers = twoRoutes(new TestWorkers(broker, cheap, "caller-routes"))
        .with(WorkerConfig.ROUTING_ALLOWED_GROUPS, "svc-a=cheap; *=cheap,vip");
    Map<String, ConsumerRecord<byte[], byte[]>> replies;
    try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer();
        TopicReader reader = workers.replies()) {
      producer.send(request(workers, "a-premium", "svc-a", "premium"));
      producer.send(request(workers, "a-plain", "svc-a", null));
      producer.send(request(workers, "b-premium", "svc-b", "vip"));
      producer.send(request(workers, "anonymous-premium", null, "premium"));
      producer.flush();
      replies = byKey(reader.awaitDistinctKeys(4, WAIT));
    }

    ConsumerRecord<byte[], byte[]> refused = replies.get("a-premium");
    assertThat(header(refused, ProtocolHeaders.ERROR_TYPE)).isEqualTo("invalid_request_error");
    assertThat(TopicReader.value(refused)).contains("its routes: cheap").doesNotContain("premium,")
        .doesNotContain("cheap, premium");
    assertThat(header(replies.get("a-plain"), ProtocolHeaders.RELAY_ROUTE)).isEqualTo("cheap");
    assertThat(header(replies.get("b-premium"), ProtocolHeaders.RELAY_ROUTE)).isEqualTo("premium");
    assertThat(header(replies.get("anonymous-premium"), ProtocolHeaders.RELAY_ROUTE)).isEqualTo("premium");
    assertThat(premium.stats().calls()).isEqualTo(2);
  }

  @Test
  void withTheGroupHeaderOffRequestsFollowTheRoutingTableAlone(KafkaBroker.Running broker) {
    TestWorkers workers = twoRoutes(new TestWorkers(broker, cheap, "group-header-off"))
        .with(WorkerConfig.ROUTING_GROUP_HEADER_ENABLED, false);
    try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer();
        TopicReader reader = workers.replies()) {
      producer.send(request(workers, "asks-premium", "svc-b", "premium"));
      producer.flush();
      ConsumerRecord<byte[], byte[]> reply = reader.awaitDistinctKeys(1, WAIT).get(0);

      assertThat(ok(reply)).isTrue();
      assertThat(header(reply, ProtocolHeaders.RELAY_ROUTE)).isEqualTo("cheap");
      assertThat(premium.stats().calls()).isZero();
    }
  }

  /** Routes cheap (group cheap) and premium (group vip), each on its own simulator. */
  private TestWorkers twoRoutes(TestWorkers workers) {
    return workers.with(WorkerConfig.ROUTES, "cheap,premium")
        .with("route.cheap.base.url", cheap.baseUri())
        .with("route.cheap.group.ratio", 1)
        .with("route.premium.base.url", premium.baseUri())
        .with("route.premium.api.key", SimulatorSettings.DEFAULT_KEY)
        .with("route.premium.group", "vip");
  }

  /** Ten requests of svc-a (keys a-0 to a-9) and ten of svc-b, interleaved. */
  private static void sendTenEach(KafkaProducer<byte[], byte[]> producer, TestWorkers workers) {
    for (int i = 0; i < 10; i++) {
      producer.send(request(workers, "a-" + i, "svc-a", null));
      producer.send(request(workers, "b-" + i, "svc-b", null));
    }
    producer.flush();
  }

  private static ProducerRecord<byte[], byte[]> request(TestWorkers workers, String id, String caller, String group) {
    ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(workers.requestTopic, TestWorkers.utf8(id),
        TestWorkers.utf8("{\"model\":\"davinci-002\",\"prompt\":\"" + id + "\",\"max_tokens\":16}"));
    if (caller != null) {
      record.headers().add(ProtocolHeaders.RELAY_CALLER, caller.getBytes(StandardCharsets.UTF_8));
    }
    if (group != null) {
      record.headers().add(ProtocolHeaders.RELAY_GROUP, group.getBytes(StandardCharsets.UTF_8));
    }
    return record;
  }

  private static Map<String, ConsumerRecord<byte[], byte[]>> byKey(List<ConsumerRecord<byte[], byte[]>> replies) {
    return replies.stream().collect(Collectors.toMap(TopicReader::key, Function.identity(), (first, second) -> first));
  }

  private static List<ConsumerRecord<byte[], byte[]>> of(Map<String, ConsumerRecord<byte[], byte[]>> replies,
      String prefix) {
    return replies.entrySet().stream().filter(entry -> entry.getKey().startsWith(prefix)).map(Map.Entry::getValue)
        .toList();
  }

  private static boolean ok(ConsumerRecord<byte[], byte[]> reply) {
    return ProtocolHeaders.STATUS_OK.equals(header(reply, ProtocolHeaders.STATUS));
  }
}
