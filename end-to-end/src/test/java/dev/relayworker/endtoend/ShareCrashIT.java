package dev.relayworker.endtoend;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code consumer.mode=share} with two launched workers on one partition; the first, busy with a
 * third of the requests answered, is killed with SIGKILL as the second starts. The records it held
 * come back to the survivor (the broker frees them when the connection drops, or at the latest
 * when their 15 s locks run out): every request is answered, a read_committed reader sees one
 * reply per request (replies are committed with the record of their answer), and no request
 * whose reply was committed before the kill is sent to the relay again. (A record delivered again after its reply was committed is accepted without a call:
 * WorkerShareIT makes that case on purpose; a kill lands in that window only by chance.)
 */
@ExtendWith(KafkaBroker.class)
class ShareCrashIT {

  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final int REQUESTS = 300;

  @TempDir
  Path dir;

  @Test
  void aWorkerKilledMidRunLosesNothingAndRepeatsNoAnsweredCall(KafkaBroker.Running broker) throws Exception {
    try (RelaySimulator simulator = RelaySimulator.start(
        SimulatorSettings.defaults().withLatency(Duration.ofMillis(200), Duration.ZERO), 0)) {
      TestWorkers workers = new TestWorkers(broker, simulator, "share-crash").createRequestTopic(1);
      try (Admin admin = workers.admin()) {
        // The broker's shortest lock: the killed worker's records come back after 15 s, not 30.
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, workers.groupId), List.of(
            new AlterConfigOp(new ConfigEntry("share.record.lock.duration.ms", "15000"), AlterConfigOp.OpType.SET))))
            .all().get();
      }
      Path config = writeConfig(workers, simulator);
      try (KafkaProducer<byte[], byte[]> producer = workers.producer()) {
        for (int i = 0; i < REQUESTS; i++) {
          producer.send(workers.request("sc-" + i, "share crash " + i));
        }
      }

      // The doomed worker alone first, so that it is busy (its 20 calls in the air) when it is killed.
      Process doomed = Launcher.startWorker(dir.resolve("doomed.log"), config);
      Process survivor = null;
      List<ConsumerRecord<byte[], byte[]>> all;
      List<ConsumerRecord<byte[], byte[]>> beforeKill;
      try {
        Await.until("a third of the replies committed", WAIT,
            () -> workers.committedReplies().size() >= REQUESTS / 3);
        survivor = Launcher.startWorker(dir.resolve("survivor.log"), config);
        doomed.destroyForcibly();
        assertThat(doomed.waitFor(30, TimeUnit.SECONDS)).isTrue();
        beforeKill = workers.committedReplies();
        assertThat(beforeKill.size()).isLessThan(REQUESTS);
        Await.until("every request answered", WAIT,
            () -> TopicReader.distinctKeys(workers.committedReplies()) == REQUESTS);
        all = workers.committedReplies();
      } finally {
        doomed.destroyForcibly();
        if (survivor != null) {
          survivor.destroy();
          survivor.waitFor(60, TimeUnit.SECONDS);
        }
      }

      Map<String, List<byte[]>> byKey = new HashMap<>();
      all.forEach(reply -> byKey.computeIfAbsent(TopicReader.key(reply), key -> new ArrayList<>()).add(reply.value()));
      assertThat(byKey).hasSize(REQUESTS);
      // At least once is the promise; duplicates, should any come, say the same.
      assertThat(byKey.values()).allSatisfy(bodies -> assertThat(bodies).allSatisfy(body ->
          assertThat(Arrays.equals(body, bodies.get(0))).isTrue()));
      assertThat(all).as("one committed reply per request").hasSize(REQUESTS);
      for (ConsumerRecord<byte[], byte[]> reply : beforeKill) {
        String prompt = "share crash " + TopicReader.key(reply).substring("sc-".length());
        assertThat(simulator.stats().callsForPrompt(prompt)).as(prompt).isEqualTo(1);
      }
      // The killed worker's calls in the air were made again (its records came back unanswered).
      assertThat(simulator.stats().calls()).isGreaterThan(REQUESTS);
      assertThat(Launcher.read(dir.resolve("survivor.log"))).doesNotContain(simulator.settings().apiKey());
    }
  }

  private Path writeConfig(TestWorkers workers, RelaySimulator simulator) throws IOException {
    List<String> settings = new ArrayList<>(Launcher.settingsFor(workers, simulator));
    settings.addAll(List.of(
        "consumer.mode=share",
        "admin.port=0",
        // Twenty calls at once per worker: the run lasts a few seconds, time to kill one part-way.
        "relay.max.concurrent.calls=20",
        "worker.max.in.flight=30",
        ""));
    return Files.writeString(dir.resolve("worker.properties"), String.join("\n", settings));
  }
}
