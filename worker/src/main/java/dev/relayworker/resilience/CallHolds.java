package dev.relayworker.resilience;

import dev.relayworker.resilience.CallFailedException.Reason;

/**
 * The holds a call meets before the circuit breaker: a spend cap reached ({@link SpendBudget}) or
 * the key out ({@link KeyHealth}: used up or refused). A held call is not sent; it fails with
 * {@link Reason#HELD} and is parked. While the key is out, one call per probe interval goes
 * through as the key's probe, and its retries pass the hold too.
 *
 * <p>Thread-safe (its parts are); called from any thread.
 */
final class CallHolds {

  private final SpendBudget budget;
  private final KeyHealth key;

  CallHolds(SpendBudget budget, KeyHealth key) {
    this.budget = budget;
    this.key = key;
  }

  /** Whether {@code call} may go on; makes it the key's probe when one is due. */
  boolean admit(Call call) {
    if (call.keyProbe) {
      return true;
    }
    if (budget.hold() != null) {
      return false;
    }
    return switch (key.admit()) {
      case HOLD -> false;
      case PROBE -> call.keyProbe = true;
      case GO -> true;
    };
  }

  /** Whether a hold began while {@code call} waited for a slot or its pace (a probe passes). */
  boolean heldSince(Call call) {
    return !call.keyProbe && (key.hold() != null || budget.hold() != null);
  }

  /** The hold in force, the key's first; null when none. */
  Hold current() {
    Hold keyHold = key.hold();
    return keyHold != null ? keyHold : budget.hold();
  }

  /** Why calls are held now, for a call that was held before it was sent. */
  String reason() {
    Hold hold = current();
    return hold == null ? "calls are held" : hold.reason();
  }
}
