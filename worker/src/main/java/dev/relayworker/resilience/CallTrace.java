package dev.relayworker.resilience;

import dev.relayworker.cost.CallCost;
import dev.relayworker.relay.Completion;
import dev.relayworker.relay.RelayException;
import java.time.Duration;

/**
 * What a request's trace hears of its relay calls ({@link RelayRequest#trace()}): each attempt as
 * it is sent and how it ended, and the route it went by. The relay path knows nothing of how it is
 * recorded; the tracing package makes spans of it.
 *
 * <p>Threads: called on the threads the relay path runs on (relay I/O, pacing timer, poll); none
 * may block or throw.
 */
public interface CallTrace {

  /** The trace of the attempts sent through route {@code route}, whose key is of group {@code group}. */
  CallTrace onRoute(String route, String group);

  /**
   * An attempt is about to be sent, having waited {@code waited} for a pause to end, a call slot
   * and its rate-limit permits.
   */
  Attempt attempt(Duration waited);

  /** One HTTP attempt: {@link #answered} or {@link #failed}, once. */
  interface Attempt {

    /** The relay answered; {@code cost} is null when its answer had no usage. */
    void answered(Completion completion, CallCost cost);

    /** The attempt failed: a relay error, a timeout, a connection lost. */
    void failed(RelayException failure);
  }
}
