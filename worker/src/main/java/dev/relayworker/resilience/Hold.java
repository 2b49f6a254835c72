package dev.relayworker.resilience;

import java.time.Instant;

/**
 * Why calls to the relay are held back although the relay itself is up, and until when: the key
 * is refused or out of quota, or a spend cap is reached. Held requests are parked, not answered;
 * the worker stops consuming. Immutable.
 *
 * @param cause what holds the calls
 * @param reason for health and logs; never contains the key
 * @param until when the next probe goes (key) or the budget window reopens (budget)
 */
public record Hold(Cause cause, String reason, Instant until) {

  /** What holds the calls. */
  public enum Cause {
    /** The relay refused the key: quota used up (403, 402) or an invalid key (401). */
    KEY,
    /** A {@code budget.*} spend cap is reached for the current window. */
    BUDGET
  }
}
