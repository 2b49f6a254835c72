/**
 * Several relay routes (keys of several groups, each at its own base URL, with its own limits,
 * budgets, key health and circuit breaker) as one relay: {@link dev.relayworker.routing.RouteTable}
 * says which routes serve which model in which order, and
 * {@link dev.relayworker.routing.RoutedRelay} sends each request to the first route that can take
 * it, moving on only on route-level failures. Uses the resilience layer for each route; knows
 * nothing of Kafka.
 */
package dev.relayworker.routing;
