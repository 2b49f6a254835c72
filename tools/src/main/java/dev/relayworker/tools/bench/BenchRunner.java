package dev.relayworker.tools.bench;

import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.simulator.SimulatorStats;
import dev.relayworker.tools.Percentiles;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * Runs benchmark scenarios: for each, a fresh relay simulator with the scenario's latency and
 * limit, the worker as its own JVM, a warm-up phase (the JIT needs tens of thousands of requests),
 * then the measured phase with the worker's CPU time read around it.
 */
public final class BenchRunner {

  private static final Duration PHASE_TIMEOUT = Duration.ofMinutes(4);
  private static final String PARALLEL_CONSUMER = "parallel-consumer/";

  private final String bootstrap;
  private final Path workDir;
  private final PrintStream out;
  private final List<String> settings;
  private int sequence;

  /** @param settings {@code key=value} worker settings written after each scenario's own, so they win */
  public BenchRunner(String bootstrap, Path workDir, PrintStream out, List<String> settings) {
    this.bootstrap = bootstrap;
    this.workDir = workDir;
    this.out = out;
    this.settings = List.copyOf(settings);
  }

  /** The scenario run by the worker. */
  public Figures run(Scenario scenario) throws Exception {
    return run(scenario, false);
  }

  /**
   * The scenario run by the peer, {@link ParallelConsumerPeer}, in place of the worker (one
   * process whatever the scenario's worker count); its figures are named
   * {@code parallel-consumer/<scenario>}.
   */
  public Figures runParallelConsumer(Scenario scenario) throws Exception {
    return run(scenario, true);
  }

  private Figures run(Scenario scenario, boolean peer) throws Exception {
    String prefix = "bench." + scenario.name().replace('/', '.') + "." + (++sequence) + "." + System.nanoTime() % 100_000;
    SimulatorSettings settings = SimulatorSettings.defaults()
        .withLatency(scenario.relayLatency(), Duration.ZERO)
        .withRateLimit(scenario.relayRpm(), Math.max(1, scenario.relayRpm() / 60))
        .withTokensPerMinute(scenario.relayTpm())
        .withStreamChunkDelay(scenario.tokenPace());
    try (RelaySimulator simulator = RelaySimulator.start(settings, 0)) {
      Path config = writeConfig(scenario, prefix, simulator);
      Workers worker = new Workers();
      try {
        if (peer) {
          createTopics(prefix, scenario.partitions()); // The worker creates its own; the peer does not.
          worker.add(WorkerProcess.startPeer(config, workDir.resolve(prefix + ".peer.log")));
        } else {
          for (int i = 1; i <= scenario.workers(); i++) {
            worker.add(WorkerProcess.start(config, workDir.resolve(prefix + "." + i + ".log"), scenario.workerHeap()));
          }
        }
        awaitTopic(prefix + ".replies");
        try (RequestDriver driver = new RequestDriver(bootstrap, prefix + ".requests", prefix + ".replies",
            scenario.maxTokens(), scenario.embeddings(), scenario.paced(), scenario.stream())) {
          out.printf("  %s: warming up with %,d requests...%n", scenario.name(), scenario.warmUpRequests());
          driver.run("w", scenario.warmUpRequests(), scenario.offeredRate(), PHASE_TIMEOUT);
          long cpuBefore = worker.cpuNanos();
          long compilerBefore = worker.compilerCpuNanos();
          long threadsBefore = worker.threadsStarted();
          long callsBefore = simulator.stats().calls();
          long limitedBefore = simulator.stats().outcome("429");
          long embeddingCallsBefore = simulator.stats().embeddingCalls();
          long inputsBefore = simulator.stats().embeddingInputs();
          out.printf("  %s: measuring %,d requests...%n", scenario.name(), scenario.requests());
          RequestDriver.Phase phase = driver.run("m", scenario.requests(), scenario.offeredRate(), PHASE_TIMEOUT);
          long cpu = worker.cpuNanos() - cpuBefore;
          long compiler = compilerBefore < 0 ? -1 : worker.compilerCpuNanos() - compilerBefore;
          long threads = threadsBefore < 0 ? -1 : worker.threadsStarted() - threadsBefore;
          long calls = simulator.stats().calls() - callsBefore;
          long limited = simulator.stats().outcome("429") - limitedBefore;
          long embeddingCalls = simulator.stats().embeddingCalls() - embeddingCallsBefore;
          double inputsPerCall = !scenario.embeddings() || embeddingCalls == 0 ? Double.NaN
              : (double) (simulator.stats().embeddingInputs() - inputsBefore) / embeddingCalls;
          long peakHeap = worker.stop();
          return figures(peer ? PARALLEL_CONSUMER + scenario.name() : scenario.name(), scenario, phase,
              simulator.stats(), cpu, compiler, calls, limited, peakHeap, threads, inputsPerCall);
        }
      } finally {
        worker.close();
      }
    }
  }

  /** The naive loop on its own topics, against a relay with {@code scenario}'s latency, for {@code duration}. */
  public double naive(Scenario scenario, Duration duration) throws Exception {
    String prefix = "bench.naive." + System.nanoTime() % 100_000;
    try (RelaySimulator simulator = RelaySimulator.start(SimulatorSettings.defaults()
        .withLatency(scenario.relayLatency(), Duration.ZERO), 0)) {
      createTopics(prefix, scenario.partitions());
      try (RequestDriver driver = new RequestDriver(bootstrap, prefix + ".requests", prefix + ".replies", scenario.maxTokens())) {
        // More than the loop gets through in the time: 500 calls take it 250 s at 500 ms each; at
        // 0 ms it is bound by its own produce and commit round trips.
        int backlog = scenario.relayLatency().isZero() ? scenario.requests() : 500;
        driver.run("n", backlog, 0, Duration.ofSeconds(1));
      }
      out.printf("  naive loop: running %d s...%n", duration.toSeconds());
      int completions = NaiveWorker.run(bootstrap, prefix + ".requests", prefix + ".replies", simulator.baseUri(),
          SimulatorSettings.DEFAULT_KEY, duration);
      return completions / (duration.toNanos() / 1e9);
    }
  }

  /** {@code <prefix>.requests} with {@code partitions} partitions and {@code <prefix>.replies} with one. */
  private void createTopics(String prefix, int partitions) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      admin.createTopics(List.of(new NewTopic(prefix + ".requests", partitions, (short) 1),
          new NewTopic(prefix + ".replies", 1, (short) 1))).all().get();
    }
  }

  private Figures figures(String name, Scenario scenario, RequestDriver.Phase phase, SimulatorStats stats, long cpuNanos,
      long compilerNanos, long calls, long limited, long peakHeap, long threadsStarted, double inputsPerCall) {
    OpenCalls open = OpenCalls.during(phase.name() + " ", phase.lastSend(), scenario.relaySlots(), stats.callLog());
    // A call's log names its first input only: an embeddings record is taken to have spent the
    // relay's fixed latency (no faults, no retries in these scenarios).
    double[] relayMillis = scenario.embeddings() ? fixed(phase.requests(), scenario.relayLatency().toNanos() / 1e6)
        : relayMillisPerRequest(phase, stats);
    double[] e2e = new double[phase.requests()];
    double[] added = new double[phase.requests()];
    int measured = 0;
    for (int i = 0; i < phase.requests(); i++) {
      if (phase.repliedNanos()[i] != 0) {
        e2e[measured] = (phase.repliedNanos()[i] - phase.sentNanos()[i]) / 1e6;
        added[measured] = e2e[measured] - relayMillis[i];
        measured++;
      }
    }
    double[] e2eSorted = Arrays.copyOf(e2e, measured);
    double[] addedSorted = Arrays.copyOf(added, measured);
    Arrays.sort(e2eSorted);
    Arrays.sort(addedSorted);
    int answered = phase.answered();
    FirstChunks first = FirstChunks.of(phase, stats, scenario.relayLatency());
    return new Figures(name, phase.requests(), answered, phase.errors(), phase.completionsPerSecond(),
        scenario.throughputLimit(), Percentiles.of(e2eSorted, 50), Percentiles.of(e2eSorted, 95), Percentiles.of(e2eSorted, 99),
        Percentiles.of(addedSorted, 50), Percentiles.of(addedSorted, 99), (double) calls / phase.requests(), limited,
        answered == 0 || cpuNanos < 0 ? Double.NaN : cpuNanos / 1e3 / answered,
        answered == 0 || cpuNanos < 0 || compilerNanos < 0 ? Double.NaN : (cpuNanos - compilerNanos) / 1e3 / answered,
        peakHeap < 0 ? -1 : peakHeap / (1024 * 1024), Double.NaN, open.mean(), open.lowest(), threadsStarted,
        phase.tokensPerMinute(), scenario.relayTpm(), scenario.workers(), inputsPerCall, first.addedP50(),
        first.addedP99(), first.pathP50(), first.pathP99(),
        phase.firstChunkNanos() == null || answered == 0 ? Double.NaN : (double) phase.chunks() / answered);
  }

  private static double[] fixed(int n, double millis) {
    double[] each = new double[n];
    Arrays.fill(each, millis);
    return each;
  }

  /** Time the relay spent on each request of the phase (all its calls), from the simulator's log. */
  private static double[] relayMillisPerRequest(RequestDriver.Phase phase, SimulatorStats stats) {
    double[] relay = new double[phase.requests()];
    String prefix = phase.name() + " ";
    for (SimulatorStats.Call call : stats.callLog()) {
      if (call.prompt() != null && call.prompt().startsWith(prefix)) {
        int index = Integer.parseInt(call.prompt().substring(prefix.length()));
        if (index < relay.length) {
          relay[index] += (call.answeredNanos() - call.arrivalNanos()) / 1e6;
        }
      }
    }
    return relay;
  }

  private Path writeConfig(Scenario scenario, String prefix, RelaySimulator simulator) throws IOException {
    Path config = workDir.resolve(prefix + ".properties");
    Files.writeString(config, String.join("\n",
        "kafka.bootstrap.servers=" + bootstrap,
        "relay.base.url=" + simulator.baseUri(),
        "relay.api.key=" + SimulatorSettings.DEFAULT_KEY,
        "group.id=" + prefix,
        "request.topic=" + prefix + ".requests",
        "reply.topic=" + prefix + ".replies",
        "dlq.topic=" + prefix + ".dlq",
        "topics.partitions=" + scenario.partitions(),
        "relay.max.concurrent.calls=" + scenario.relaySlots(),
        "relay.rate.limit.rpm=" + scenario.relayRpm(),
        "relay.rate.limit.tpm=" + scenario.relayTpm(),
        "delivery.guarantee=" + scenario.deliveryGuarantee(),
        "consumer.mode=" + scenario.consumerMode(),
        "request.ttl.ms=3600000",
        scenario.embeddings() ? "embeddings.batch.max.inputs=" + scenario.embeddingInputs() : "",
        "admin.port=0",
        String.join("\n", settings),
        ""));
    return config;
  }

  /** The scenario's worker processes, measured together: CPU and threads summed, heap the largest. */
  private static final class Workers {
    private final List<WorkerProcess> processes = new java.util.ArrayList<>();

    void add(WorkerProcess process) {
      processes.add(process);
    }

    long cpuNanos() {
      return sum(WorkerProcess::cpuNanos);
    }

    long compilerCpuNanos() {
      return sum(WorkerProcess::compilerCpuNanos);
    }

    long threadsStarted() {
      return sum(WorkerProcess::threadsStarted);
    }

    /** Stops every worker; the largest peak heap, or -1 when one is unknown. */
    long stop() throws Exception {
      long peak = 0;
      for (WorkerProcess process : processes) {
        long heap = process.stop();
        peak = heap < 0 || peak < 0 ? -1 : Math.max(peak, heap);
      }
      return peak;
    }

    void close() {
      processes.forEach(WorkerProcess::close);
    }

    /** The sum, or -1 when any process cannot tell. */
    private long sum(java.util.function.ToLongFunction<WorkerProcess> figure) {
      long total = 0;
      for (WorkerProcess process : processes) {
        long value = figure.applyAsLong(process);
        if (value < 0) {
          return -1;
        }
        total += value;
      }
      return total;
    }
  }

  private void awaitTopic(String topic) {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (System.nanoTime() < deadline) {
        if (admin.listTopics().names().get().contains(topic)) {
          return;
        }
        LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
      }
    } catch (Exception e) {
      throw new IllegalStateException("could not wait for " + topic, e);
    }
    throw new IllegalStateException("the worker did not create " + topic + " within 60 s");
  }
}
