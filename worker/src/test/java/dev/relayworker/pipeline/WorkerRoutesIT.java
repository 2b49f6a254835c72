package dev.relayworker.pipeline;

import static dev.relayworker.testkit.TopicReader.header;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.config.WorkerConfig;
import dev.relayworker.metrics.Metric;
import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.simulator.Flavor;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testing.TestWorkers;
import dev.relayworker.testkit.KafkaBroker;
import dev.relayworker.testkit.Scrape;
import dev.relayworker.testkit.TopicReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two relays as two routes of a worker on a real broker: a cheap group whose quota runs out
 * part-way and a premium group that takes over, each within its own rate limit; requests naming
 * a route; every reply saying which route answered and what it cost there.
 */
@ExtendWith(KafkaBroker.class)
class WorkerRoutesIT {

  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final String MODEL = "gpt-3.5-turbo-instruct";
  private static final String TABLE = """
      {"groups": {"default": 1, "cheap": 0.5, "vip": 1.5},
       "models": {"gpt-3.5-turbo-instruct": {"model_ratio": 0.75, "completion_ratio": 1.3333333333},
                  "gpt-4o": {"model_ratio": 1.25, "completion_ratio": 4}}}
      """;
  private static final Map<String, Double> GROUP_RATIOS = Map.of("cheap", 0.5, "vip", 1.5);

  private final ObjectMapper json = new ObjectMapper();
  private RelaySimulator cheap;
  private RelaySimulator premium;

  @AfterEach
  void stopSimulators() {
    cheap.close();
    premium.close();
  }

  @Test
  void aRouteOutOfQuotaPartWayHandsItsRequestsOverAndEveryOneIsAnsweredOkWithinEachRoutesLimit(
      KafkaBroker.Running broker, @TempDir Path dir) throws IOException {
    // About 8 quota an answer at the cheap group's prices: 200 pay for some 25 of the 80 requests.
    cheap = RelaySimulator.start(SimulatorSettings.defaults().withFlavor(Flavor.NEW_API).withGroup("cheap", Set.of())
        .withPrices(0.75, 4.0 / 3, 0.5).withQuota(200).withLatency(Duration.ofMillis(10), Duration.ofMillis(10)), 0);
    premium = RelaySimulator.start(SimulatorSettings.defaults().withApiKey("sk-premium").withGroup("vip", Set.of())
        .withRateLimit(600, 2), 0);
    TestWorkers workers = routes(broker, dir, "routes-quota")
        .with(WorkerConfig.RELAY_MAX_CONCURRENT_CALLS, 8)
        // Below the premium relay's own 600 a minute: it must never have to say 429.
        .with("route.premium.rate.limit.rpm", 540);
    int requests = 80;

    Scrape metrics;
    try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer();
        TopicReader replies = workers.replies()) {
      for (int i = 0; i < requests; i++) {
        producer.send(workers.request("r-" + i, "route me " + i));
      }
      producer.flush();
      replies.awaitDistinctKeys(requests, WAIT);
      metrics = Scrape.fetch(worker.opsPort());
    }

    List<ConsumerRecord<byte[], byte[]>> replies = readReplies(workers);
    Map<String, Integer> byRoute = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> reply : replies) {
      assertThat(header(reply, ProtocolHeaders.STATUS)).as(TopicReader.value(reply)).isEqualTo("ok");
      String route = header(reply, ProtocolHeaders.RELAY_ROUTE);
      byRoute.merge(route, 1, Integer::sum);
      String group = header(reply, ProtocolHeaders.RELAY_GROUP);
      assertThat(group).isEqualTo(route.equals("cheap") ? "cheap" : "vip");
      assertCostAtGroupRatio(reply, GROUP_RATIOS.get(group));
    }
    assertThat(replies).hasSize(requests);
    assertThat(byRoute.get("cheap")).as("cheap answered until its quota ran out").isBetween(10, requests - 10);
    assertThat(byRoute.get("premium")).isEqualTo(requests - byRoute.get("cheap"));
    assertThat(cheap.stats().outcome("403")).as("the cheap key was refused at least once").isPositive();
    assertThat(premium.stats().outcome("429")).as("each route's limit holds").isZero();
    assertThat(metrics.value(Metric.COST_USD.prometheusName(), "route=\"cheap\"", "group=\"cheap\"")).isPositive();
    assertThat(metrics.value(Metric.COST_USD.prometheusName(), "route=\"premium\"", "group=\"vip\"")).isPositive();
    assertThat(metrics.value(Metric.RELAY_THROTTLED.prometheusName(), "route=\"premium\"")).isZero();
    assertThat(metrics.value(Metric.ROUTE_FALLOVERS.prometheusName(), "route=\"cheap\""))
        .as("every request cheap refused went on to premium, and was counted on the route it left")
        .isGreaterThanOrEqualTo(cheap.stats().outcome("403"));
    assertThat(metrics.value(Metric.ROUTE_FALLOVERS.prometheusName(), "route=\"premium\"")).isZero();
  }

  @Test
  void requestsNamingARouteGoThereChatIncludedAndANameNoRouteAnswersToIsRefused(KafkaBroker.Running broker,
      @TempDir Path dir) throws IOException {
    cheap = RelaySimulator.start(SimulatorSettings.defaults().withGroup("cheap", Set.of("gpt-4o"))
        .withModels(Set.of(MODEL, "gpt-4o")), 0);
    premium = RelaySimulator.start(SimulatorSettings.defaults().withApiKey("sk-premium").withGroup("vip", Set.of())
        .withModels(Set.of(MODEL, "gpt-4o")), 0);
    TestWorkers workers = routes(broker, dir, "routes-named");

    try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer();
        TopicReader replies = workers.replies()) {
      producer.send(named(workers, "by-route", "premium", completion(MODEL)));
      producer.send(named(workers, "by-group", "vip", completion(MODEL)));
      producer.send(named(workers, "chat-by-group", "vip", chat(MODEL)));
      producer.send(named(workers, "unnamed", null, completion(MODEL)));
      producer.send(named(workers, "not-allowed-on-cheap", null, chat("gpt-4o")));
      producer.send(named(workers, "unknown-group", "svip", completion(MODEL)));
      producer.flush();
      replies.awaitDistinctKeys(6, WAIT);
    }

    Map<String, ConsumerRecord<byte[], byte[]>> byKey = new HashMap<>();
    readReplies(workers).forEach(reply -> byKey.put(TopicReader.key(reply), reply));
    assertThat(header(byKey.get("by-route"), ProtocolHeaders.RELAY_ROUTE)).isEqualTo("premium");
    assertThat(header(byKey.get("by-group"), ProtocolHeaders.RELAY_ROUTE)).isEqualTo("premium");
    assertThat(header(byKey.get("chat-by-group"), ProtocolHeaders.RELAY_ROUTE)).isEqualTo("premium");
    assertThat(json.readTree(byKey.get("chat-by-group").value()).path("object").asText()).isEqualTo("chat.completion");
    assertThat(header(byKey.get("unnamed"), ProtocolHeaders.RELAY_ROUTE)).isEqualTo("cheap");
    assertThat(header(byKey.get("not-allowed-on-cheap"), ProtocolHeaders.STATUS)).isEqualTo("ok");
    assertThat(header(byKey.get("not-allowed-on-cheap"), ProtocolHeaders.RELAY_ROUTE)).isEqualTo("premium");
    ConsumerRecord<byte[], byte[]> refused = byKey.get("unknown-group");
    assertThat(header(refused, ProtocolHeaders.ERROR_TYPE)).isEqualTo("invalid_request_error");
    assertThat(json.readTree(refused.value()).path("error").path("message").asText()).contains("'svip'");
    assertThat(cheap.stats().calls() + premium.stats().calls()).as("the refused request was never sent").isEqualTo(6);
  }

  private TestWorkers routes(KafkaBroker.Running broker, Path dir, String name) throws IOException {
    Path prices = Files.writeString(dir.resolve("prices.json"), TABLE);
    Path premiumKey = Files.writeString(dir.resolve("premium.key"), "sk-premium\n");
    return new TestWorkers(broker, cheap, name)
        .with(WorkerConfig.PRICE_TABLE_FILE, prices)
        .with(WorkerConfig.ROUTES, "cheap,premium")
        .with("route.cheap.base.url", cheap.baseUri())
        .with("route.premium.base.url", premium.baseUri())
        .with("route.premium.api.key.file", premiumKey)
        .with("route.premium.group", "vip");
  }

  private void assertCostAtGroupRatio(ConsumerRecord<byte[], byte[]> reply, double groupRatio) throws IOException {
    JsonNode usage = json.readTree(reply.value()).path("usage");
    long expected = (long) Math.ceil((usage.path("prompt_tokens").asLong()
        + usage.path("completion_tokens").asLong() * 1.3333333333) * 0.75 * groupRatio - 1e-9);
    assertThat(header(reply, ProtocolHeaders.COST_QUOTA)).as(TopicReader.value(reply)).isEqualTo(Long.toString(expected));
  }

  private static ProducerRecord<byte[], byte[]> named(TestWorkers workers, String id, String group, String body) {
    ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(workers.requestTopic, TestWorkers.utf8(id),
        TestWorkers.utf8(body));
    if (group != null) {
      record.headers().add(ProtocolHeaders.RELAY_GROUP, group.getBytes(StandardCharsets.UTF_8));
    }
    return record;
  }

  private static String completion(String model) {
    return "{\"model\":\"" + model + "\",\"prompt\":\"Say hi\",\"max_tokens\":8}";
  }

  private static String chat(String model) {
    return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hi\"}],\"max_tokens\":8}";
  }

  private static List<ConsumerRecord<byte[], byte[]>> readReplies(TestWorkers workers) {
    try (TopicReader reader = workers.replies()) {
      return reader.readToEnd(WAIT);
    }
  }
}
