package dev.relayworker.simulator;

import java.time.Duration;

/**
 * The simulator's tokens-per-minute limit, as OpenAI describes its own: a bucket holding a minute's
 * tokens, refilled continuously. A request is admitted when the bucket holds its estimate (prompt
 * plus every completion it may generate) and is then charged what it used; one that does not fit is
 * told how long until it would. Thread-safe.
 */
final class SimulatorTokenLimit {

  private final long capacity;
  private final double perNano;
  private double tokens;
  private long lastNanos;

  SimulatorTokenLimit(int tokensPerMinute, long nowNanos) {
    this.capacity = tokensPerMinute;
    this.perNano = tokensPerMinute / (double) Duration.ofMinutes(1).toNanos();
    this.tokens = tokensPerMinute;
    this.lastNanos = nowNanos;
  }

  /** Zero when {@code estimate} fits now, else how long until it would. */
  synchronized Duration admit(long estimate, long nowNanos) {
    refill(nowNanos);
    if (tokens >= Math.min(estimate, capacity)) {
      return Duration.ZERO;
    }
    return Duration.ofNanos((long) Math.ceil((Math.min(estimate, capacity) - tokens) / perNano));
  }

  /** Charges what an admitted request used. */
  synchronized void charge(long used, long nowNanos) {
    refill(nowNanos);
    tokens -= used;
  }

  private void refill(long nowNanos) {
    tokens = Math.min(capacity, tokens + (nowNanos - lastNanos) * perNano);
    lastNanos = nowNanos;
  }
}
