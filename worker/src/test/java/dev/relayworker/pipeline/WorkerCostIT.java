package dev.relayworker.pipeline;

import static dev.relayworker.testkit.TopicReader.header;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.config.WorkerConfig;
import dev.relayworker.metrics.Metric;
import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testing.TestWorkers;
import dev.relayworker.testkit.KafkaBroker;
import dev.relayworker.testkit.RawRelay;
import dev.relayworker.testkit.Scrape;
import dev.relayworker.testkit.TopicReader;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every ok reply says what it cost, by the relays' formula over the price table, the key's group and the usage. */
@ExtendWith(KafkaBroker.class)
class WorkerCostIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  /** model → {model_ratio, completion_ratio} as the table below writes them. */
  private static final Map<String, double[]> RATIOS = Map.of(
      "gpt-3.5-turbo-instruct", new double[] {0.75, 4.0 / 3},
      "davinci-002", new double[] {1, 1},
      "babbage-002", new double[] {0.2, 1});
  private static final String TABLE = """
      {"groups": {"default": 1, "vip": 1.5, "cheap": 0.5},
       "models": {
         "gpt-3.5-turbo-instruct": {"usd_per_million_prompt": 1.5, "usd_per_million_completion": 2},
         "davinci-002": {"model_ratio": 1, "completion_ratio": 1},
         "babbage-002": {"model_ratio": 0.2}
       }}
      """;
  private final ObjectMapper json = new ObjectMapper();
  private RelaySimulator simulator;

  @AfterEach
  void stopSimulator() {
    simulator.close();
  }

  @ParameterizedTest(name = "group {0} (ratio {1})")
  @CsvSource({"vip, 1.5", "cheap, 0.5"})
  void everyOkReplyCarriesItsUsageAndCost(String group, double groupRatio, KafkaBroker.Running broker,
      @TempDir Path dir) throws IOException {
    simulator = RelaySimulator.start(SimulatorSettings.defaults().withModels(
        java.util.Set.of("gpt-3.5-turbo-instruct", "davinci-002", "babbage-002", "unpriced-model")), 0);
    Path prices = Files.writeString(dir.resolve("prices.json"), TABLE);
    TestWorkers workers = new TestWorkers(broker, simulator, "cost-" + group)
        .with(WorkerConfig.PRICE_TABLE_FILE, prices)
        .with(WorkerConfig.RELAY_GROUP, group);
    List<String> models = List.of("gpt-3.5-turbo-instruct", "davinci-002", "babbage-002", "unpriced-model");

    Scrape scrape;
    try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer();
        TopicReader replies = workers.replies()) {
      for (int i = 0; i < 20; i++) {
        String model = models.get(i % models.size());
        producer.send(new ProducerRecord<>(workers.requestTopic, TestWorkers.utf8(model + "-" + i), TestWorkers.utf8(
            "{\"model\":\"" + model + "\",\"prompt\":\"price me " + i + "\",\"max_tokens\":" + (5 + i) + "}")));
      }
      producer.flush();
      replies.awaitDistinctKeys(20, WAIT);
      scrape = Scrape.fetch(worker.opsPort());
    }

    List<ConsumerRecord<byte[], byte[]>> replies;
    try (TopicReader reader = workers.replies()) {
      replies = reader.readToEnd(WAIT);
    }
    BigDecimal totalUsd = BigDecimal.ZERO;
    for (ConsumerRecord<byte[], byte[]> reply : replies) {
      String model = new String(reply.key(), StandardCharsets.UTF_8).replaceAll("-\\d+$", "");
      JsonNode usage = json.readTree(reply.value()).path("usage");
      long prompt = usage.path("prompt_tokens").asLong();
      long completion = usage.path("completion_tokens").asLong();
      assertThat(header(reply, ProtocolHeaders.STATUS)).isEqualTo("ok");
      assertThat(header(reply, ProtocolHeaders.USAGE_PROMPT_TOKENS)).isEqualTo(Long.toString(prompt));
      assertThat(header(reply, ProtocolHeaders.USAGE_COMPLETION_TOKENS)).isEqualTo(Long.toString(completion));
      assertThat(header(reply, ProtocolHeaders.RELAY_GROUP)).isEqualTo(group);
      assertThat(header(reply, ProtocolHeaders.RELAY_ROUTE)).as("the single relay is route default").isEqualTo("default");
      double[] ratio = RATIOS.get(model);
      if (ratio == null) {
        assertThat(header(reply, ProtocolHeaders.COST_QUOTA)).as(model).isNull();
        assertThat(header(reply, ProtocolHeaders.COST_USD)).as(model).isNull();
        continue;
      }
      long quota = (long) Math.ceil((prompt + completion * ratio[1]) * ratio[0] * groupRatio - 1e-9);
      assertThat(header(reply, ProtocolHeaders.COST_QUOTA)).as(model).isEqualTo(Long.toString(quota));
      BigDecimal usd = new BigDecimal(header(reply, ProtocolHeaders.COST_USD));
      assertThat(usd).as(model).isEqualByComparingTo(BigDecimal.valueOf(quota).divide(BigDecimal.valueOf(500_000)));
      totalUsd = totalUsd.add(usd);
    }
    assertThat(replies).hasSize(20);
    double counted = scrape.value(Metric.COST_USD.prometheusName());
    assertThat(counted).isCloseTo(totalUsd.doubleValue(), org.assertj.core.data.Offset.offset(1e-9));
    assertThat(scrape.value(Metric.COST_USD.prometheusName(), "group=\"" + group + "\"", "route=\"default\""))
        .isCloseTo(totalUsd.doubleValue(), org.assertj.core.data.Offset.offset(1e-9));
    assertThat(scrape.value(Metric.UNPRICED.prometheusName())).isEqualTo(5);
  }

  /**
   * An answer reporting cached and reasoning tokens in OpenAI's fields (a raw-socket relay) is
   * priced at the model's cache ratio, its reply carries both counts, and the token counter counts
   * them under their own kinds.
   */
  @org.junit.jupiter.api.Test
  void cachedAndReasoningTokensArePricedAsTheRelaysPriceThemAndReported(KafkaBroker.Running broker) {
    String usage = "{\"prompt_tokens\":1000,\"completion_tokens\":200,\"total_tokens\":1200,"
        + "\"prompt_tokens_details\":{\"cached_tokens\":800},\"completion_tokens_details\":{\"reasoning_tokens\":150}}";
    simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0);
    try (RawRelay relay = RawRelay.start(exchange -> exchange.write(RawRelay.response(200, "OK",
        "{\"id\":\"cmpl-" + exchange.overall + "\",\"object\":\"text_completion\",\"model\":\"gpt-4o\","
            + "\"choices\":[{\"text\":\"ok\",\"index\":0,\"finish_reason\":\"stop\"}],\"usage\":" + usage + "}")))) {
      TestWorkers workers = new TestWorkers(broker, simulator, "cost-cached").with(WorkerConfig.RELAY_BASE_URL,
          relay.baseUri());
      List<ConsumerRecord<byte[], byte[]>> replies;
      Scrape scrape;
      try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer();
          TopicReader reader = workers.replies()) {
        for (int i = 0; i < 3; i++) {
          producer.send(new ProducerRecord<>(workers.requestTopic, TestWorkers.utf8("c-" + i),
              TestWorkers.utf8("{\"model\":\"gpt-4o\",\"prompt\":\"cached " + i + "\",\"max_tokens\":300}")));
        }
        producer.flush();
        replies = reader.awaitDistinctKeys(3, WAIT);
        scrape = Scrape.fetch(worker.opsPort());
      }

      // gpt-4o in the default table: (1000 − 800 + 800 × 0.5 + 200 × 4) × 1.25 = 1750 quota, 0.0035 USD.
      assertThat(replies).hasSize(3).allSatisfy(reply -> {
        assertThat(header(reply, ProtocolHeaders.USAGE_CACHED_TOKENS)).isEqualTo("800");
        assertThat(header(reply, ProtocolHeaders.USAGE_REASONING_TOKENS)).isEqualTo("150");
        assertThat(header(reply, ProtocolHeaders.COST_QUOTA)).isEqualTo("1750");
        assertThat(header(reply, ProtocolHeaders.COST_USD)).isEqualTo("0.0035");
      });
      assertThat(scrape.value(Metric.TOKENS.prometheusName(), "kind=\"cached\"")).isEqualTo(2_400);
      assertThat(scrape.value(Metric.TOKENS.prometheusName(), "kind=\"reasoning\"")).isEqualTo(450);
      // Split by kind, three answers: 200 uncached × 1.25, 800 cached × 0.5 × 1.25, 200 × 4 × 1.25, per 500,000.
      org.assertj.core.data.Offset<Double> exact = org.assertj.core.data.Offset.offset(1e-12);
      assertThat(scrape.value(Metric.COST_USD_BY_KIND.prometheusName(), "kind=\"prompt\"")).isCloseTo(0.0015, exact);
      assertThat(scrape.value(Metric.COST_USD_BY_KIND.prometheusName(), "kind=\"cached\"")).isCloseTo(0.003, exact);
      assertThat(scrape.value(Metric.COST_USD_BY_KIND.prometheusName(), "kind=\"completion\"")).isCloseTo(0.006,
          exact);
    }
  }
}
