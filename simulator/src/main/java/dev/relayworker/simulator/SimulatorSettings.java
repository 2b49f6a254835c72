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
 * @param models models with a channel; any other gets 503 model_not_found. Empty: any model
 * @param latency fixed delay before each answer
 * @param latencySpread extra delay drawn uniformly from [0, spread)
 * @param faultRates probability per request of each injected fault, summing to at most 1
 * @param retryAfter what injected and rate-limit 429s ask the client to wait, at least
 * @param requestsPerMinute the simulator's own rate limit, enforced with 429s; 0 for none
 * @param burst requests allowed at once above the smooth rate before 429s start
 * @param seed seeds the fault and latency draws, so a run can be repeated
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
    long seed) {

  public static final String DEFAULT_KEY = "sk-simulator";
  public static final Set<String> DEFAULT_MODELS = Set.of("gpt-3.5-turbo-instruct", "davinci-002", "babbage-002");

  public SimulatorSettings {
    models = Set.copyOf(models);
    faultRates = Map.copyOf(faultRates);
    double total = faultRates.values().stream().mapToDouble(Double::doubleValue).sum();
    if (total > 1.0 + 1e-9 || faultRates.values().stream().anyMatch(rate -> rate < 0)) {
      throw new IllegalArgumentException("fault rates must be in [0, 1] and sum to at most 1, were " + faultRates);
    }
    if (requestsPerMinute < 0 || burst < 1) {
      throw new IllegalArgumentException("requestsPerMinute must be >= 0 and burst >= 1");
    }
  }

  public static SimulatorSettings defaults() {
    return new SimulatorSettings(DEFAULT_KEY, DEFAULT_MODELS, Duration.ZERO, Duration.ZERO, Map.of(),
        Duration.ofSeconds(1), 0, 1, 42L);
  }

  public SimulatorSettings withApiKey(String key) {
    return new SimulatorSettings(key, models, latency, latencySpread, faultRates, retryAfter,
        requestsPerMinute, burst, seed);
  }

  public SimulatorSettings withLatency(Duration fixed, Duration spread) {
    return new SimulatorSettings(apiKey, models, fixed, spread, faultRates, retryAfter, requestsPerMinute,
        burst, seed);
  }

  public SimulatorSettings withFault(Fault fault, double rate) {
    Map<Fault, Double> rates = new EnumMap<>(Fault.class);
    rates.putAll(faultRates);
    rates.put(fault, rate);
    return new SimulatorSettings(apiKey, models, latency, latencySpread, rates, retryAfter, requestsPerMinute,
        burst, seed);
  }

  public SimulatorSettings withRetryAfter(Duration wait) {
    return new SimulatorSettings(apiKey, models, latency, latencySpread, faultRates, wait, requestsPerMinute,
        burst, seed);
  }

  public SimulatorSettings withRateLimit(int rpm, int burstSize) {
    return new SimulatorSettings(apiKey, models, latency, latencySpread, faultRates, retryAfter, rpm, burstSize,
        seed);
  }

  public SimulatorSettings withModels(Set<String> served) {
    return new SimulatorSettings(apiKey, served, latency, latencySpread, faultRates, retryAfter,
        requestsPerMinute, burst, seed);
  }
}
