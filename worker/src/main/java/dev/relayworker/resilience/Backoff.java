package dev.relayworker.resilience;

import java.time.Duration;
import java.util.Optional;

/**
 * The wait before a retry, as a pure function of the retry number and what the relay asked
 * for. Mirrors the OpenAI SDKs: {@code min(initial * 2^(n-1), max)} less up to 25% jitter, and
 * a relay's own {@code retry-after} taken as given, cut to a cap.
 */
public final class Backoff {

  /** Share of the computed wait that jitter may take off, so retries of a burst spread out. */
  static final double JITTER = 0.25;

  private final Duration initial;
  private final Duration max;
  private final Duration retryAfterCap;

  public Backoff(Duration initial, Duration max, Duration retryAfterCap) {
    this.initial = initial;
    this.max = max;
    this.retryAfterCap = retryAfterCap;
  }

  /**
   * @param retry 1 for the first retry, 2 for the second, ...
   * @param retryAfter the wait the relay asked for, if it did
   * @param random a number in [0, 1), drawn by the caller
   */
  public Duration delay(int retry, Optional<Duration> retryAfter, double random) {
    if (retryAfter.isPresent()) {
      return retryAfter(retryAfter.get());
    }
    int doublings = Math.min(Math.max(retry - 1, 0), 30);
    long computed = Math.min(initial.toMillis() << doublings, max.toMillis());
    return Duration.ofMillis(Math.round(computed * (1 - JITTER * random)));
  }

  /** The wait a relay asked for ({@code retry-after-ms}, {@code Retry-After}), cut to the cap. */
  public Duration retryAfter(Duration asked) {
    return asked.compareTo(retryAfterCap) > 0 ? retryAfterCap : asked;
  }
}
