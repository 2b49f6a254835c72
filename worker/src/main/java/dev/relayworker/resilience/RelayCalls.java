package dev.relayworker.resilience;

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
   * @param chargedBefore attempts already charged to this request by earlier submissions
   * @return the completion, attempt count and cost, or a failure with a {@link CallFailedException}
   */
  CompletableFuture<CallResult> complete(RelayRequest request, int chargedBefore);

  /** Whether the relay takes calls now (see {@link RelayAvailability}). */
  RelayAvailability availability();

  /**
   * Whether the relay takes calls for {@code model} now: through routes that serve it, when the
   * relay has several (see {@code RoutedRelay}).
   *
   * @param group the route or group a request names first, or null
   */
  default RelayAvailability availabilityFor(String model, String group) {
    return availability();
  }

  /**
   * Whether a request estimated at {@code tokenEstimate} tokens fits in a minute of the relay's
   * token budget as this worker applies it now (see {@link #share}). One that does not books more
   * than a minute of the budget, so it or the calls after it wait that long; a relay of several
   * routes sends it to one where it fits.
   */
  default boolean fitsTokenBudget(long tokenEstimate) {
    return true;
  }

  /**
   * Applies only {@code fraction} of the key's limits and budgets from now on (this worker's part
   * of a key shared by several); scripted relays may ignore it.
   *
   * @param fraction within (0, 1]
   */
  default void share(double fraction) {}
}
