package dev.relayworker.tools.bench;

import dev.relayworker.config.EnvironmentVariables;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The worker under test as its own JVM ({@code relay-worker run}), so its CPU time can be read
 * from {@code /proc/<pid>/stat} apart from the broker, the simulator and the load driver.
 */
final class WorkerProcess implements AutoCloseable {

  private static final Pattern PEAK_HEAP = Pattern.compile("peak heap used (\\d+) bytes");
  private static final Pattern THREADS_STARTED = Pattern.compile("java\\.threads\\.started=(\\d+)");
  private static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux

  private final Process process;
  private final Path output;

  private WorkerProcess(Process process, Path output) {
    this.process = process;
    this.output = output;
  }

  static WorkerProcess start(Path config, Path output, String heap) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>(List.of(java));
    if (heap != null) {
      command.add("-Xmx" + heap);
    }
    // For profiling the worker under load, e.g. -XX:StartFlightRecording=filename=worker.jfr
    String extra = System.getenv("BENCH_WORKER_JAVA_OPTS");
    if (extra != null && !extra.isBlank()) {
      command.addAll(List.of(extra.trim().split("\\s+")));
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.relayworker.cli.Main", "run",
        "--config", config.toString()));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
    // The benchmark's config file names its own simulator and topics: a RELAY_API_KEY (or any other
    // setting's variable) left in the operator's shell would otherwise override it, and could send
    // the load to a real, paid relay.
    builder.environment().keySet().removeIf(EnvironmentVariables::isSetting);
    return new WorkerProcess(builder.start(), output);
  }

  /**
   * Threads the worker JVM has started so far ({@code java.threads.started}, read with
   * {@code jcmd PerfCounter.print}), or -1 when jcmd is missing or fails. Started threads, not
   * live ones: a thread per relay answer shows here even though each dies at once.
   */
  long threadsStarted() {
    Path jcmd = Path.of(process.info().command().orElse("java")).resolveSibling("jcmd");
    try {
      Process counters = new ProcessBuilder(jcmd.toString(), String.valueOf(process.pid()), "PerfCounter.print")
          .redirectErrorStream(true).start();
      String text = new String(counters.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!counters.waitFor(30, TimeUnit.SECONDS) || counters.exitValue() != 0) {
        return -1;
      }
      Matcher started = THREADS_STARTED.matcher(text);
      return started.find() ? Long.parseLong(started.group(1)) : -1;
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** User plus system CPU time of the worker process so far, in nanoseconds. */
  long cpuNanos() {
    try {
      String stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
      // Fields after the command name, which is in parentheses and may contain spaces.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]) + Long.parseLong(fields[13])
          + Long.parseLong(fields[14]);
      return ticks * (1_000_000_000L / TICKS_PER_SECOND);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Stops the worker gracefully and returns the peak heap it reported, or -1. */
  long stop() throws IOException, InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    Matcher matcher = PEAK_HEAP.matcher(Files.readString(output, StandardCharsets.UTF_8));
    long peak = -1;
    while (matcher.find()) {
      peak = Long.parseLong(matcher.group(1));
    }
    return peak;
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
