package dev.relayworker.resilience;

import java.time.Clock;

/**
 * A key's per-minute limits as this worker applies them: one {@link Pacer} for requests
 * ({@code relay.rate.limit.rpm}) and one for tokens ({@code relay.rate.limit.tpm}), each absent
 * when its limit is 0, both at the worker's {@link #share} of the key. A call books one request
 * and its token estimate and goes when both have room; its answer's usage settles the tokens.
 *
 * <p>Thread-safe (the pacers are); never blocks: waits are returned, the caller schedules them.
 */
final class KeyLimits {

  private final Pacer requests;
  private final Pacer tokens;
  private final Clock clock;

  KeyLimits(RelayPolicy policy, Clock clock) {
    this.clock = clock;
    this.requests = policy.requestsPerMinute() == 0 ? null : new Pacer(policy.requestsPerMinute(), Ticks.nanos(clock));
    this.tokens = policy.tokensPerMinute() == 0 ? null : new Pacer(policy.tokensPerMinute(), Ticks.nanos(clock));
  }

  /** Whether any limit is set. */
  boolean limited() {
    return requests != null || tokens != null;
  }

  /** How long a call estimated at {@code tokenEstimate} would wait if booked now, without booking it. */
  long expectedWaitNanos(long tokenEstimate) {
    long now = Ticks.nanos(clock);
    return Math.max(requests == null ? 0 : requests.peek(now),
        tokens == null || tokenEstimate == 0 ? 0 : tokens.peek(now));
  }

  /** Books one request and {@code tokenEstimate} tokens; returns how long to wait before sending. */
  long book(long tokenEstimate) {
    long now = Ticks.nanos(clock);
    long wait = requests == null ? 0 : requests.reserve(1, now);
    if (tokens != null && tokenEstimate > 0) {
      wait = Math.max(wait, tokens.reserve(tokenEstimate, now));
    }
    return wait;
  }

  /** The answer used {@code used} tokens of the {@code estimated} booked for it. */
  void settle(long estimated, long used) {
    if (tokens != null && estimated > 0) {
      tokens.settle(used - estimated, Ticks.nanos(clock));
    }
  }

  /** Whether {@code tokenEstimate} tokens fit in a minute of the token limit at the current share. */
  boolean fitsAMinute(long tokenEstimate) {
    return tokens == null || tokenEstimate <= tokens.currentPerMinute();
  }

  /** Applies {@code fraction} of each limit from now on. */
  void share(double fraction) {
    long now = Ticks.nanos(clock);
    if (requests != null) {
      requests.share(fraction, now);
    }
    if (tokens != null) {
      tokens.share(fraction, now);
    }
  }
}
