package dev.relayworker.resilience;

import dev.relayworker.relay.RelayException;
import java.util.Optional;

/**
 * A completion request that the resilient relay gave up on, and why. The reason tells the
 * caller what to do: answer with an error ({@link Reason#REJECTED}, {@link Reason#RETRIES_EXHAUSTED},
 * {@link Reason#DEADLINE_EXCEEDED}, {@link Reason#UNROUTABLE}) or hold the request back and try later
 * ({@link Reason#CIRCUIT_OPEN}, {@link Reason#HELD}, {@link Reason#PAUSED}; {@link Reason#parks()}). No stack trace; messages never contain the relay key.
 */
public final class CallFailedException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Why the call ended without a completion. */
  public enum Reason {
    /** The relay gave a final answer (bad request, bad key, model not served). */
    REJECTED,
    /** Every allowed attempt failed transiently. */
    RETRIES_EXHAUSTED,
    /** The request's deadline passed, or would have before the next attempt could run. */
    DEADLINE_EXCEEDED,
    /** The relay is considered down; the call was not sent. Not an answer: try again later. */
    CIRCUIT_OPEN,
    /**
     * The relay is up but the key is out (refused or used up) or a spend cap is reached
     * ({@link Hold}): the call was not sent, or the relay refused the key. Not an answer: try
     * again once the hold ends.
     */
    HELD,
    /**
     * The relay asked for a pause (a 429) and another route may take the request, so it did not
     * wait ({@link RelayRequest#otherRoutes()}). Not an answer: try another route, or later.
     */
    PAUSED,
    /**
     * The request names a route or group ({@code relay_group}) that does not serve its model: no
     * call was sent. The request is wrong, not the relay.
     */
    UNROUTABLE,
    /**
     * A spend cap is set on the route and its price table cannot price the request's model: what
     * the call would spend could not be counted, so no call was sent. Another route may take it.
     */
    UNPRICED,
    /**
     * A spend cap of the request's caller or model is reached ({@link ScopedBudgets}): no call was
     * sent, and another route would count against the same cap. Answered at once.
     */
    OVER_BUDGET;

    /** Whether the request should wait for the relay rather than be answered. */
    public boolean parks() {
      return this == CIRCUIT_OPEN || this == HELD || this == PAUSED;
    }
  }

  private final Reason reason;
  private final int attempts;
  private final int charged;
  private final transient RelayException lastFailure;

  /**
   * @param attempts relay calls made by this submission
   * @param charged how many of them count against the request's attempt budget
   */
  public CallFailedException(Reason reason, int attempts, int charged, RelayException lastFailure, String message) {
    super(message, lastFailure, false, false);
    this.reason = reason;
    this.attempts = attempts;
    this.charged = charged;
    this.lastFailure = lastFailure;
  }

  public Reason reason() {
    return reason;
  }

  /** Relay calls made for this request, 0 when none was sent. */
  public int attempts() {
    return attempts;
  }

  /** Attempts of this submission charged to the request's budget (see {@code ResilientRelay#complete}). */
  public int charged() {
    return charged;
  }

  /** The last relay failure seen, carrying its HTTP status and error body, if any attempt was made. */
  public Optional<RelayException> lastFailure() {
    return Optional.ofNullable(lastFailure);
  }
}
