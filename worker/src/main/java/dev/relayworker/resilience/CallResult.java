package dev.relayworker.resilience;

import dev.relayworker.cost.CallCost;
import dev.relayworker.relay.Completion;
import java.util.Map;

/**
 * A completion, the number of relay calls it took (1 when the first attempt succeeded), what it
 * cost by its {@code usage}, and the route and group that answered it.
 *
 * @param cost null when the relay sent no usage
 * @param spentQuota what the answer counted against its route's spend caps (and the spend ledger
 *     records): its cost, or the worst case reserved for it when its cost is unknown; 0 when
 *     neither is known
 * @param scopedSpend what it counted against its caller's and model's caps, by scope
 *     ({@code caller:<name>}, {@code model:<name>}), in {@link ScopedBudgets#QUOTA_PER_USD}; empty when none
 * @param route the name of the route that answered, or null when the relay has no routes
 * @param group the group (分组) of that route's key, or null when the relay has no routes
 */
public record CallResult(Completion completion, int attempts, CallCost cost, long spentQuota,
    Map<String, Long> scopedSpend, String route, String group) {

  public CallResult(Completion completion, int attempts, CallCost cost, long spentQuota, Map<String, Long> scopedSpend) {
    this(completion, attempts, cost, spentQuota, scopedSpend, null, null);
  }

  public CallResult(Completion completion, int attempts, CallCost cost) {
    this(completion, attempts, cost, cost != null && cost.priced() ? cost.quota() : 0, Map.of());
  }

  public CallResult(Completion completion, int attempts) {
    this(completion, attempts, null);
  }

  /** This result as answered through {@code route} of {@code group}, after {@code earlier} attempts on other routes. */
  public CallResult via(String route, String group, int earlier) {
    return new CallResult(completion, attempts + earlier, cost, spentQuota, scopedSpend, route, group);
  }
}
