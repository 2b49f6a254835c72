package dev.relayworker.endtoend;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.simulator.Fault;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testing.TestWorkers;
import dev.relayworker.testkit.KafkaBroker;
import dev.relayworker.testkit.TopicReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's JSON logs at debug level, through relay faults, refused records and a relay
 * that stops accepting the key: every line one JSON object, request lines carrying the request's
 * coordinates, and the relay key in no log line and no reply.
 */
@ExtendWith(KafkaBroker.class)
class JsonLogsIT {

  private static final String SECRET = "sk-live-7f3a9c2e5b1d4680-do-not-print";
  private static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir
  Path dir;

  @Test
  void jsonLinesCarryRequestCoordinatesAndNeverTheKey(KafkaBroker.Running broker) throws Exception {
    SimulatorSettings relay = SimulatorSettings.defaults().withApiKey(SECRET)
        .withLatency(Duration.ofMillis(5), Duration.ZERO)
        .withFault(Fault.SERVER_ERROR, 0.2).withFault(Fault.MALFORMED, 0.1);
    try (RelaySimulator simulator = RelaySimulator.start(relay, 0)) {
      TestWorkers workers = new TestWorkers(broker, simulator, "json-logs").createRequestTopic(2);
      Path config = dir.resolve("worker.properties");
      Files.writeString(config, String.join("\n",
          "kafka.bootstrap.servers=" + workers.bootstrapServers,
          "relay.base.url=" + simulator.baseUri(),
          "request.topic=" + workers.requestTopic, "reply.topic=" + workers.replyTopic,
          "dlq.topic=" + workers.dlqTopic, "group.id=" + workers.groupId,
          "relay.retry.initial.backoff.ms=20", "relay.retry.max.attempts=5",
          // The key rejection below answered, not waited out as the key's outage (the default) or the relay's.
          "relay.key.failure=fail", "relay.circuit.minimum.calls=1000", "admin.port=0", ""));
      Path output = dir.resolve("worker.out");
      Process worker = Launcher.start(output, Map.of("LOG_FORMAT", "json", "LOG_LEVEL", "DEBUG",
          "RELAY_API_KEY", SECRET), "run", "--config", config.toString());
      List<ConsumerRecord<byte[], byte[]>> replies;
      try (KafkaProducer<byte[], byte[]> producer = workers.producer();
          TopicReader reader = workers.replies()) {
        for (int i = 0; i < 20; i++) {
          producer.send(workers.request("fine-" + i, "prompt " + i));
        }
        producer.send(new ProducerRecord<>(workers.requestTopic, TestWorkers.utf8("broken"), TestWorkers.utf8("{")));
        producer.flush();
        reader.awaitDistinctKeys(21, WAIT);
        simulator.reconfigure(relay.withApiKey("sk-rotated-elsewhere"));
        for (int i = 0; i < 5; i++) {
          producer.send(workers.request("rejected-" + i, "prompt " + i));
        }
        producer.flush();
        replies = reader.awaitDistinctKeys(26, WAIT);
      } finally {
        worker.destroy();
      }
      assertThat(worker.waitFor(60, TimeUnit.SECONDS)).isTrue();

      List<JsonNode> lines = jsonLines(output);
      assertThat(lines).anySatisfy(line -> assertThat(line.path("message").asText()).startsWith("worker started"));
      JsonNode refused = lines.stream().filter(line -> "broken".equals(line.path("requestId").asText()))
          .findFirst().orElseThrow();
      assertThat(refused.path("level").asText()).isEqualTo("WARN");
      assertThat(refused.has("partition")).isTrue();
      assertThat(refused.has("offset")).isTrue();
      assertThat(lines).filteredOn(line -> line.path("requestId").asText().startsWith("rejected-"))
          .hasSize(5)
          .allSatisfy(line -> assertThat(line.path("message").asText()).contains("authentication_error"));
      assertThat(Files.readString(output)).doesNotContain(SECRET);
      assertThat(replies).allSatisfy(reply ->
          assertThat(new String(reply.value(), StandardCharsets.UTF_8)).doesNotContain(SECRET));
      assertThat(simulator.stats().outcome("401")).isEqualTo(5);
    }
  }

  /** Every line of the output parsed as one JSON object; fails on any line that is not. */
  private static List<JsonNode> jsonLines(Path output) throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> lines = new ArrayList<>();
    for (String line : Files.readAllLines(output)) {
      if (line.startsWith("relay-worker: building")) {
        continue; // The launcher's own note when it builds the jar first.
      }
      JsonNode node = json.readTree(line);
      assertThat(node.isObject()).as(line).isTrue();
      lines.add(node);
    }
    return lines;
  }
}
