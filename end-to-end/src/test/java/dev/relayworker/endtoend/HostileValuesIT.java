package dev.relayworker.endtoend;

import static dev.relayworker.testkit.TopicReader.header;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testkit.KafkaBroker;
import dev.relayworker.testkit.RawRelay;
import dev.relayworker.testkit.TopicReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
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
 * The launched worker against what arrives from outside, as the hostile corpus tried it:
 * a relay that sends interim answers and absurd usage, records naming huge model names under a
 * capped heap, Kubernetes service variables at start and a key file rotated while running. Every
 * request is answered, each with its own answer; the worker keeps running and exits cleanly.
 */
@ExtendWith(KafkaBroker.class)
class HostileValuesIT {

  private static final Duration WAIT = Duration.ofSeconds(180);
  private final ObjectMapper json = new ObjectMapper();

  @TempDir
  Path dir;

  @Test
  void interimAnswersAndAbsurdUsageNeitherCrossAnswersNorStallTheRest(KafkaBroker.Running broker) throws Exception {
    try (RawRelay relay = RawRelay.start(exchange -> {
      String prompt = exchange.prompt();
      String usage = prompt.equals("absurd") ? "1000000000000" : prompt.equals("negative") ? "-5" : "3";
      String body = "{\"id\":\"cmpl-" + exchange.overall + "\",\"object\":\"text_completion\",\"model\":\"m\","
          + "\"choices\":[{\"text\":\"echo:" + prompt + "\",\"index\":0,\"finish_reason\":\"stop\"}],"
          + "\"usage\":{\"prompt_tokens\":" + usage + ",\"completion_tokens\":2}}";
      exchange.write("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n");
      exchange.write(RawRelay.response(200, "OK", body));
    })) {
      Path config = config(broker, "hostile-relay", relay.baseUri().toString(), "relay.api.key=sk-raw",
          "relay.rate.limit.tpm=600000", "relay.max.concurrent.calls=8");
      Process worker = Launcher.start(dir.resolve("relay.out"), Map.of(), "run", "--config", config.toString());
      try (KafkaProducer<byte[], byte[]> producer = producer(broker)) {
        producer.send(request("hostile-relay", "absurd", "absurd"));
        producer.send(request("hostile-relay", "negative", "negative"));
        for (int i = 0; i < 60; i++) {
          producer.send(request("hostile-relay", "r-" + i, "p" + i));
        }
        producer.flush();
        Map<String, ConsumerRecord<byte[], byte[]>> replies = awaitReplies(broker, "hostile-relay", 62);

        for (int i = 0; i < 60; i++) {
          ConsumerRecord<byte[], byte[]> reply = replies.get("r-" + i);
          assertThat(header(reply, ProtocolHeaders.STATUS)).as("r-" + i).isEqualTo("ok");
          assertThat(json.readTree(reply.value()).at("/choices/0/text").asText()).isEqualTo("echo:p" + i);
        }
        assertThat(header(replies.get("absurd"), ProtocolHeaders.USAGE_PROMPT_TOKENS)).isEqualTo("2000000");
        assertThat(header(replies.get("negative"), ProtocolHeaders.USAGE_PROMPT_TOKENS)).isEqualTo("0");
        assertThat(relay.requests()).isEqualTo(62);
      } finally {
        stop(worker, dir.resolve("relay.out"));
      }
    }
  }

  @Test
  void hugeModelNamesUnderA256MegabyteHeapAreRefusedAndTheRequestsBehindAnswered(KafkaBroker.Running broker)
      throws Exception {
    try (RelaySimulator simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0)) {
      Path config = config(broker, "huge-models", simulator.baseUri().toString(),
          "relay.api.key=" + SimulatorSettings.DEFAULT_KEY, "topics.partitions=1");
      Path output = dir.resolve("huge.out");
      Process worker = Launcher.start(output, Map.of("JAVA_OPTS", "-Xmx256m"), "run", "--config", config.toString());
      try (KafkaProducer<byte[], byte[]> producer = producer(broker)) {
        String padding = "x".repeat(900_000);
        for (int i = 0; i < 200; i++) {
          producer.send(new ProducerRecord<>("huge-models.requests", utf8("huge-" + i),
              utf8("{\"model\":\"model-" + i + padding + "\",\"prompt\":\"p\",\"max_tokens\":4}")));
        }
        for (int i = 0; i < 20; i++) {
          producer.send(request("huge-models", "normal-" + i, "normal " + i));
        }
        producer.flush();
        Map<String, ConsumerRecord<byte[], byte[]>> replies = awaitReplies(broker, "huge-models", 220);

        assertThat(worker.isAlive()).as(Launcher.read(output)).isTrue();
        assertThat(replies.values()).filteredOn(reply -> TopicReader.key(reply).startsWith("huge-"))
            .hasSize(200).allSatisfy(reply -> assertThat(TopicReader.value(reply)).contains("request.max.model.chars"));
        assertThat(replies.values()).filteredOn(reply -> TopicReader.key(reply).startsWith("normal-"))
            .hasSize(20).allSatisfy(reply -> assertThat(header(reply, ProtocolHeaders.STATUS)).isEqualTo("ok"));
      } finally {
        stop(worker, output);
      }
      assertThat(Launcher.read(output)).doesNotContain("OutOfMemoryError");
    }
  }

  @Test
  void startsBesideKubernetesServiceVariablesAndFollowsARotatedKeyFile(KafkaBroker.Running broker) throws Exception {
    try (RelaySimulator simulator = RelaySimulator.start(SimulatorSettings.defaults().withApiKey("sk-live-right"), 0)) {
      Path keyFile = dir.resolve("relay.key");
      Files.writeString(keyFile, "sk-live-revoked\n");
      // The sample key a shipped file might carry must lose to the key file the environment names.
      Path config = config(broker, "rotated", simulator.baseUri().toString(), "relay.api.key=sk-simulator",
          "relay.key.probe.interval.ms=200");
      Path output = dir.resolve("rotated.out");
      Process worker = Launcher.start(output, Map.of(
          "RELAY_WORKER_RELAY_API_KEY_FILE", keyFile.toString(),
          "RELAY_WORKER_SERVICE_HOST", "10.96.0.12",
          "RELAY_WORKER_SERVICE_PORT", "9400",
          "RELAY_WORKER_PORT", "tcp://10.96.0.12:9400",
          "RELAY_WORKER_PORT_9400_TCP_ADDR", "10.96.0.12",
          "RELAY_WORKER_PORT_9400_TCP_PORT", "9400",
          "RELAY_WORKER_PORT_9400_TCP_PROTO", "tcp"), "run", "--config", config.toString());
      try (KafkaProducer<byte[], byte[]> producer = producer(broker)) {
        producer.send(request("rotated", "after-rotation", "hello"));
        producer.flush();
        awaitLog(output, "relay refused the key");

        Files.writeString(keyFile, "sk-live-right\n");
        Files.setLastModifiedTime(keyFile, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        Map<String, ConsumerRecord<byte[], byte[]>> replies = awaitReplies(broker, "rotated", 1);

        assertThat(header(replies.get("after-rotation"), ProtocolHeaders.STATUS)).isEqualTo("ok");
      } finally {
        stop(worker, output);
      }
      assertThat(Launcher.read(output)).contains("relay key read again").doesNotContain("sk-live")
          .doesNotContain("sk-simulator");
    }
  }

  private Path config(KafkaBroker.Running broker, String name, String relay, String... more) throws Exception {
    Path config = dir.resolve(name + ".properties");
    Files.writeString(config, String.join("\n", "kafka.bootstrap.servers=" + broker.bootstrapServers(),
        "relay.base.url=" + relay, "request.topic=" + name + ".requests", "reply.topic=" + name + ".replies",
        "dlq.topic=" + name + ".requests.dlq", "group.id=" + name + "-workers", "admin.port=-1",
        String.join("\n", more), ""));
    return config;
  }

  private static Map<String, ConsumerRecord<byte[], byte[]>> awaitReplies(KafkaBroker.Running broker, String name,
      int count) {
    try (TopicReader reader = new TopicReader(broker.bootstrapServers(), name + ".replies")) {
      return reader.awaitDistinctKeys(count, WAIT).stream()
          .collect(Collectors.toMap(TopicReader::key, Function.identity(), (first, again) -> first));
    }
  }

  private static void awaitLog(Path output, String text) {
    dev.relayworker.testkit.Await.until("the worker's log to say '" + text + "'", WAIT, () -> {
      try {
        return Launcher.read(output).contains(text);
      } catch (java.io.IOException e) {
        return false;
      }
    });
  }

  private static void stop(Process worker, Path output) throws Exception {
    worker.destroy();
    assertThat(worker.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(worker.exitValue()).as(Launcher.read(output)).isZero();
  }

  private static ProducerRecord<byte[], byte[]> request(String name, String id, String prompt) {
    return new ProducerRecord<>(name + ".requests", utf8(id),
        utf8("{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"" + prompt + "\",\"max_tokens\":8}"));
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static KafkaProducer<byte[], byte[]> producer(KafkaBroker.Running broker) {
    return new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
  }
}
