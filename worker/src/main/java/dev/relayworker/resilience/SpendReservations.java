package dev.relayworker.resilience;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The spend caps one attempt counts against: its route's ({@link SpendBudget}) and its caller's
 * and model's ({@link ScopedBudgets}). Their worst cases are reserved together just before the
 * attempt is sent, all or none; the answer settles every one to its cost, a failure releases them.
 * Scoped caps count in {@link ScopedBudgets#QUOTA_PER_USD}, the route's in its table's quota.
 *
 * <p>Thread-safe (the budgets are); a call's own fields are touched by one attempt at a time.
 */
final class SpendReservations {

  private final SpendBudget route;
  private final ScopedBudgets scoped;
  /** Scoped quota per quota of the route's table. */
  private final double scopedPerRouteQuota;

  /** @param quotaPerUsd the route's price table's quota per USD */
  SpendReservations(SpendBudget route, ScopedBudgets scoped, double quotaPerUsd) {
    this.route = route;
    this.scoped = scoped;
    this.scopedPerRouteQuota = ScopedBudgets.QUOTA_PER_USD / quotaPerUsd;
  }

  /** Whether any cap counts the calls of this route: their worst case must then be priced. */
  boolean capped() {
    return route.capped() || scoped.any();
  }

  /** The hold of the first of {@code request}'s caller and model caps that is reached now; null when none. */
  Hold scopedHold(RelayRequest request) {
    return scoped.hold(request.caller(), request.model());
  }

  /**
   * Reserves the attempt's worst case under every cap it counts against.
   *
   * @return null when reserved; else the hold of the cap that refused (nothing is then reserved),
   *     its cause {@link Hold.Cause#BUDGET} either way, and {@code scoped} telling which kind
   */
  Refused take(Call call) {
    long onRoute = route.reserve(call.worstCase);
    if (onRoute == SpendBudget.REFUSED) {
      return new Refused(route.hold(), false);
    }
    long worstScoped = scoped(call.worstCase);
    List<SpendBudget> taken = new ArrayList<>(2);
    for (SpendBudget budget : scoped.of(call.request.caller(), call.request.model())) {
      if (budget.reserve(worstScoped) == SpendBudget.REFUSED) {
        taken.forEach(done -> done.release(worstScoped));
        route.release(onRoute);
        return new Refused(budget.hold(), true);
      }
      taken.add(budget);
    }
    call.reservation = onRoute;
    call.scopedReservations = taken;
    call.scopedReservation = worstScoped;
    return null;
  }

  /**
   * The attempt was answered and cost {@code quota} of the route's table: every reservation settles
   * to it, and the call remembers what each scope was charged (for the spend ledger).
   */
  void settle(Call call, long quota) {
    route.settle(call.reservation, quota);
    long inScoped = scoped(quota);
    Map<String, Long> charged = new LinkedHashMap<>();
    for (SpendBudget budget : call.scopedReservations) {
      budget.settle(call.scopedReservation, inScoped);
      charged.put(budget.scope(), inScoped);
    }
    call.scopedSpend = charged;
    clear(call);
  }

  /** The attempt failed: it cost nothing. */
  void release(Call call) {
    route.release(call.reservation);
    call.scopedReservations.forEach(budget -> budget.release(call.scopedReservation));
    clear(call);
  }

  private static void clear(Call call) {
    call.reservation = 0;
    call.scopedReservations = List.of();
    call.scopedReservation = 0;
  }

  private long scoped(long routeQuota) {
    return routeQuota <= 0 ? 0 : (long) Math.ceil(routeQuota * scopedPerRouteQuota);
  }

  /**
   * A reservation refused.
   *
   * @param hold the cap's hold: which, how much was spent, when its window reopens
   * @param scoped whether a caller's or model's cap refused (the request is answered), not the route's (held)
   */
  record Refused(Hold hold, boolean scoped) {}
}
