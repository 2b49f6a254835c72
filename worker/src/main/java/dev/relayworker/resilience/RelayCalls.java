package dev.relayworker.resilience;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * What the pipeline needs of the relay: a completion for a request, and whether the relay takes
 * calls now. {@link ResilientRelay} is the worker's; the poll loop's unit tests script their own.
 *
 * <p>Both methods may be called from any thread and never block.
 */
public interface RelayCalls {

  /**
   * Asks for a completion.
   *
   * @param body the request JSON, sent unchanged
   * @param deadline when the answer stops being useful; no attempt starts or runs past it
   * @param chargedBefore attempts already charged to this request by earlier submissions
   * @return the completion and attempt count, or a failure with a {@link CallFailedException}
   */
  CompletableFuture<CallResult> complete(byte[] body, Instant deadline, int chargedBefore);

  /** Whether the relay takes calls now (see {@link RelayAvailability}). */
  RelayAvailability availability();
}
