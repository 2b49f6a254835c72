package dev.relayworker.endtoend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testkit.Await;
import dev.relayworker.testkit.KafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's commands, run as a new user would run them against a fresh broker. "Try it with
 * kcat": the first block's commands (the simulator and the worker, through the real launcher) each in a
 * process of its own, then the second block's commands one by one in bash. The only edits are the
 * addresses: the test broker's for {@code localhost:9092}, a free port for the simulator's 8089.
 * Each {@code # ...} line under a command is what it must print: a line of its output has to hold
 * the comment's text, {@code ...} standing for anything. A consumer is run again until it prints
 * what the README says or a minute has passed, as a user would look again.
 */
@ExtendWith(KafkaBroker.class)
class ReadmeCommandsIT {

  private static final String TRY_IT = "## Try it with kcat";
  private static final String RUN_IT = "## Run it against your relay";
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  @TempDir
  Path dir;

  @Test
  void theKcatExamplesAnswerAsTheReadmeSays(KafkaBroker.Running broker) throws Exception {
    assumeTrue(onPath("kcat"), "kcat is not installed here (apt-get install kcat; .ci/run installs it)");
    List<List<String>> blocks = bashBlocks(Files.readAllLines(Path.of("README.md")), TRY_IT);
    assertThat(blocks).as("the section's two bash blocks: start, then try").hasSize(2);
    int relayPort = freePort();
    List<Process> started = new ArrayList<>();
    try {
      List<Command> start = commands(blocks.get(0), broker.bootstrapServers(), relayPort);
      assertThat(start).extracting(Command::line).anyMatch(line -> line.contains("simulate-relay"))
          .anyMatch(line -> line.contains("relay-worker run"));
      Path workerLog = null;
      Path simulatorLog = null;
      for (int i = 0; i < start.size(); i++) {
        Path log = dir.resolve("started-" + i + ".log");
        started.add(background(start.get(i).line(), log));
        if (start.get(i).line().contains("relay-worker run")) {
          workerLog = log;
        } else if (start.get(i).line().contains("simulate-relay")) {
          simulatorLog = log;
        }
      }
      // Both, as a user waits for both terminals: a worker up before the relay would fail its first calls.
      awaitInLog(simulatorLog, "relay simulator listening on");
      awaitInLog(workerLog, "worker started");

      for (Command command : commands(blocks.get(1), broker.bootstrapServers(), relayPort)) {
        runUntilItPrintsWhatTheReadmeSays(command);
      }
    } finally {
      for (Process process : started) {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        process.waitFor(60, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * "Run it against your relay": the variables exported, the worker run, one request sent with
   * {@code send}, which must print its completion. Your broker, relay and key are the test's.
   */
  @Test
  void theRunAndSendCommandsAnswerThroughTheWorker(KafkaBroker.Running broker) throws Exception {
    List<List<String>> blocks = bashBlocks(Files.readAllLines(Path.of("README.md")), RUN_IT);
    assertThat(blocks).as("the section's bash block").hasSize(1);
    List<String> lines = blocks.get(0);
    assertThat(lines).hasSize(3);
    try (RelaySimulator simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0)) {
      String exports = lines.get(0).replace("broker:9092", broker.bootstrapServers())
          .replace("https://relay.example.com", simulator.baseUri().toString())
          .replace("sk-...", SimulatorSettings.DEFAULT_KEY);
      assertThat(exports).as("the exports the test fills in").doesNotContain("example.com", "sk-...");
      Path workerLog = dir.resolve("run.log");
      Process worker = background(exports + "\n" + lines.get(1), workerLog);
      try {
        awaitInLog(workerLog, "worker started");
        Path output = dir.resolve("send.out");
        Process send = new ProcessBuilder("bash", "-c", exports + "\n" + lines.get(2)).redirectErrorStream(true)
            .redirectOutput(output.toFile()).start();
        assertThat(send.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String printed = Files.readString(output, StandardCharsets.UTF_8);
        assertThat(send.exitValue()).as(printed).isZero();
        assertThat(printed).contains("\"object\":\"text_completion\"").contains("status=ok");
      } finally {
        worker.descendants().forEach(ProcessHandle::destroy);
        worker.destroy();
        worker.waitFor(60, TimeUnit.SECONDS);
      }
    }
  }

  /** A command of a block, and the output lines the README shows under it. */
  private record Command(String line, List<String> expected) {}

  private void runUntilItPrintsWhatTheReadmeSays(Command command) {
    AtomicReference<String> printed = new AtomicReference<>("");
    try {
      // Each look is a whole run of the command, as a user would look again.
      Await.until("`" + command.line() + "` printing what the README says", PATIENCE, () -> {
        printed.set(run(command.line()));
        return command.expected().stream().allMatch(line -> printedLine(printed.get(), line));
      });
    } catch (AssertionError e) {
      List<String> missing = command.expected().stream().filter(line -> !printedLine(printed.get(), line)).toList();
      throw new AssertionError(e.getMessage() + "; missing:\n" + String.join("\n", missing) + "\nit printed:\n"
          + printed.get(), e);
    }
  }

  /** Runs {@code line} in bash to its end (bounded) and returns what it printed; it must exit 0. */
  private String run(String line) {
    try {
      Path output = dir.resolve("command.out");
      Process process = new ProcessBuilder("bash", "-c", line).redirectErrorStream(true)
          .redirectOutput(output.toFile()).start();
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(line).isTrue();
      String printed = Files.readString(output, StandardCharsets.UTF_8);
      assertThat(process.exitValue()).as(line + "\n" + printed).isZero();
      return printed;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Whether one line of {@code printed} holds the parts of {@code expected} between its {@code ...}, in order. */
  private static boolean printedLine(String printed, String expected) {
    String[] parts = expected.split("\\.\\.\\.", -1);
    for (String line : printed.split("\n")) {
      int at = 0;
      boolean all = true;
      for (String part : parts) {
        int found = line.indexOf(part, at);
        if (found < 0) {
          all = false;
          break;
        }
        at = found + part.length();
      }
      if (all) {
        return true;
      }
    }
    return false;
  }

  /** The bash blocks of one section of the README, each as its lines. */
  private static List<List<String>> bashBlocks(List<String> readme, String section) {
    List<List<String>> blocks = new ArrayList<>();
    boolean inSection = false;
    List<String> block = null;
    for (String line : readme) {
      if (line.startsWith("## ")) {
        inSection = line.equals(section);
      } else if (inSection && block == null && line.equals("```bash")) {
        block = new ArrayList<>();
      } else if (block != null && line.equals("```")) {
        blocks.add(block);
        block = null;
      } else if (block != null) {
        block.add(line);
      }
    }
    return blocks;
  }

  /**
   * A block's commands: a line ending in {@code |} or {@code \} goes on in the next; the
   * {@code # } lines after a command are what it prints.
   */
  private static List<Command> commands(List<String> lines, String bootstrap, int relayPort) {
    List<Command> commands = new ArrayList<>();
    StringBuilder pending = new StringBuilder();
    for (String line : lines) {
      if (line.startsWith("# ") && !commands.isEmpty() && pending.length() == 0) {
        commands.get(commands.size() - 1).expected().add(line.substring(2));
      } else if (!line.isBlank()) {
        pending.append(line.endsWith("\\") ? line.substring(0, line.length() - 1) : line).append(' ');
        if (!line.endsWith("|") && !line.endsWith("\\")) {
          commands.add(new Command(addresses(pending.toString().trim(), bootstrap, relayPort), new ArrayList<>()));
          pending.setLength(0);
        }
      }
    }
    return commands;
  }

  private static String addresses(String line, String bootstrap, int relayPort) {
    String placed = line.replace("localhost:9092", bootstrap).replace("localhost:8089", "localhost:" + relayPort);
    return placed.endsWith("simulate-relay") ? placed + " --port " + relayPort : placed;
  }

  private static Process background(String line, Path log) throws IOException {
    ProcessBuilder builder = new ProcessBuilder("bash", "-c", line).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    // The test machine's own settings must not reach the worker; its probes on a free port.
    builder.environment().keySet().removeIf(name -> name.startsWith("RELAY_") || name.startsWith("KAFKA_"));
    builder.environment().put("RELAY_WORKER_ADMIN_PORT", "0");
    return builder.start();
  }

  private static void awaitInLog(Path log, String text) {
    Await.until("'" + text + "' in " + log, Duration.ofMinutes(3), () -> read(log).contains(text));
  }

  private static String read(Path log) {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean onPath(String program) {
    for (String directory : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(directory, program))) {
        return true;
      }
    }
    return false;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
