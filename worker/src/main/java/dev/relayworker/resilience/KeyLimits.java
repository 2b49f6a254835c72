package dev.relayworker.resilience;

import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A key's per-minute limits as this worker applies them: a {@link Pacer} spacing requests evenly
 * ({@code relay.rate.limit.rpm}) and a {@link TokenAdmission} counting tokens as the relay's
 * limiter does ({@code relay.rate.limit.tpm}), each absent when its limit is 0, both at the
 * worker's {@link #share} of the key. A call is admitted by its token estimate, then books one
 * request; its answer's usage settles the tokens, a failure releases them.
 *
 * <p>Thread-safe (its parts are); never blocks: waits are returned or completed later.
 */
final class KeyLimits {

  private final Pacer requests;
  private final TokenAdmission tokens;
  private final Clock clock;

  /** @param timer wakes calls waiting for tokens when the refill makes room */
  KeyLimits(RelayPolicy policy, Clock clock, ScheduledExecutorService timer) {
    this.clock = clock;
    this.requests = policy.requestsPerMinute() == 0 ? null : new Pacer(policy.requestsPerMinute(), Ticks.nanos(clock));
    this.tokens = policy.tokensPerMinute() == 0 ? null
        : new TokenAdmission(policy.tokensPerMinute(), () -> Ticks.nanos(clock), timer);
  }

  /** Whether any limit is set. */
  boolean limited() {
    return requests != null || tokens != null;
  }

  /** Whether calls are admitted by their token estimates. */
  boolean countsTokens() {
    return tokens != null;
  }

  /** Joins the line for {@code tokenEstimate} tokens; null when tokens are not counted. */
  TokenAdmission.Waiter admitTokens(long tokenEstimate) {
    return tokens == null ? null : tokens.admit(tokenEstimate);
  }

  /** Takes a waiter out of line; false when it was admitted already (see {@link TokenAdmission#withdraw}). */
  boolean withdraw(TokenAdmission.Waiter waiter) {
    return tokens.withdraw(waiter);
  }

  /** How long a request booked now would wait, without booking it. */
  long expectedRequestWaitNanos() {
    return requests == null ? 0 : requests.peek(Ticks.nanos(clock));
  }

  /** Books one request; returns how long to wait before sending. */
  long bookRequest() {
    return requests == null ? 0 : requests.reserve(1, Ticks.nanos(clock));
  }

  /** The answer of a call admitted with {@code held} tokens used {@code used}. */
  void settle(long held, long used) {
    if (tokens != null && held > 0) {
      tokens.settle(held, used);
    }
  }

  /** A call admitted with {@code held} tokens ended without an answer. */
  void release(long held) {
    if (tokens != null && held > 0) {
      tokens.release(held);
    }
  }

  /** Whether {@code tokenEstimate} tokens fit in a minute of the token limit at the current share. */
  boolean fitsAMinute(long tokenEstimate) {
    return tokens == null || tokenEstimate <= tokens.capacity();
  }

  /** Applies {@code fraction} of each limit from now on. */
  void share(double fraction) {
    if (requests != null) {
      requests.share(fraction, Ticks.nanos(clock));
    }
    if (tokens != null) {
      tokens.share(fraction);
    }
  }
}
