package dev.relayworker.resilience;

import dev.relayworker.relay.FailureClassifier;
import dev.relayworker.relay.RelayException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A relay's "come back later", for the model it was about or for the whole key. When one call
 * gets a 429 (other than a used-up account's), every call of that model waits, not just the one
 * that was told: the others would only collect 429s of their own; calls of other models go on. A
 * 429 that throttles the whole key ({@link FailureClassifier#isKeyWideThrottle}: a bare 429, a
 * per-user request limit) or names no model holds every call. The pause lasts as long as the
 * 429's retry-after asks (cut to {@code relay.retry.after.max.ms}) or, when it says nothing, a
 * {@link Backoff} that grows with each 429 in a row.
 *
 * <p>Thread-safe, lock-free. A pause only moves forward: a shorter one never cuts a longer one.
 * Pauses of at most {@value #MAX_MODELS} models are kept; past that, the ended ones are dropped,
 * and a 429 for yet another model holds the key.
 */
final class ThrottleGate {

  static final int MAX_MODELS = 256;

  private final AtomicReference<Instant> keyClosedUntil = new AtomicReference<>(Instant.MIN);
  private final Map<String, Instant> modelClosedUntil = new ConcurrentHashMap<>();
  private final AtomicInteger throttledInARow = new AtomicInteger();
  private final Backoff backoff;
  private final Clock clock;

  ThrottleGate(Backoff backoff, Clock clock) {
    this.backoff = backoff;
    this.clock = clock;
  }

  /**
   * A call for {@code model} failed with {@code failure}: a 429 pauses the model, or the key.
   *
   * @return when the pause ends, or null when the failure was no 429
   */
  Instant failed(RelayException failure, String model) {
    if (failure.httpStatus() != 429 || FailureClassifier.isKeyOutage(429, failure.error())) {
      return null; // OpenAI's used-up account is a 429 too: the key is out, nobody is throttled.
    }
    int inARow = throttledInARow.incrementAndGet();
    Duration wait = failure.retryAfter().map(backoff::retryAfter)
        .orElseGet(() -> backoff.delay(inARow, Optional.empty(), ThreadLocalRandom.current().nextDouble()));
    Instant until = clock.instant().plus(wait);
    if (model == null || FailureClassifier.isKeyWideThrottle(429, failure.error()) || !roomFor(model)) {
      closeUntil(until);
    } else {
      modelClosedUntil.merge(model, until, ThrottleGate::later);
    }
    return until;
  }

  /** A call was answered: the next bare 429 starts the backoff afresh. */
  void answered() {
    throttledInARow.set(0);
  }

  /** Pauses every call until {@code until}, unless they are already paused for longer. */
  void closeUntil(Instant until) {
    keyClosedUntil.accumulateAndGet(until, ThrottleGate::later);
  }

  /** How long a call of {@code model} starting at {@code now} must still wait; zero when it need not. */
  Duration remaining(Instant now, String model) {
    Instant until = until(model);
    return until.isAfter(now) ? Duration.between(now, until) : Duration.ZERO;
  }

  /** When the pause of every call ends, or null when there is none. */
  Instant pausedUntil() {
    Instant until = keyClosedUntil.get();
    return until.isAfter(clock.instant()) ? until : null;
  }

  /** When the pause of calls of {@code model} ends (the key's or its own), or null when there is none. */
  Instant pausedUntil(String model) {
    Instant until = until(model);
    return until.isAfter(clock.instant()) ? until : null;
  }

  private Instant until(String model) {
    Instant key = keyClosedUntil.get();
    Instant own = model == null ? null : modelClosedUntil.get(model);
    return own == null ? key : later(key, own);
  }

  private boolean roomFor(String model) {
    if (modelClosedUntil.size() < MAX_MODELS || modelClosedUntil.containsKey(model)) {
      return true;
    }
    Instant now = clock.instant();
    modelClosedUntil.values().removeIf(until -> !until.isAfter(now));
    return modelClosedUntil.size() < MAX_MODELS;
  }

  private static Instant later(Instant a, Instant b) {
    return b.isAfter(a) ? b : a;
  }
}
