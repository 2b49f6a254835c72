package dev.relayworker.resilience;

import dev.relayworker.cost.Pricing;
import dev.relayworker.relay.Completion;
import dev.relayworker.relay.Usage;

/**
 * What an answer settles: the key works, the 429 backoff starts afresh, and the answer is priced
 * ({@link Pricing}) by its usage as far as it can be believed ({@link Usage#within} the request's
 * ceiling), its spend-cap reservation settled to that cost (to the reservation itself when the
 * answer has no usage: what it cost is unknown, so the worst case counts), its tokens settled
 * against the estimate booked. A
 * usage that had to be corrected settles no tokens: the estimate booked for the call stands, so an
 * absurd claim neither stalls the token budget nor hands tokens back.
 *
 * <p>Thread-safe; called on the relay client's thread that read the answer.
 */
final class AnswerSettlement {

  private final KeyHealth key;
  private final ThrottleGate gate;
  private final Pricing pricing;
  private final SpendReservations reservations;
  private final KeyLimits limits;
  private final RelayCallListener listener;

  AnswerSettlement(KeyHealth key, ThrottleGate gate, Pricing pricing, SpendReservations reservations,
      KeyLimits limits, RelayCallListener listener) {
    this.key = key;
    this.gate = gate;
    this.pricing = pricing;
    this.reservations = reservations;
    this.limits = limits;
    this.listener = listener;
  }

  /** @param keyEpoch the key's outage count when the call was sent ({@link KeyHealth#epoch}) */
  void answered(Call call, Completion completion, int keyEpoch) {
    key.succeeded(keyEpoch);
    call.keyProbe = false;
    gate.answered();
    long tokensHeld = call.tokensHeld;
    call.tokensHeld = 0;
    if (completion.usage().isEmpty()) {
      // Nothing says what the call cost or used, so it is counted as the most it could have.
      call.spentQuota = call.reservation;
      reservations.settle(call, call.reservation);
      limits.settle(tokensHeld, tokensHeld);
      return;
    }
    completion.usage().ifPresent(reported -> {
      long ceiling = call.request.usageCeiling();
      Usage usage = reported.within(ceiling);
      boolean corrected = reported.outside(ceiling);
      if (corrected) {
        listener.usageCorrected(reported, usage);
      }
      String model = call.request.model() != null ? call.request.model() : completion.model();
      call.cost = pricing.cost(model, usage);
      call.spentQuota = call.cost.priced() ? call.cost.quota() : call.reservation;
      reservations.settle(call, call.spentQuota);
      limits.settle(tokensHeld, corrected ? tokensHeld : usage.totalTokens());
    });
  }
}
