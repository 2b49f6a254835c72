package dev.relayworker.resilience;

import java.time.Instant;

/**
 * Whether the relay takes calls now, as the pipeline should act on it: the one reading of the
 * circuit breaker, the relay's own "come back later" (a 429), the key's health and the spend caps.
 * Immutable; a snapshot, so read it once per decision.
 *
 * @param state what the pipeline may do
 * @param pausedUntil until when the relay asked every call to wait, or null when it did not
 * @param circuit the circuit breaker's state as Resilience4j names it, for health details only
 * @param hold why calls are held although the relay is up (key outage, spend cap), or null
 */
public record RelayAvailability(State state, Instant pausedUntil, String circuit, Hold hold) {

  /** Without a hold. */
  public RelayAvailability(State state, Instant pausedUntil, String circuit) {
    this(state, pausedUntil, circuit, null);
  }

  /** What the pipeline may do with the relay. */
  public enum State {
    /** Calls go through: consume, and send every parked request again. */
    AVAILABLE,
    /**
     * The circuit lets a few trial calls through to learn whether the relay is back: consume (new
     * requests are trials too; those the breaker refuses are parked) and send parked requests one
     * at a time.
     */
    PROBING,
    /**
     * The key is out and its next probe is due: send one parked request to learn whether it works
     * again; consume only when nothing is parked to probe with.
     */
    KEY_PROBE,
    /** The circuit is open, the relay asked for a pause, the key is out or a cap is reached: consume nothing, send nothing parked. */
    UNAVAILABLE
  }

  /** Whether new requests should be taken from Kafka, given whether any request is parked. */
  public boolean takesNewRequests(boolean anyParked) {
    return switch (state) {
      case AVAILABLE, PROBING -> true;
      case KEY_PROBE -> !anyParked;
      case UNAVAILABLE -> false;
    };
  }

  /** Whether every parked request may go to the relay again. */
  public boolean takesAllParked() {
    return state == State.AVAILABLE;
  }

  /** Whether one parked request at a time may go, as a probe. */
  public boolean takesOneProbe() {
    return state == State.PROBING || state == State.KEY_PROBE;
  }
}
