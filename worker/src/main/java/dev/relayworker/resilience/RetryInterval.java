package dev.relayworker.resilience;

import dev.relayworker.relay.Completion;
import dev.relayworker.relay.RelayException;
import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.core.functions.Either;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Resilience4j's wait before the next attempt: {@link Backoff}'s (or the relay's retry-after), or
 * -1 (give up) when the request's attempt budget is spent or the wait would end past its
 * deadline. Every retry scheduled is told to the listener.
 *
 * <p>Called by Resilience4j on the thread the failed attempt finished on.
 */
final class RetryInterval implements IntervalBiFunction<Completion> {

  private final int maxAttempts;
  private final Backoff backoff;
  private final Clock clock;
  private final RelayCallListener listener;

  RetryInterval(int maxAttempts, Backoff backoff, Clock clock, RelayCallListener listener) {
    this.maxAttempts = maxAttempts;
    this.backoff = backoff;
    this.clock = clock;
    this.listener = listener;
  }

  @Override
  public Long apply(Integer failedAttempts, Either<Throwable, Completion> outcome) {
    AttemptFailure failure = (AttemptFailure) CallFailures.unwrap(outcome.getLeft());
    Call call = failure.call;
    if (call.exhausted(maxAttempts)) {
      return -1L;
    }
    RelayException cause = failure.relayFailure;
    Duration wait = backoff.delay(failedAttempts, cause.retryAfter(), ThreadLocalRandom.current().nextDouble());
    if (!clock.instant().plus(wait).isBefore(call.deadline)) {
      return -1L;
    }
    listener.retryScheduled(failedAttempts, wait, cause);
    return wait.toMillis();
  }
}
