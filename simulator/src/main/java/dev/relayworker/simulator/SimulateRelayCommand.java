package dev.relayworker.simulator;

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The simulator's command line: {@code java -jar relay-worker-simulator.jar [options]} (its image
 * runs that), and {@code bin/relay-worker simulate-relay [options]}. Serves in the foreground until
 * SIGTERM or Ctrl-C.
 */
@Command(name = "simulate-relay", mixinStandardHelpOptions = true,
    description = "Serve an OpenAI-compatible relay stand-in on loopback (POST /v1/completions,"
        + " GET /v1/models, GET /stats, GET and POST /admin/quota) until Ctrl-C or SIGTERM.")
public final class SimulateRelayCommand implements Callable<Integer> {

  public static void main(String[] args) {
    System.exit(new CommandLine(new SimulateRelayCommand()).execute(args));
  }

  @Option(names = "--port", defaultValue = "8089", description = "Port to listen on; 0 for any free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--api-key", defaultValue = SimulatorSettings.DEFAULT_KEY,
      description = "The one key it accepts as 'Authorization: Bearer <key>' (default: ${DEFAULT-VALUE}).")
  String apiKey;

  @Option(names = "--models", split = ",", description = "Models with a channel, comma-separated; '*' for any"
      + " (default: gpt-3.5-turbo-instruct,davinci-002,babbage-002 and the three text-embedding models).")
  Set<String> models;

  @Option(names = "--latency-ms", defaultValue = "0", description = "Fixed delay before each answer (default: ${DEFAULT-VALUE}).")
  long latencyMs;

  @Option(names = "--latency-spread-ms", defaultValue = "0", description = "Extra random delay, uniform in [0, N) (default: ${DEFAULT-VALUE}).")
  long latencySpreadMs;

  @Option(names = "--fault", description = "Inject a fault with a probability, e.g. --fault 429=0.02 --fault hang=0.001."
      + " Faults: 429, 500, 502, 503, 504, hang, reset, malformed, stall, endless, cut, bloated.")
  Map<String, Double> faults = Map.of();

  @Option(names = "--retry-after-ms", defaultValue = "1000", description = "Wait that 429 answers ask for (default: ${DEFAULT-VALUE}).")
  long retryAfterMs;

  @Option(names = "--rpm", defaultValue = "0", description = "Own rate limit in requests per minute, answered with 429; 0 for none.")
  int rpm;

  @Option(names = "--burst", description = "Requests allowed at once above the smooth rate (default: rpm/60, at least 1).")
  Integer burst;

  @Option(names = "--flavor", defaultValue = "openai", description = "Whose error habits to answer with: openai,"
      + " one-api or new-api (default: ${DEFAULT-VALUE}).")
  String flavor;

  @Option(names = "--tpm", defaultValue = "0", description = "Own tokens-per-minute limit, answered with 429; 0 for none.")
  int tpm;

  @Option(names = "--quota", defaultValue = "-1", description = "The key's quota in quota units (500000 = 1 USD),"
      + " spent by each answer's price; when used up, completions get the flavor's 403. -1 (default): unlimited."
      + " Refill with POST /admin/quota {\"add\": N}.")
  long quota;

  @Option(names = "--model-ratio", defaultValue = "1", description = "Price ratio of every model (default: ${DEFAULT-VALUE}).")
  double modelRatio;

  @Option(names = "--completion-ratio", defaultValue = "1", description = "Completion token price / prompt token price (default: ${DEFAULT-VALUE}).")
  double completionRatio;

  @Option(names = "--group-ratio", defaultValue = "1", description = "The key's group ratio (default: ${DEFAULT-VALUE}).")
  double groupRatio;

  @Option(names = "--group", defaultValue = "default", description = "The key's group, named in its refusals (default: ${DEFAULT-VALUE}).")
  String group;

  @Option(names = "--deny-models", split = ",", description = "Models the key's group may not use, answered 403"
      + " (model not allowed), comma-separated.")
  Set<String> deniedModels = Set.of();

  @Option(names = "--stream-chunk-delay-ms", defaultValue = "0", description = "Wait between two events of a"
      + " streamed answer (stream: true), after the latency before the first (default: ${DEFAULT-VALUE}).")
  long streamChunkDelayMs;

  @Option(names = "--embedding-context", defaultValue = "" + SimulatorSettings.DEFAULT_EMBEDDING_CONTEXT_TOKENS,
      description = "Most tokens one embeddings input may hold; a longer one is answered 400 (default: ${DEFAULT-VALUE}).")
  int embeddingContext;

  @Option(names = "--io-threads", defaultValue = "1", description = "Event loop threads (default: ${DEFAULT-VALUE}).")
  int ioThreads;

  @Option(names = "--seed", defaultValue = "42", description = "Seed for fault and latency draws (default: ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() throws InterruptedException {
    SimulatorSettings settings = settings();
    RelaySimulator simulator = RelaySimulator.start(settings, host, port, ioThreads);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      simulator.close();
      stopped.countDown();
    }, "simulator-shutdown"));
    System.out.println("relay simulator listening on " + simulator.baseUri()
        + (apiKey.equals(SimulatorSettings.DEFAULT_KEY) ? " (key " + SimulatorSettings.DEFAULT_KEY + ")" : ""));
    System.out.println("try: curl -s " + simulator.baseUri() + "/v1/completions -H 'Authorization: Bearer <key>'"
        + " -H 'Content-Type: application/json' -d '{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"Say hi\"}'");
    System.out.flush();
    stopped.await();
    return 0;
  }

  SimulatorSettings settings() {
    Set<String> served = models == null ? SimulatorSettings.DEFAULT_MODELS
        : models.contains("*") ? Set.of() : new HashSet<>(models);
    SimulatorSettings settings = SimulatorSettings.defaults()
        .withApiKey(apiKey)
        .withModels(served)
        .withLatency(Duration.ofMillis(latencyMs), Duration.ofMillis(latencySpreadMs))
        .withRetryAfter(Duration.ofMillis(retryAfterMs))
        .withRateLimit(rpm, burst != null ? burst : Math.max(1, rpm / 60));
    for (Map.Entry<String, Double> fault : faults.entrySet()) {
      settings = settings.withFault(Fault.ofLabel(fault.getKey()), fault.getValue());
    }
    return settings.withSeed(seed)
        .withFlavor(Flavor.ofLabel(flavor))
        .withTokensPerMinute(tpm)
        .withQuota(quota)
        .withPrices(modelRatio, completionRatio, groupRatio)
        .withGroup(group, deniedModels)
        .withEmbeddingContext(embeddingContext)
        .withStreamChunkDelay(Duration.ofMillis(streamChunkDelayMs));
  }
}
