package dev.relayworker.endtoend;

import static dev.relayworker.testkit.TopicReader.header;
import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testing.TestWorkers;
import dev.relayworker.testkit.Await;
import dev.relayworker.testkit.KafkaBroker;
import dev.relayworker.testkit.TopicReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launched worker reaches its daily spend cap, is killed with SIGKILL (no hand-over, no
 * commit), and is started again in the same window: the spend ledger it reads at start says the
 * cap is spent, and it makes no call at all. davinci-002 costs one quota per token in the default
 * table.
 */
@ExtendWith(KafkaBroker.class)
class SpendCapCrashIT {

  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final long CAP = 300;

  @TempDir
  Path dir;

  @Test
  void aWorkerKilledAtItsCapAndStartedAgainSpendsNothingMore(KafkaBroker.Running broker) throws Exception {
    Instant now = Instant.now();
    Assumptions.assumeTrue(Duration.between(now, now.truncatedTo(ChronoUnit.DAYS).plus(1, ChronoUnit.DAYS))
        .compareTo(Duration.ofMinutes(5)) > 0, "less than five minutes to midnight UTC, when the window changes");
    try (RelaySimulator simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0)) {
      TestWorkers workers = new TestWorkers(broker, simulator, "spend-crash").createRequestTopic(2);
      Path config = writeConfig(workers, simulator);
      try (KafkaProducer<byte[], byte[]> producer = workers.producer()) {
        for (int i = 0; i < 60; i++) {
          producer.send(new ProducerRecord<>(workers.requestTopic, TestWorkers.utf8("spend-" + i), TestWorkers.utf8(
              "{\"model\":\"davinci-002\",\"prompt\":\"spend " + i + "\",\"max_tokens\":16}")));
        }
      }

      Process first = start(config, "first");
      Await.until("replies worth the cap committed, no call open", WAIT,
          () -> spentByReplies(workers) >= CAP && simulator.stats().openCalls() == 0);
      first.destroyForcibly();
      assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
      long callsBeforeKill = simulator.stats().calls();

      Process restarted = start(config, "restarted");
      try {
        Path log = dir.resolve("restarted.log");
        Await.until("the restarted worker holding at its spend cap", WAIT,
            () -> read(log).contains("spend cap per day reached"));
        assertThat(simulator.stats().calls()).as("calls after the restart").isEqualTo(callsBeforeKill);
        assertThat(read(log)).doesNotContain(SimulatorSettings.DEFAULT_KEY);
      } finally {
        restarted.destroy();
        restarted.waitFor(60, TimeUnit.SECONDS);
      }
    }
  }

  private static long spentByReplies(TestWorkers workers) {
    try (TopicReader reader = workers.replies()) {
      return reader.readToEnd(Duration.ofSeconds(10)).stream()
          .map(reply -> header(reply, ProtocolHeaders.COST_QUOTA))
          .mapToLong(Long::parseLong)
          .sum();
    }
  }

  private Process start(Path config, String name) throws IOException {
    return Launcher.startWorker(dir.resolve(name + ".log"), config);
  }

  private static String read(Path log) {
    try {
      return Files.exists(log) ? Launcher.read(log) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Path writeConfig(TestWorkers workers, RelaySimulator simulator) throws IOException {
    List<String> settings = new ArrayList<>(Launcher.settingsFor(workers, simulator));
    settings.addAll(List.of(
        "admin.port=0",
        "budget.quota.per.day=" + CAP,
        "relay.max.concurrent.calls=4",
        // Held requests wait for the next day, not for a stop: SIGTERM need not wait 30 s for them.
        "shutdown.timeout.ms=1000",
        // A killed member's partitions move after the session timeout; the broker's minimum keeps it short.
        "kafka.session.timeout.ms=6000",
        "kafka.heartbeat.interval.ms=1500",
        ""));
    return Files.writeString(dir.resolve("worker.properties"), String.join("\n", settings));
  }
}
