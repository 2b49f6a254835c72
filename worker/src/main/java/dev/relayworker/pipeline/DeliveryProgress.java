package dev.relayworker.pipeline;

/**
 * Whether answered requests are becoming safe: since when records have been waiting for a
 * transaction to commit (exactly once) or the broker to acknowledge them (at least once) without
 * any succeeding. Readiness turns down when that wait passes {@code health.delivery.stall.ms}.
 *
 * <p>Threads: written on the poll thread, read on the admin endpoint's thread.
 */
final class DeliveryProgress {

  private volatile long waitingSinceMillis;

  /** Records were handed over; the wait starts now unless one is already running. */
  void waiting(long nowMillis) {
    if (waitingSinceMillis == 0) {
      waitingSinceMillis = nowMillis;
    }
  }

  /** Something became safe; the wait starts again now if records are still waiting, else ends. */
  void progressed(long nowMillis, boolean stillWaiting) {
    waitingSinceMillis = stillWaiting ? nowMillis : 0;
  }

  /** Since when records have waited without progress (epoch millis), or 0 when none are waiting. */
  long waitingSinceMillis() {
    return waitingSinceMillis;
  }
}
