/**
 * One route's relay as the worker sees it ({@link dev.relayworker.resilience.ResilientRelay}):
 * retried, held while the key is out or a spend cap is reached, circuit-broken, capped and paced
 * by requests and tokens at the worker's share of the key, with the order of those layers decided
 * in one method, each layer a small class of its own; one view of whether it takes calls
 * ({@link dev.relayworker.resilience.RelayAvailability}); and one listener that hears every
 * decision ({@link dev.relayworker.resilience.RelayCallListener}; logs by
 * {@link dev.relayworker.resilience.LoggingRelayListener}). Resilience4j's types stay inside this
 * package.
 *
 * <p>Threads: calls start on any thread and never block one; waits are tasks on one
 * {@code relay-timer} thread; continuations run there or on the HTTP client's threads.
 */
package dev.relayworker.resilience;
