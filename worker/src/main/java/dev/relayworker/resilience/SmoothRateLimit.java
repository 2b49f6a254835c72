package dev.relayworker.resilience;

import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;

/**
 * Turns a requests-per-minute limit into a Resilience4j {@link RateLimiterConfig} that paces
 * calls evenly. Resilience4j's limiter hands out {@code limitForPeriod} permits per fixed
 * window, so a one-minute window would let a whole minute's calls out at once; instead the
 * window is made as short as possible: one permit per {@code 60 s / rpm}, or, above 6,000 rpm,
 * the few permits that fall in 10 ms (finer windows only cost CPU for no visible smoothness).
 */
public final class SmoothRateLimit {

  /** Shortest window worth having; at 6,000 rpm one call falls in each. */
  static final Duration MIN_PERIOD = Duration.ofMillis(10);
  private static final long NANOS_PER_MINUTE = Duration.ofMinutes(1).toNanos();

  private SmoothRateLimit() {}

  /**
   * @param requestsPerMinute the limit, at least 1
   * @param maxWait the longest a reservation may look ahead; callers check deadlines themselves
   */
  public static RateLimiterConfig config(int requestsPerMinute, Duration maxWait) {
    if (requestsPerMinute < 1) {
      throw new IllegalArgumentException("requests per minute must be at least 1, was " + requestsPerMinute);
    }
    long perPeriod = Math.max(1, requestsPerMinute * MIN_PERIOD.toNanos() / NANOS_PER_MINUTE);
    long periodNanos = NANOS_PER_MINUTE * perPeriod / requestsPerMinute;
    return RateLimiterConfig.custom()
        .limitForPeriod((int) perPeriod)
        .limitRefreshPeriod(Duration.ofNanos(periodNanos))
        .timeoutDuration(maxWait)
        .build();
  }
}
