package dev.relayworker.resilience;

import dev.relayworker.relay.RelayApi;
import java.time.Instant;

/**
 * One request as the relay path needs it. Immutable; the body array is not copied.
 *
 * @param api the endpoint it goes to
 * @param body the request JSON, sent unchanged
 * @param deadline when the answer stops being useful; no attempt starts or runs past it
 * @param model the model it asks for, which prices its answer
 * @param tokenEstimate the most tokens it may use (prompt and every completion), charged to the
 *     tokens-per-minute budget until its answer tells the truth; 0 when no budget counts tokens
 * @param group the route or group the request asks to be sent through first, or null for none
 */
public record RelayRequest(RelayApi api, byte[] body, Instant deadline, String model, long tokenEstimate,
    String group) {

  /** A request that names no route. */
  public RelayRequest(RelayApi api, byte[] body, Instant deadline, String model, long tokenEstimate) {
    this(api, body, deadline, model, tokenEstimate, null);
  }

  /** A request for the legacy completions endpoint. */
  public RelayRequest(byte[] body, Instant deadline, String model, long tokenEstimate) {
    this(RelayApi.COMPLETIONS, body, deadline, model, tokenEstimate);
  }
}
