package dev.relayworker.resilience;

import java.time.Clock;
import java.time.Instant;

/**
 * Nanosecond readings of the one {@link Clock} the worker runs on, for what Resilience4j and
 * the pacing measure in nanoseconds (circuit timestamps, rate-limit cycles, attempt durations).
 * One clock for deadlines and durations alike lets a test move them together. These readings
 * follow the wall clock: a step of the system time lengthens or shortens one wait or one
 * measured duration, which neither the pacing (permits never pile up) nor the circuit (its
 * window is seconds) minds.
 */
final class Ticks {

  private Ticks() {}

  /** Nanoseconds since the epoch on {@code clock}; good until the year 2262. */
  static long nanos(Clock clock) {
    Instant now = clock.instant();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }
}
