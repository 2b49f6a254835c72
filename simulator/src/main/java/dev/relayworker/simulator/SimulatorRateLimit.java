package dev.relayworker.simulator;

import java.time.Duration;

/**
 * The simulator's own requests-per-minute limit, as a relay enforces it: a generic cell rate
 * algorithm (one request per {@code 60 s / rpm}, up to {@code burst} at once). A request over
 * the limit is told how long until it would fit. Thread-safe.
 */
final class SimulatorRateLimit {

  private final long intervalNanos;
  private final long toleranceNanos;
  private long theoreticalArrival;

  SimulatorRateLimit(int requestsPerMinute, int burst, long nowNanos) {
    this.intervalNanos = Duration.ofMinutes(1).toNanos() / requestsPerMinute;
    this.toleranceNanos = intervalNanos * (burst - 1);
    this.theoreticalArrival = nowNanos;
  }

  /** Admits the request (returns zero) or returns how long until it would be admitted. */
  synchronized Duration tryAcquire(long nowNanos) {
    long earliest = theoreticalArrival - toleranceNanos;
    if (nowNanos < earliest) {
      return Duration.ofNanos(earliest - nowNanos);
    }
    theoreticalArrival = Math.max(nowNanos, theoreticalArrival) + intervalNanos;
    return Duration.ZERO;
  }
}
