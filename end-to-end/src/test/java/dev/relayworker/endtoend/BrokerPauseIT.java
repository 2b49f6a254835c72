package dev.relayworker.endtoend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.pipeline.TopicSetup;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testkit.Await;
import dev.relayworker.testkit.StandaloneBroker;
import dev.relayworker.testkit.TopicReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker stops answering mid-run (SIGSTOP, longer than the producer's max.block.ms and the
 * transaction timeout), so commits time out and the open transaction is aborted by the broker.
 * The worker, started by the launcher, follows the producer's recovery rules instead of exiting,
 * and once the broker is back every request has exactly one committed reply.
 */
class BrokerPauseIT {

  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final long PAUSE_SECONDS = 20;

  @TempDir
  Path dir;

  @Test
  void aBrokerThatStopsAnsweringIsWaitedOutWithExactlyOneReplyEach() throws Exception {
    Process broker = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-cp", System.getProperty("java.class.path"), StandaloneBroker.class.getName())
        .redirectOutput(dir.resolve("broker.out").toFile()).redirectError(dir.resolve("broker.err").toFile()).start();
    try (RelaySimulator simulator = RelaySimulator.start(SimulatorSettings.defaults()
        .withLatency(Duration.ofMillis(300), Duration.ofMillis(600)), 0)) {
      String bootstrap = bootstrapOf(broker, dir.resolve("broker.out"));
      Path config = dir.resolve("worker.properties");
      Files.writeString(config, String.join("\n",
          "kafka.bootstrap.servers=" + bootstrap,
          "relay.base.url=" + simulator.baseUri(),
          "relay.api.key=" + SimulatorSettings.DEFAULT_KEY,
          "request.topic=pause.requests", "reply.topic=pause.replies", "dlq.topic=pause.requests.dlq",
          "group.id=pause-workers", "admin.port=-1",
          // Few calls at a time, so that work is still flowing when the broker stops.
          "relay.max.concurrent.calls=10", ""));
      // The request topic exists, its leaders elected, before anything is produced to it: a producer
      // racing the topic's creation on a fresh broker can be left retrying OUT_OF_ORDER_SEQUENCE on a
      // partition for good (seen here), which would lose requests before the worker ever saw them.
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
        admin.createTopics(List.of(new NewTopic("pause.requests", 4, (short) 1))).all().get();
        TopicSetup.awaitLeaders(admin, Set.of("pause.requests"));
      }
      Path output = dir.resolve("run.out");
      Process worker = Launcher.start(output, Map.of(), "run", "--config", config.toString());
      int requests = 200;
      try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
        for (int i = 0; i < requests; i++) {
          producer.send(new ProducerRecord<>("pause.requests", ("p-" + i).getBytes(StandardCharsets.UTF_8),
              ("{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"pause " + i + "\",\"max_tokens\":6}")
                  .getBytes(StandardCharsets.UTF_8)));
        }
        producer.flush();
        try (TopicReader replies = new TopicReader(bootstrap, "pause.replies")) {
          replies.awaitDistinctKeys(30, WAIT);
        }
        signal("STOP", broker);
        TimeUnit.SECONDS.sleep(PAUSE_SECONDS); // The pause itself is what is tested: nothing to wait for.
        signal("CONT", broker);

        List<ConsumerRecord<byte[], byte[]>> all;
        try (TopicReader replies = new TopicReader(bootstrap, "pause.replies")) {
          replies.awaitDistinctKeys(requests, WAIT);
          all = replies.readToEnd(WAIT);
        }
        String log = Launcher.read(output);
        assertThat(worker.isAlive()).as(log).isTrue();
        Map<String, Long> perKey = all.stream().collect(Collectors.groupingBy(TopicReader::key, Collectors.counting()));
        assertThat(perKey).hasSize(requests);
        assertThat(perKey.values()).as("replies per request under read_committed").containsOnly(1L);
      } finally {
        worker.destroy();
      }
      assertThat(worker.waitFor(90, TimeUnit.SECONDS)).isTrue();
      String log = Launcher.read(output);
      assertThat(worker.exitValue()).as(log).isZero();
      // Which call the pause catches (sending offsets, a commit, an abort) depends on timing; one timed out.
      assertThat(log).doesNotContain("poll loop failed")
          .containsPattern("TransactionalDelivery - .*TimeoutException: Timeout expired after \\d+ms");
    } finally {
      broker.destroyForcibly();
      broker.waitFor(30, TimeUnit.SECONDS);
    }
  }

  /** The address the broker process prints once it serves (its output goes to a file, never a full pipe). */
  private static String bootstrapOf(Process broker, Path output) throws Exception {
    String[] found = new String[1];
    Await.until("the broker process to serve", WAIT, () -> {
      assertThat(broker.isAlive()).as("broker process").isTrue();
      found[0] = read(output).lines().filter(line -> line.startsWith("bootstrap=")).findFirst()
          .map(line -> line.substring("bootstrap=".length())).orElse(null);
      return found[0] != null;
    });
    return found[0];
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      return "";
    }
  }

  private static void signal(String signal, Process process) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(kill.exitValue()).isZero();
  }

  private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
    return new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
  }
}
