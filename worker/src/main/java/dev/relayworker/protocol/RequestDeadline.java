package dev.relayworker.protocol;

import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;

/**
 * A request's deadline from what its record says (its timestamp, its {@code deadline_ms}), both
 * read on the wall clock, turned into a span laid on the worker's own steady clock. Any long is
 * taken, and the arithmetic saturates: a timestamp later than now (a producer's clock ahead, or a
 * forged one near {@code Long.MAX_VALUE}) counts as now; without {@code deadline_ms} the deadline
 * is the timestamp plus {@code ttl}; a deadline past {@code maxDeadline} from the timestamp is cut
 * to it, and one in the past is now (expired).
 *
 * <p>Pure; thread-safe.
 */
final class RequestDeadline {

  private final long ttlMillis;
  private final long maxSpanMillis;

  RequestDeadline(Duration ttl, Duration maxDeadline) {
    this.ttlMillis = ttl.toMillis();
    this.maxSpanMillis = maxDeadline.toMillis();
  }

  /**
   * @param timestamp the record's timestamp, epoch millis, negative when it has none
   * @param asked the {@code deadline_ms} it asks for, epoch millis, if any
   * @param wallNow the wall clock's time
   * @param now the worker's clock's time, which the deadline is returned on
   */
  Instant of(long timestamp, OptionalLong asked, Instant wallNow, Instant now) {
    long wall = wallNow.toEpochMilli();
    long base = timestamp >= 0 ? Math.min(timestamp, wall) : wall;
    long latest = plus(base, maxSpanMillis);
    long chosen = Math.min(asked.isPresent() ? asked.getAsLong() : plus(base, ttlMillis), latest);
    long span = chosen <= wall ? 0 : Math.min(chosen - wall, maxSpanMillis);
    return now.plusMillis(span);
  }

  /** {@code millis + span} for a span that is not negative, at most {@code Long.MAX_VALUE}. */
  private static long plus(long millis, long span) {
    return millis > Long.MAX_VALUE - span ? Long.MAX_VALUE : millis + span;
  }
}
