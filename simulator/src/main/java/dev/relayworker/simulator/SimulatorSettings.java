package dev.relayworker.simulator;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

/**
 * How the relay simulator behaves. Immutable; a running simulator can be handed a new one
 * ({@link RelaySimulator#reconfigure}) to start or end an outage mid-test.
 *
 * @param apiKey the only key accepted as {@code Authorization: Bearer <key>}
 * @param models models with a channel; any other gets 503 no channel. Empty: any model
 * @param latency fixed delay before each answer
 * @param latencySpread extra delay drawn uniformly from [0, spread)
 * @param faultRates probability per request of each injected fault, summing to at most 1
 * @param retryAfter what injected and rate-limit 429s ask the client to wait, at least (flavors
 *     whose relays send no Retry-After ignore it)
 * @param requestsPerMinute the simulator's own rate limit, enforced with 429s; 0 for none
 * @param burst requests allowed at once above the smooth rate before 429s start
 * @param seed seeds the fault and latency draws, so a run can be repeated
 * @param flavor whose error bodies and headers it answers with
 * @param tokensPerMinute a tokens-per-minute limit enforced with 429s (a bucket of a minute's
 *     tokens, refilled continuously; a request needs room for its prompt plus every completion it
 *     may generate, and is charged what it used); 0 for none
 * @param quota the key's quota, in quota units, spent by each answer's price; -1 for unlimited
 * @param modelRatio price of every model, as the relays write it (1 = 0.002 USD per 1K prompt tokens)
 * @param completionRatio price of a completion token relative to a prompt token
 * @param groupRatio the key's group's ratio
 * @param group the key's group (分组), named in its no-channel and model-not-allowed answers
 * @param deniedModels models the key's group may not use: each gets 403 (model not allowed)
 * @param embeddingContextTokens the most tokens one embeddings input may hold; a longer one gets a 400
 * @param streamChunkDelay the wait between two events of a streamed answer ({@code stream: true}),
 *     after the latency before the first
 */
public record SimulatorSettings(
    String apiKey,
    Set<String> models,
    Duration latency,
    Duration latencySpread,
    Map<Fault, Double> faultRates,
    Duration retryAfter,
    int requestsPerMinute,
    int burst,
    long seed,
    Flavor flavor,
    int tokensPerMinute,
    long quota,
    double modelRatio,
    double completionRatio,
    double groupRatio,
    String group,
    Set<String> deniedModels,
    int embeddingContextTokens,
    Duration streamChunkDelay) {

  public static final String DEFAULT_KEY = "sk-simulator";
  public static final Set<String> DEFAULT_MODELS = Set.of("gpt-3.5-turbo-instruct", "davinci-002", "babbage-002",
      "text-embedding-3-small", "text-embedding-3-large", "text-embedding-ada-002", "claude-3-5-haiku-20241022");
  /** OpenAI's limit on one embeddings input. */
  public static final int DEFAULT_EMBEDDING_CONTEXT_TOKENS = 8_192;
  /** The quota of a key without a limit. */
  public static final long UNLIMITED = -1;

  public SimulatorSettings {
    models = Set.copyOf(models);
    deniedModels = Set.copyOf(deniedModels);
    faultRates = Map.copyOf(faultRates);
    double total = faultRates.values().stream().mapToDouble(Double::doubleValue).sum();
    if (total > 1.0 + 1e-9 || faultRates.values().stream().anyMatch(rate -> rate < 0)) {
      throw new IllegalArgumentException("fault rates must be in [0, 1] and sum to at most 1, were " + faultRates);
    }
    if (requestsPerMinute < 0 || burst < 1 || tokensPerMinute < 0) {
      throw new IllegalArgumentException("requestsPerMinute and tokensPerMinute must be >= 0 and burst >= 1");
    }
    if (streamChunkDelay.isNegative()) {
      throw new IllegalArgumentException("streamChunkDelay must not be negative");
    }
    if (embeddingContextTokens < 1) {
      throw new IllegalArgumentException("embeddingContextTokens must be at least 1");
    }
    if (quota < UNLIMITED || !(modelRatio >= 0) || !(completionRatio >= 0) || !(groupRatio >= 0)) {
      throw new IllegalArgumentException("quota must be -1 (unlimited) or more, and ratios not negative");
    }
  }

  public static SimulatorSettings defaults() {
    return new SimulatorSettings(DEFAULT_KEY, DEFAULT_MODELS, Duration.ZERO, Duration.ZERO, Map.of(),
        Duration.ofSeconds(1), 0, 1, 42L, Flavor.OPENAI, 0, UNLIMITED, 1, 1, 1, "default", Set.of(),
        DEFAULT_EMBEDDING_CONTEXT_TOKENS, Duration.ZERO);
  }

  public SimulatorSettings withApiKey(String key) {
    return new SimulatorSettings(key, models, latency, latencySpread, faultRates, retryAfter, requestsPerMinute,
        burst, seed, flavor, tokensPerMinute, quota, modelRatio, completionRatio, groupRatio, group, deniedModels, embeddingContextTokens, streamChunkDelay);
  }

  public SimulatorSettings withLatency(Duration fixed, Duration spread) {
    return new SimulatorSettings(apiKey, models, fixed, spread, faultRates, retryAfter, requestsPerMinute,
        burst, seed, flavor, tokensPerMinute, quota, modelRatio, completionRatio, groupRatio, group, deniedModels, embeddingContextTokens, streamChunkDelay);
  }

  public SimulatorSettings withFault(Fault fault, double rate) {
    Map<Fault, Double> rates = new EnumMap<>(Fault.class);
    rates.putAll(faultRates);
    rates.put(fault, rate);
    return new SimulatorSettings(apiKey, models, latency, latencySpread, rates, retryAfter, requestsPerMinute,
        burst, seed, flavor, tokensPerMinute, quota, modelRatio, completionRatio, groupRatio, group, deniedModels, embeddingContextTokens, streamChunkDelay);
  }

  public SimulatorSettings withRetryAfter(Duration wait) {
    return new SimulatorSettings(apiKey, models, latency, latencySpread, faultRates, wait, requestsPerMinute,
        burst, seed, flavor, tokensPerMinute, quota, modelRatio, completionRatio, groupRatio, group, deniedModels, embeddingContextTokens, streamChunkDelay);
  }

  public SimulatorSettings withRateLimit(int rpm, int burstSize) {
    return new SimulatorSettings(apiKey, models, latency, latencySpread, faultRates, retryAfter, rpm, burstSize,
        seed, flavor, tokensPerMinute, quota, modelRatio, completionRatio, groupRatio, group, deniedModels, embeddingContextTokens, streamChunkDelay);
  }

  public SimulatorSettings withModels(Set<String> served) {
    return new SimulatorSettings(apiKey, served, latency, latencySpread, faultRates, retryAfter,
        requestsPerMinute, burst, seed, flavor, tokensPerMinute, quota, modelRatio, completionRatio, groupRatio, group, deniedModels, embeddingContextTokens, streamChunkDelay);
  }

  public SimulatorSettings withSeed(long draws) {
    return new SimulatorSettings(apiKey, models, latency, latencySpread, faultRates, retryAfter,
        requestsPerMinute, burst, draws, flavor, tokensPerMinute, quota, modelRatio, completionRatio, groupRatio, group, deniedModels, embeddingContextTokens, streamChunkDelay);
  }

  public SimulatorSettings withFlavor(Flavor errors) {
    return new SimulatorSettings(apiKey, models, latency, latencySpread, faultRates, retryAfter,
        requestsPerMinute, burst, seed, errors, tokensPerMinute, quota, modelRatio, completionRatio, groupRatio, group, deniedModels, embeddingContextTokens, streamChunkDelay);
  }

  public SimulatorSettings withTokensPerMinute(int tpm) {
    return new SimulatorSettings(apiKey, models, latency, latencySpread, faultRates, retryAfter,
        requestsPerMinute, burst, seed, flavor, tpm, quota, modelRatio, completionRatio, groupRatio, group, deniedModels, embeddingContextTokens, streamChunkDelay);
  }

  /** A key holding {@code units} of quota (or {@link #UNLIMITED}); applied when the simulator starts or is reconfigured. */
  public SimulatorSettings withQuota(long units) {
    return new SimulatorSettings(apiKey, models, latency, latencySpread, faultRates, retryAfter,
        requestsPerMinute, burst, seed, flavor, tokensPerMinute, units, modelRatio, completionRatio, groupRatio, group, deniedModels, embeddingContextTokens, streamChunkDelay);
  }

  public SimulatorSettings withPrices(double model, double completion, double keyGroupRatio) {
    return new SimulatorSettings(apiKey, models, latency, latencySpread, faultRates, retryAfter,
        requestsPerMinute, burst, seed, flavor, tokensPerMinute, quota, model, completion, keyGroupRatio, group, deniedModels, embeddingContextTokens, streamChunkDelay);
  }

  /** A key of group {@code name} (named in its refusals), which may not use {@code denied} models. */
  public SimulatorSettings withGroup(String name, Set<String> denied) {
    return new SimulatorSettings(apiKey, models, latency, latencySpread, faultRates, retryAfter,
        requestsPerMinute, burst, seed, flavor, tokensPerMinute, quota, modelRatio, completionRatio, groupRatio, name,
        denied, embeddingContextTokens, streamChunkDelay);
  }

  /** A relay whose embedding models take at most {@code tokens} tokens per input. */
  public SimulatorSettings withEmbeddingContext(int tokens) {
    return new SimulatorSettings(apiKey, models, latency, latencySpread, faultRates, retryAfter,
        requestsPerMinute, burst, seed, flavor, tokensPerMinute, quota, modelRatio, completionRatio, groupRatio, group,
        deniedModels, tokens, streamChunkDelay);
  }

  /** A relay that streams answers ({@code stream: true}) with {@code delay} between two events. */
  public SimulatorSettings withStreamChunkDelay(Duration delay) {
    return new SimulatorSettings(apiKey, models, latency, latencySpread, faultRates, retryAfter,
        requestsPerMinute, burst, seed, flavor, tokensPerMinute, quota, modelRatio, completionRatio, groupRatio, group,
        deniedModels, embeddingContextTokens, delay);
  }

  /** What an answer that used these tokens costs: the relays' formula, in quota. */
  long price(long promptTokens, long completionTokens) {
    return (long) Math.ceil((promptTokens + completionTokens * completionRatio) * modelRatio * groupRatio - 1e-9);
  }
}
