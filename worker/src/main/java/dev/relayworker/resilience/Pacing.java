package dev.relayworker.resilience;

import dev.relayworker.resilience.CallFailedException.Reason;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The waits before the wire: the relay's pause after a 429 for the call's model or the key
 * ({@link ThrottleGate}), before the call takes a slot and again once it has one, then the
 * admission of its tokens and the pacing of requests per minute ({@link KeyLimits}),
 * so the spacing they make is the spacing the relay sees. Each call books one request and its
 * token estimate; a wait is a continuation scheduled on the {@code relay-timer} thread, never a
 * blocked thread. A call that could not start before its deadline fails with
 * {@link Reason#DEADLINE_EXCEEDED}; one another route may take does not wait out a pause
 * ({@link Reason#PAUSED}).
 *
 * <p>Thread-safe; {@link #await} is called from relay and timer threads.
 */
final class Pacing implements AutoCloseable {

  private final ThrottleGate gate;
  private final KeyLimits limits;
  private final Clock clock;
  private final RelayCallListener listener;
  private final ScheduledExecutorService timer;

  Pacing(ThrottleGate gate, KeyLimits limits, Clock clock, RelayCallListener listener, ScheduledExecutorService timer) {
    this.gate = gate;
    this.limits = limits;
    this.clock = clock;
    this.listener = listener;
    this.timer = timer;
  }

  /** The one {@code relay-timer} daemon thread a route's waits are scheduled on. */
  static ScheduledExecutorService newTimer() {
    ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, task -> {
      Thread thread = new Thread(task, "relay-timer");
      thread.setDaemon(true);
      return thread;
    });
    scheduler.setRemoveOnCancelPolicy(true);
    return scheduler;
  }

  /** The timer retries wait on too. */
  ScheduledExecutorService timer() {
    return timer;
  }

  /**
   * Completes when no pause of the relay's holds {@code call} (its model's or the key's): waited
   * before the call takes a slot, so calls of a paused model do not keep slots from the others.
   * Fails with an {@link AttemptFailure} when it may not wait.
   */
  CompletableFuture<Void> awaitPause(Call call) {
    Instant now = clock.instant();
    Duration paused = gate.remaining(now, call.request.model());
    if (paused.isZero()) {
      return CompletableFuture.completedFuture(null);
    }
    if (call.request.otherRoutes()) {
      return CompletableFuture.failedFuture(AttemptFailure.of(Reason.PAUSED, call));
    }
    return fitsBefore(now, paused, call.deadline)
        ? delay(paused).thenCompose(waited -> awaitPause(call))
        : CompletableFuture.failedFuture(AttemptFailure.of(Reason.DEADLINE_EXCEEDED, call));
  }

  /**
   * Completes when {@code call}, holding a slot, may be sent: a pause begun while it waited for
   * the slot, then its request and token permits. Fails with an {@link AttemptFailure} when it may
   * not.
   */
  CompletableFuture<Void> await(Call call) {
    Instant now = clock.instant();
    if (!gate.remaining(now, call.request.model()).isZero()) {
      return awaitPause(call).thenCompose(open -> await(call));
    }
    if (!limits.limited()) {
      return CompletableFuture.completedFuture(null);
    }
    long start = Ticks.nanos(clock);
    return admitTokens(call).thenCompose(admitted -> {
      // Requests are booked exactly (nothing is handed back), so a wait past the deadline is known now.
      Instant at = clock.instant();
      if (!fitsBefore(at, Duration.ofNanos(limits.expectedRequestWaitNanos()), call.deadline)) {
        return CompletableFuture.failedFuture(AttemptFailure.of(Reason.DEADLINE_EXCEEDED, call));
      }
      long waitNanos = limits.bookRequest();
      listener.permitWaited(Duration.ofNanos(Ticks.nanos(clock) - start + Math.max(0, waitNanos)));
      return waitNanos <= 0 ? CompletableFuture.completedFuture(null) : delay(Duration.ofNanos(waitNanos));
    });
  }

  /**
   * Completes when the call's token estimate is admitted ({@link TokenAdmission}), its tokens then
   * held by the call until its answer settles them or its end releases them ({@link Call#tokensHeld});
   * fails with {@link Reason#DEADLINE_EXCEEDED} when its deadline comes first.
   */
  private CompletableFuture<Void> admitTokens(Call call) {
    long estimate = call.request.tokenEstimate();
    if (!limits.countsTokens() || estimate <= 0) {
      return CompletableFuture.completedFuture(null);
    }
    TokenAdmission.Waiter waiter = limits.admitTokens(estimate);
    CompletableFuture<Void> admitted = waiter.admitted.thenRun(() -> call.tokensHeld = waiter.held);
    if (waiter.admitted.isDone()) {
      return admitted;
    }
    long untilDeadline = Duration.between(clock.instant(), call.deadline).toNanos();
    ScheduledFuture<?> expiry = timer.schedule(() -> {
      if (limits.withdraw(waiter)) {
        waiter.admitted.completeExceptionally(AttemptFailure.of(Reason.DEADLINE_EXCEEDED, call));
      }
    }, Math.max(0, untilDeadline), TimeUnit.NANOSECONDS);
    return admitted.whenComplete((done, failure) -> expiry.cancel(false));
  }

  private CompletableFuture<Void> delay(Duration wait) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    timer.schedule(() -> done.complete(null), wait.toNanos(), TimeUnit.NANOSECONDS);
    return done;
  }

  private static boolean fitsBefore(Instant now, Duration wait, Instant deadline) {
    return now.plus(wait).isBefore(deadline);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
