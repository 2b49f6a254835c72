package dev.relayworker.resilience;

import dev.relayworker.relay.RelayException;
import java.time.Duration;
import java.time.Instant;

/**
 * Hears the decisions the resilient relay makes, for logs, metrics and tests. Methods are
 * called on relay HTTP or timer threads, must return quickly and must not throw.
 */
public interface RelayCallListener {

  RelayCallListener NONE = new RelayCallListener() {};

  /** A failed attempt will be tried again after {@code wait}. */
  default void retryScheduled(int failedAttempt, Duration wait, RelayException cause) {}

  /** The relay asked for a pause (429 with a retry hint); every call waits until {@code until}. */
  default void relayPaused(Instant until) {}
}
