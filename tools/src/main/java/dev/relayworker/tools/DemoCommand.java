package dev.relayworker.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relayworker.config.ConfigLoader;
import dev.relayworker.config.EnvironmentVariables;
import dev.relayworker.config.KafkaClients;
import dev.relayworker.config.WorkerConfig;
import dev.relayworker.pipeline.Worker;
import dev.relayworker.relay.RelayEndpoint;
import dev.relayworker.testkit.EmbeddedKafka;
import dev.relayworker.tools.demo.DemoRelays;
import dev.relayworker.tools.demo.LoadResult;
import dev.relayworker.tools.demo.LoadRun;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code relay-worker demo}: the whole path on one machine. Starts an embedded Kafka broker unless
 * {@code KAFKA_BOOTSTRAP_SERVERS} is set, and always the relay simulator unless
 * {@code --relay-from-env} asks for the relay named by {@code RELAY_BASE_URL} and
 * {@code RELAY_API_KEY} (a key left in the shell must never turn a demo into paid calls). Runs a
 * worker with two routes ({@link DemoRelays}: a cheap group whose quota runs out part-way, then a
 * premium one), sends sample prompts as completions and chat, and prints progress, a few replies
 * and a summary with the cost per route. Exit 0 when every request got its reply.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run the worker end to end on an embedded Kafka broker (or KAFKA_BOOTSTRAP_SERVERS) and the"
        + " relay simulator; --relay-from-env uses the relay named by RELAY_BASE_URL and RELAY_API_KEY instead.")
final class DemoCommand implements Callable<Integer> {

  @Mixin
  ToolOutput output;

  private static final List<String> PROMPTS = List.of(
      "Write a haiku about message queues", "Explain exactly-once delivery to a child",
      "Name three uses of a dead-letter topic", "Summarise the CAP theorem in one line",
      "Suggest a name for a Kafka cluster", "What is back-pressure?", "Describe a relay in one sentence",
      "Give a tip for tuning consumer lag");

  @Option(names = "--requests", defaultValue = "200", description = "Requests to send (default: ${DEFAULT-VALUE}).")
  int requests;

  @Option(names = "--partitions", defaultValue = "4", description = "Partitions of the demo topics (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--latency-ms", defaultValue = "300", description = "Simulated relay latency (default: ${DEFAULT-VALUE}).")
  long latencyMs;

  @Option(names = "--latency-spread-ms", defaultValue = "400", description = "Extra random latency (default: ${DEFAULT-VALUE}).")
  long spreadMs;

  @Option(names = "--timeout-seconds", defaultValue = "300", description = "Give up waiting for replies after this (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Option(names = "--relay-from-env", description = "Send the demo's requests to the relay named by RELAY_BASE_URL"
      + " and RELAY_API_KEY instead of the simulator. Every request is a real, paid call.")
  boolean relayFromEnv;

  @Override
  public Integer call() {
    output.apply();
    Map<String, String> environment = EnvironmentVariables.settings(System.getenv());
    String bootstrap = environment.get(WorkerConfig.KAFKA_BOOTSTRAP_SERVERS);
    String relayUrl = environment.get(WorkerConfig.RELAY_BASE_URL);
    String relayKey = environment.get(WorkerConfig.RELAY_API_KEY);
    if (relayFromEnv && (relayUrl == null || relayKey == null)) {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
          "--relay-from-env needs both RELAY_BASE_URL and RELAY_API_KEY (or their RELAY_WORKER_ names)");
    }
    EmbeddedKafka kafka = null;
    DemoRelays relays = null;
    try {
      if (bootstrap == null) {
        System.out.println("starting an embedded Kafka broker (KRaft, single node)...");
        kafka = EmbeddedKafka.start();
        bootstrap = kafka.bootstrapServers();
      }
      Map<String, Object> relaySettings;
      if (relayFromEnv) {
        System.out.printf("WARNING: --relay-from-env: %d requests go to the real relay at %s; each is a paid call%n",
            requests, RelayEndpoint.of(relayUrl, relayKey).displayUri());
        System.out.printf("Kafka %s%s; relay %s%n", bootstrap, kafka != null ? " (embedded)" : "",
            RelayEndpoint.of(relayUrl, relayKey).displayUri());
        relaySettings = Map.of(WorkerConfig.RELAY_BASE_URL, relayUrl, WorkerConfig.RELAY_API_KEY, relayKey);
      } else {
        if (relayUrl != null || relayKey != null) {
          System.out.println("RELAY_BASE_URL / RELAY_API_KEY are set but not used: the demo talks to its own"
              + " simulators (pass --relay-from-env to send its requests to that relay, paid)");
        }
        relays = DemoRelays.start(requests, Duration.ofMillis(latencyMs), Duration.ofMillis(spreadMs));
        System.out.printf("Kafka %s%s; relay routes, tried in this order:%n", bootstrap,
            kafka != null ? " (embedded)" : "");
        relays.describe().forEach(line -> System.out.println("  " + line));
        relaySettings = relays.settings();
      }
      return runDemo(config(environment, bootstrap, relaySettings), relays);
    } finally {
      if (relays != null) {
        relays.close();
      }
      if (kafka != null) {
        kafka.close();
      }
    }
  }

  private int runDemo(WorkerConfig config, DemoRelays relays) {
    String requestTopic = config.getString(WorkerConfig.REQUEST_TOPIC);
    ObjectMapper mapper = new ObjectMapper();
    LoadResult result;
    try (Worker worker = Worker.start(config);
        LoadRun run = new LoadRun(KafkaClients.admin(config), requestTopic, config.getString(WorkerConfig.REPLY_TOPIC))) {
      System.out.printf("sending %d requests to %s...%n", requests, requestTopic);
      for (int i = 0; i < requests; i++) {
        String prompt = PROMPTS.get(i % PROMPTS.size()) + " (#" + i + ")";
        ObjectNode body = mapper.createObjectNode().put("model", "gpt-3.5-turbo-instruct").put("max_tokens", 24);
        // Every other request is a chat request: both of the relay's endpoints, through one worker.
        if (i % 2 == 0) {
          body.put("prompt", prompt);
        } else {
          body.putArray("messages").addObject().put("role", "user").put("content", prompt);
        }
        run.send("demo-" + i, mapper.writeValueAsBytes(body));
      }
      result = run.await(Duration.ofSeconds(timeoutSeconds),
          answered -> System.out.printf("  %d/%d replies%n", answered, requests));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    print(result, relays);
    return result.everyRequestAnswered() ? 0 : 1;
  }

  private static void print(LoadResult result, DemoRelays relays) {
    System.out.println("sample replies:");
    result.samples().forEach(sample -> System.out.println("  " + sample));
    System.out.printf("summary: sent %d, answered %d (ok %d, errors %d%s)%n", result.sent(), result.answered(),
        result.ok(), result.errors(), result.errorsByType().isEmpty() ? "" : " " + result.errorsByType());
    System.out.printf("  ok replies by object: %s%n", new java.util.TreeMap<>(result.okByObject()));
    new java.util.TreeMap<>(result.byRoute()).forEach((route, totals) -> System.out.printf(
        "  route %s: %d ok replies, cost %s USD%n", route, totals.ok(), totals.costUsd().toPlainString()));
    System.out.printf("  tokens: %,d prompt + %,d completion%s%n", result.promptTokens(), result.completionTokens(),
        result.costUsd() == null ? "" : ", cost " + result.costUsd().toPlainString() + " USD (price table in the jar)");
    System.out.printf("  throughput: %.1f replies/s over %.1f s%n", result.repliesPerSecond(),
        result.elapsed().toMillis() / 1000.0);
    System.out.printf("  latency (sent to reply read): p50 %d ms, p95 %d ms, p99 %d ms%n",
        result.latencyP50().toMillis(), result.latencyP95().toMillis(), result.latencyP99().toMillis());
    if (relays != null) {
      relays.calls().forEach(line -> System.out.println("  " + line));
    }
    System.out.println(result.everyRequestAnswered() ? "every request got its reply"
        : "MISSING: " + (result.sent() - result.answered()) + " requests got no reply");
  }

  /**
   * The demo worker's settings: its own topics and group, so a run never mixes with another's;
   * from the environment only the Kafka client settings (to reach a cluster of the user's) and the
   * relay when asked for.
   */
  private WorkerConfig config(Map<String, String> environment, String bootstrap, Map<String, Object> relay) {
    String run = "relay-worker-demo." + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    Map<String, Object> settings = new HashMap<>();
    environment.forEach((setting, value) -> {
      if (setting.startsWith(ConfigLoader.KAFKA_PREFIX)) {
        settings.put(setting, value);
      }
    });
    settings.put(WorkerConfig.KAFKA_BOOTSTRAP_SERVERS, bootstrap);
    settings.putAll(relay);
    settings.put(WorkerConfig.GROUP_ID, run);
    settings.put(WorkerConfig.REQUEST_TOPIC, run + ".requests");
    settings.put(WorkerConfig.REPLY_TOPIC, run + ".replies");
    settings.put(WorkerConfig.DLQ_TOPIC, run + ".requests.dlq");
    settings.put(WorkerConfig.TOPICS_PARTITIONS, partitions);
    settings.put(WorkerConfig.RELAY_RETRY_INITIAL_BACKOFF_MS, 100);
    // A free port: the demo must run even where 9400 is taken; the worker logs the one it got.
    settings.put(WorkerConfig.ADMIN_PORT, 0);
    return new WorkerConfig(settings);
  }
}
