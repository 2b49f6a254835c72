package dev.relayworker.pipeline;

import static dev.relayworker.testing.TestWorkers.utf8;
import static dev.relayworker.testkit.TopicReader.header;
import static dev.relayworker.testkit.TopicReader.value;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.config.WorkerConfig;
import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testing.TestWorkers;
import dev.relayworker.testkit.KafkaBroker;
import dev.relayworker.testkit.TopicReader;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Bad records get one error reply naming the problem and a dead-letter copy; the partition moves on. */
@ExtendWith(KafkaBroker.class)
class WorkerInputIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private final ObjectMapper mapper = new ObjectMapper();
  private RelaySimulator simulator;

  @BeforeEach
  void startSimulator() {
    simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0);
  }

  @AfterEach
  void stopSimulator() {
    simulator.close();
  }

  @Test
  void everyKindOfBadInputIsAnsweredAndDeadLetteredWithoutStallingThePartition(KafkaBroker.Running broker)
      throws Exception {
    TestWorkers workers = new TestWorkers(broker, simulator, "bad-input").createRequestTopic(1)
        .with(WorkerConfig.REQUEST_MAX_BYTES, 200);
    Map<String, ProducerRecord<byte[], byte[]>> bad = Map.ofEntries(
        Map.entry("null", record(workers, "null", null)),
        Map.entry("empty", record(workers, "empty", "")),
        Map.entry("not-json", record(workers, "not-json", "hello there")),
        Map.entry("array", record(workers, "array", "[1,2]")),
        Map.entry("no-model", record(workers, "no-model", "{\"prompt\":\"x\"}")),
        Map.entry("model-number", record(workers, "model-number", "{\"model\":7,\"prompt\":\"x\"}")),
        Map.entry("no-prompt", record(workers, "no-prompt", "{\"model\":\"davinci-002\"}")),
        Map.entry("max-tokens-text", record(workers, "max-tokens-text",
            "{\"model\":\"davinci-002\",\"prompt\":\"x\",\"max_tokens\":\"many\"}")),
        Map.entry("stream", record(workers, "stream", "{\"model\":\"davinci-002\",\"prompt\":\"x\",\"stream\":\"yes\"}")),
        Map.entry("too-large", record(workers, "too-large",
            "{\"model\":\"davinci-002\",\"prompt\":\"" + "x".repeat(300) + "\"}")),
        Map.entry("bad-deadline", withHeader(record(workers, "bad-deadline", valid()), ProtocolHeaders.DEADLINE_MS,
            utf8("tomorrow"))),
        Map.entry("bad-partition", withHeader(withHeader(record(workers, "bad-partition", valid()),
            ProtocolHeaders.SPRING_REPLY_TOPIC, utf8(workers.replyTopic)), ProtocolHeaders.SPRING_REPLY_PARTITION,
            new byte[] {1, 2})),
        Map.entry("bad-topic-bytes", withHeader(record(workers, "bad-topic-bytes", valid()),
            ProtocolHeaders.SMALLRYE_REPLY_TOPIC, new byte[] {(byte) 0xff, (byte) 0xfe})),
        Map.entry("forbidden-topic", withHeader(record(workers, "forbidden-topic", valid()),
            ProtocolHeaders.SPRING_REPLY_TOPIC, utf8("payments.events"))));
    Map<String, String> expectedMessage = Map.ofEntries(
        Map.entry("null", "record value is null"),
        Map.entry("empty", "record value is empty"),
        Map.entry("not-json", "not valid JSON"),
        Map.entry("array", "must be a JSON object, was array"),
        Map.entry("no-model", "model is required"),
        Map.entry("model-number", "model must be a non-empty string"),
        Map.entry("no-prompt", "prompt is required"),
        Map.entry("max-tokens-text", "max_tokens must be an integer"),
        Map.entry("stream", "stream must be true or false, was string"),
        Map.entry("too-large", "over the limit of 200"),
        Map.entry("bad-deadline", "deadline_ms"),
        Map.entry("bad-partition", "kafka_replyPartition must be a 4-byte big-endian int"),
        Map.entry("bad-topic-bytes", "REPLY_TOPIC is not valid UTF-8"),
        Map.entry("forbidden-topic", "reply topic 'payments.events'"));

    try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer()) {
      bad.values().forEach(producer::send);
      producer.send(workers.request("good-after-bad", "still answered"));
      producer.flush();
      try (TopicReader replies = workers.replies()) {
        replies.awaitDistinctKeys(bad.size() + 1, WAIT);
      }
    }

    Map<String, ConsumerRecord<byte[], byte[]>> replies = byKey(workers.replies());
    assertThat(replies).hasSize(bad.size() + 1);
    assertThat(header(replies.get("good-after-bad"), ProtocolHeaders.STATUS)).isEqualTo("ok");
    for (String name : bad.keySet()) {
      ConsumerRecord<byte[], byte[]> reply = replies.get(name);
      JsonNode error = mapper.readTree(reply.value()).path("error");
      assertThat(header(reply, ProtocolHeaders.STATUS)).as(name).isEqualTo("error");
      assertThat(error.path("type").asText()).as(name).isEqualTo("invalid_request_error");
      assertThat(error.path("message").asText()).as(name).contains(expectedMessage.get(name));
    }
    Map<String, ConsumerRecord<byte[], byte[]>> deadLetters = byKey(workers.deadLetters());
    assertThat(deadLetters.keySet()).containsExactlyInAnyOrderElementsOf(bad.keySet());
    ConsumerRecord<byte[], byte[]> notJson = deadLetters.get("not-json");
    assertThat(value(notJson)).isEqualTo("hello there");
    assertThat(header(notJson, ProtocolHeaders.DLQ_REASON)).isEqualTo("not_json");
    assertThat(header(notJson, ProtocolHeaders.DLQ_ORIGINAL_TOPIC)).isEqualTo(workers.requestTopic);
    assertThat(header(notJson, ProtocolHeaders.DLQ_ORIGINAL_PARTITION)).isEqualTo("0");
    assertThat(header(notJson, ProtocolHeaders.DLQ_ORIGINAL_OFFSET)).isNotNull();
    assertThat(deadLetters.get("null").value()).isNull();
    assertThat(simulator.stats().calls()).isEqualTo(1);
  }

  @Test
  void aRequestPastItsDeadlineIsAnsweredWithoutCallingTheRelay(KafkaBroker.Running broker) throws Exception {
    TestWorkers workers = new TestWorkers(broker, simulator, "deadline").createRequestTopic(1);
    long past = System.currentTimeMillis() - 1_000;

    try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer()) {
      producer.send(withHeader(workers.request("late-text", "too late"), ProtocolHeaders.DEADLINE_MS,
          utf8(Long.toString(past))));
      producer.send(withHeader(workers.request("late-binary", "too late too"), ProtocolHeaders.DEADLINE_MS,
          ByteBuffer.allocate(8).putLong(past).array()));
      producer.send(workers.request("in-time", "fine"));
      producer.flush();
      try (TopicReader replies = workers.replies()) {
        replies.awaitDistinctKeys(3, WAIT);
      }
    }

    Map<String, ConsumerRecord<byte[], byte[]>> replies = byKey(workers.replies());
    for (String late : List.of("late-text", "late-binary")) {
      assertThat(header(replies.get(late), ProtocolHeaders.ERROR_TYPE)).isEqualTo("deadline_exceeded");
      assertThat(header(replies.get(late), ProtocolHeaders.ATTEMPTS)).isEqualTo("0");
    }
    assertThat(header(replies.get("in-time"), ProtocolHeaders.STATUS)).isEqualTo("ok");
    assertThat(simulator.stats().callsForPrompt("too late")).isZero();
    assertThat(simulator.stats().calls()).isEqualTo(1);
  }

  @Test
  void theDefaultModelFillsRequestsThatNameNone(KafkaBroker.Running broker) throws Exception {
    TestWorkers workers = new TestWorkers(broker, simulator, "default-model").createRequestTopic(1)
        .with(WorkerConfig.REQUEST_DEFAULT_MODEL, "babbage-002");

    try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer()) {
      producer.send(record(workers, "modelless", "{\"prompt\":\"hi\",\"temperature\":0.70,\"x_custom\":{\"a\":1}}"));
      producer.flush();
      try (TopicReader replies = workers.replies()) {
        replies.awaitDistinctKeys(1, WAIT);
      }
    }

    ConsumerRecord<byte[], byte[]> reply = byKey(workers.replies()).get("modelless");
    assertThat(header(reply, ProtocolHeaders.STATUS)).isEqualTo("ok");
    assertThat(mapper.readTree(reply.value()).path("model").asText()).isEqualTo("babbage-002");
  }

  private static String valid() {
    return "{\"model\":\"davinci-002\",\"prompt\":\"x\"}";
  }

  private static ProducerRecord<byte[], byte[]> record(TestWorkers workers, String key, String value) {
    return new ProducerRecord<>(workers.requestTopic, utf8(key), utf8(value));
  }

  private static ProducerRecord<byte[], byte[]> withHeader(ProducerRecord<byte[], byte[]> record, String name,
      byte[] value) {
    record.headers().add(name, value);
    return record;
  }

  private static Map<String, ConsumerRecord<byte[], byte[]>> byKey(TopicReader reader) {
    try (reader) {
      return reader.readToEnd(WAIT).stream().collect(Collectors.toMap(TopicReader::key, record -> record));
    }
  }
}
