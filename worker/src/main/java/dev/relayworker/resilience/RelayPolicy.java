package dev.relayworker.resilience;

import dev.relayworker.config.WorkerConfig;
import java.time.Duration;

/**
 * The limits, retry and circuit settings for calls to one relay. Immutable; built by
 * {@link #from(WorkerConfig)} for the worker, or by {@link #custom()} (tests, embedders), whose
 * {@link Builder#build()} refuses values out of range with an {@link IllegalArgumentException}
 * naming the field.
 *
 * <p>The {@code DEFAULT_*} constants are the defaults declared with each setting in
 * {@link WorkerConfig#DEFINITION}, read from there: the declaration stays the one place a
 * default is written.
 */
public final class RelayPolicy {

  public static final int DEFAULT_REQUESTS_PER_MINUTE = defaultInt(WorkerConfig.RELAY_RATE_LIMIT_RPM);
  public static final int DEFAULT_TOKENS_PER_MINUTE = defaultInt(WorkerConfig.RELAY_RATE_LIMIT_TPM);
  public static final Duration DEFAULT_KEY_PROBE_INTERVAL = defaultMillis(WorkerConfig.RELAY_KEY_PROBE_INTERVAL_MS);
  public static final int DEFAULT_MAX_CONCURRENT_CALLS = defaultInt(WorkerConfig.RELAY_MAX_CONCURRENT_CALLS);
  public static final Duration DEFAULT_REQUEST_TIMEOUT = defaultMillis(WorkerConfig.RELAY_REQUEST_TIMEOUT_MS);
  public static final int DEFAULT_MAX_ATTEMPTS = defaultInt(WorkerConfig.RELAY_RETRY_MAX_ATTEMPTS);
  public static final Duration DEFAULT_INITIAL_BACKOFF = defaultMillis(WorkerConfig.RELAY_RETRY_INITIAL_BACKOFF_MS);
  public static final Duration DEFAULT_MAX_BACKOFF = defaultMillis(WorkerConfig.RELAY_RETRY_MAX_BACKOFF_MS);
  public static final Duration DEFAULT_RETRY_AFTER_CAP = defaultMillis(WorkerConfig.RELAY_RETRY_AFTER_MAX_MS);
  public static final int DEFAULT_CIRCUIT_FAILURE_RATE_PERCENT = defaultInt(WorkerConfig.RELAY_CIRCUIT_FAILURE_RATE);
  public static final int DEFAULT_CIRCUIT_MINIMUM_CALLS = defaultInt(WorkerConfig.RELAY_CIRCUIT_MINIMUM_CALLS);
  public static final Duration DEFAULT_CIRCUIT_WINDOW =
      Duration.ofSeconds(defaultInt(WorkerConfig.RELAY_CIRCUIT_WINDOW_SECONDS));
  public static final Duration DEFAULT_CIRCUIT_OPEN_DURATION = defaultMillis(WorkerConfig.RELAY_CIRCUIT_OPEN_MS);
  public static final int DEFAULT_CIRCUIT_HALF_OPEN_CALLS = defaultInt(WorkerConfig.RELAY_CIRCUIT_HALF_OPEN_CALLS);

  private final int requestsPerMinute;
  private final int tokensPerMinute;
  private final KeyFailureMode keyFailureMode;
  private final Duration keyProbeInterval;
  private final int maxConcurrentCalls;
  private final Duration requestTimeout;
  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final Duration retryAfterCap;
  private final int circuitFailureRatePercent;
  private final int circuitMinimumCalls;
  private final Duration circuitWindow;
  private final Duration circuitOpenDuration;
  private final int circuitHalfOpenCalls;

  private RelayPolicy(Builder builder) {
    this.requestsPerMinute = builder.requestsPerMinute;
    this.tokensPerMinute = builder.tokensPerMinute;
    this.keyFailureMode = builder.keyFailureMode;
    this.keyProbeInterval = builder.keyProbeInterval;
    this.maxConcurrentCalls = builder.maxConcurrentCalls;
    this.requestTimeout = builder.requestTimeout;
    this.maxAttempts = builder.maxAttempts;
    this.initialBackoff = builder.initialBackoff;
    this.maxBackoff = builder.maxBackoff;
    this.retryAfterCap = builder.retryAfterCap;
    this.circuitFailureRatePercent = builder.circuitFailureRatePercent;
    this.circuitMinimumCalls = builder.circuitMinimumCalls;
    this.circuitWindow = builder.circuitWindow;
    this.circuitOpenDuration = builder.circuitOpenDuration;
    this.circuitHalfOpenCalls = builder.circuitHalfOpenCalls;
  }

  /** A builder starting from the defaults. */
  public static Builder custom() {
    return new Builder();
  }

  /** The policy the worker's settings describe. */
  public static RelayPolicy from(WorkerConfig config) {
    return custom()
        .requestsPerMinute(config.getInt(WorkerConfig.RELAY_RATE_LIMIT_RPM))
        .tokensPerMinute(config.getInt(WorkerConfig.RELAY_RATE_LIMIT_TPM))
        .keyFailureMode(KeyFailureMode.valueOf(config.getString(WorkerConfig.RELAY_KEY_FAILURE)
            .toUpperCase(java.util.Locale.ROOT)))
        .keyProbeInterval(Duration.ofMillis(config.getInt(WorkerConfig.RELAY_KEY_PROBE_INTERVAL_MS)))
        .maxConcurrentCalls(config.getInt(WorkerConfig.RELAY_MAX_CONCURRENT_CALLS))
        .requestTimeout(Duration.ofMillis(config.getInt(WorkerConfig.RELAY_REQUEST_TIMEOUT_MS)))
        .maxAttempts(config.getInt(WorkerConfig.RELAY_RETRY_MAX_ATTEMPTS))
        .initialBackoff(Duration.ofMillis(config.getInt(WorkerConfig.RELAY_RETRY_INITIAL_BACKOFF_MS)))
        .maxBackoff(Duration.ofMillis(config.getInt(WorkerConfig.RELAY_RETRY_MAX_BACKOFF_MS)))
        .retryAfterCap(Duration.ofMillis(config.getInt(WorkerConfig.RELAY_RETRY_AFTER_MAX_MS)))
        .circuitFailureRatePercent(config.getInt(WorkerConfig.RELAY_CIRCUIT_FAILURE_RATE))
        .circuitMinimumCalls(config.getInt(WorkerConfig.RELAY_CIRCUIT_MINIMUM_CALLS))
        .circuitWindow(Duration.ofSeconds(config.getInt(WorkerConfig.RELAY_CIRCUIT_WINDOW_SECONDS)))
        .circuitOpenDuration(Duration.ofMillis(config.getInt(WorkerConfig.RELAY_CIRCUIT_OPEN_MS)))
        .circuitHalfOpenCalls(config.getInt(WorkerConfig.RELAY_CIRCUIT_HALF_OPEN_CALLS))
        .build();
  }

  /** Calls per minute, paced evenly; 0 for no client-side limit. */
  public int requestsPerMinute() {
    return requestsPerMinute;
  }

  /** Tokens per minute (estimates settled by usage), paced evenly; 0 for no token limit. */
  public int tokensPerMinute() {
    return tokensPerMinute;
  }

  /** What a used-up or refused key does to the requests. */
  public KeyFailureMode keyFailureMode() {
    return keyFailureMode;
  }

  /** While the key is out, how often one request probes it. */
  public Duration keyProbeInterval() {
    return keyProbeInterval;
  }

  public int maxConcurrentCalls() {
    return maxConcurrentCalls;
  }

  /** The longest one attempt may take, answer included. */
  public Duration requestTimeout() {
    return requestTimeout;
  }

  /** Attempts a request gets over its whole life, the first included. */
  public int maxAttempts() {
    return maxAttempts;
  }

  public Duration initialBackoff() {
    return initialBackoff;
  }

  public Duration maxBackoff() {
    return maxBackoff;
  }

  /** The longest wait taken from a relay's retry-after. */
  public Duration retryAfterCap() {
    return retryAfterCap;
  }

  public int circuitFailureRatePercent() {
    return circuitFailureRatePercent;
  }

  public int circuitMinimumCalls() {
    return circuitMinimumCalls;
  }

  public Duration circuitWindow() {
    return circuitWindow;
  }

  public Duration circuitOpenDuration() {
    return circuitOpenDuration;
  }

  public int circuitHalfOpenCalls() {
    return circuitHalfOpenCalls;
  }

  private static int defaultInt(String key) {
    return WorkerConfig.<Integer>defaultValue(key);
  }

  private static Duration defaultMillis(String key) {
    return WorkerConfig.defaultMillis(key);
  }

  /** Builds a {@link RelayPolicy}; starts from the defaults. Not thread-safe. */
  public static final class Builder {
    private int requestsPerMinute = DEFAULT_REQUESTS_PER_MINUTE;
    private int tokensPerMinute = DEFAULT_TOKENS_PER_MINUTE;
    private KeyFailureMode keyFailureMode = KeyFailureMode.PAUSE;
    private Duration keyProbeInterval = DEFAULT_KEY_PROBE_INTERVAL;
    private int maxConcurrentCalls = DEFAULT_MAX_CONCURRENT_CALLS;
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    private Duration retryAfterCap = DEFAULT_RETRY_AFTER_CAP;
    private int circuitFailureRatePercent = DEFAULT_CIRCUIT_FAILURE_RATE_PERCENT;
    private int circuitMinimumCalls = DEFAULT_CIRCUIT_MINIMUM_CALLS;
    private Duration circuitWindow = DEFAULT_CIRCUIT_WINDOW;
    private Duration circuitOpenDuration = DEFAULT_CIRCUIT_OPEN_DURATION;
    private int circuitHalfOpenCalls = DEFAULT_CIRCUIT_HALF_OPEN_CALLS;

    private Builder() {}

    public Builder requestsPerMinute(int requestsPerMinute) {
      this.requestsPerMinute = requestsPerMinute;
      return this;
    }

    public Builder tokensPerMinute(int tokensPerMinute) {
      this.tokensPerMinute = tokensPerMinute;
      return this;
    }

    public Builder keyFailureMode(KeyFailureMode mode) {
      this.keyFailureMode = mode;
      return this;
    }

    public Builder keyProbeInterval(Duration interval) {
      this.keyProbeInterval = interval;
      return this;
    }

    public Builder maxConcurrentCalls(int maxConcurrentCalls) {
      this.maxConcurrentCalls = maxConcurrentCalls;
      return this;
    }

    public Builder requestTimeout(Duration requestTimeout) {
      this.requestTimeout = requestTimeout;
      return this;
    }

    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
      return this;
    }

    public Builder initialBackoff(Duration initialBackoff) {
      this.initialBackoff = initialBackoff;
      return this;
    }

    public Builder maxBackoff(Duration maxBackoff) {
      this.maxBackoff = maxBackoff;
      return this;
    }

    public Builder retryAfterCap(Duration retryAfterCap) {
      this.retryAfterCap = retryAfterCap;
      return this;
    }

    public Builder circuitFailureRatePercent(int percent) {
      this.circuitFailureRatePercent = percent;
      return this;
    }

    public Builder circuitMinimumCalls(int calls) {
      this.circuitMinimumCalls = calls;
      return this;
    }

    public Builder circuitWindow(Duration window) {
      this.circuitWindow = window;
      return this;
    }

    public Builder circuitOpenDuration(Duration openDuration) {
      this.circuitOpenDuration = openDuration;
      return this;
    }

    public Builder circuitHalfOpenCalls(int calls) {
      this.circuitHalfOpenCalls = calls;
      return this;
    }

    /** @throws IllegalArgumentException naming the first value out of range */
    public RelayPolicy build() {
      require(requestsPerMinute >= 0, "requestsPerMinute must be 0 (no limit) or more", requestsPerMinute);
      require(tokensPerMinute >= 0, "tokensPerMinute must be 0 (no limit) or more", tokensPerMinute);
      require(keyFailureMode != null, "keyFailureMode must be given", keyFailureMode);
      require(positive(keyProbeInterval), "keyProbeInterval must be positive", keyProbeInterval);
      require(maxConcurrentCalls >= 1, "maxConcurrentCalls must be at least 1", maxConcurrentCalls);
      require(positive(requestTimeout), "requestTimeout must be positive", requestTimeout);
      require(maxAttempts >= 1, "maxAttempts must be at least 1", maxAttempts);
      require(positive(initialBackoff), "initialBackoff must be positive", initialBackoff);
      require(positive(maxBackoff), "maxBackoff must be positive", maxBackoff);
      require(retryAfterCap != null && !retryAfterCap.isNegative(), "retryAfterCap must not be negative",
          retryAfterCap);
      require(circuitFailureRatePercent >= 1 && circuitFailureRatePercent <= 100,
          "circuitFailureRatePercent must be within 1..100", circuitFailureRatePercent);
      require(circuitMinimumCalls >= 1, "circuitMinimumCalls must be at least 1", circuitMinimumCalls);
      require(circuitWindow != null && circuitWindow.toSeconds() >= 1, "circuitWindow must be at least 1 s",
          circuitWindow);
      require(positive(circuitOpenDuration), "circuitOpenDuration must be positive", circuitOpenDuration);
      require(circuitHalfOpenCalls >= 1, "circuitHalfOpenCalls must be at least 1", circuitHalfOpenCalls);
      return new RelayPolicy(this);
    }

    private static boolean positive(Duration duration) {
      return duration != null && !duration.isNegative() && !duration.isZero();
    }

    private static void require(boolean valid, String rule, Object value) {
      if (!valid) {
        throw new IllegalArgumentException(rule + ", was " + value);
      }
    }
  }
}
