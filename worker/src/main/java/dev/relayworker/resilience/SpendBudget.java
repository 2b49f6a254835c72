package dev.relayworker.resilience;

import dev.relayworker.cost.PriceTable;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * Spend caps per hour and per day, in quota (the relay's unit), for one scope (a route): once what
 * is spent and reserved in the current window reaches this worker's allowance, calls are held
 * ({@link Hold.Cause#BUDGET}) until the window ends, and the worker resumes by itself in the next
 * one. Windows are UTC clock hours and days of the wall clock, and only move forward: a clock set
 * back stays in the window already counted (its spend kept) until the wall clock passes that
 * window's end.
 *
 * <p><b>Reserve, then settle.</b> A call reserves its worst case ({@link #reserve}) just before it
 * is sent, and is refused while spent and reserved together have reached the allowance; its
 * answer settles the reservation to what the usage cost ({@link #settle}), a failure releases it
 * ({@link #release}). Calls in flight are counted before they are answered, so this worker
 * overshoots its allowance by at most one call's worst case.
 *
 * <p><b>Allowance.</b> Alone, the allowance is the cap. Several workers on one key each hold at
 * their {@link #share} of it; with a spend ledger, {@link #rebase} (after every rebalance and at
 * start) starts the window from what every worker recorded, and the allowance becomes this
 * worker's share of what is left: {@code share × (cap − recorded)}. The shares of a group sum to
 * 1, so the workers together stay within the cap, each overshooting by at most one call's worst
 * case.
 *
 * <p>Thread-safe; methods are short and synchronized, and without caps take no lock at all.
 */
public final class SpendBudget {

  /** A cap's window. */
  public enum Window {
    HOUR(ChronoUnit.HOURS),
    DAY(ChronoUnit.DAYS);

    private final ChronoUnit unit;

    Window(ChronoUnit unit) {
      this.unit = unit;
    }

    public Instant start(Instant now) {
      return now.truncatedTo(unit);
    }

    public Instant end(Instant start) {
      return start.plus(1, unit);
    }

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** What {@link #reserve} answers when a cap is reached: nothing was reserved. */
  public static final long REFUSED = -1;

  private static final int WINDOWS = Window.values().length;

  private final String scope;
  private final long[] caps = new long[WINDOWS];
  /** Spent by every worker before the last rebase, as the ledger recorded it. */
  private final long[] recorded = new long[WINDOWS];
  /** Settled by this worker since the window began or the last rebase. */
  private final long[] spent = new long[WINDOWS];
  private final Instant[] started = new Instant[WINDOWS];
  private final double quotaPerUsd;
  private final Clock clock;
  /** Without caps nothing is counted: the path of every answer then takes no lock. */
  private final boolean capped;
  /** Worst cases of calls on their way, counted in every window. */
  private long reserved;
  private double share = 1.0;

  /**
   * @param scope what the caps are for ({@link #routeScope}), as the spend ledger records it
   * @param hourCap quota per clock hour; 0 for none
   * @param dayCap quota per UTC day; 0 for none
   * @param quotaPerUsd for reasons and metrics in dollars
   * @param clock the wall clock the windows follow
   */
  public SpendBudget(String scope, long hourCap, long dayCap, double quotaPerUsd, Clock clock) {
    this.scope = scope;
    caps[Window.HOUR.ordinal()] = hourCap;
    caps[Window.DAY.ordinal()] = dayCap;
    this.capped = hourCap > 0 || dayCap > 0;
    this.quotaPerUsd = quotaPerUsd;
    this.clock = clock;
  }

  /** No caps. */
  public static SpendBudget none(Clock clock) {
    return new SpendBudget(routeScope("relay"), 0, 0, PriceTable.DEFAULT_QUOTA_PER_USD, clock);
  }

  /** The scope of a route's caps, as budgets and the spend ledger name it: {@code route:<name>}. */
  public static String routeScope(String route) {
    return "route:" + route;
  }

  public boolean capped() {
    return capped;
  }

  public String scope() {
    return scope;
  }

  /**
   * Reserves {@code worstCase} quota for a call about to be sent.
   *
   * @return the quota reserved (0 without caps), to be settled or released; {@link #REFUSED} when
   *     a cap is reached, and then nothing is reserved
   */
  public long reserve(long worstCase) {
    if (!capped) {
      return 0;
    }
    synchronized (this) {
      if (capReached() != null) {
        return REFUSED;
      }
      reserved += Math.max(0, worstCase);
      return Math.max(0, worstCase);
    }
  }

  /** The call that reserved {@code reservation} was answered, and cost {@code quota}. */
  public void settle(long reservation, long quota) {
    if (capped) {
      count(reservation, quota);
    }
  }

  /** The call that reserved {@code reservation} failed: it cost nothing. */
  public void release(long reservation) {
    if (capped && reservation > 0) {
      count(reservation, 0);
    }
  }

  /** An answered call cost {@code quota}, with nothing reserved for it. */
  public void spent(long quota) {
    settle(0, quota);
  }

  private synchronized void count(long reservation, long quota) {
    reserved = Math.max(0, reserved - Math.max(0, reservation));
    Instant now = clock.instant();
    for (Window window : Window.values()) {
      roll(window, now);
      spent[window.ordinal()] += Math.max(0, quota);
    }
  }

  /** Holds at this part of each cap from now on (the worker's part of a key's budget). */
  public synchronized void share(double fraction) {
    share = fraction;
  }

  /**
   * Starts the current windows again from what {@code record} says every worker spent in them,
   * and holds at {@code fraction} of what is left of each cap. What this worker settled before is
   * in the record (or lost with a transaction that did not commit); its calls on their way stay
   * reserved.
   */
  public synchronized void rebase(double fraction, SpendRecord record) {
    share = fraction;
    Instant now = clock.instant();
    for (Window window : Window.values()) {
      roll(window, now);
      Instant start = started[window.ordinal()];
      recorded[window.ordinal()] = Math.max(0, record.spent(scope, start, window.end(start)));
      spent[window.ordinal()] = 0;
    }
  }

  /** The hold while a cap is reached, naming the window and when it reopens; null while there is room. */
  public Hold hold() {
    if (!capped) {
      return null;
    }
    synchronized (this) {
      return capReached();
    }
  }

  private Hold capReached() {
    Instant now = clock.instant();
    Hold longest = null;
    for (Window window : Window.values()) {
      roll(window, now);
      long allowance = allowance(window);
      int at = window.ordinal();
      if (allowance >= 0 && spent[at] + reserved >= allowance) {
        Instant reopens = window.end(started[at]);
        if (longest == null || reopens.isAfter(longest.until())) {
          long total = recorded[at] + spent[at];
          longest = new Hold(Hold.Cause.BUDGET, "spend cap per " + window.label() + " reached (" + scope + "): "
              + usd(total) + " USD (" + total + " quota) spent of " + usd(caps[at]) + " USD, " + reserved
              + " quota on calls in flight; consumption resumes at " + reopens, reopens);
        }
      }
    }
    return longest;
  }

  /** {@code quota} in USD as a plain decimal, exact to the table's unit: 5 quota is 0.00001 USD, not 0.0000. */
  private String usd(long quota) {
    return BigDecimal.valueOf(quota).divide(BigDecimal.valueOf(quotaPerUsd), MathContext.DECIMAL64)
        .stripTrailingZeros().toPlainString();
  }

  /** Quota left in the current {@code window} for this worker; -1 when it has no cap. */
  public synchronized long remaining(Window window) {
    roll(window, clock.instant());
    long allowance = allowance(window);
    return allowance < 0 ? -1 : Math.max(0, allowance - spent[window.ordinal()] - reserved);
  }

  /** This worker's part of what the record left of the cap; -1 when the window has no cap. */
  private long allowance(Window window) {
    long cap = caps[window.ordinal()];
    if (cap == 0) {
      return -1;
    }
    long left = Math.max(0, cap - recorded[window.ordinal()]);
    return left == 0 ? 0 : Math.max(1, (long) Math.floor(left * share));
  }

  /** Moves to the window {@code now} is in, if it is a later one; never back. */
  private void roll(Window window, Instant now) {
    int at = window.ordinal();
    Instant start = window.start(now);
    if (started[at] == null || start.isAfter(started[at])) {
      started[at] = start;
      spent[at] = 0;
      recorded[at] = 0;
    }
  }
}
