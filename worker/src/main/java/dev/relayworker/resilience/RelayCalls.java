package dev.relayworker.resilience;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * What the pipeline needs of the relay: a completion for a request, and whether the relay takes
 * calls now. The worker's is a {@code RoutedRelay} choosing among routes, each a
 * {@link ResilientRelay}; the poll loop's unit tests script their own.
 *
 * <p>Every method may be called from any thread and never blocks.
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
   * Whether this relay takes calls of {@code model} now: as {@link #availability()}, and paused
   * while a 429 paused that model.
   */
  default RelayAvailability availability(String model) {
    return availability();
  }

  /**
   * Whether the relay takes calls for {@code model} now: through routes that serve it, when the
   * relay has several (see {@code RoutedRelay}).
   *
   * @param group the route or group a request names first, or null
   */
  default RelayAvailability availabilityFor(String model, String group) {
    return availability(model);
  }

  /**
   * As {@link #availabilityFor(String, String)}, for a request of {@code caller} (null: none
   * named): through the routes the caller may use, and unavailable while its caller's or model's
   * cap is reached.
   */
  default RelayAvailability availabilityFor(String model, String group, String caller) {
    return availabilityFor(model, group);
  }

  /**
   * Whether this relay would take a request of {@code model} estimated at {@code tokenEstimate}
   * tokens now: the one question a router asks of each of its routes before it chooses.
   */
  default Readiness readiness(String model, long tokenEstimate) {
    return availability(model).state() == RelayAvailability.State.UNAVAILABLE ? Readiness.UNAVAILABLE
        : Readiness.TAKES;
  }

  /**
   * How long a request of {@code model} (through {@code group} first, for {@code caller}; either
   * may be null) sent now would wait for its key's pace of requests per minute before it goes:
   * zero when no such limit is set or the pace is free now. Nothing is booked. A batcher keeps
   * filling a batch that would only wait.
   */
  default Duration pacingWait(String model, String group, String caller) {
    return Duration.ZERO;
  }

  /**
   * Applies only {@code fraction} of the key's limits and budgets from now on (this worker's part
   * of a key shared by several); scripted relays may ignore it.
   *
   * @param fraction within (0, 1]
   */
  default void share(double fraction) {}

  /**
   * Applies {@code fraction} of the key's limits, and starts the spend caps' current windows from
   * what {@code record} says every worker spent, holding at {@code fraction} of what is left (see
   * {@link SpendBudget#rebase}); scripted relays may ignore it.
   */
  default void rebase(double fraction, SpendRecord record) {
    share(fraction);
  }

  /** A relay's answer to {@link #readiness}. */
  enum Readiness {
    /** It would send the request now, or after a wait of its own pacing. */
    TAKES,
    /**
     * It takes calls, but its token budget per minute (at this worker's share) is smaller than the
     * request's estimate: it would book more than a minute of tokens, so it or the calls after it
     * would wait that long.
     */
    OVER_TOKEN_BUDGET,
    /** It takes no calls now: circuit open, key out, spend cap reached, or paused by a 429 (for the model or the key). */
    UNAVAILABLE;

    /** How the logs say it. */
    public String describe() {
      return switch (this) {
        case TAKES -> "takes calls";
        case OVER_TOKEN_BUDGET -> "the request's token estimate is over its token budget per minute";
        case UNAVAILABLE -> "takes no calls now";
      };
    }
  }
}
