package dev.relayworker.resilience;

import dev.relayworker.cost.PriceTable;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * Spend caps per hour and per day, in quota (the relay's unit): once the spend of the current
 * window reaches its cap, calls are held ({@link Hold.Cause#BUDGET}) until the window ends, and the
 * worker resumes by itself in the next one. Windows are UTC clock hours and days of the wall clock,
 * and only move forward: a clock set back stays in the window already counted (its spend kept)
 * until the wall clock passes that window's end.
 *
 * <p>What is counted is what answered calls cost (their {@code usage}, priced): calls already on
 * their way when a cap is reached still finish, so a cap can be overshot by what those cost. A
 * restarted worker starts the window at zero. With a {@link #share} below 1 (several workers on
 * one key) each worker holds at its part of the caps.
 *
 * <p>Thread-safe; methods are short and synchronized, and without caps take no lock at all.
 */
public final class SpendBudget {

  /** A cap, its window and what was spent in the current one. */
  public enum Window {
    HOUR(ChronoUnit.HOURS),
    DAY(ChronoUnit.DAYS);

    private final ChronoUnit unit;

    Window(ChronoUnit unit) {
      this.unit = unit;
    }

    Instant start(Instant now) {
      return now.truncatedTo(unit);
    }

    Instant end(Instant start) {
      return start.plus(1, unit);
    }

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final long[] caps = new long[Window.values().length];
  private final long[] spent = new long[Window.values().length];
  private final Instant[] started = new Instant[Window.values().length];
  private final double quotaPerUsd;
  private final Clock clock;
  /** Without caps nothing is counted: the path of every answer then takes no lock. */
  private final boolean capped;
  private double share = 1.0;

  /**
   * @param hourCap quota per clock hour; 0 for none
   * @param dayCap quota per UTC day; 0 for none
   * @param quotaPerUsd for reasons and metrics in dollars
   * @param clock the wall clock the windows follow
   */
  public SpendBudget(long hourCap, long dayCap, double quotaPerUsd, Clock clock) {
    caps[Window.HOUR.ordinal()] = hourCap;
    caps[Window.DAY.ordinal()] = dayCap;
    this.capped = hourCap > 0 || dayCap > 0;
    this.quotaPerUsd = quotaPerUsd;
    this.clock = clock;
  }

  /** No caps. */
  public static SpendBudget none(Clock clock) {
    return new SpendBudget(0, 0, PriceTable.DEFAULT_QUOTA_PER_USD, clock);
  }

  public boolean capped() {
    return capped;
  }

  /** An answered call cost {@code quota}. */
  public void spent(long quota) {
    if (capped) {
      count(quota);
    }
  }

  private synchronized void count(long quota) {
    Instant now = clock.instant();
    for (Window window : Window.values()) {
      roll(window, now);
      spent[window.ordinal()] += quota;
    }
  }

  /** Holds at this part of each cap from now on (the worker's part of a key's budget). */
  public synchronized void share(double fraction) {
    share = fraction;
  }

  /** The hold while a cap is reached, naming the window and when it reopens; null while there is room. */
  public Hold hold() {
    return capped ? capReached() : null;
  }

  private synchronized Hold capReached() {
    Instant now = clock.instant();
    Hold longest = null;
    for (Window window : Window.values()) {
      roll(window, now);
      long cap = cap(window);
      if (cap > 0 && spent[window.ordinal()] >= cap) {
        Instant reopens = window.end(started[window.ordinal()]);
        if (longest == null || reopens.isAfter(longest.until())) {
          longest = new Hold(Hold.Cause.BUDGET, String.format(Locale.ROOT,
              "spend cap per %s reached: %.4f USD (%d quota) of %.4f USD; consumption resumes at %s", window.label(),
              spent[window.ordinal()] / quotaPerUsd, spent[window.ordinal()], cap / quotaPerUsd, reopens), reopens);
        }
      }
    }
    return longest;
  }

  /** Quota left in the current {@code window} at this worker's share; -1 when it has no cap. */
  public synchronized long remaining(Window window) {
    long cap = cap(window);
    if (cap == 0) {
      return -1;
    }
    roll(window, clock.instant());
    return Math.max(0, cap - spent[window.ordinal()]);
  }

  private long cap(Window window) {
    long cap = caps[window.ordinal()];
    return cap == 0 ? 0 : Math.max(1, (long) Math.floor(cap * share));
  }

  /** Moves to the window {@code now} is in, if it is a later one; never back. */
  private void roll(Window window, Instant now) {
    Instant start = window.start(now);
    Instant counting = started[window.ordinal()];
    if (counting == null || start.isAfter(counting)) {
      started[window.ordinal()] = start;
      spent[window.ordinal()] = 0;
    }
  }
}
