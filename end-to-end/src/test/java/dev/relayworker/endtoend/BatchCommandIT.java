package dev.relayworker.endtoend;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.pipeline.TopicSetup;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testkit.Await;
import dev.relayworker.testkit.KafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code relay-worker batch} through the launcher, against a launcher-started worker: killed
 * part-way, run again, and the output ends with exactly one line per input line that has a
 * custom_id, bad lines reported by number.
 */
@ExtendWith(KafkaBroker.class)
class BatchCommandIT {

  private static final int LINES = 80;
  private static final int NOT_JSON = 7;
  private static final int WRONG_URL = 12;

  @TempDir
  Path dir;

  @Test
  void aKilledBatchResumesToOneOutputLinePerInputLine(KafkaBroker.Running broker) throws Exception {
    try (RelaySimulator simulator = RelaySimulator.start(
        SimulatorSettings.defaults().withLatency(Duration.ofMillis(50), Duration.ZERO), 0)) {
      Path config = dir.resolve("worker.properties");
      Files.writeString(config, String.join("\n",
          "kafka.bootstrap.servers=" + broker.bootstrapServers(),
          "relay.base.url=" + simulator.baseUri(),
          "relay.api.key=" + SimulatorSettings.DEFAULT_KEY,
          "request.topic=batch.requests", "reply.topic=batch.replies", "dlq.topic=batch.requests.dlq",
          "group.id=batch-workers", "admin.port=0",
          // 20 calls a second: the batch takes about 4 s, time enough to kill it part-way.
          "relay.rate.limit.rpm=1200", ""));
      Path input = writeInput();
      Path output = dir.resolve("output.jsonl");
      Process worker = Launcher.start(dir.resolve("worker.out"), Map.of(), "run", "--config", config.toString());
      try {
        Process first = Launcher.start(dir.resolve("first.out"), Map.of(), "batch", "--config", config.toString(),
            input.toString(), output.toString());
        Await.until("part of the batch answered", Duration.ofSeconds(120), () -> lineCount(output) >= 15);
        first.destroyForcibly();
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        int beforeResume = lineCount(output);
        assertThat(beforeResume).isLessThan(LINES - 1);

        Path second = dir.resolve("second.out");
        int exit = Launcher.run(second, Map.of(), 180, "batch", "--config", config.toString(), "--idle-timeout-seconds",
            "60", input.toString(), output.toString());

        String printed = Launcher.read(second);
        assertThat(exit).as(printed).isEqualTo(1); // Bad lines make the exit non-zero.
        assertThat(printed).contains("batch: line " + NOT_JSON + ": not valid JSON")
            .contains("batch: line " + WRONG_URL + ": url must be \"/v1/completions\", \"/v1/chat/completions\","
                + " \"/v1/embeddings\" or \"/v1/messages\"")
            .contains("batch: " + LINES + "/" + LINES + " (100%)")
            .containsPattern("already in \\S+output.jsonl");

        // The sample file the README shows, start to end: exit 0, one output line per input line.
        Path sample = Path.of("docs/examples/batch-input.jsonl");
        Path sampleOutput = dir.resolve("sample-output.jsonl");
        int sampleExit = Launcher.run(dir.resolve("sample.out"), Map.of(), 120, "batch", "--config", config.toString(),
            sample.toString(), sampleOutput.toString());
        assertThat(sampleExit).as(Launcher.read(dir.resolve("sample.out"))).isZero();
        assertThat(readOutput(sampleOutput)).extracting(line -> line.get("custom_id").asText())
            .containsExactlyInAnyOrderElementsOf(customIds(sample));
      } finally {
        worker.destroy();
      }
      assertThat(worker.waitFor(60, TimeUnit.SECONDS)).isTrue();

      List<JsonNode> lines = readOutput(output);
      Set<String> customIds = new HashSet<>();
      lines.stream().filter(line -> line.get("custom_id").isTextual())
          .forEach(line -> customIds.add(line.get("custom_id").asText()));
      assertThat(lines).hasSize(LINES);
      assertThat(customIds).hasSize(LINES - 1).contains("bad-url").doesNotContain("req-7");
      JsonNode notJson = lines.stream().filter(line -> line.get("custom_id").isNull()).findFirst().orElseThrow();
      assertThat(notJson.get("line").asInt()).isEqualTo(NOT_JSON);
      assertThat(notJson.at("/error/code").asText()).isEqualTo("invalid_batch_line");
      assertThat(lines).filteredOn(line -> line.get("custom_id").isTextual()
          && !line.get("custom_id").asText().equals("bad-url")).allSatisfy(line -> {
        assertThat(line.get("id").asText()).startsWith("batch_req_");
        assertThat(line.at("/response/status_code").asInt()).isEqualTo(200);
        String customId = line.get("custom_id").asText();
        assertThat(line.at("/response/body/object").asText()).isEqualTo(customId.startsWith("chat-")
            ? "chat.completion" : customId.startsWith("embed-") ? "list" : "text_completion");
        if (customId.startsWith("embed-")) {
          assertThat(line.at("/response/body/data")).hasSize(2);
          assertThat(line.at("/response/body/data/1/index").asInt()).isEqualTo(1);
          assertThat(line.at("/response/body/data/1/embedding")).hasSize(8);
        }
        assertThat(line.get("error").isNull()).isTrue();
        assertThat(line.at("/cost/prompt_tokens").asLong()).isEqualTo(line.at("/response/body/usage/prompt_tokens").asLong());
        assertThat(line.at("/cost/usd").isNumber()).isTrue();
      });
      JsonNode bad = lines.stream().filter(line -> line.get("custom_id").asText().equals("bad-url")).findFirst()
          .orElseThrow();
      assertThat(bad.get("response").isNull()).isTrue();
      assertThat(bad.at("/error/code").asText()).isEqualTo("invalid_batch_line");
      assertThat(bad.at("/error/message").asText()).startsWith("line " + WRONG_URL + ":");
    }
  }

  @Test
  void aRunNeverTakesTheAnswersOfAnotherRunsRequests(KafkaBroker.Running broker) throws Exception {
    try (RelaySimulator simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0)) {
      Path config = dir.resolve("worker-two-runs.properties");
      Files.writeString(config, String.join("\n",
          "kafka.bootstrap.servers=" + broker.bootstrapServers(),
          "relay.base.url=" + simulator.baseUri(),
          "relay.api.key=" + SimulatorSettings.DEFAULT_KEY,
          "request.topic=two-runs.requests", "reply.topic=two-runs.replies", "dlq.topic=two-runs.requests.dlq",
          "group.id=two-runs-workers", "admin.port=0", ""));
      // The same custom_ids, prompts that differ in length: an answer shows which input it was for.
      Path longPrompts = writeLines("long.jsonl", 10, "word ".repeat(60));
      Path shortPrompts = writeLines("short.jsonl", 10, "hi");
      Path output = dir.resolve("shared-output.jsonl");
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
        Set<String> topics = Set.of("two-runs.requests", "two-runs.replies", "two-runs.requests.dlq",
            "two-runs.requests.retry");
        admin.createTopics(topics.stream().map(topic -> new NewTopic(topic, 1, (short) 1)).toList()).all().get();
        TopicSetup.awaitLeaders(admin, topics);
      }

      // No worker yet: the first run's requests wait in Kafka and it gives up, its output empty.
      int first = Launcher.run(dir.resolve("long.out"), Map.of(), 120, "batch", "--config", config.toString(),
          "--idle-timeout-seconds", "3", longPrompts.toString(), output.toString());
      Process worker = Launcher.start(dir.resolve("two-runs-worker.out"), Map.of(), "run", "--config",
          config.toString());
      try {
        int second = Launcher.run(dir.resolve("short.out"), Map.of(), 180, "batch", "--config", config.toString(),
            "--idle-timeout-seconds", "60", shortPrompts.toString(), output.toString());
        int third = Launcher.run(dir.resolve("again.out"), Map.of(), 120, "batch", "--config", config.toString(),
            longPrompts.toString(), output.toString());

        assertThat(first).isEqualTo(1);
        assertThat(second).as(Launcher.read(dir.resolve("short.out"))).isZero();
        assertThat(third).isEqualTo(2);
        assertThat(Launcher.read(dir.resolve("again.out"))).contains("started for another input");
      } finally {
        worker.destroy();
      }
      assertThat(worker.waitFor(60, TimeUnit.SECONDS)).isTrue();

      List<JsonNode> lines = readOutput(output);
      assertThat(lines).hasSize(10).allSatisfy(line ->
          assertThat(line.at("/response/body/usage/prompt_tokens").asLong()).as(line.toString()).isLessThan(5));
    }
  }

  private Path writeLines(String name, int count, String prompt) throws Exception {
    List<String> lines = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      lines.add("{\"custom_id\":\"line-" + i + "\",\"method\":\"POST\",\"url\":\"/v1/completions\","
          + "\"body\":{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"" + prompt + "\",\"max_tokens\":4}}");
    }
    Path file = dir.resolve(name);
    Files.write(file, lines);
    return file;
  }

  @Test
  void refusesToWriteOverItsInputOrIntoAMissingDirectory() throws Exception {
    Path input = writeInput();
    Path output = dir.resolve("refused.out");

    int sameFile = Launcher.run(output, Map.of(), 60, "batch", input.toString(), input.toString());
    assertThat(sameFile).isEqualTo(2);
    assertThat(Launcher.read(output)).contains("batch output must not be the input file");
    int missingDirectory = Launcher.run(output, Map.of(), 60, "batch", input.toString(),
        dir.resolve("no/such/dir/out.jsonl").toString());
    assertThat(missingDirectory).isEqualTo(2);
    assertThat(Launcher.read(output)).contains("does not exist");
    assertThat(Files.readAllLines(input)).hasSize(LINES);
  }

  private Path writeInput() throws Exception {
    List<String> lines = new ArrayList<>();
    for (int i = 1; i <= LINES; i++) {
      if (i == NOT_JSON) {
        lines.add("{\"custom_id\":\"req-7\",");
      } else if (i == WRONG_URL) {
        lines.add("{\"custom_id\":\"bad-url\",\"method\":\"POST\",\"url\":\"/v1/images/generations\",\"body\":{}}");
      } else if (i % 5 == 3) {
        lines.add("{\"custom_id\":\"embed-" + i + "\",\"method\":\"POST\",\"url\":\"/v1/embeddings\","
            + "\"body\":{\"model\":\"text-embedding-3-small\",\"dimensions\":8,\"input\":[\"line " + i + "\",\"again\"]}}");
      } else if (i % 5 == 0) {
        lines.add("{\"custom_id\":\"chat-" + i + "\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
            + "\"body\":{\"model\":\"gpt-3.5-turbo-instruct\",\"max_tokens\":8,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"line " + i + "\"}]}}");
      } else {
        lines.add("{\"custom_id\":\"req-" + i + "\",\"method\":\"POST\",\"url\":\"/v1/completions\","
            + "\"body\":{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"line " + i + "\",\"max_tokens\":8}}");
      }
    }
    Path input = dir.resolve("input.jsonl");
    Files.write(input, lines);
    return input;
  }

  private static List<String> customIds(Path input) throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<String> ids = new ArrayList<>();
    for (String line : Files.readAllLines(input)) {
      ids.add(json.readTree(line).get("custom_id").asText());
    }
    return ids;
  }

  private static int lineCount(Path file) {
    try {
      return Files.exists(file) ? (int) Files.readString(file).chars().filter(c -> c == '\n').count() : 0;
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<JsonNode> readOutput(Path output) throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> lines = new ArrayList<>();
    for (String line : Files.readAllLines(output)) {
      lines.add(json.readTree(line));
    }
    return lines;
  }
}
