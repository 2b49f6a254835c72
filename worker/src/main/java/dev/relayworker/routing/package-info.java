/**
 * Several relay routes (keys of several groups, each at its own base URL, with its own limits,
 * budgets, key health and circuit breaker) as one relay. {@link dev.relayworker.routing.RelayRoutes}
 * builds them from the settings at start-up (prices and caps by {@code Economics});
 * {@link dev.relayworker.routing.RouteTable} says which routes serve which model in which order;
 * {@link dev.relayworker.routing.RoutedRelay} sends each request to the first route that can take
 * it, asking each route one question ({@code readiness}), and moves on only on route-level
 * failures, telling the route's listener each skip and fall-over. Uses the resilience layer for
 * each route; knows nothing of Kafka.
 */
package dev.relayworker.routing;
