package dev.relayworker.resilience;

import dev.relayworker.relay.RelayException;
import dev.relayworker.resilience.CallFailedException.Reason;

/**
 * Why one attempt ended without a completion: a relay failure, a reason it was not sent, or
 * both (a key refused: the relay's answer, and {@link Reason#HELD}). Internal to the relay path:
 * {@link CallFailures} turns the last one into a {@link CallFailedException}. No stack trace.
 */
final class AttemptFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The relay's failure, or null when the attempt was not sent. */
  final transient RelayException relayFailure;
  /** Why the call ends here whatever the failure, or null to let the failure decide. */
  final Reason reason;
  final transient Call call;

  AttemptFailure(RelayException relayFailure, Reason reason, Call call) {
    super(relayFailure != null ? relayFailure.getMessage() : reason.name(), null, false, false);
    this.relayFailure = relayFailure;
    this.reason = reason;
    this.call = call;
  }

  /** An attempt that was not sent, for {@code reason}. */
  static AttemptFailure of(Reason reason, Call call) {
    return new AttemptFailure(null, reason, call);
  }

  /** Whether another attempt may help: the relay failed it transiently and nothing else ends the call. */
  boolean retryable() {
    return reason == null && relayFailure != null && relayFailure.isTransient();
  }
}
