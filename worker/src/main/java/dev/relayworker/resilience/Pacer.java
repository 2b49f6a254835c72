package dev.relayworker.resilience;

import java.time.Duration;

/**
 * Paces units (requests or tokens) to a rate per minute, evenly: a reservation of {@code n} units
 * takes {@code n × 60 s / rate} of the pacer's time line, starting where the last one ended (or
 * now, if that is past), and the caller waits until its start. Nothing is let out in bursts, so a
 * relay that counts a key's use over any minute, or refills a bucket continuously, sees at most
 * the rate plus the last reservation.
 *
 * <p>Unlike Resilience4j's rate limiter, units can be handed back or charged after the fact
 * ({@link #settle}: a tokens budget charged an estimate learns the real count from the answer),
 * and the rate can change at once ({@link #share}: the worker's part of a key's limit moves with
 * its partitions). Reserving never blocks: it returns the wait, which the caller schedules.
 *
 * <p>Thread-safe; every method is a few arithmetic steps under the pacer's lock. Time is the
 * caller's monotonic nanoseconds, so tests move a clock instead of sleeping.
 */
public final class Pacer {

  private static final long NANOS_PER_MINUTE = Duration.ofMinutes(1).toNanos();

  private final long perMinute;
  private double share = 1.0;
  private double nanosPerUnit;
  /** Where the pacer's time line is booked up to; reservations start here or now, whichever is later. */
  private long bookedUntil;

  /**
   * @param perMinute the full rate, at least 1
   * @param nowNanos the caller's current time
   */
  public Pacer(long perMinute, long nowNanos) {
    if (perMinute < 1) {
      throw new IllegalArgumentException("rate per minute must be at least 1, was " + perMinute);
    }
    this.perMinute = perMinute;
    this.nanosPerUnit = (double) NANOS_PER_MINUTE / perMinute;
    this.bookedUntil = nowNanos;
  }

  /** The full rate per minute, before any {@link #share}. */
  public long perMinute() {
    return perMinute;
  }

  /** The rate this pacer applies now: {@link #perMinute()} × its share. */
  public synchronized double currentPerMinute() {
    return perMinute * share;
  }

  /**
   * Applies only {@code fraction} of the rate from now on (the worker's part of a limit shared by
   * several workers). Zero stops every reservation from starting until a share is given again.
   */
  public synchronized void share(double fraction, long nowNanos) {
    if (!(fraction >= 0 && fraction <= 1)) {
      throw new IllegalArgumentException("share must be within 0..1, was " + fraction);
    }
    // Time already booked is rescaled so what is booked keeps its units at the new rate.
    long booked = Math.max(0, bookedUntil - nowNanos);
    double next = fraction == 0 ? Double.POSITIVE_INFINITY : (double) NANOS_PER_MINUTE / (perMinute * fraction);
    if (Double.isFinite(nanosPerUnit) && Double.isFinite(next)) {
      bookedUntil = nowNanos + (long) (booked * (next / nanosPerUnit));
    } else if (Double.isFinite(next)) {
      bookedUntil = Math.max(bookedUntil, nowNanos);
    }
    share = fraction;
    nanosPerUnit = next;
  }

  /**
   * Books {@code units} and returns how long the caller must wait before using them (0: at once),
   * or -1 when the share is zero and nothing can be booked.
   */
  public synchronized long reserve(long units, long nowNanos) {
    if (!Double.isFinite(nanosPerUnit)) {
      return -1;
    }
    long start = Math.max(bookedUntil, nowNanos);
    bookedUntil = plus(start, cost(units));
    return start - nowNanos;
  }

  /** How long a reservation made now would wait, without booking it; -1 when the share is zero. */
  public synchronized long peek(long nowNanos) {
    return Double.isFinite(nanosPerUnit) ? Math.max(0, bookedUntil - nowNanos) : -1;
  }

  /**
   * Corrects an earlier reservation: {@code units} more were used (positive) or fewer (negative,
   * handed back). Handing back never moves the time line before now (units not used in the past
   * are gone, as they are at the relay); a charge is booked from now when the pacer was idle, and
   * books at most a minute ahead of now: whatever an answer claims, the pacer is never in debt for
   * longer than one minute of its rate, as a relay's own per-minute window would be.
   */
  public synchronized void settle(long units, long nowNanos) {
    if (units == 0 || !Double.isFinite(nanosPerUnit)) {
      return;
    }
    if (units > 0) {
      long start = Math.max(bookedUntil, nowNanos);
      bookedUntil = Math.max(start, Math.min(plus(start, cost(units)), plus(nowNanos, NANOS_PER_MINUTE)));
    } else {
      bookedUntil = Math.max(nowNanos, bookedUntil - cost(units == Long.MIN_VALUE ? Long.MAX_VALUE : -units));
    }
  }

  private long cost(long units) {
    double nanos = units * nanosPerUnit;
    return nanos >= Long.MAX_VALUE / 4.0 ? Long.MAX_VALUE / 4 : (long) nanos;
  }

  private static long plus(long nanos, long span) {
    return nanos > Long.MAX_VALUE - span ? Long.MAX_VALUE : nanos + span;
  }
}
