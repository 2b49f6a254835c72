package dev.relayworker.resilience;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * A cap on relay calls open at once, for asynchronous callers: {@link #acquire()} returns a
 * future that completes when a slot is free, so a waiting call holds no thread. Resilience4j's
 * semaphore bulkhead either rejects or blocks the caller, neither of which fits here.
 *
 * <p>Thread-safe. Waiters are served first come, first served. A waiter whose future was
 * completed by someone else (a deadline timer, say) is skipped and its slot passed on.
 */
public final class ConcurrencyLimit {

  private final int maxSlots;
  private final ArrayDeque<CompletableFuture<Void>> waiters = new ArrayDeque<>();
  private int slotsInUse;

  public ConcurrencyLimit(int maxSlots) {
    if (maxSlots < 1) {
      throw new IllegalArgumentException("maxSlots must be at least 1, was " + maxSlots);
    }
    this.maxSlots = maxSlots;
  }

  /**
   * Takes a slot, now or later. The caller must {@link #release()} exactly once after the
   * returned future completed normally, and never when it completed otherwise.
   */
  public CompletableFuture<Void> acquire() {
    synchronized (this) {
      if (slotsInUse < maxSlots) {
        slotsInUse++;
        return CompletableFuture.completedFuture(null);
      }
      CompletableFuture<Void> waiter = new CompletableFuture<>();
      waiters.add(waiter);
      return waiter;
    }
  }

  /** Returns a slot, handing it straight to the oldest live waiter if there is one. */
  public void release() {
    while (true) {
      CompletableFuture<Void> next;
      synchronized (this) {
        next = waiters.poll();
        if (next == null) {
          slotsInUse--;
          return;
        }
      }
      // Completed outside the lock: the waiter's continuation runs here and may call back in.
      if (next.complete(null)) {
        return;
      }
    }
  }

  public synchronized int inUse() {
    return slotsInUse;
  }

  public synchronized int waiting() {
    return waiters.size();
  }
}
