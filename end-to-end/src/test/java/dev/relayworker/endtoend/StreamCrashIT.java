package dev.relayworker.endtoend;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.requester.StreamPreview;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launched worker is killed with SIGKILL while answers are streaming, then started again: a
 * read_committed reader sees exactly one final reply per request, and for every request the
 * reader's rule over its chunk records ends with exactly the final reply's text, the broken
 * attempts' chunks (no last marker) dropped.
 */
@ExtendWith(KafkaBroker.class)
class StreamCrashIT {

  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final int RECORDS = 40;

  @TempDir
  Path dir;

  private final ObjectMapper json = new ObjectMapper();

  @Test
  void aWorkerKilledMidStreamAnswersEveryRequestOnceAndTheReadersRuleEndsWithTheFinalText(KafkaBroker.Running broker)
      throws Exception {
    try (RelaySimulator simulator = RelaySimulator.start(
        SimulatorSettings.defaults().withStreamChunkDelay(Duration.ofMillis(40)), 0)) {
      TestWorkers workers = new TestWorkers(broker, simulator, "stream-crash").createRequestTopic(2);
      Path config = writeConfig(workers, simulator);
      try (KafkaProducer<byte[], byte[]> producer = workers.producer()) {
        for (int i = 0; i < RECORDS; i++) {
          producer.send(new ProducerRecord<>(workers.requestTopic, TestWorkers.utf8("s-" + i), TestWorkers.utf8(
              "{\"model\":\"gpt-3.5-turbo-instruct\",\"stream\":true,\"max_tokens\":40,"
                  + "\"messages\":[{\"role\":\"user\",\"content\":\"story " + i + "\"}]}")));
        }
      }

      Process first = Launcher.startWorker(dir.resolve("first.log"), config);
      // Killed while streams are under way: some requests have chunks, and few are answered yet.
      Await.until("streams under way", WAIT, () -> TopicReader.distinctKeys(read(workers.chunks())) >= 4);
      first.destroyForcibly();
      assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(read(workers.replies()).size()).isLessThan(RECORDS);

      Process restarted = Launcher.startWorker(dir.resolve("restarted.log"), config);
      List<ConsumerRecord<byte[], byte[]>> replies;
      try {
        Await.until("every request answered", WAIT, () -> TopicReader.distinctKeys(read(workers.replies())) == RECORDS);
        replies = read(workers.replies());
        // A final reply can be read a moment before its attempt's last chunk is.
        Await.until("every stream's last chunk", WAIT, () -> previews(workers).values().stream()
            .filter(StreamPreview::complete).count() == RECORDS);
      } finally {
        restarted.destroy();
        restarted.waitFor(60, TimeUnit.SECONDS);
      }

      assertThat(replies).hasSize(RECORDS); // one final reply per request, none twice
      Map<String, StreamPreview> previews = previews(workers);
      for (ConsumerRecord<byte[], byte[]> reply : replies) {
        String key = TopicReader.key(reply);
        assertThat(TopicReader.header(reply, ProtocolHeaders.STATUS)).as(key).isEqualTo(ProtocolHeaders.STATUS_OK);
        assertThat(previews.get(key).text(0)).as(key)
            .isEqualTo(json.readTree(reply.value()).at("/choices/0/message/content").asText());
      }
      // The kill broke streams half-way: their first attempts left chunks with no last marker.
      assertThat(brokenAttempts(workers)).isNotEmpty();
    }
  }

  private static Map<String, StreamPreview> previews(TestWorkers workers) {
    Map<String, StreamPreview> previews = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> chunk : read(workers.chunks())) {
      previews.computeIfAbsent(TopicReader.key(chunk), key -> new StreamPreview()).accept(chunk.value());
    }
    return previews;
  }

  /** Attempts with chunks and no last chunk. */
  private Set<String> brokenAttempts(TestWorkers workers) throws IOException {
    Set<String> seen = new HashSet<>();
    Set<String> finished = new HashSet<>();
    for (ConsumerRecord<byte[], byte[]> chunk : read(workers.chunks())) {
      JsonNode value = json.readTree(chunk.value());
      seen.add(value.path("attempt").asText());
      if (value.path("last").asBoolean()) {
        finished.add(value.path("attempt").asText());
      }
    }
    seen.removeAll(finished);
    return seen;
  }

  private static List<ConsumerRecord<byte[], byte[]>> read(TopicReader reader) {
    try (reader) {
      return reader.readToEnd(Duration.ofSeconds(10));
    }
  }

  private Path writeConfig(TestWorkers workers, RelaySimulator simulator) throws IOException {
    List<String> settings = new ArrayList<>(Launcher.settingsFor(workers, simulator));
    settings.addAll(List.of(
        "admin.port=0",
        // Eight streams at a time, each about 1.6 s: some are cut by the kill whenever it comes.
        "relay.max.concurrent.calls=8",
        "kafka.session.timeout.ms=6000",
        "kafka.heartbeat.interval.ms=1500",
        ""));
    return Files.writeString(dir.resolve("worker.properties"), String.join("\n", settings));
  }
}
