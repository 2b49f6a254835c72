package dev.relayworker.resilience;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A relay-wide "come back later". When one call gets a 429 that says when to return, every
 * call to that relay waits until then, not just the one that was told: the others would only
 * collect 429s of their own.
 *
 * <p>Thread-safe, lock-free. The gate only moves forward: a shorter pause never cuts a longer one.
 */
public final class ThrottleGate {

  private final AtomicReference<Instant> closedUntil = new AtomicReference<>(Instant.MIN);

  /** Closes the gate until {@code until}, unless it is already closed for longer. */
  public void closeUntil(Instant until) {
    closedUntil.accumulateAndGet(until, (current, proposed) -> proposed.isAfter(current) ? proposed : current);
  }

  /** How long a call starting at {@code now} must still wait; zero when the gate is open. */
  public Duration remaining(Instant now) {
    Instant until = closedUntil.get();
    return until.isAfter(now) ? Duration.between(now, until) : Duration.ZERO;
  }

  /** The instant the gate opens again; in the past when it is open. */
  public Instant closedUntil() {
    return closedUntil.get();
  }
}
