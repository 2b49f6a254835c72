package dev.relayworker.endtoend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.metrics.Metric;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testkit.KafkaBroker;
import dev.relayworker.testkit.Scrape;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code run} and {@code send} through the launcher against a real broker and the simulator. */
@ExtendWith(KafkaBroker.class)
class RunAndSendIT {

  @TempDir
  Path dir;

  @Test
  void aRunningWorkerAnswersSendAndStopsCleanlyOnSigterm(KafkaBroker.Running broker) throws Exception {
    try (RelaySimulator simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0)) {
      Path config = dir.resolve("worker.properties");
      Files.writeString(config, String.join("\n",
          "kafka.bootstrap.servers=" + broker.bootstrapServers(),
          "relay.base.url=" + simulator.baseUri(),
          "relay.api.key=" + SimulatorSettings.DEFAULT_KEY,
          "request.topic=it.requests", "reply.topic=it.replies", "dlq.topic=it.requests.dlq",
          "group.id=it-workers", "admin.port=0", ""));
      Path run = dir.resolve("run.out");
      Process worker = Launcher.start(run, Map.of(), "run", "--config", config.toString());
      try {
        Path sendOutput = dir.resolve("send.out");
        int sent = Launcher.run(sendOutput, Map.of(), 120, "send", "--config", config.toString(), "--prompt",
            "Say hello", "--max-tokens", "6");

        String printed = Launcher.read(sendOutput);
        assertThat(sent).as(printed).isZero();
        assertThat(printed).contains("\"object\":\"text_completion\"").contains("\"usage\"").contains("status=ok")
            .containsPattern("cost=0\\.\\d+ USD \\(\\d+ quota, group default, route default\\)");

        // With --stream the text is printed as its chunks arrive, before the final reply.
        Path streamOutput = dir.resolve("send-stream.out");
        int streamed = Launcher.run(streamOutput, Map.of(), 120, "send", "--config", config.toString(), "--prompt",
            "Tell a story", "--max-tokens", "12", "--stream");
        String streamPrinted = Launcher.read(streamOutput);
        assertThat(streamed).as(streamPrinted).isZero();
        int reply = streamPrinted.indexOf("{\"id\"");
        assertThat(reply).as(streamPrinted).isPositive();
        String text = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
            streamPrinted.substring(reply, streamPrinted.indexOf('\n', reply))).at("/choices/0/text").asText();
        assertThat(text).isNotBlank();
        assertThat(streamPrinted.indexOf(text)).as(streamPrinted).isLessThan(reply);

        // The launcher's worker serves its probes and meters on the port it logged.
        Matcher logged = Pattern.compile("metrics on http://[^:/]+:(\\d+)/metrics").matcher(Launcher.read(run));
        assertThat(logged.find()).isTrue();
        String admin = "http://127.0.0.1:" + logged.group(1);
        assertThat(get(admin + "/health/live").statusCode()).isEqualTo(200);
        HttpResponse<String> ready = get(admin + "/health/ready");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"status\":\"UP\"").contains("it.requests-0");
        Scrape metrics = Scrape.of(get(admin + "/metrics").body());
        assertThat(metrics.value(Metric.REQUESTS_CONSUMED.prometheusName())).isEqualTo(2);
        assertThat(metrics.value(Metric.REPLIES.prometheusName(), "status=\"ok\"")).isEqualTo(2);
        assertThat(metrics.value(Metric.STREAM_COMPLETED.prometheusName())).isEqualTo(1);
        assertThat(metrics.value(Metric.STREAM_CHUNKS.prometheusName())).isPositive();
      } finally {
        worker.destroy();
      }
      assertThat(worker.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(worker.exitValue()).as(Launcher.read(dir.resolve("run.out"))).isZero();
      assertThat(simulator.stats().calls()).isEqualTo(2);
    }
  }

  @Test
  void aBadSettingStopsStartUpNamingTheKey() throws Exception {
    Path config = dir.resolve("bad.properties");
    Files.writeString(config, "kafka.bootstrap.servers=localhost:1\nrelay.base.url=http://x\nrelay.api.key=k\n"
        + "worker.max.in.flight=lots\n");
    Path output = dir.resolve("bad.out");

    int exit = Launcher.run(output, Map.of(), 60, "run", "--config", config.toString());

    assertThat(exit).isEqualTo(2);
    assertThat(Launcher.read(output)).contains("worker.max.in.flight");
  }

  @Test
  void settingsThatWouldFailLaterStopStartUpNamingTheKeyButNeverTheSecret() throws Exception {
    String base = "kafka.bootstrap.servers=localhost:1\nrelay.base.url=http://joe:hunter2@relay.example\n";
    Map<String, String> refusals = Map.of(
        "relay.api.key=sk-Qx7Zr9Kw\n", "RELAY_API_KEY=sk-Qx7Zr9Kw\u200b",
        "relay.api.key=k\nkafka.security.protocl=SSL\n", "kafka.security.protocl",
        "relay.api.key=k\nreply.topic.allowed.pattern=replies.(unclosed\n", "reply.topic.allowed.pattern");
    for (Map.Entry<String, String> refusal : refusals.entrySet()) {
      Path config = dir.resolve("refused.properties");
      Files.writeString(config, base + refusal.getKey());
      Path output = dir.resolve("refused.out");
      Map<String, String> environment = refusal.getValue().startsWith("RELAY_API_KEY=")
          ? Map.of("RELAY_API_KEY", refusal.getValue().substring("RELAY_API_KEY=".length())) : Map.of();

      int exit = Launcher.run(output, environment, 60, "run", "--config", config.toString());

      String printed = Launcher.read(output);
      assertThat(exit).as(printed).isEqualTo(2);
      assertThat(printed).contains(environment.isEmpty() ? refusal.getValue() : "relay.api.key")
          .doesNotContain("Qx7Zr9Kw").doesNotContain("hunter2");
    }
  }

  private static HttpResponse<String> get(String url) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
