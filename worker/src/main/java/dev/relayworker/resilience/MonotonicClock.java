package dev.relayworker.resilience;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.function.LongSupplier;

/**
 * The worker's steady clock: the wall time when it started, moved on by {@link System#nanoTime()},
 * so it never steps back or jumps when the system time is set (NTP, an operator, a VM resumed).
 * Everything measured in time spans runs on it: pacing, 429 pauses, key probes, circuit windows,
 * unserved-model memory, delivery backoff, and the deadlines of requests once taken. What must
 * agree with other machines' clocks reads the wall clock instead: record timestamps and
 * {@code deadline_ms} (turned into a span at intake), spend-cap windows (UTC hours and days), and
 * HTTP dates in {@code Retry-After}.
 *
 * <p>Thread-safe; immutable.
 */
public final class MonotonicClock extends Clock {

  private final Instant start;
  private final long startNanos;
  private final LongSupplier nanos;

  /**
   * @param wall read once, for the instant to start from
   * @param nanos a monotonic nanosecond counter ({@code System::nanoTime}, or a test's)
   */
  public MonotonicClock(Clock wall, LongSupplier nanos) {
    this.start = wall.instant();
    this.startNanos = nanos.getAsLong();
    this.nanos = nanos;
  }

  /** Started now, on {@link System#nanoTime()}. */
  public static MonotonicClock system() {
    return new MonotonicClock(Clock.systemUTC(), System::nanoTime);
  }

  @Override
  public Instant instant() {
    return start.plusNanos(nanos.getAsLong() - startNanos);
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
