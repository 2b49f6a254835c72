package dev.relayworker.endtoend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.simulator.Fault;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.simulator.SimulatorStats;
import dev.relayworker.testing.TestWorkers;
import dev.relayworker.testkit.KafkaBroker;
import dev.relayworker.testkit.TopicReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Workers as separate JVMs started by the real launcher, killed with SIGKILL at random moments
 * (six times, with two workers running at once for part of the run), 2,000 requests over 4
 * partitions, the relay failing a few percent of calls with 5xx and 429. Then a
 * {@code read_committed} reader counts replies, and the simulator's call log shows whether any
 * request the relay had already answered was sent to it again without a kill in between.
 */
@ExtendWith(KafkaBroker.class)
class WorkerCrashIT {

  private static final Logger log = LoggerFactory.getLogger(WorkerCrashIT.class);
  private static final int REQUESTS = 2_000;
  private static final Duration WAIT = Duration.ofSeconds(120);
  /** Far above commit.interval.ms (100 ms): a reply older than this at a kill was committed. */
  private static final Duration COMMIT_GRACE = Duration.ofSeconds(2);
  /**
   * The simulator notes a call when its event loop reads it; the last requests a killed process
   * wrote can be read a few milliseconds after SIGKILL was sent, and still count as in flight.
   */
  private static final Duration KILL_SLACK = Duration.ofMillis(200);

  @TempDir
  Path dir;

  @ParameterizedTest(name = "delivery.guarantee={0}")
  @ValueSource(strings = {"exactly_once", "at_least_once"})
  void killedWorkersLoseNothingAndRepeatNothingFinished(String guarantee, KafkaBroker.Running broker)
      throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    log.info("crash run {}: seed {}", guarantee, seed);
    try (RelaySimulator simulator = RelaySimulator.start(SimulatorSettings.defaults()
        .withLatency(Duration.ofMillis(150), Duration.ofMillis(300))
        .withFault(Fault.SERVER_ERROR, 0.02).withFault(Fault.BAD_GATEWAY, 0.01)
        .withFault(Fault.RATE_LIMITED, 0.02).withRetryAfter(Duration.ofMillis(50)), 0)) {
      TestWorkers workers = new TestWorkers(broker, simulator, "crash-" + guarantee.replace('_', '-'))
          .createRequestTopic(4);
      Path config = writeConfig(workers, simulator, guarantee);
      try (KafkaProducer<byte[], byte[]> producer = workers.producer()) {
        for (int i = 0; i < REQUESTS; i++) {
          producer.send(workers.request("k-" + i, "crash " + i));
        }
      }

      List<Long> kills = new ArrayList<>();
      List<Process> running = new ArrayList<>();
      running.add(startWorker(config, 1));
      try (TopicReader replies = workers.replies()) {
        int answered = 0;
        for (int step = 1; step <= 6; step++) {
          answered += 150 + random.nextInt(150);
          replies.awaitDistinctKeys(answered, WAIT);
          if (step == 2) {
            running.add(startWorker(config, 100 + step)); // two workers at once for a while
            replies.awaitDistinctKeys(answered += 100, WAIT);
          }
          Process victim = running.remove(random.nextInt(running.size()));
          victim.destroyForcibly(); // SIGKILL: no hand-over, no commit
          kills.add(System.nanoTime());
          assertThat(victim.waitFor(30, TimeUnit.SECONDS)).isTrue();
          if (running.isEmpty()) {
            running.add(startWorker(config, 200 + step));
          }
        }
        replies.awaitDistinctKeys(REQUESTS, WAIT);
      } finally {
        for (Process worker : running) {
          worker.destroy();
          worker.waitFor(60, TimeUnit.SECONDS);
        }
      }

      Map<String, Long> repliesPerRequest;
      try (TopicReader reader = workers.replies()) {
        repliesPerRequest = reader.readToEnd(WAIT).stream()
            .collect(Collectors.groupingBy(TopicReader::key, Collectors.counting()));
      }
      assertThat(kills).hasSize(6);
      assertThat(repliesPerRequest).hasSize(REQUESTS);
      if (guarantee.equals("exactly_once")) {
        assertThat(repliesPerRequest.entrySet()).allSatisfy(entry ->
            assertThat(entry.getValue()).as("replies to %s", entry.getKey()).isEqualTo(1));
      } else {
        log.info("at_least_once: {} requests answered more than once",
            repliesPerRequest.values().stream().filter(count -> count > 1).count());
      }
      assertNoFinishedRequestCalledAgainWithoutAKill(simulator.stats(), kills);
    }
  }

  /**
   * A request the relay answered with 200 may reach it again only if a worker was killed while it
   * was in flight or within {@link #COMMIT_GRACE} of its answer (finished, not yet committed).
   * Anything finished longer before a kill was committed, if need be as a done offset above the
   * committed one, and must be skipped by whoever reads the partition next.
   */
  private static void assertNoFinishedRequestCalledAgainWithoutAKill(SimulatorStats stats, List<Long> kills) {
    Map<String, List<SimulatorStats.Call>> byPrompt = stats.callLog().stream()
        .collect(Collectors.groupingBy(SimulatorStats.Call::prompt));
    int repeatedAcrossKills = 0;
    for (Map.Entry<String, List<SimulatorStats.Call>> calls : byPrompt.entrySet()) {
      List<SimulatorStats.Call> ordered = calls.getValue().stream()
          .sorted(Comparator.comparingLong(SimulatorStats.Call::arrivalNanos)).toList();
      SimulatorStats.Call firstSuccess = ordered.stream().filter(call -> call.outcome().equals("200"))
          .findFirst().orElse(null);
      if (firstSuccess == null) {
        continue;
      }
      for (SimulatorStats.Call later : ordered) {
        if (later.arrivalNanos() > firstSuccess.answeredNanos()) {
          // In flight at the kill (sent before it), or finished too recently to have been committed.
          boolean killBetween = kills.stream().anyMatch(kill -> kill > firstSuccess.arrivalNanos() - KILL_SLACK.toNanos()
              && kill < firstSuccess.answeredNanos() + COMMIT_GRACE.toNanos() && kill < later.arrivalNanos());
          assertThat(killBetween).as("%s was answered by the relay, then sent again with no kill in between;"
              + " calls %s, kills %s", calls.getKey(), ordered, kills).isTrue();
          repeatedAcrossKills++;
        }
      }
    }
    log.info("relay calls repeated after a success, each across a kill: {}", repeatedAcrossKills);
  }

  private Process startWorker(Path config, int id) throws Exception {
    Path output = dir.resolve("worker-" + id + ".log");
    log.info("starting worker {}", id);
    return Launcher.startWorker(output, config);
  }

  private Path writeConfig(TestWorkers workers, RelaySimulator simulator, String guarantee) throws Exception {
    Path config = dir.resolve("worker.properties");
    List<String> settings = new ArrayList<>(Launcher.settingsFor(workers, simulator));
    settings.addAll(List.of(
        "delivery.guarantee=" + guarantee,
        "worker.max.in.flight=60",
        "admin.port=0",
        "relay.retry.max.attempts=6",
        "relay.retry.initial.backoff.ms=20",
        "relay.retry.max.backoff.ms=200",
        // A killed member's partitions move after the session timeout; the broker's minimum keeps it short.
        "kafka.session.timeout.ms=6000",
        "kafka.heartbeat.interval.ms=1500",
        ""));
    Files.writeString(config, String.join("\n", settings));
    return config;
  }
}
