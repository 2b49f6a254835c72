package dev.relayworker.resilience;

import dev.relayworker.config.WorkerConfig;
import java.time.Duration;

/**
 * The limits, retry and circuit settings for calls to one relay. Immutable; built from
 * {@link WorkerConfig}, where each setting is declared and documented, or in tests with
 * {@link #defaults()} and the {@code with} methods.
 */
public record RelayPolicy(
    int requestsPerMinute,
    int maxConcurrentCalls,
    Duration requestTimeout,
    int maxAttempts,
    Duration initialBackoff,
    Duration maxBackoff,
    Duration retryAfterCap,
    int circuitFailureRatePercent,
    int circuitMinimumCalls,
    Duration circuitWindow,
    Duration circuitOpenDuration,
    int circuitHalfOpenCalls) {

  public static RelayPolicy from(WorkerConfig config) {
    return new RelayPolicy(
        config.getInt(WorkerConfig.RELAY_RATE_LIMIT_RPM),
        config.getInt(WorkerConfig.RELAY_MAX_CONCURRENT_CALLS),
        Duration.ofMillis(config.getInt(WorkerConfig.RELAY_REQUEST_TIMEOUT_MS)),
        config.getInt(WorkerConfig.RELAY_RETRY_MAX_ATTEMPTS),
        Duration.ofMillis(config.getInt(WorkerConfig.RELAY_RETRY_INITIAL_BACKOFF_MS)),
        Duration.ofMillis(config.getInt(WorkerConfig.RELAY_RETRY_MAX_BACKOFF_MS)),
        Duration.ofMillis(config.getInt(WorkerConfig.RELAY_RETRY_AFTER_MAX_MS)),
        config.getInt(WorkerConfig.RELAY_CIRCUIT_FAILURE_RATE),
        config.getInt(WorkerConfig.RELAY_CIRCUIT_MINIMUM_CALLS),
        Duration.ofSeconds(config.getInt(WorkerConfig.RELAY_CIRCUIT_WINDOW_SECONDS)),
        Duration.ofMillis(config.getInt(WorkerConfig.RELAY_CIRCUIT_OPEN_MS)),
        config.getInt(WorkerConfig.RELAY_CIRCUIT_HALF_OPEN_CALLS));
  }

  /** The documented defaults of every relay setting. */
  public static RelayPolicy defaults() {
    // Required settings have no default; none of them is a relay policy setting.
    java.util.Map<String, Object> required = new java.util.HashMap<>();
    WorkerConfig.DEFINITION.configKeys().values().stream().filter(key -> !key.hasDefault())
        .forEach(key -> required.put(key.name, "unused"));
    return from(new WorkerConfig(required));
  }

  public RelayPolicy withRequestsPerMinute(int rpm) {
    return new RelayPolicy(rpm, maxConcurrentCalls, requestTimeout, maxAttempts, initialBackoff, maxBackoff,
        retryAfterCap, circuitFailureRatePercent, circuitMinimumCalls, circuitWindow, circuitOpenDuration,
        circuitHalfOpenCalls);
  }

  public RelayPolicy withRequestTimeout(Duration timeout) {
    return new RelayPolicy(requestsPerMinute, maxConcurrentCalls, timeout, maxAttempts, initialBackoff,
        maxBackoff, retryAfterCap, circuitFailureRatePercent, circuitMinimumCalls, circuitWindow,
        circuitOpenDuration, circuitHalfOpenCalls);
  }

  public RelayPolicy withRetries(int attempts, Duration initial, Duration max) {
    return new RelayPolicy(requestsPerMinute, maxConcurrentCalls, requestTimeout, attempts, initial, max,
        retryAfterCap, circuitFailureRatePercent, circuitMinimumCalls, circuitWindow, circuitOpenDuration,
        circuitHalfOpenCalls);
  }

  public RelayPolicy withCircuit(int minimumCalls, Duration openDuration, int halfOpenCalls) {
    return new RelayPolicy(requestsPerMinute, maxConcurrentCalls, requestTimeout, maxAttempts, initialBackoff,
        maxBackoff, retryAfterCap, circuitFailureRatePercent, minimumCalls, circuitWindow, openDuration,
        halfOpenCalls);
  }

  public RelayPolicy withMaxConcurrentCalls(int calls) {
    return new RelayPolicy(requestsPerMinute, calls, requestTimeout, maxAttempts, initialBackoff, maxBackoff,
        retryAfterCap, circuitFailureRatePercent, circuitMinimumCalls, circuitWindow, circuitOpenDuration,
        circuitHalfOpenCalls);
  }
}
