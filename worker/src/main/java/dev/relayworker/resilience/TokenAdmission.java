package dev.relayworker.resilience;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A key's tokens per minute as a relay's limiter counts them: a bucket that holds a minute's
 * tokens and refills continuously, charged what each answer used. A call is admitted when the
 * bucket, less the estimates of the calls admitted and not yet answered, holds its own estimate
 * (its prompt and every completion it may write; at most a minute's tokens). Counting calls in
 * flight at their estimates keeps this worker's view at or below the relay's, which charges only
 * what they use, so it admits nothing the relay would refuse; settling them to what they used
 * gives the rest back at once, and the calls waiting are admitted then, in order of arrival,
 * rather than at a time booked for them in advance.
 *
 * <p>A call that does not fit waits in line (first come, first admitted: a large estimate is not
 * overtaken for ever by small ones) until the refill or an answer makes room; nothing is refused
 * in advance, so a wait ends only in admission or the caller's own deadline ({@link #withdraw}).
 * An answer may use more than its estimate: the bucket then goes below zero, by at most a
 * minute's tokens.
 *
 * <p>Thread-safe: state under the object's lock; admissions complete outside it, on the thread
 * that made room (a relay thread settling an answer, or the timer waking for the refill).
 */
final class TokenAdmission {

  private static final double NANOS_PER_MINUTE = Duration.ofMinutes(1).toNanos();

  private final long perMinute;
  private final LongSupplier nanos;
  private final ScheduledExecutorService timer;
  private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
  private double capacity;
  private double tokens;
  private long lastNanos;
  /** Tokens held by calls admitted and not yet settled or released. */
  private long inFlight;
  private ScheduledFuture<?> wake;

  /**
   * @param perMinute the key's whole limit, at least 1
   * @param nanos the caller's monotonic time
   * @param timer wakes the line when the refill will have made room
   */
  TokenAdmission(long perMinute, LongSupplier nanos, ScheduledExecutorService timer) {
    this.perMinute = perMinute;
    this.nanos = nanos;
    this.timer = timer;
    this.capacity = perMinute;
    this.tokens = perMinute;
    this.lastNanos = nanos.getAsLong();
  }

  /** A call's place in line; {@link #admitted} completes when it may go, holding {@link #held} tokens. */
  static final class Waiter {
    final long held;
    final CompletableFuture<Void> admitted = new CompletableFuture<>();

    private Waiter(long held) {
      this.held = held;
    }
  }

  /** Joins the line for {@code estimate} tokens; admitted at once when the line is empty and they fit. */
  Waiter admit(long estimate) {
    List<Waiter> ready;
    Waiter waiter;
    synchronized (this) {
      waiter = new Waiter((long) Math.min(Math.max(0, estimate), capacity));
      waiting.add(waiter);
      ready = admitWhatFits();
    }
    ready.forEach(admitted -> admitted.admitted.complete(null));
    return waiter;
  }

  /**
   * Takes {@code waiter} out of line (its deadline came).
   *
   * @return false when it was admitted already: the caller then owns its tokens and must settle or release them
   */
  boolean withdraw(Waiter waiter) {
    List<Waiter> ready;
    synchronized (this) {
      if (!waiting.remove(waiter)) {
        return false;
      }
      ready = admitWhatFits();
    }
    ready.forEach(admitted -> admitted.admitted.complete(null));
    return true;
  }

  /** A call admitted with {@code held} tokens was answered, using {@code used}. */
  void settle(long held, long used) {
    List<Waiter> ready;
    synchronized (this) {
      refill();
      inFlight = Math.max(0, inFlight - held);
      tokens = Math.max(-capacity, tokens - Math.max(0, used));
      ready = admitWhatFits();
    }
    ready.forEach(admitted -> admitted.admitted.complete(null));
  }

  /** A call admitted with {@code held} tokens was not answered: it used nothing. */
  void release(long held) {
    settle(held, 0);
  }

  /** Applies {@code fraction} of the limit from now on. */
  void share(double fraction) {
    List<Waiter> ready;
    synchronized (this) {
      refill();
      capacity = perMinute * fraction;
      tokens = Math.min(tokens, capacity);
      ready = admitWhatFits();
    }
    ready.forEach(admitted -> admitted.admitted.complete(null));
  }

  /** A minute's tokens at the current share. */
  synchronized double capacity() {
    return capacity;
  }

  /** Calls waiting in line. */
  synchronized int waiting() {
    return waiting.size();
  }

  /** Admits from the head of the line while it fits, then sets the wake for the next head. Under the lock. */
  private List<Waiter> admitWhatFits() {
    refill();
    List<Waiter> ready = new ArrayList<>(0);
    while (!waiting.isEmpty()) {
      Waiter head = waiting.peek();
      long need = (long) Math.min(head.held, capacity);
      if (tokens - inFlight < need) {
        break;
      }
      waiting.poll();
      inFlight += head.held;
      ready.add(head);
    }
    scheduleWake();
    return ready;
  }

  /** Wakes the line when the refill alone will have made room for its head; answers wake it otherwise. */
  private void scheduleWake() {
    if (wake != null) {
      wake.cancel(false);
      wake = null;
    }
    Waiter head = waiting.peek();
    if (head == null || Math.min(head.held, capacity) + inFlight > capacity) {
      return;
    }
    double missing = Math.min(head.held, capacity) + inFlight - tokens;
    long waitNanos = (long) Math.ceil(missing * NANOS_PER_MINUTE / capacity);
    wake = timer.schedule(this::wake, Math.max(1, waitNanos), TimeUnit.NANOSECONDS);
  }

  /** The timer's task: admits what the refill made room for. */
  void wake() {
    List<Waiter> ready;
    synchronized (this) {
      ready = admitWhatFits();
    }
    ready.forEach(admitted -> admitted.admitted.complete(null));
  }

  private void refill() {
    long now = nanos.getAsLong();
    tokens = Math.min(capacity, tokens + (now - lastNanos) * capacity / NANOS_PER_MINUTE);
    lastNanos = now;
  }
}
