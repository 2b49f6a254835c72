package dev.relayworker.resilience;

import java.time.Clock;
import java.time.Instant;

/**
 * Nanosecond readings of the one {@link Clock} the worker runs on, for what Resilience4j and
 * the pacing measure in nanoseconds (circuit timestamps, rate-limit cycles, attempt durations).
 * One clock for deadlines and durations alike lets a test move them together. In the worker that
 * clock is a {@link MonotonicClock}, so a step of the system time moves none of them.
 */
final class Ticks {

  private Ticks() {}

  /** Nanoseconds since the epoch on {@code clock}; good until the year 2262. */
  static long nanos(Clock clock) {
    Instant now = clock.instant();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }
}
