package dev.relayworker.endtoend;

import static dev.relayworker.testkit.TopicReader.header;
import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testing.TestWorkers;
import dev.relayworker.testkit.KafkaBroker;
import dev.relayworker.testkit.TopicReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two and three workers, separate JVMs started by the launcher, share one key whose relay enforces
 * its request limit with 429s. Each applies its part of the partitions of the key's
 * {@code relay.rate.limit.rpm}, so together they stay within it: not one 429. (Each applying the
 * whole limit, as before, the group sends two or three times what the key allows.)
 */
@ExtendWith(KafkaBroker.class)
class SharedLimitIT {

  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final int RPM = 1_200;
  private static final int REQUESTS = 160;

  @TempDir
  Path dir;

  @ParameterizedTest(name = "{0} workers")
  @ValueSource(ints = {2, 3})
  void workersOnOneKeyStayWithinItsRequestLimitTogether(int count, KafkaBroker.Running broker) throws Exception {
    // The relay's own limiter: the key's rate, smooth, with a second's worth of burst (the simulator's
    // default; a relay counting per minute is far more lenient) to absorb scheduling jitter on a
    // loaded machine. Each worker applying the whole limit would send two or three times the key's rate.
    try (RelaySimulator simulator = RelaySimulator.start(SimulatorSettings.defaults()
        .withLatency(Duration.ofMillis(20), Duration.ofMillis(20)).withRateLimit(RPM, RPM / 60), 0)) {
      TestWorkers workers = new TestWorkers(broker, simulator, "shared-" + count).createRequestTopic(6);
      Path config = writeConfig(workers, simulator);
      List<Process> processes = new ArrayList<>();
      try {
        for (int i = 1; i <= count; i++) {
          processes.add(Launcher.start(dir.resolve("worker-" + i + ".log"),
              Map.of("JAVA_OPTS", "-Xmx256m -XX:TieredStopAtLevel=1"), "run", "--config", config.toString()));
        }
        workers.awaitMembersHoldingPartitions(count, WAIT);
        try (KafkaProducer<byte[], byte[]> producer = workers.producer()) {
          for (int i = 0; i < REQUESTS; i++) {
            producer.send(workers.request("s-" + i, "shared " + i));
          }
        }
        try (TopicReader replies = workers.replies()) {
          replies.awaitDistinctKeys(REQUESTS, WAIT);
        }
      } finally {
        processes.forEach(Process::destroy);
        for (Process process : processes) {
          process.waitFor();
        }
      }

      List<ConsumerRecord<byte[], byte[]>> replies;
      try (TopicReader reader = workers.replies()) {
        replies = reader.readToEnd(WAIT);
      }
      assertThat(replies).hasSize(REQUESTS);
      assertThat(replies).allSatisfy(reply -> assertThat(header(reply, ProtocolHeaders.STATUS)).isEqualTo("ok"));
      assertThat(simulator.stats().outcome("429")).as("429s from the relay's limiter").isZero();
      for (int i = 1; i <= count; i++) {
        assertThat(Launcher.read(dir.resolve("worker-" + i + ".log")))
            .contains("of the key's limits and budgets (" + 6 / count + " of 6 partitions)");
      }
    }
  }

  private Path writeConfig(TestWorkers workers, RelaySimulator simulator) throws Exception {
    Path config = dir.resolve("worker.properties");
    Files.writeString(config, String.join("\n",
        "kafka.bootstrap.servers=" + workers.bootstrapServers,
        "relay.base.url=" + simulator.baseUri(),
        "relay.api.key=" + SimulatorSettings.DEFAULT_KEY,
        "relay.rate.limit.rpm=" + RPM,
        "request.topic=" + workers.requestTopic,
        "reply.topic=" + workers.replyTopic,
        "dlq.topic=" + workers.dlqTopic,
        "group.id=" + workers.groupId,
        "admin.port=0",
        ""));
    return config;
  }
}
