package dev.relayworker.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.relayworker.config.EnvironmentVariables;
import dev.relayworker.config.WorkerConfig;
import dev.relayworker.testkit.EmbeddedKafka;
import dev.relayworker.tools.bench.BenchRunner;
import dev.relayworker.tools.bench.Figures;
import dev.relayworker.tools.bench.Scenario;
import dev.relayworker.tools.bench.Scenarios;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code relay-worker bench}: measures the worker against its limits (Little's law, the relay's
 * rate limit), its CPU and heap, a naive loop and a peer (Confluent's Parallel Consumer). See docs/benchmarks.md for the method.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmark the worker: throughput and latency against their limits, CPU per completion,"
        + " heap, delivery modes, and a naive loop and Confluent's Parallel Consumer side by side.")
final class BenchCommand implements Callable<Integer> {

  @Mixin
  ToolOutput output;

  @Parameters(arity = "0..*", description = "Scenarios (default: all): latency-bound, latency-at-rate, rate-limited,"
      + " cpu-bound, backlog, delivery-modes, naive, parallel-consumer, token-limited, token-headroom, shared-limit,"
      + " embeddings, streaming, share-groups.")
  List<String> names = new ArrayList<>();

  @Option(names = "--runs", defaultValue = "1", description = "Runs of each scenario, alternated (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--quick", description = "A few hundred requests per scenario: checks the harness, not the speed.")
  boolean quick;

  @Option(names = "--json", paramLabel = "FILE", description = "Also write every run's figures as JSON.")
  Path json;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "A worker setting for every run, after the"
      + " scenario's own (e.g. relay.http.client=jdk); repeatable.")
  List<String> settings = new ArrayList<>();

  @Option(names = "--naive-seconds", defaultValue = "20", description = "How long the naive loop runs (default: ${DEFAULT-VALUE}).")
  int naiveSeconds;

  @Override
  public Integer call() throws Exception {
    output.apply();
    Map<String, List<Scenario>> catalogue = Scenarios.all();
    List<String> chosen = names.isEmpty() ? List.copyOf(catalogue.keySet()) : names;
    for (String name : chosen) {
      if (!catalogue.containsKey(name)) {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
            "unknown scenario '" + name + "'; known: " + catalogue.keySet());
      }
    }
    for (String setting : settings) {
      if (setting.indexOf('=') < 1) {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
            "--set takes KEY=VALUE, not '" + setting + "'");
      }
    }
    String bootstrap = EnvironmentVariables.settings(System.getenv()).get(WorkerConfig.KAFKA_BOOTSTRAP_SERVERS);
    EmbeddedKafka kafka = null;
    List<Figures> all = new ArrayList<>();
    try {
      if (bootstrap == null) {
        kafka = EmbeddedKafka.start();
        bootstrap = kafka.bootstrapServers();
      }
      Path workDir = Files.createTempDirectory("relay-worker-bench");
      BenchRunner runner = new BenchRunner(bootstrap, workDir, System.out, settings);
      System.out.printf("bench: %d core(s), Java %s, Kafka %s, worker logs in %s%n",
          Runtime.getRuntime().availableProcessors(), Runtime.version(), bootstrap, workDir);
      for (int run = 1; run <= runs; run++) {
        for (String name : chosen) {
          for (Scenario scenario : catalogue.get(name)) {
            Scenario actual = quick ? Scenarios.quick(scenario) : scenario;
            Figures figures = name.equals(Scenarios.NAIVE) ? naive(runner, actual)
                : name.equals(Scenarios.PARALLEL_CONSUMER) ? runner.runParallelConsumer(actual) : runner.run(actual);
            all.add(figures);
            print(figures);
          }
        }
      }
    } finally {
      if (kafka != null) {
        kafka.close();
      }
    }
    if (runs > 1) {
      summary(all);
    }
    if (json != null) {
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), all);
    }
    return all.stream().allMatch(figures -> figures.answered() == figures.requests()) ? 0 : 1;
  }

  private Figures naive(BenchRunner runner, Scenario scenario) throws Exception {
    Duration duration = Duration.ofSeconds(quick ? 3 : naiveSeconds);
    double naive = runner.naive(scenario, duration);
    return new Figures("naive/" + scenario.name(), 0, 0, 0, naive, scenario.throughputLimit(), Double.NaN,
        Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0, Double.NaN, Double.NaN, -1, naive, Double.NaN,
        Double.NaN, -1, Double.NaN, 0, 1, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
  }

  private static void print(Figures f) {
    System.out.printf("%n%s%n", f.scenario());
    if (f.scenario().startsWith("naive")) {
      System.out.printf("  completions/s              %10.2f   limit %,.0f   %s%n", f.completionsPerSecond(),
          f.throughputLimit(), ratio(f.throughputRatio()));
      return;
    }
    System.out.printf("  answered                   %,10d of %,d (%d errors)%s%n", f.answered(), f.requests(), f.errors(),
        f.workers() > 1 ? ", " + f.workers() + " workers in one group" : "");
    if (f.tokenLimitPerMinute() > 0) {
      System.out.printf("  tokens/min                 %,10.0f   budget %,d   %.1f%% of it%n", f.tokensPerMinute(),
          f.tokenLimitPerMinute(), 100 * f.tokensPerMinute() / f.tokenLimitPerMinute());
    }
    System.out.printf("  completions/s              %10.1f   %s%n", f.completionsPerSecond(),
        f.throughputLimit() > 0 ? String.format("limit %,.0f   %s", f.throughputLimit(), ratio(f.throughputRatio()))
            : "(no limit in requests)");
    System.out.printf("  end-to-end ms p50/p95/p99  %.1f / %.1f / %.1f%n", f.e2eP50Ms(), f.e2eP95Ms(), f.e2eP99Ms());
    System.out.printf("  worker-added ms p50/p99    %.1f / %.1f%n", f.addedP50Ms(), f.addedP99Ms());
    System.out.printf("  relay calls per request    %.3f   (limit 1.000)%n", f.relayCallsPerRequest());
    if (!Double.isNaN(f.inputsPerCall())) {
      System.out.printf("  embeddings inputs per call %.1f   (%.1f requests per call)%n", f.inputsPerCall(),
          1 / f.relayCallsPerRequest());
    }
    if (!Double.isNaN(f.chunksPerAnswer())) {
      System.out.printf("  first chunk added ms p50/p99 %.1f / %.1f   (chunk path alone %.1f / %.1f)%n",
          f.firstChunkAddedP50Ms(), f.firstChunkAddedP99Ms(), f.chunkPathP50Ms(), f.chunkPathP99Ms());
      System.out.printf("  chunk records per answer   %.1f%n", f.chunksPerAnswer());
    }
    System.out.printf("  429s received              %d%n", f.rateLimited429s());
    System.out.printf("  worker CPU per completion  %.0f us   (%.0f us without the JIT compiler threads)%n",
        f.workerCpuMicrosPerCompletion(), f.workerCpuMicrosWithoutJit());
    System.out.printf("  worker peak heap           %d MiB%n", f.workerPeakHeapMiB());
    System.out.printf("  relay calls open           mean %.1f, lowest 100 ms %.1f%n", f.relayCallsOpenMean(),
        f.relayCallsOpenMin());
    System.out.printf("  worker threads started     %d%n", f.workerThreadsStarted());
  }

  private static void summary(List<Figures> all) {
    System.out.printf("%nmedians over runs (min-max)%n");
    all.stream().map(Figures::scenario).distinct().forEach(name -> {
      List<Figures> runs = all.stream().filter(f -> f.scenario().equals(name)).toList();
      System.out.printf("  %-30s completions/s %s  p50 %s ms  p99 %s ms  added p50 %s ms  CPU %s us  heap %s MiB"
          + "  without JIT %s us  open calls %s (lowest %s)  threads started %s  429s %s  tokens/min %s%n",
          name, stat(runs, Figures::completionsPerSecond), stat(runs, Figures::e2eP50Ms), stat(runs, Figures::e2eP99Ms),
          stat(runs, Figures::addedP50Ms), stat(runs, Figures::workerCpuMicrosPerCompletion),
          stat(runs, f -> f.workerPeakHeapMiB()), stat(runs, Figures::workerCpuMicrosWithoutJit),
          stat(runs, Figures::relayCallsOpenMean),
          stat(runs, Figures::relayCallsOpenMin), stat(runs, f -> f.workerThreadsStarted()),
          stat(runs, f -> f.rateLimited429s()), stat(runs, Figures::tokensPerMinute));
    });
  }

  private static String stat(List<Figures> runs, ToDoubleFunction<Figures> figure) {
    double[] values = runs.stream().mapToDouble(figure).sorted().toArray();
    double median = values[values.length / 2];
    return String.format("%.1f (%.1f-%.1f)", median, values[0], values[values.length - 1]);
  }

  private static String ratio(double ratio) {
    return Double.isNaN(ratio) ? "" : String.format("%.1f%% of limit", ratio * 100);
  }

}
