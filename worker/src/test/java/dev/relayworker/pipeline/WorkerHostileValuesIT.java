package dev.relayworker.pipeline;

import static dev.relayworker.testing.TestWorkers.utf8;
import static dev.relayworker.testkit.TopicReader.header;
import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testing.TestWorkers;
import dev.relayworker.testkit.KafkaBroker;
import dev.relayworker.testkit.TopicReader;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Values from outside on a real broker: record timestamps near both ends of a long (a topic that
 * accepts them), model names and headers of any length, a record larger than the producer's
 * default but within its dead-letter topic's limit. Each record is answered, the worker keeps
 * running, and the requests behind them on the same partition are answered too.
 */
@ExtendWith(KafkaBroker.class)
class WorkerHostileValuesIT {

  private static final Duration WAIT = Duration.ofSeconds(90);
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
  void timestampsFromTheFarFutureAndThePastAreAnsweredAndTheLoopLives(KafkaBroker.Running broker) throws Exception {
    TestWorkers workers = new TestWorkers(broker, simulator, "timestamps").createRequestTopic(1, Map.of(
        TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG, Long.toString(Long.MAX_VALUE),
        TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "CreateTime"));
    try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer();
        TopicReader replies = workers.replies()) {
      producer.send(at(workers, "future-with-deadline", Long.MAX_VALUE - 1, Long.toString(Long.MAX_VALUE)));
      producer.send(at(workers, "future", Long.MAX_VALUE - 1, null));
      producer.send(at(workers, "past", 1, null));
      producer.send(at(workers, "past-with-deadline", 1, Long.toString(Long.MIN_VALUE)));
      for (int i = 0; i < 5; i++) {
        producer.send(workers.request("behind-" + i, "behind " + i));
      }
      producer.flush();

      Map<String, ConsumerRecord<byte[], byte[]>> byKey = byKey(replies.awaitDistinctKeys(9, WAIT));

      assertThat(header(byKey.get("future-with-deadline"), ProtocolHeaders.STATUS)).isEqualTo("ok");
      assertThat(header(byKey.get("future"), ProtocolHeaders.STATUS)).isEqualTo("ok");
      assertThat(header(byKey.get("past"), ProtocolHeaders.ERROR_TYPE)).isEqualTo("deadline_exceeded");
      assertThat(header(byKey.get("past-with-deadline"), ProtocolHeaders.ERROR_TYPE)).isEqualTo("deadline_exceeded");
      for (int i = 0; i < 5; i++) {
        assertThat(header(byKey.get("behind-" + i), ProtocolHeaders.STATUS)).isEqualTo("ok");
      }
      assertThat(worker.failure()).isNull();
    }
  }

  @Test
  void aTwoMegabyteRecordIsDeadLetteredWholeIntoATopicThatHoldsIt(KafkaBroker.Running broker) throws Exception {
    String fourMebibytes = Integer.toString(4 * 1024 * 1024);
    TestWorkers workers = new TestWorkers(broker, simulator, "dlq-whole")
        .createRequestTopic(1, Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, fourMebibytes));
    workers.createTopic(workers.dlqTopic, 1, Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, fourMebibytes));
    byte[] large = new byte[2 * 1024 * 1024];
    Arrays.fill(large, (byte) 'x');
    try (Worker worker = Worker.start(workers.config());
        KafkaProducer<byte[], byte[]> producer = workers.producer(Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
            8 * 1024 * 1024));
        TopicReader deadLetters = workers.deadLetters(); TopicReader replies = workers.replies()) {
      producer.send(new ProducerRecord<>(workers.requestTopic, utf8("two-megabytes"), large));
      producer.send(workers.request("behind", "behind"));
      producer.flush();

      ConsumerRecord<byte[], byte[]> copy = deadLetters.awaitRecords(1, WAIT).get(0);
      Map<String, ConsumerRecord<byte[], byte[]>> byKey = byKey(replies.awaitDistinctKeys(2, WAIT));

      assertThat(copy.value()).isEqualTo(large);
      assertThat(header(copy, ProtocolHeaders.DLQ_TRUNCATED)).isNull();
      assertThat(header(copy, ProtocolHeaders.DLQ_REASON)).isEqualTo("too_large");
      assertThat(header(byKey.get("two-megabytes"), ProtocolHeaders.ERROR_TYPE)).isEqualTo("invalid_request_error");
      assertThat(header(byKey.get("behind"), ProtocolHeaders.STATUS)).isEqualTo("ok");
    }
  }

  @Test
  void longModelNamesAndHeadersAreRefusedNamingTheirLimitsUnsent(KafkaBroker.Running broker) throws Exception {
    TestWorkers workers = new TestWorkers(broker, simulator, "long-fields").createRequestTopic(1);
    try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer();
        TopicReader replies = workers.replies()) {
      for (int i = 0; i < 50; i++) {
        producer.send(new ProducerRecord<>(workers.requestTopic, utf8("long-model-" + i),
            utf8("{\"model\":\"m" + i + "x".repeat(900_000) + "\",\"prompt\":\"p\"}")));
      }
      ProducerRecord<byte[], byte[]> longHeader = workers.request("long-header", "p");
      longHeader.headers().add(ProtocolHeaders.SPRING_CORRELATION_ID, new byte[100_000]);
      producer.send(longHeader);
      producer.send(workers.request("behind", "behind"));
      producer.flush();

      Map<String, ConsumerRecord<byte[], byte[]>> byKey = byKey(replies.awaitDistinctKeys(52, WAIT));

      assertThat(TopicReader.value(byKey.get("long-model-7"))).contains("over the limit of 256 (request.max.model.chars)");
      assertThat(TopicReader.value(byKey.get("long-header")))
          .contains("header kafka_correlationId is 100000 bytes, over the limit of 1024 (request.max.header.bytes)");
      assertThat(header(byKey.get("long-header"), ProtocolHeaders.SPRING_CORRELATION_ID)).isNull();
      assertThat(header(byKey.get("behind"), ProtocolHeaders.STATUS)).isEqualTo("ok");
      assertThat(simulator.stats().calls()).as("only the valid request reached the relay").isEqualTo(1);
    }
  }

  private static ProducerRecord<byte[], byte[]> at(TestWorkers workers, String id, long timestamp, String deadline) {
    ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(workers.requestTopic, null, timestamp, utf8(id),
        workers.request(id, id).value());
    if (deadline != null) {
      record.headers().add(ProtocolHeaders.DEADLINE_MS, utf8(deadline));
    }
    return record;
  }

  private static Map<String, ConsumerRecord<byte[], byte[]>> byKey(List<ConsumerRecord<byte[], byte[]>> records) {
    return records.stream().collect(Collectors.toMap(TopicReader::key, Function.identity(), (a, b) -> a));
  }
}
