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
import java.util.stream.Stream;

/**
 * The worker under test ({@code relay-worker run}), or the peer it is compared with, as its own
 * JVM, so its CPU time can be read from {@code /proc/<pid>/stat} apart from the broker, the
 * simulator and the load driver.
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
    return start(List.of(), "dev.relayworker.cli.Main", List.of("run", "--config", config.toString()), output, heap);
  }

  /**
   * The benchmark's peer ({@link ParallelConsumerPeer}) on the same config file. It gets the
   * common-pool flag the worker's launcher passes, so the JDK client it calls with does not start
   * a thread per answer on two CPUs: the peer is measured at its best.
   */
  static WorkerProcess startPeer(Path config, Path output) throws IOException {
    return start(List.of("-Djava.util.concurrent.ForkJoinPool.common.parallelism=2"),
        ParallelConsumerPeer.class.getName(), List.of(config.toString()), output, null);
  }

  private static WorkerProcess start(List<String> options, String mainClass, List<String> arguments, Path output,
      String heap) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>(List.of(java));
    if (heap != null) {
      command.add("-Xmx" + heap);
    }
    command.addAll(options);
    // For profiling the worker under load, e.g. -XX:StartFlightRecording=filename=worker.jfr
    String extra = System.getenv("BENCH_WORKER_JAVA_OPTS");
    if (extra != null && !extra.isBlank()) {
      command.addAll(List.of(extra.trim().split("\\s+")));
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
    command.addAll(arguments);
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
      return cpuNanos(Path.of("/proc/" + process.pid() + "/stat"), true);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * CPU time the JIT's compiler threads ({@code C1 CompilerThre}, {@code C2 CompilerThre}) have
   * used so far, in nanoseconds, or -1. Compiler threads come and go, so a thread that ended
   * between two readings is missed: the difference of two readings is a lower bound.
   */
  long compilerCpuNanos() {
    try (Stream<Path> tasks = Files.list(Path.of("/proc/" + process.pid() + "/task"))) {
      long total = 0;
      for (Path task : tasks.toList()) {
        try {
          if (Files.readString(task.resolve("comm")).contains("CompilerThre")) {
            total += cpuNanos(task.resolve("stat"), false);
          }
        } catch (IOException threadEnded) {
          // Gone between listing and reading: its time is lost to both readings alike.
        }
      }
      return total;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** utime + stime (and, for a process, the same of its waited-for children) from a stat file. */
  private static long cpuNanos(Path stat, boolean withChildren) throws IOException {
    String text = Files.readString(stat);
    // Fields after the command name, which is in parentheses and may contain spaces.
    String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    if (withChildren) {
      ticks += Long.parseLong(fields[13]) + Long.parseLong(fields[14]);
    }
    return ticks * (1_000_000_000L / TICKS_PER_SECOND);
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
