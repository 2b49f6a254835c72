package dev.relayworker.endtoend;

import static dev.relayworker.testkit.TopicReader.header;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.simulator.Fault;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
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
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A relay that stalls after its headers, streams an endless answer, or answers more than a Kafka
 * record holds, against the real launcher with its heap capped at 128 MB: every request is
 * answered, the stalled calls end at the deadline and free their slots, nothing is held whole in
 * memory, and the worker stops cleanly afterwards.
 */
@ExtendWith(KafkaBroker.class)
class MisbehavingRelayIT {

  private static final Duration WAIT = Duration.ofSeconds(120);

  @TempDir
  Path dir;

  @Test
  void stalledEndlessAndBloatedAnswersAreAnsweredInA128MegabyteHeap(KafkaBroker.Running broker) throws Exception {
    try (RelaySimulator simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0)) {
      simulator.scriptForPrompt("stall", Fault.STALL);
      simulator.scriptForPrompt("endless", Fault.ENDLESS);
      simulator.scriptForPrompt("bloated", Fault.BLOATED);
      Path config = dir.resolve("worker.properties");
      Files.writeString(config, String.join("\n",
          "kafka.bootstrap.servers=" + broker.bootstrapServers(),
          "relay.base.url=" + simulator.baseUri(),
          "relay.api.key=" + SimulatorSettings.DEFAULT_KEY,
          "request.topic=misbehaving.requests", "reply.topic=misbehaving.replies",
          "dlq.topic=misbehaving.requests.dlq", "group.id=misbehaving-workers", "admin.port=-1",
          // Two concurrent slots: stalled calls that never gave theirs back would starve the rest.
          "relay.max.concurrent.calls=2", "relay.request.timeout.ms=1500", "relay.retry.max.attempts=2",
          "relay.retry.initial.backoff.ms=50", ""));
      Path output = dir.resolve("run.out");
      Process worker = Launcher.start(output, Map.of("JAVA_OPTS", "-Xmx128m"), "run", "--config", config.toString());
      List<String> ids = new ArrayList<>();
      Map<String, List<ConsumerRecord<byte[], byte[]>>> replies;
      try (KafkaProducer<byte[], byte[]> producer = producer(broker)) {
        for (String prompt : List.of("stall", "endless", "bloated", "endless", "stall", "endless")) {
          for (int i = 0; i < 2; i++) {
            String id = prompt + "-" + ids.size();
            ids.add(id);
            producer.send(request(id, prompt));
          }
        }
        for (int i = 0; i < 6; i++) {
          String id = "fine-" + i;
          ids.add(id);
          producer.send(request(id, "fine " + i));
        }
        producer.flush();
        try (TopicReader reader = new TopicReader(broker.bootstrapServers(), "misbehaving.replies")) {
          reader.awaitDistinctKeys(ids.size(), WAIT);
        }
        assertThat(worker.isAlive()).as(Launcher.read(output)).isTrue();
        try (TopicReader reader = new TopicReader(broker.bootstrapServers(), "misbehaving.replies")) {
          replies = reader.readToEnd(WAIT).stream().collect(Collectors.groupingBy(TopicReader::key));
        }
      } finally {
        worker.destroy();
      }
      assertThat(worker.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String log = Launcher.read(output);
      assertThat(worker.exitValue()).as(log).isZero();
      assertThat(log).doesNotContain("OutOfMemoryError");

      ObjectMapper mapper = new ObjectMapper();
      for (String id : ids) {
        ConsumerRecord<byte[], byte[]> reply = replies.get(id).get(0);
        String message = mapper.readTree(reply.value()).path("error").path("message").asText();
        if (id.startsWith("stall")) {
          assertThat(header(reply, ProtocolHeaders.ERROR_TYPE)).as(id).isEqualTo("retries_exhausted");
          assertThat(message).as(id).contains("HttpTimeoutException");
        } else if (id.startsWith("endless")) {
          // Cut at relay.max.response.bytes, or at the heap share when several stream at once.
          assertThat(header(reply, ProtocolHeaders.STATUS)).as(id).isEqualTo("error");
          assertThat(message).as(id).containsAnyOf("over relay.max.response.bytes", "share of the heap");
        } else if (id.startsWith("bloated")) {
          assertThat(header(reply, ProtocolHeaders.ERROR_TYPE)).as(id).isEqualTo("reply_too_large");
        } else {
          assertThat(header(reply, ProtocolHeaders.STATUS)).as(id).isEqualTo("ok");
        }
      }
    }
  }

  private static ProducerRecord<byte[], byte[]> request(String id, String prompt) {
    return new ProducerRecord<>("misbehaving.requests", id.getBytes(StandardCharsets.UTF_8),
        ("{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"" + prompt + "\",\"max_tokens\":8}")
            .getBytes(StandardCharsets.UTF_8));
  }

  private static KafkaProducer<byte[], byte[]> producer(KafkaBroker.Running broker) {
    return new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
  }
}
