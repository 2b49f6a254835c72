package dev.relayworker.simulator;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The simulated key's quota: spent by each answer's price, refilled by hand (the admin endpoint
 * {@code POST /admin/quota}, or {@link #add}). Once it is used up, completions are refused with the
 * flavor's used-up-quota answer. Thread-safe.
 */
public final class QuotaAccount {

  private final AtomicLong remaining;

  QuotaAccount(long initial) {
    this.remaining = new AtomicLong(initial);
  }

  /** Quota left, or {@link SimulatorSettings#UNLIMITED}. */
  public long remaining() {
    return remaining.get();
  }

  public boolean usedUp() {
    return remaining.get() == 0;
  }

  /** Tops the key up by {@code units}; an unlimited key stays unlimited. */
  public long add(long units) {
    return remaining.updateAndGet(current -> current == SimulatorSettings.UNLIMITED ? current : current + units);
  }

  /** Sets what is left ({@link SimulatorSettings#UNLIMITED} for no limit). */
  public void set(long units) {
    remaining.set(units);
  }

  /** Spends {@code units}; never below zero (the relays pre-charge, so an answer never runs a key negative for long). */
  void spend(long units) {
    remaining.updateAndGet(current -> current == SimulatorSettings.UNLIMITED ? current : Math.max(0, current - units));
  }
}
