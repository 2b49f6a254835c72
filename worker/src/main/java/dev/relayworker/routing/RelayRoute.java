package dev.relayworker.routing;

import dev.relayworker.cost.Pricing;
import dev.relayworker.resilience.RelayCallListener;
import dev.relayworker.resilience.RelayCalls;
import java.util.Objects;

/**
 * One way to the relay: a key of one group (分组) at one base URL, called through its own limits,
 * budgets, key health and circuit breaker ({@code calls}, a {@code ResilientRelay} in the
 * worker), and priced with its group's ratios. Immutable.
 *
 * @param name the route's name in the settings, replies and metrics
 * @param group the key's group at the relay
 * @param calls the route's relay path
 * @param pricing its prices, which order routes by cost and price its answers
 * @param listener hears the router's decisions about the route (skipped, moved on from), as its
 *     {@code calls} hear theirs
 */
public record RelayRoute(String name, String group, RelayCalls calls, Pricing pricing, RelayCallListener listener) {

  public RelayRoute {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(calls, "calls");
    Objects.requireNonNull(pricing, "pricing");
    Objects.requireNonNull(listener, "listener");
  }

  /** Whether a request naming {@code nameOrGroup} asks for this route: by its name, or by its group. */
  boolean isCalled(String nameOrGroup) {
    return name.equals(nameOrGroup) || group.equals(nameOrGroup);
  }
}
