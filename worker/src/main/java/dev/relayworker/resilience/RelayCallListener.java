package dev.relayworker.resilience;

import dev.relayworker.relay.RelayException;
import dev.relayworker.relay.Usage;
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

  /** One HTTP attempt ended after {@code elapsed}; {@code httpStatus} is 0 when no answer came. */
  default void attemptFinished(Duration elapsed, int httpStatus) {}

  /** A call got its rate-limit permit after waiting {@code wait} (zero when one was free). */
  default void permitWaited(Duration wait) {}

  /** An answer's usage could not be believed ({@code reported}) and counts as {@code used} instead. */
  default void usageCorrected(Usage reported, Usage used) {}

  /** A listener that tells each of {@code listeners}, in order. */
  static RelayCallListener all(RelayCallListener... listeners) {
    java.util.List<RelayCallListener> each = java.util.List.of(listeners);
    return new RelayCallListener() {
      @Override
      public void retryScheduled(int failedAttempt, Duration wait, RelayException cause) {
        each.forEach(listener -> listener.retryScheduled(failedAttempt, wait, cause));
      }

      @Override
      public void relayPaused(Instant until) {
        each.forEach(listener -> listener.relayPaused(until));
      }

      @Override
      public void attemptFinished(Duration elapsed, int httpStatus) {
        each.forEach(listener -> listener.attemptFinished(elapsed, httpStatus));
      }

      @Override
      public void permitWaited(Duration wait) {
        each.forEach(listener -> listener.permitWaited(wait));
      }

      @Override
      public void usageCorrected(Usage reported, Usage used) {
        each.forEach(listener -> listener.usageCorrected(reported, used));
      }
    };
  }
}
