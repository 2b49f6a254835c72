package dev.relayworker.pipeline;

import static dev.relayworker.testkit.TopicReader.header;
import static dev.relayworker.testkit.TopicReader.key;
import static dev.relayworker.testkit.TopicReader.value;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.config.WorkerConfig;
import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.simulator.Fault;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testing.TestWorkers;
import dev.relayworker.testkit.KafkaBroker;
import dev.relayworker.testkit.TopicReader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Requests through a real broker, the worker and the simulator over loopback: answers and concurrency. */
@ExtendWith(KafkaBroker.class)
class WorkerFlowIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private final ObjectMapper mapper = new ObjectMapper();
  private RelaySimulator simulator;

  @AfterEach
  void stopSimulator() {
    if (simulator != null) {
      simulator.close();
    }
  }

  @Test
  void answersEveryRequestOnceWithUsageAcrossPartitions(KafkaBroker.Running broker) throws Exception {
    simulator = RelaySimulator.start(SimulatorSettings.defaults()
        .withLatency(Duration.ofMillis(20), Duration.ofMillis(40)), 0);
    TestWorkers workers = new TestWorkers(broker, simulator, "many").createRequestTopic(4);
    int requests = 400;

    try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer()) {
      for (int i = 0; i < requests; i++) {
        producer.send(workers.request("req-" + i, "prompt " + i));
      }
      producer.flush();
      try (TopicReader replies = workers.replies()) {
        replies.awaitDistinctKeys(requests, WAIT);
      }
    }

    try (TopicReader replies = workers.replies()) {
      List<ConsumerRecord<byte[], byte[]>> all = replies.readToEnd(WAIT);
      assertThat(all).hasSize(requests);
      assertThat(TopicReader.distinctKeys(all)).isEqualTo(requests);
      for (ConsumerRecord<byte[], byte[]> reply : all) {
        JsonNode body = mapper.readTree(reply.value());
        assertThat(header(reply, ProtocolHeaders.STATUS)).isEqualTo("ok");
        assertThat(header(reply, ProtocolHeaders.REQUEST_ID)).isEqualTo(key(reply));
        assertThat(header(reply, ProtocolHeaders.ATTEMPTS)).isEqualTo("1");
        assertThat(header(reply, ProtocolHeaders.HTTP_STATUS)).isEqualTo("200");
        assertThat(body.path("object").asText()).isEqualTo("text_completion");
        assertThat(body.at("/usage/total_tokens").asInt()).isPositive();
      }
    }
    assertThat(simulator.stats().calls()).isEqualTo(requests);
  }

  @Test
  void keepsManyRequestsOfOnePartitionInFlightAtOnce(KafkaBroker.Running broker) {
    simulator = RelaySimulator.start(SimulatorSettings.defaults().withLatency(Duration.ofMillis(200), Duration.ZERO), 0);
    TestWorkers workers = new TestWorkers(broker, simulator, "concurrent").createRequestTopic(1);
    int requests = 200;

    try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer()) {
      for (int i = 0; i < requests; i++) {
        producer.send(workers.request("c-" + i, "concurrent " + i));
      }
      producer.flush();
      try (TopicReader replies = workers.replies()) {
        replies.awaitDistinctKeys(requests, WAIT);
      }
    }

    // One at a time would take 200 x 200 ms = 40 s; the relay saw most of them at once instead.
    assertThat(simulator.stats().maxConcurrentCalls()).isGreaterThanOrEqualTo(100);
  }

  @Test
  void retriesTransientRelayFailuresThenAnswers(KafkaBroker.Running broker) throws Exception {
    simulator = RelaySimulator.start(SimulatorSettings.defaults().withRetryAfter(Duration.ofMillis(100)), 0);
    simulator.scriptNext(Fault.SERVER_ERROR, Fault.BAD_GATEWAY, Fault.RATE_LIMITED, Fault.RESET, Fault.MALFORMED,
        Fault.GATEWAY_TIMEOUT, Fault.UNAVAILABLE);
    TestWorkers workers = new TestWorkers(broker, simulator, "transient").createRequestTopic(1);
    int requests = 20;

    List<ConsumerRecord<byte[], byte[]>> replies = run(workers, requests);

    assertThat(replies).hasSize(requests);
    assertThat(replies).allSatisfy(reply -> assertThat(header(reply, ProtocolHeaders.STATUS)).isEqualTo("ok"));
    int attempts = replies.stream().mapToInt(reply -> Integer.parseInt(header(reply, ProtocolHeaders.ATTEMPTS))).sum();
    assertThat(attempts).isEqualTo(requests + 7);
  }

  @Test
  void finalRelayFailuresGetTypedErrorReplies(KafkaBroker.Running broker) throws Exception {
    simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0);
    // Fail fast on a refused key, as before key outages were waited out (WorkerKeyOutageIT: the default).
    TestWorkers workers = new TestWorkers(broker, simulator, "final").createRequestTopic(1)
        .with(WorkerConfig.RELAY_KEY_FAILURE, "fail");

    try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer()) {
      producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(workers.requestTopic, TestWorkers.utf8("unserved"),
          TestWorkers.utf8("{\"model\":\"gpt-99\",\"prompt\":\"x\"}")));
      producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(workers.requestTopic, TestWorkers.utf8("bad-token"),
          TestWorkers.utf8("{\"model\":\"davinci-002\",\"prompt\":[-1]}")));
      producer.flush();
      try (TopicReader replies = workers.replies()) {
        replies.awaitDistinctKeys(2, WAIT);
      }
      simulator.reconfigure(simulator.settings().withApiKey("sk-rotated"));
      producer.send(workers.request("bad-key", "x"));
      producer.flush();
      try (TopicReader replies = workers.replies()) {
        replies.awaitDistinctKeys(3, WAIT);
      }
    }

    Map<String, ConsumerRecord<byte[], byte[]>> byKey = readAll(workers);
    assertError(byKey.get("unserved"), "relay_error", "503", "model_not_found");
    assertError(byKey.get("bad-token"), "invalid_request_error", "400", "invalid_text_request");
    assertError(byKey.get("bad-key"), "authentication_error", "401", "invalid_api_key");
    assertThat(byKey.values()).allSatisfy(reply -> {
      assertThat(header(reply, ProtocolHeaders.ATTEMPTS)).isEqualTo("1");
      assertThat(value(reply)).doesNotContain("sk-simulator");
    });
  }

  private void assertError(ConsumerRecord<byte[], byte[]> reply, String type, String status, String code)
      throws Exception {
    JsonNode error = mapper.readTree(reply.value()).path("error");
    assertThat(header(reply, ProtocolHeaders.STATUS)).isEqualTo("error");
    assertThat(header(reply, ProtocolHeaders.ERROR_TYPE)).isEqualTo(type);
    assertThat(header(reply, ProtocolHeaders.HTTP_STATUS)).isEqualTo(status);
    assertThat(error.path("type").asText()).isEqualTo(type);
    assertThat(error.path("code").asText()).isEqualTo(code);
    assertThat(error.path("message").asText()).isNotBlank();
  }

  private List<ConsumerRecord<byte[], byte[]>> run(TestWorkers workers, int requests) {
    try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer()) {
      for (int i = 0; i < requests; i++) {
        producer.send(workers.request("r-" + i, "prompt " + i));
      }
      producer.flush();
      try (TopicReader replies = workers.replies()) {
        replies.awaitDistinctKeys(requests, WAIT);
      }
    }
    try (TopicReader replies = workers.replies()) {
      return replies.readToEnd(WAIT);
    }
  }

  private Map<String, ConsumerRecord<byte[], byte[]>> readAll(TestWorkers workers) {
    try (TopicReader replies = workers.replies()) {
      return replies.readToEnd(WAIT).stream().collect(Collectors.toMap(TopicReader::key, reply -> reply));
    }
  }
}
