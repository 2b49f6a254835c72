package dev.relayworker.endtoend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command, through the real launcher: embedded Kafka, simulator, worker, replies. */
class DemoCommandIT {

  @TempDir
  Path dir;

  @Test
  void theDemoAnswersEveryRequestAndExitsZero() throws Exception {
    Path output = dir.resolve("demo.out");

    int exit = Launcher.run(output, Map.of(), 240, "demo", "--requests", "60", "--latency-ms", "50");

    String printed = Launcher.read(output);
    assertThat(exit).as(printed).isZero();
    assertThat(printed).contains("summary: sent 60, answered 60").contains("every request got its reply")
        .contains("latency (sent to reply read): p50").containsPattern("cost 0\\.\\d+ USD")
        .contains("ok replies by object: {chat.completion=30, text_completion=30}")
        // Two routes: the cheap one answers until its quota runs out, the premium one the rest.
        .containsPattern("route cheap: [1-9]\\d* ok replies, cost 0\\.\\d+ USD")
        .containsPattern("route premium: [1-9]\\d* ok replies, cost 0\\.\\d+ USD")
        .containsPattern("relay calls on cheap: \\d+ \\(by status \\{200=\\d+, 403=");
    // Its own progress and results only: no log line of the broker, the clients or the worker, no
    // line the broker's formatter prints, no terminal escape.
    assertThat(printed).doesNotContainPattern("(?m)^\\d{2}:\\d{2}:\\d{2}\\.\\d{3} ")
        .doesNotContain("Bootstrap metadata").doesNotContain("Formatting metadata").doesNotContain("\u001b");
  }

  @Test
  void aRelayInTheEnvironmentIsUsedOnlyWhenAskedForAndThenLoudly() throws Exception {
    Map<String, String> nowhere = Map.of("RELAY_BASE_URL", "http://127.0.0.1:9", "RELAY_API_KEY", "sk-live-key");
    Path ignored = dir.resolve("ignored.out");
    int exit = Launcher.run(ignored, nowhere, 240, "demo", "--requests", "10", "--latency-ms", "10", "--verbose");
    assertThat(exit).as(Launcher.read(ignored)).isZero();
    assertThat(Launcher.read(ignored)).contains("are set but not used").contains("every request got its reply")
        .as("--verbose shows the worker's log").contains("INFO  [main] d.r.pipeline.Worker - worker started");

    try (RelaySimulator relay = RelaySimulator.start(SimulatorSettings.defaults().withApiKey("sk-demo-env-key"), 0)) {
      Path used = dir.resolve("used.out");
      exit = Launcher.run(used, Map.of("RELAY_BASE_URL", relay.baseUri().toString(), "RELAY_API_KEY",
          "sk-demo-env-key"), 240, "demo", "--requests", "10", "--relay-from-env");
      String printed = Launcher.read(used);
      assertThat(exit).as(printed).isZero();
      assertThat(printed).contains("WARNING: --relay-from-env: 10 requests go to the real relay")
          .doesNotContain("sk-demo-env-key");
      assertThat(relay.stats().calls()).isGreaterThanOrEqualTo(10);
    }
  }
}
