package dev.relayworker.tools.bench;

import dev.relayworker.config.WorkerConfig;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The benchmark's scenarios, by the names {@code bench} takes. */
public final class Scenarios {

  public static final String NAIVE = "naive";
  public static final String DELIVERY_MODES = "delivery-modes";
  public static final String PARALLEL_CONSUMER = "parallel-consumer";

  private static final String EOS = WorkerConfig.EXACTLY_ONCE;
  private static final Duration HALF_SECOND = Duration.ofMillis(500);

  private Scenarios() {}

  /** Scenario name to its runs (delivery-modes stands for four, naive for the naive loop on two relays, parallel-consumer for the peer
   * on delivery-modes' four). */
  public static Map<String, List<Scenario>> all() {
    Scenario latencyBound = new Scenario("latency-bound", 1, 20_000, 60_000, 0, HALF_SECOND, 1_000, 0, EOS, null);
    Scenario cpuBound = new Scenario("cpu-bound", 4, 40_000, 100_000, 0, Duration.ZERO, 500, 0, EOS, null);
    Map<String, List<Scenario>> scenarios = new LinkedHashMap<>();
    scenarios.put("latency-bound", List.of(latencyBound));
    // Latency is service time only below capacity: offer half the limit at a steady pace.
    scenarios.put("latency-at-rate", List.of(
        new Scenario("latency-at-rate", 1, 10_000, 10_000, 1_000, HALF_SECOND, 1_000, 0, EOS, null)));
    scenarios.put("rate-limited", List.of(
        new Scenario("rate-limited", 4, 6_000, 500, 0, Duration.ofMillis(100), 200, 6_000, EOS, null)));
    scenarios.put("cpu-bound", List.of(cpuBound));
    scenarios.put("backlog", List.of(
        new Scenario("backlog", 1, 200_000, 4_000, 0, HALF_SECOND, 1_000, 0, EOS, "256m")));
    scenarios.put(DELIVERY_MODES, List.of(latencyBound.withDelivery(EOS),
        latencyBound.withDelivery(WorkerConfig.AT_LEAST_ONCE), cpuBound.withDelivery(EOS),
        cpuBound.withDelivery(WorkerConfig.AT_LEAST_ONCE)));
    scenarios.put(NAIVE, List.of(latencyBound, cpuBound));
    // The same four runs as delivery-modes, done by the peer (Confluent's Parallel Consumer).
    scenarios.put(PARALLEL_CONSUMER, scenarios.get(DELIVERY_MODES));
    // A relay that limits tokens per minute, the worker given the same budget: about 20 tokens a
    // request (a few of prompt, up to 16 of completion), so some 100 requests a second for 70 s. The
    // warm-up (about 140,000 tokens) empties the relay's bucket of a minute's tokens, which a worker
    // admitting as the relay does may spend at once: the measured phase sees the refill rate.
    scenarios.put("token-limited", List.of(
        new Scenario("token-limited", 4, 7_000, 7_000, 0, Duration.ofMillis(100), 200, 0, EOS, null, 120_000, 1)));
    // The same limit with max_tokens far above use (2,000 asked, some 40 used, prompt included): a
    // worker that books every estimate for a minute's share of the limit would use 2% of it. The
    // warm-up (about 160,000 tokens) empties the relay's bucket, so the measured phase sees the
    // refill rate, not the minute's tokens a full bucket starts with.
    scenarios.put("token-headroom", List.of(
        new Scenario("token-headroom", 4, 6_000, 4_000, 0, Duration.ofMillis(100), 200, 0, EOS, null, 120_000, 1,
            2_000)));
    // Three workers in one group on one key whose relay enforces its request limit.
    scenarios.put("shared-limit", List.of(
        new Scenario("shared-limit", 6, 6_000, 1_000, 0, Duration.ofMillis(100), 200, 6_000, EOS, null, 0, 3)));
    // Embeddings on a key limited to 600 requests a minute, 200 ms a call: batched as the worker
    // does by default, and one record a call (embeddings.batch.max.inputs=1, the peers' way; fewer
    // records, as they take 0.1 s each). Then at a steady 400 records a second without a request
    // limit, batched and not: the difference in worker-added time is what the linger (10 ms) costs.
    scenarios.put("embeddings", List.of(
        Scenario.embeddings("embeddings/batched", 20_000, 5_000, 0, Duration.ofMillis(200), 600, 256),
        Scenario.embeddings("embeddings/unbatched", 600, 100, 0, Duration.ofMillis(200), 600, 1),
        Scenario.embeddings("embeddings/at-rate", 8_000, 4_000, 400, Duration.ofMillis(200), 0, 256),
        Scenario.embeddings("embeddings/at-rate-unbatched", 8_000, 4_000, 400, Duration.ofMillis(200), 0, 1)));
    // Answers of 200 tokens written at 20 ms a token after 200 ms (4.2 s each), offered at 47.6 a
    // second: 200 streams open at once, under a slot limit (300) that never makes one wait. Streamed,
    // the reader's first chunk against the relay's first token; and the same answers asked whole
    // (the simulator then sends them at once after 200 ms), for the worker's CPU per answer.
    Duration token = Duration.ofMillis(20);
    Duration firstToken = Duration.ofMillis(200);
    double twoHundredOpen = 200 / 4.2;
    scenarios.put("streaming", List.of(
        Scenario.streaming("streaming/streamed", 3_000, 1_000, twoHundredOpen, firstToken, token, 200, 300, true),
        Scenario.streaming("streaming/whole", 3_000, 1_000, twoHundredOpen, firstToken, token, 200, 300, false)));
    // One partition, 500 ms a call, 200 calls at once per worker: a consumer group of three keeps one
    // busy (the others hold no partition); a share group of one, two and three workers should scale.
    scenarios.put("share-groups", List.of(
        Scenario.oneBusyPartition("share-groups/group-3", 8_000, 2_000, HALF_SECOND, 200, 3, WorkerConfig.GROUP),
        Scenario.oneBusyPartition("share-groups/share-1", 8_000, 2_000, HALF_SECOND, 200, 1, WorkerConfig.SHARE),
        Scenario.oneBusyPartition("share-groups/share-2", 16_000, 4_000, HALF_SECOND, 200, 2, WorkerConfig.SHARE),
        Scenario.oneBusyPartition("share-groups/share-3", 24_000, 6_000, HALF_SECOND, 200, 3, WorkerConfig.SHARE)));
    return scenarios;
  }

  /** A few hundred requests per scenario and short latencies: proves the harness, measures nothing. */
  public static Scenario quick(Scenario scenario) {
    Duration latency = scenario.relayLatency().compareTo(Duration.ofMillis(50)) > 0 ? Duration.ofMillis(50)
        : scenario.relayLatency();
    return new Scenario(scenario.name(), scenario.partitions(), 300, 100,
        scenario.offeredRate() > 0 ? 500 : 0, latency, scenario.relaySlots(), scenario.relayRpm(),
        scenario.deliveryGuarantee(), scenario.workerHeap(), scenario.relayTpm(), scenario.workers(),
        scenario.maxTokens(), scenario.embeddingInputs(), scenario.stream(), scenario.tokenPace(),
        scenario.consumerMode());
  }
}
