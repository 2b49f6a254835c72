package dev.relayworker.resilience;

import dev.relayworker.relay.FailureClassifier;
import dev.relayworker.relay.RelayException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A relay-wide "come back later". When one call gets a 429 (other than a used-up account's), every
 * call to that relay waits, not
 * just the one that was told: the others would only collect 429s of their own. The pause lasts
 * as long as the 429's retry-after asks (cut to {@code relay.retry.after.max.ms}) or, when it says
 * nothing (one-api's global limiter sends a bare 429), a {@link Backoff} that grows with each 429
 * in a row.
 *
 * <p>Thread-safe, lock-free. The gate only moves forward: a shorter pause never cuts a longer one.
 */
final class ThrottleGate {

  private final AtomicReference<Instant> closedUntil = new AtomicReference<>(Instant.MIN);
  private final AtomicInteger throttledInARow = new AtomicInteger();
  private final Backoff backoff;
  private final Clock clock;

  ThrottleGate(Backoff backoff, Clock clock) {
    this.backoff = backoff;
    this.clock = clock;
  }

  /**
   * A call failed with {@code failure}: a 429 closes the gate.
   *
   * @return when the gate opens again, or null when the failure was no 429
   */
  Instant failed(RelayException failure) {
    if (failure.httpStatus() != 429 || FailureClassifier.isKeyOutage(429, failure.error())) {
      return null; // OpenAI's used-up account is a 429 too: the key is out, nobody is throttled.
    }
    int inARow = throttledInARow.incrementAndGet();
    Duration wait = failure.retryAfter().map(backoff::retryAfter)
        .orElseGet(() -> backoff.delay(inARow, Optional.empty(), ThreadLocalRandom.current().nextDouble()));
    Instant until = clock.instant().plus(wait);
    closeUntil(until);
    return until;
  }

  /** A call was answered: the next bare 429 starts the backoff afresh. */
  void answered() {
    throttledInARow.set(0);
  }

  /** Closes the gate until {@code until}, unless it is already closed for longer. */
  void closeUntil(Instant until) {
    closedUntil.accumulateAndGet(until, (current, proposed) -> proposed.isAfter(current) ? proposed : current);
  }

  /** How long a call starting at {@code now} must still wait; zero when the gate is open. */
  Duration remaining(Instant now) {
    Instant until = closedUntil.get();
    return until.isAfter(now) ? Duration.between(now, until) : Duration.ZERO;
  }

  /** The instant the gate opens again, or null when it is open. */
  Instant pausedUntil() {
    Instant until = closedUntil.get();
    return until.isAfter(clock.instant()) ? until : null;
  }
}
