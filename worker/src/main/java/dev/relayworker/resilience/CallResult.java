package dev.relayworker.resilience;

import dev.relayworker.cost.CallCost;
import dev.relayworker.relay.Completion;

/**
 * A completion, the number of relay calls it took (1 when the first attempt succeeded), and what
 * it cost by its {@code usage}; the cost is null when the relay sent no usage.
 */
public record CallResult(Completion completion, int attempts, CallCost cost) {

  public CallResult(Completion completion, int attempts) {
    this(completion, attempts, null);
  }
}
