package dev.relayworker.endtoend;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testing.TestWorkers;
import dev.relayworker.testkit.Await;
import dev.relayworker.testkit.KafkaBroker;
import dev.relayworker.testkit.TopicReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
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
 * The launched worker is killed with SIGKILL while batches of embeddings requests are at the relay
 * and others wait to be committed, then started again: a read_committed reader sees exactly one
 * reply per request, each with its own vector, and no input whose reply was committed before the
 * kill is embedded again.
 */
@ExtendWith(KafkaBroker.class)
class EmbeddingsCrashIT {

  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final int RECORDS = 300;

  @TempDir
  Path dir;

  private final ObjectMapper json = new ObjectMapper();

  @Test
  void aWorkerKilledMidBatchAnswersEveryRequestOnceAndRepeatsNoCommittedCall(KafkaBroker.Running broker)
      throws Exception {
    try (RelaySimulator simulator = RelaySimulator.start(
        SimulatorSettings.defaults().withLatency(Duration.ofMillis(150), Duration.ZERO), 0)) {
      TestWorkers workers = new TestWorkers(broker, simulator, "embed-crash").createRequestTopic(3);
      Path config = writeConfig(workers, simulator);
      try (KafkaProducer<byte[], byte[]> producer = workers.producer()) {
        for (int i = 0; i < RECORDS; i++) {
          producer.send(new ProducerRecord<>(workers.requestTopic, TestWorkers.utf8("embed-" + i), TestWorkers.utf8(
              "{\"model\":\"text-embedding-3-small\",\"dimensions\":4,\"input\":\"input " + i + "\"}")));
        }
      }

      Process first = Launcher.startWorker(dir.resolve("first.log"), config);
      Await.until("a third of the replies committed", WAIT, () -> workers.committedReplies().size() >= RECORDS / 3);
      first.destroyForcibly();
      assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
      List<ConsumerRecord<byte[], byte[]>> beforeKill = workers.committedReplies();
      assertThat(beforeKill.size()).isLessThan(RECORDS);

      Process restarted = Launcher.startWorker(dir.resolve("restarted.log"), config);
      List<ConsumerRecord<byte[], byte[]>> all;
      try {
        Await.until("every request answered", WAIT, () -> TopicReader.distinctKeys(workers.committedReplies()) == RECORDS);
        all = workers.committedReplies();
      } finally {
        restarted.destroy();
        restarted.waitFor(60, TimeUnit.SECONDS);
      }

      assertThat(all).hasSize(RECORDS); // one reply per request, none twice
      Map<String, JsonNode> byKey = new HashMap<>();
      for (ConsumerRecord<byte[], byte[]> reply : all) {
        byKey.put(TopicReader.key(reply), json.readTree(reply.value()));
      }
      for (int i = 0; i < RECORDS; i++) {
        JsonNode body = byKey.get("embed-" + i);
        assertThat(body.at("/data/0/embedding/2").floatValue())
            .isEqualTo(RelaySimulator.embeddingOf("input " + i, 4)[2]);
      }
      for (ConsumerRecord<byte[], byte[]> reply : beforeKill) {
        String input = "input " + TopicReader.key(reply).substring("embed-".length());
        assertThat(simulator.stats().embeddingsOf(input)).as(input).isEqualTo(1);
      }
      // Batches were in the air: the kill came between calls of more than one request each.
      assertThat(simulator.stats().maxInputsPerCall()).isGreaterThan(1);
    }
  }

  private Path writeConfig(TestWorkers workers, RelaySimulator simulator) throws IOException {
    List<String> settings = new ArrayList<>(Launcher.settingsFor(workers, simulator));
    settings.addAll(List.of(
        "admin.port=0",
        // Four calls a second of at most 10 requests: about 8 s for all, time to kill it part-way.
        "relay.rate.limit.rpm=240",
        "embeddings.batch.max.inputs=10",
        "embeddings.batch.linger.ms=50",
        // A killed member's partitions move after the session timeout; the broker's minimum keeps it short.
        "kafka.session.timeout.ms=6000",
        "kafka.heartbeat.interval.ms=1500",
        ""));
    return Files.writeString(dir.resolve("worker.properties"), String.join("\n", settings));
  }
}
