package dev.relayworker.resilience;

import java.time.Instant;

/**
 * Whether the relay takes calls now, as the pipeline should act on it: the one reading of the
 * circuit breaker and the relay's own "come back later" (a 429 with Retry-After). Immutable; a
 * snapshot, so read it once per decision.
 *
 * @param state what the pipeline may do
 * @param pausedUntil until when the relay asked every call to wait, or null when it did not
 * @param circuit the circuit breaker's state as Resilience4j names it, for health details only
 */
public record RelayAvailability(State state, Instant pausedUntil, String circuit) {

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
    /** The circuit is open or the relay asked for a pause: consume nothing, send nothing parked. */
    UNAVAILABLE
  }

  /** Whether new requests should be taken from Kafka. */
  public boolean takesNewRequests() {
    return state != State.UNAVAILABLE;
  }

  /** Whether every parked request may go to the relay again. */
  public boolean takesAllParked() {
    return state == State.AVAILABLE;
  }

  /** Whether one parked request at a time may go, as a probe. */
  public boolean takesOneProbe() {
    return state == State.PROBING;
  }
}
