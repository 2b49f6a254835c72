package dev.relayworker.resilience;

import dev.relayworker.relay.FailureKind;
import dev.relayworker.relay.RelayException;
import dev.relayworker.resilience.CallFailedException.Reason;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Names how a call ended without a completion: the {@link CallFailedException} its last
 * attempt's failure and its attempt accounting make. A pure function of the call; any thread.
 */
final class CallFailures {

  private CallFailures() {}

  /**
   * @param failure what ended the retries: an {@link AttemptFailure}, or anything a layer threw
   * @param holdReason why calls are held now, for a call held before it was sent
   */
  static CallFailedException of(Throwable failure, Call call, int maxAttempts, Supplier<String> holdReason) {
    int attempts = call.attempts.get();
    int charged = call.charged.get();
    if (!(failure instanceof AttemptFailure attempt)) {
      // Named by class only: a message could carry whatever the failing code put in it.
      return new CallFailedException(Reason.REJECTED, attempts, charged, null,
          "relay call failed: " + failure.getClass().getSimpleName());
    }
    RelayException last = attempt.relayFailure;
    Reason reason = reason(attempt, call, maxAttempts);
    String message = switch (reason) {
      case REJECTED -> last.getMessage();
      case RETRIES_EXHAUSTED -> "gave up after " + call.totalCharged() + " attempts; last: " + last.getMessage();
      case DEADLINE_EXCEEDED -> "deadline passed after " + attempts + " attempts"
          + (last == null ? "" : "; last: " + last.getMessage());
      case CIRCUIT_OPEN -> "relay circuit is open; call not sent";
      case PAUSED -> "relay asked for a pause" + (last == null ? "; call not sent" : ": " + last.getMessage());
      case HELD -> "held: " + (last != null ? last.getMessage() : holdReason.get());
      case OVER_BUDGET -> call.overBudget;
      case UNROUTABLE, UNPRICED -> throw new IllegalStateException(reason + " is decided before any attempt");
    };
    return new CallFailedException(reason, attempts, charged, last, message);
  }

  private static Reason reason(AttemptFailure attempt, Call call, int maxAttempts) {
    if (attempt.reason != null) {
      return attempt.reason;
    }
    if (!attempt.relayFailure.isTransient()) {
      return Reason.REJECTED;
    }
    // A transient failure with attempts to spare ends here only when RetryInterval saw the next
    // attempt could not start before the deadline.
    return call.exhausted(maxAttempts) ? Reason.RETRIES_EXHAUSTED : Reason.DEADLINE_EXCEEDED;
  }

  /** What a relay client's failure is to the relay path: a relay failure, or a final one named by class. */
  static RelayException asRelayException(Throwable failure) {
    return failure instanceof RelayException relay ? relay
        : RelayException.transport(FailureKind.FINAL, "relay client failed: " + failure.getClass().getSimpleName());
  }

  /** The failure inside the {@link CompletionException}s a future wraps it in. */
  static Throwable unwrap(Throwable failure) {
    Throwable current = failure;
    while (current instanceof CompletionException && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }
}
