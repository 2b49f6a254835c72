package dev.relayworker.endtoend;

import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testing.TestWorkers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs {@code bin/relay-worker} as a separate process, as a user would. */
final class Launcher {

  private Launcher() {}

  static Process start(Path output, Map<String, String> environment, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("bin/relay-worker"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(output.toFile());
    builder.environment().remove("KAFKA_BOOTSTRAP_SERVERS");
    builder.environment().remove("RELAY_BASE_URL");
    builder.environment().remove("RELAY_API_KEY");
    // Traces only where a test asks for them, whatever the machine's environment says.
    builder.environment().keySet().removeIf(name -> name.startsWith("OTEL_"));
    builder.environment().putAll(environment);
    return builder.start();
  }

  /** Runs to completion (bounded) and returns the exit code; the output lands in {@code output}. */
  static int run(Path output, Map<String, String> environment, long timeoutSeconds, String... args)
      throws IOException, InterruptedException {
    Process process = start(output, environment, args);
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("bin/relay-worker " + String.join(" ", args) + " did not finish in "
          + timeoutSeconds + " s; output:\n" + read(output));
    }
    return process.exitValue();
  }

  /** {@code bin/relay-worker run --config config} on a small heap, as the crash tests start workers. */
  static Process startWorker(Path output, Path config) throws IOException {
    return start(output, Map.of("JAVA_OPTS", "-Xmx256m -XX:TieredStopAtLevel=1"), "run", "--config", config.toString());
  }

  /**
   * The settings lines that point a launched worker at {@code workers}' broker, topics and group
   * and at {@code simulator} with its default key.
   */
  static List<String> settingsFor(TestWorkers workers, RelaySimulator simulator) {
    return List.of(
        "kafka.bootstrap.servers=" + workers.bootstrapServers,
        "relay.base.url=" + simulator.baseUri(),
        "relay.api.key=" + SimulatorSettings.DEFAULT_KEY,
        "request.topic=" + workers.requestTopic,
        "reply.topic=" + workers.replyTopic,
        "dlq.topic=" + workers.dlqTopic,
        "group.id=" + workers.groupId);
  }

  static String read(Path output) throws IOException {
    return Files.readString(output, StandardCharsets.UTF_8);
  }
}
