package dev.relayworker.resilience;

import dev.relayworker.cost.CallCost;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One request's way through the {@link ResilientRelay}'s layers: what to send, by when, and the
 * attempt accounting. A request gets {@link RelayPolicy#maxAttempts()} charged attempts over its
 * whole life, counted across submissions ({@link #chargedBefore}); an attempt is charged only when
 * the relay failed it while healthy, and a 429 never is. However throttled, a request stops after
 * twice its attempt budget of answers other than 429.
 *
 * <p>Thread-safe: its counters are touched from relay and timer threads, one attempt at a time.
 */
final class Call {

  final RelayRequest request;
  final Instant deadline;
  /** Attempts charged to the request by earlier submissions (it was parked or moved before). */
  final int chargedBefore;
  /** HTTP attempts sent in this submission. */
  final AtomicInteger attempts = new AtomicInteger();
  /** Of those, the ones charged to the request. */
  final AtomicInteger charged = new AtomicInteger();
  /** Of those, the ones the relay answered with a 429. */
  final AtomicInteger throttled = new AtomicInteger();
  /** Sent while the key is out, to learn whether it works again; its retries pass the hold too. */
  volatile boolean keyProbe;
  /** What the answer cost; set when one came. */
  volatile CallCost cost;
  /** The most an attempt may cost (its token estimate at the dearer rate); 0 when not known. */
  final long worstCase;
  /** Tokens the attempt on its way was admitted with ({@link TokenAdmission}); 0 once settled or released. */
  volatile long tokensHeld;
  /** Quota the attempt on its way reserved under the spend caps ({@link SpendBudget#reserve}). */
  volatile long reservation;
  /** Quota the answer counted against the spend caps: its cost, or its reservation when it had no usage. */
  volatile long spentQuota;
  /** The caller and model caps the attempt on its way reserved under ({@link SpendReservations}). */
  volatile List<SpendBudget> scopedReservations = List.of();
  /** What it reserved under each of them, in scoped quota. */
  volatile long scopedReservation;
  /** What the answer charged each caller or model scope, by scope name; empty when none. */
  volatile Map<String, Long> scopedSpend = Map.of();
  /** Why a caller's or model's cap refused the call, when one did. */
  volatile String overBudget;

  Call(RelayRequest request, int chargedBefore, long worstCase) {
    this.request = request;
    this.worstCase = worstCase;
    this.deadline = request.deadline();
    this.chargedBefore = chargedBefore;
  }

  /** Whether the request has no attempt left to try. */
  boolean exhausted(int maxAttempts) {
    return totalCharged() >= maxAttempts || unthrottled() >= 2 * maxAttempts;
  }

  /** Attempts charged over the request's life, this submission included. */
  int totalCharged() {
    return chargedBefore + charged.get();
  }

  /** Attempts the relay did not answer with a 429. */
  private int unthrottled() {
    return attempts.get() - throttled.get();
  }
}
