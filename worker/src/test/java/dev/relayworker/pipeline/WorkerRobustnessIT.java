package dev.relayworker.pipeline;

import static dev.relayworker.testing.TestWorkers.utf8;
import static dev.relayworker.testkit.TopicReader.header;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.config.WorkerConfig;
import dev.relayworker.metrics.Metric;
import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.simulator.Fault;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testing.TestWorkers;
import dev.relayworker.testkit.Await;
import dev.relayworker.testkit.KafkaBroker;
import dev.relayworker.testkit.Scrape;
import dev.relayworker.testkit.TopicReader;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * No record, reply or relay answer can stop a partition, under either delivery guarantee: every
 * record that cannot be published as built (too large for its topic, a key too long to echo, a
 * partition that does not exist, a topic that does not, a reply Kafka refuses at send time) is
 * answered by its fallback, the requests behind it on the same partition are answered, and no
 * request goes to the relay twice.
 */
@ExtendWith(KafkaBroker.class)
class WorkerRobustnessIT {

  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final String BODY = "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"%s\",\"max_tokens\":%d}";
  private final ObjectMapper mapper = new ObjectMapper();
  private final java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
  private KafkaBroker.Running broker;
  private RelaySimulator simulator;

  @BeforeEach
  void start(KafkaBroker.Running running) {
    broker = running;
    simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0);
  }

  @AfterEach
  void stopSimulator() {
    simulator.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {WorkerConfig.EXACTLY_ONCE, WorkerConfig.AT_LEAST_ONCE})
  void oversizedAndUnroutableRecordsAreAnsweredAndThePartitionMovesOn(String guarantee) throws Exception {
    simulator.scriptForPrompt("bloat me", Fault.BLOATED);
    TestWorkers workers = new TestWorkers(broker, simulator, "oversize")
        .with(WorkerConfig.DELIVERY_GUARANTEE, guarantee)
        .createRequestTopic(1, Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(5 * 1024 * 1024)));
    String other = workers.replyTopic + ".other";
    String nowhere = workers.replyTopic + ".nowhere";
    workers.createTopic(other, 1, Map.of());
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    records.add(record(workers, "big-value", utf8(String.format(BODY, "x".repeat(2_000_000), 4))));
    records.add(record(workers, "near-limit", new byte[1_048_000]));
    records.add(record(workers, "k".repeat(600_000), body("big key")));
    records.add(record(workers, "K".repeat(1_100_000), body("huge key")));
    records.add(record(workers, "bloated", body("bloat me")));
    records.add(routed(record(workers, "default-p99", body("default p99")), workers.replyTopic, 99));
    records.add(routed(record(workers, "other-p5", body("other p5")), other, 5));
    records.add(routed(record(workers, "refused-other-p7", utf8("nope")), other, 7));
    records.add(routed(record(workers, "refused-default-p99", utf8("nope")), workers.replyTopic, 99));
    records.add(routed(record(workers, "missing-topic", body("missing topic")), nowhere, null));
    List<String> good = new ArrayList<>();
    List<ProducerRecord<byte[], byte[]>> interleaved = new ArrayList<>();
    for (ProducerRecord<byte[], byte[]> bad : records) {
      interleaved.add(bad);
      String id = "after-" + good.size();
      good.add(id);
      interleaved.add(record(workers, id, body(id)));
    }

    Map<String, List<ConsumerRecord<byte[], byte[]>>> replies;
    Map<String, ConsumerRecord<byte[], byte[]>> deadLetters;
    try (Worker worker = Worker.start(workers.config());
        KafkaProducer<byte[], byte[]> producer = workers.producer(Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
            5 * 1024 * 1024))) {
      interleaved.forEach(producer::send);
      producer.flush();
      // Every key but the one too long for any reply answers on the reply topic.
      try (TopicReader reader = workers.replies()) {
        reader.awaitDistinctKeys(interleaved.size() - 1, WAIT);
      }
      try (TopicReader reader = workers.deadLetters()) {
        reader.awaitDistinctKeys(5, WAIT);
      }
      replies = byKey(workers.replies());
      deadLetters = byKey(workers.deadLetters()).entrySet().stream()
          .collect(Collectors.toMap(Map.Entry::getKey, entry -> entry.getValue().get(0)));
    }

    for (String id : good) {
      assertThat(replies.get(id)).as(id).hasSize(1);
      assertThat(header(replies.get(id).get(0), ProtocolHeaders.STATUS)).as(id).isEqualTo("ok");
      assertThat(simulator.stats().callsForPrompt(id)).as("relay calls for " + id).isEqualTo(1);
    }
    if (guarantee.equals(WorkerConfig.EXACTLY_ONCE)) {
      assertThat(replies.values()).allSatisfy(answers -> assertThat(answers).hasSize(1));
    }
    assertError(replies, "big-value", "invalid_request_error", "over the limit of 1048576 (request.max.bytes)");
    assertThat(header(deadLetters.get("big-value"), ProtocolHeaders.DLQ_TRUNCATED)).isEqualTo("value");
    assertThat(header(deadLetters.get("big-value"), ProtocolHeaders.DLQ_ORIGINAL_VALUE_BYTES))
        .isEqualTo(Integer.toString(String.format(BODY, "x".repeat(2_000_000), 4).length()));
    assertThat(header(deadLetters.get("big-value"), ProtocolHeaders.DLQ_REASON)).isEqualTo("too_large");
    assertThat(header(deadLetters.get("near-limit"), ProtocolHeaders.DLQ_TRUNCATED)).isEqualTo("value");
    assertThat(header(deadLetters.get("near-limit"), ProtocolHeaders.DLQ_REASON)).isEqualTo("not_json");

    ConsumerRecord<byte[], byte[]> bigKey = replies.get("k".repeat(600_000)).get(0);
    assertThat(header(bigKey, ProtocolHeaders.STATUS)).isEqualTo("ok");
    assertThat(header(bigKey, ProtocolHeaders.REQUEST_ID)).startsWith("sha256:").hasSize(71);

    assertThat(replies).doesNotContainKey("K".repeat(1_100_000));
    ConsumerRecord<byte[], byte[]> hugeKey = deadLetters.values().stream()
        .filter(dead -> TopicReader.key(dead).startsWith("KKK")).findFirst().orElseThrow();
    assertThat(header(hugeKey, ProtocolHeaders.DLQ_REASON)).isEqualTo("reply_undeliverable");
    assertThat(header(hugeKey, ProtocolHeaders.DLQ_TRUNCATED)).contains("key");
    assertThat(header(hugeKey, ProtocolHeaders.DLQ_ORIGINAL_KEY_BYTES)).isEqualTo("1100000");
    assertThat(simulator.stats().callsForPrompt("huge key")).isEqualTo(1);

    assertError(replies, "bloated", "reply_too_large", "over the");
    assertThat(simulator.stats().callsForPrompt("bloat me")).isEqualTo(1);
    assertError(replies, "default-p99", "invalid_request_error", "partition 99 does not exist");
    assertThat(replies.get("default-p99").get(0).partition()).isLessThan(4);
    assertError(replies, "other-p5", "invalid_request_error", "partition 5 does not exist");
    assertThat(replies.get("other-p5").get(0).topic()).isEqualTo(workers.replyTopic);
    assertError(replies, "refused-other-p7", "invalid_request_error", "not valid JSON");
    assertError(replies, "refused-default-p99", "invalid_request_error", "not valid JSON");
    assertThat(deadLetters).containsKeys("refused-other-p7", "refused-default-p99");
    assertError(replies, "missing-topic", "invalid_request_error", "does not exist");
    try (Admin admin = workers.admin()) {
      assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).doesNotContain(nowhere);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {WorkerConfig.EXACTLY_ONCE, WorkerConfig.AT_LEAST_ONCE})
  void aReplyKafkaRefusesAtSendTimeIsReplacedAndNoRequestIsSentToTheRelayAgain(String guarantee) throws Exception {
    TestWorkers workers = new TestWorkers(broker, simulator, "refused")
        .with(WorkerConfig.DELIVERY_GUARANTEE, guarantee)
        // Uncompressed, so the broker sees the reply's own size.
        .with("kafka.compression.type", "none")
        .createRequestTopic(1);
    int small = 20;

    double aborted;
    double replaced;
    try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer()) {
      producer.send(record(workers, "warm-up", body("warm up")));
      producer.flush();
      try (TopicReader reader = workers.replies()) {
        reader.awaitDistinctKeys(1, WAIT);
      }
      // The worker knows the reply topic takes 1 MB; from now on the broker takes 100 kB (still more
      // than a producer batch, so only a record of its own can be too large).
      shrinkMaxMessageBytes(workers, workers.replyTopic, 100_000);
      for (int i = 0; i < small; i++) {
        producer.send(record(workers, "small-" + i, utf8(String.format(BODY, "small " + i, 1))));
        if (i == small / 2) {
          // echo puts the prompt in the answer: about 150 kB, more than the topic now takes.
          producer.send(record(workers, "large", utf8("{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"large "
              + "y".repeat(150_000) + "\",\"max_tokens\":4,\"echo\":true}")));
        }
      }
      producer.flush();
      try (TopicReader reader = workers.replies()) {
        reader.awaitDistinctKeys(small + 2, WAIT);
      }
      Scrape metrics = Scrape.of(http.send(java.net.http.HttpRequest.newBuilder(
          java.net.URI.create("http://127.0.0.1:" + worker.opsPort() + "/metrics")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).body());
      aborted = metrics.value(Metric.TRANSACTIONS_ABORTED.prometheusName());
      replaced = metrics.value(Metric.RECORDS_REPLACED.prometheusName(), "fallback=\"error_on_route\"");
    }

    Map<String, List<ConsumerRecord<byte[], byte[]>>> replies = byKey(workers.replies());
    assertError(replies, "large", "reply_too_large", "RecordTooLargeException");
    for (int i = 0; i < small; i++) {
      assertThat(header(replies.get("small-" + i).get(0), ProtocolHeaders.STATUS)).isEqualTo("ok");
      assertThat(simulator.stats().callsForPrompt("small " + i)).as("relay calls for small " + i).isEqualTo(1);
    }
    assertThat(simulator.stats().callsForPrompt("large " + "y".repeat(150_000))).isEqualTo(1);
    assertThat(replaced).isGreaterThanOrEqualTo(1);
    if (guarantee.equals(WorkerConfig.EXACTLY_ONCE)) {
      assertThat(replies.values()).allSatisfy(answers -> assertThat(answers).hasSize(1));
      assertThat(aborted).isGreaterThanOrEqualTo(1);
    }
  }

  private static void shrinkMaxMessageBytes(TestWorkers workers, String topic, int bytes) throws Exception {
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    try (Admin admin = workers.admin()) {
      admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(
          new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(bytes)), AlterConfigOp.OpType.SET))))
          .all().get(30, TimeUnit.SECONDS);
      Await.until("the broker to apply max.message.bytes " + bytes, WAIT, () -> Integer.toString(bytes).equals(
          maxMessageBytes(admin, resource)));
    }
  }

  private static String maxMessageBytes(Admin admin, ConfigResource resource) {
    try {
      return admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource)
          .get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG).value();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private void assertError(Map<String, List<ConsumerRecord<byte[], byte[]>>> replies, String key, String type,
      String message) throws Exception {
    assertThat(replies).as("replies").containsKey(key);
    ConsumerRecord<byte[], byte[]> reply = replies.get(key).get(0);
    assertThat(header(reply, ProtocolHeaders.ERROR_TYPE)).as(key).isEqualTo(type);
    assertThat(mapper.readTree(reply.value()).path("error").path("message").asText()).as(key).contains(message);
  }

  private static byte[] body(String prompt) {
    return utf8(String.format(BODY, prompt, 8));
  }

  private static ProducerRecord<byte[], byte[]> record(TestWorkers workers, String key, byte[] value) {
    return new ProducerRecord<>(workers.requestTopic, utf8(key), value);
  }

  private static ProducerRecord<byte[], byte[]> routed(ProducerRecord<byte[], byte[]> record, String topic,
      Integer partition) {
    record.headers().add(ProtocolHeaders.SPRING_REPLY_TOPIC, utf8(topic));
    if (partition != null) {
      record.headers().add(ProtocolHeaders.SPRING_REPLY_PARTITION, ByteBuffer.allocate(4).putInt(partition).array());
    }
    return record;
  }

  private static Map<String, List<ConsumerRecord<byte[], byte[]>>> byKey(TopicReader reader) {
    try (reader) {
      Collection<ConsumerRecord<byte[], byte[]>> all = reader.readToEnd(WAIT);
      return all.stream().collect(Collectors.groupingBy(TopicReader::key));
    }
  }
}
