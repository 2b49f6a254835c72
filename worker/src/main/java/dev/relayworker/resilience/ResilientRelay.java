package dev.relayworker.resilience;

import dev.relayworker.cost.CallCost;
import dev.relayworker.cost.Pricing;
import dev.relayworker.relay.Completion;
import dev.relayworker.relay.FailureKind;
import dev.relayworker.relay.RelayClient;
import dev.relayworker.relay.RelayException;
import dev.relayworker.relay.Usage;
import dev.relayworker.resilience.CallFailedException.Reason;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.core.functions.Either;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetricsPublisher;
import io.github.resilience4j.micrometer.tagged.TaggedRetryMetricsPublisher;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The relay as the worker should see it: rate-limited, retried, circuit-broken and capped.
 *
 * <p>Each attempt passes these layers, outermost first. This is the one place the order is
 * decided; the README repeats it.
 * <ol>
 *   <li><b>Retry</b> (Resilience4j): transient failures are tried again after {@link Backoff}'s
 *       wait or the relay's own retry-after, never past the request's deadline. Each retry goes
 *       through every layer below again, so it is counted, capped and paced like a first call.
 *   <li><b>Holds</b>: while a spend cap is reached ({@link SpendBudget}) or the key is out
 *       ({@link KeyHealth}: used up or refused), the call fails at once with {@link Reason#HELD}
 *       and is parked; one call per probe interval goes through to test the key.
 *   <li><b>Circuit breaker</b> (Resilience4j): when open, the call fails at once with
 *       {@link Reason#CIRCUIT_OPEN} before it takes a slot or a rate permit.
 *   <li><b>Concurrency limit</b>: at most {@link RelayPolicy#maxConcurrentCalls()} calls hold a
 *       slot; others wait without a thread.
 *   <li><b>Throttle gate</b>: a relay-wide pause after a 429, as long as its Retry-After says or,
 *       when it says nothing, a backoff that grows with each 429 in a row. A request another
 *       route may take ({@link RelayRequest#otherRoutes()}) does not wait: it fails with
 *       {@link Reason#PAUSED}, as it does when its own attempt is answered 429.
 *   <li><b>Pacers</b> for requests and tokens per minute ({@link KeyLimits}): the last step before
 *       the wire, so the spacing they make is the spacing the relay sees. Each call books one
 *       request and its token estimate; the wait is a scheduled continuation, no thread ever
 *       blocks in it. The answer's usage settles the tokens.
 *   <li>The {@link RelayClient} attempt, its timeout cut to what is left of the deadline.
 * </ol>
 *
 * <p>An answer is priced ({@link Pricing}) by its usage, and the price counts against the spend
 * caps. Limits and caps apply at the worker's {@link #share} of the key.
 *
 * <p>Threads: {@link #complete} may be called from any thread and never blocks. Waits run on
 * one {@code relay-timer} daemon thread; continuations run there or on the relay client's
 * threads. The returned future fails only with {@link CallFailedException}.
 */
public final class ResilientRelay implements RelayCalls, AutoCloseable {

  private final RelayClient client;
  private final RelayPolicy policy;
  private final Clock clock;
  private final RelayCallListener listener;
  private final Backoff backoff;
  private final Retry retry;
  private final CircuitBreaker breaker;
  private final ConcurrencyLimit concurrency;
  private final ThrottleGate gate = new ThrottleGate();
  private final AtomicInteger throttledInARow = new AtomicInteger();
  private final KeyLimits limits;
  private final KeyHealth key;
  private final Pricing pricing;
  private final SpendBudget budget;
  private final ScheduledExecutorService timer;
  private volatile double share = 1.0;

  /**
   * @param clock the time deadlines, pacing, circuit windows and durations are read on
   * @param listener hears every retry, pause, attempt and permit wait
   */
  public ResilientRelay(RelayClient client, RelayPolicy policy, Clock clock, RelayCallListener listener) {
    this("relay", client, policy, Pricing.defaults(), SpendBudget.none(clock), clock, listener);
  }

  /**
   * @param name names its circuit breaker and retry in Resilience4j's meters (the route's name)
   * @param pricing prices answers by their usage
   * @param budget the spend caps answers count against
   * @param clock the time deadlines, pacing, circuit windows, budgets and durations are read on
   * @param listener hears every retry, pause, attempt and permit wait
   */
  public ResilientRelay(String name, RelayClient client, RelayPolicy policy, Pricing pricing, SpendBudget budget,
      Clock clock, RelayCallListener listener) {
    this.client = client;
    this.policy = policy;
    this.clock = clock;
    this.listener = listener;
    this.backoff = new Backoff(policy.initialBackoff(), policy.maxBackoff(), policy.retryAfterCap());
    this.retry = Retry.of(name, RetryConfig.<Completion>custom()
        // The budget is enforced by RetryInterval over the request's whole life (uncharged attempts
        // included); a 429 storm is ended by the request's deadline, not by a count.
        .maxAttempts(Integer.MAX_VALUE)
        .retryOnException(failure -> failure instanceof AttemptFailure attempt && attempt.retryable())
        .intervalBiFunction(new RetryInterval())
        .build());
    this.breaker = CircuitBreaker.of(name, CircuitBreakers.config(policy, clock));
    this.concurrency = new ConcurrencyLimit(policy.maxConcurrentCalls());
    this.limits = new KeyLimits(policy, clock);
    this.key = new KeyHealth(name, policy.keyFailureMode(), policy.keyProbeInterval(), clock);
    this.pricing = pricing;
    this.budget = budget;
    ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, task -> {
      Thread thread = new Thread(task, "relay-timer");
      thread.setDaemon(true);
      return thread;
    });
    scheduler.setRemoveOnCancelPolicy(true);
    this.timer = scheduler;
  }

  /** Asks the relay for a completion of an unnamed model, as the first submission of a request. */
  public CompletableFuture<CallResult> complete(byte[] body, Instant deadline) {
    return complete(new RelayRequest(body, deadline, null, 0), 0);
  }

  /**
   * Asks the relay for a completion.
   *
   * <p>Attempt budget: a request gets {@link RelayPolicy#maxAttempts()} attempts over its whole
   * life, counted across submissions ({@code chargedBefore}). An attempt is charged to the request
   * only if the circuit is still closed once its failure is recorded: failures while the relay is
   * down (open or half-open circuit, or the failure that opened it) are the relay's, not the
   * request's, so an outage never uses up a request's attempts, while a request that fails on a
   * healthy relay ends as {@link Reason#RETRIES_EXHAUSTED} however often it was parked. A 429 is
   * the relay throttling everyone, not the request failing: it is never charged, and only the
   * deadline ends a request the relay keeps throttling.
   *
   * @param chargedBefore attempts already charged to this request by earlier submissions
   * @return the completion, attempt count and cost, or a failure with a {@link CallFailedException}
   */
  @Override
  public CompletableFuture<CallResult> complete(RelayRequest request, int chargedBefore) {
    Call call = new Call(request, chargedBefore);
    CompletableFuture<CallResult> result = new CompletableFuture<>();
    if (chargedBefore >= policy.maxAttempts()) {
      result.completeExceptionally(new CallFailedException(Reason.RETRIES_EXHAUSTED, 0, 0, null,
          "gave up: all " + chargedBefore + " attempts were already used"));
      return result;
    }
    Retry.decorateCompletionStage(retry, timer, () -> attempt(call))
        .get()
        .whenComplete((completion, failure) -> {
          if (call.keyProbe) {
            key.probeInconclusive();
          }
          if (failure == null) {
            result.complete(new CallResult(completion, call.attempts.get(), call.cost));
          } else {
            result.completeExceptionally(callFailed(unwrap(failure), call));
          }
        });
    return result;
  }

  /**
   * Whether the relay takes calls now: the one reading of the circuit and of a pause the relay
   * asked for, which the pipeline acts on. Any thread.
   */
  @Override
  public RelayAvailability availability() {
    CircuitBreaker.State circuit = breaker.getState();
    Instant pausedUntil = gate.closedUntil().isAfter(clock.instant()) ? gate.closedUntil() : null;
    RelayAvailability.State state = switch (circuit) {
      case OPEN, FORCED_OPEN -> RelayAvailability.State.UNAVAILABLE;
      case HALF_OPEN -> RelayAvailability.State.PROBING;
      case CLOSED, DISABLED, METRICS_ONLY -> RelayAvailability.State.AVAILABLE;
    };
    Hold budgetHold = budget.hold();
    Hold keyHold = key.hold();
    if (keyHold != null) {
      state = budgetHold == null && key.probeDue() && state != RelayAvailability.State.UNAVAILABLE
          ? RelayAvailability.State.KEY_PROBE : RelayAvailability.State.UNAVAILABLE;
    } else if (budgetHold != null) {
      state = RelayAvailability.State.UNAVAILABLE;
    }
    return new RelayAvailability(pausedUntil != null ? RelayAvailability.State.UNAVAILABLE : state, pausedUntil,
        circuit.name(), keyHold != null ? keyHold : budgetHold);
  }

  /**
   * Applies only {@code fraction} of the key's request and token limits and spend caps from now on:
   * this worker's part of a key shared by several. Any thread.
   *
   * @param fraction within (0, 1]
   */
  public void share(double fraction) {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException("share must be within (0, 1], was " + fraction);
    }
    limits.share(fraction);
    budget.share(fraction);
    share = fraction;
  }

  @Override
  public boolean fitsTokenBudget(long tokenEstimate) {
    return limits.fitsAMinute(tokenEstimate);
  }

  /** The part of the key's limits this worker applies now. */
  public double share() {
    return share;
  }

  /** Quota left under the spend cap of {@code window}, at this worker's share; -1 when uncapped. */
  public long budgetRemaining(SpendBudget.Window window) {
    return budget.remaining(window);
  }

  /** Whether the key works, as far as the last calls tell. */
  public boolean keyAvailable() {
    return key.hold() == null;
  }

  /** Quota units per US dollar in the price table. */
  public double quotaPerUsd() {
    return pricing.table().quotaPerUsd();
  }

  /**
   * Registers Resilience4j's own meters for this relay's circuit breaker and retry
   * ({@code resilience4j_circuitbreaker_*}, {@code resilience4j_retry_*}).
   */
  public void bindTo(MeterRegistry registry) {
    new TaggedCircuitBreakerMetricsPublisher(registry).publishMetrics(breaker);
    new TaggedRetryMetricsPublisher(registry).publishMetrics(retry);
  }

  public int callsInProgress() {
    return concurrency.inUse();
  }

  /** One attempt through the holds, breaker, slot, gate and pacers. Never throws: Retry needs a failed stage. */
  private CompletableFuture<Completion> attempt(Call call) {
    if (!clock.instant().isBefore(call.deadline)) {
      return CompletableFuture.failedFuture(AttemptFailure.of(Reason.DEADLINE_EXCEEDED, call));
    }
    if (!call.keyProbe && budget.hold() != null) {
      return CompletableFuture.failedFuture(AttemptFailure.of(Reason.HELD, call));
    }
    if (!call.keyProbe) {
      switch (key.admit()) {
        case HOLD -> {
          return CompletableFuture.failedFuture(AttemptFailure.of(Reason.HELD, call));
        }
        case PROBE -> call.keyProbe = true;
        case GO -> { }
      }
    }
    if (!breaker.tryAcquirePermission()) {
      return CompletableFuture.failedFuture(AttemptFailure.of(Reason.CIRCUIT_OPEN, call));
    }
    long start = breaker.getCurrentTimestamp();
    CompletableFuture<Completion> attempt = concurrency.acquire()
        .thenCompose(slot -> awaitPermission(call)
            .thenCompose(permitted -> send(call))
            .whenComplete((completion, failure) -> concurrency.release()));
    return attempt.whenComplete((completion, failure) -> {
      recordOutcome(start, failure);
      if (unwrap(failure) instanceof AttemptFailure failed && failed.relayFailure != null) {
        if (failed.relayFailure.httpStatus() == 429) {
          call.throttled.incrementAndGet();
        } else if (failed.reason == null && breaker.getState() == CircuitBreaker.State.CLOSED) {
          call.charged.incrementAndGet();
        }
      }
    });
  }

  private CompletableFuture<Void> awaitPermission(Call call) {
    Instant deadline = call.deadline;
    Instant now = clock.instant();
    Duration paused = gate.remaining(now);
    if (!paused.isZero() && call.request.otherRoutes()) {
      return CompletableFuture.failedFuture(AttemptFailure.of(Reason.PAUSED, call));
    }
    if (!paused.isZero()) {
      return fitsBefore(now, paused, deadline)
          ? delay(paused).thenCompose(waited -> awaitPermission(call))
          : CompletableFuture.failedFuture(AttemptFailure.of(Reason.DEADLINE_EXCEEDED, call));
    }
    if (!limits.limited()) {
      return CompletableFuture.completedFuture(null);
    }
    // Look before booking: time booked and then not used is time lost to everyone.
    long estimate = call.request.tokenEstimate();
    if (!fitsBefore(now, Duration.ofNanos(limits.expectedWaitNanos(estimate)), deadline)) {
      return CompletableFuture.failedFuture(AttemptFailure.of(Reason.DEADLINE_EXCEEDED, call));
    }
    long waitNanos = limits.book(estimate);
    listener.permitWaited(Duration.ofNanos(Math.max(0, waitNanos)));
    return waitNanos <= 0 ? CompletableFuture.completedFuture(null) : delay(Duration.ofNanos(waitNanos));
  }

  private CompletableFuture<Completion> send(Call call) {
    Duration left = Duration.between(clock.instant(), call.deadline);
    if (left.isNegative() || left.isZero()) {
      return CompletableFuture.failedFuture(AttemptFailure.of(Reason.DEADLINE_EXCEEDED, call));
    }
    if (!call.keyProbe && (key.hold() != null || budget.hold() != null)) {
      // The key ran out or a cap was reached while this call waited for a slot or its pace.
      return CompletableFuture.failedFuture(AttemptFailure.of(Reason.HELD, call));
    }
    call.attempts.incrementAndGet();
    int keyEpoch = key.epoch();
    Duration timeout = left.compareTo(policy.requestTimeout()) < 0 ? left : policy.requestTimeout();
    long start = Ticks.nanos(clock);
    return client.send(call.request.api(), call.request.body(), timeout).handle((completion, failure) -> {
      Duration elapsed = Duration.ofNanos(Ticks.nanos(clock) - start);
      if (failure == null) {
        listener.attemptFinished(elapsed, completion.httpStatus());
        answered(call, completion, keyEpoch);
        return completion;
      }
      RelayException relayFailure = asRelayException(unwrap(failure));
      listener.attemptFinished(elapsed, relayFailure.httpStatus());
      pauseRelayIfAsked(relayFailure);
      boolean keyOut = key.failed(relayFailure, call.keyProbe);
      call.keyProbe = false;
      boolean moveOn = relayFailure.httpStatus() == 429 && call.request.otherRoutes();
      throw new AttemptFailure(relayFailure, keyOut ? Reason.HELD : moveOn ? Reason.PAUSED : null, call);
    });
  }

  /**
   * The key works; the answer is priced and counted against the caps by its usage as far as it can
   * be believed ({@link Usage#within} the request's ceiling), and its tokens settled by it. A usage
   * that had to be corrected settles nothing: the estimate booked for the call stands, so an absurd
   * claim neither stalls the token budget nor hands tokens back.
   */
  private void answered(Call call, Completion completion, int keyEpoch) {
    key.succeeded(keyEpoch);
    call.keyProbe = false;
    throttledInARow.set(0);
    completion.usage().ifPresent(reported -> {
      long ceiling = call.request.usageCeiling();
      Usage usage = reported.within(ceiling);
      boolean corrected = reported.outside(ceiling);
      if (corrected) {
        listener.usageCorrected(reported, usage);
      }
      String model = call.request.model() != null ? call.request.model() : completion.model();
      call.cost = pricing.cost(model, usage);
      if (call.cost.priced()) {
        budget.spent(call.cost.quota());
      }
      if (!corrected) {
        limits.settle(call.request.tokenEstimate(), usage.totalTokens());
      }
    });
  }

  /**
   * A 429 pauses every call: for as long as its Retry-After asks, or, when it says nothing (one-api's
   * global limiter sends a bare 429), for a backoff that grows with each 429 in a row.
   */
  private void pauseRelayIfAsked(RelayException failure) {
    if (failure.httpStatus() != 429) {
      return;
    }
    int inARow = throttledInARow.incrementAndGet();
    Duration wait = failure.retryAfter().map(backoff::retryAfter)
        .orElseGet(() -> backoff.delay(inARow, java.util.Optional.empty(), ThreadLocalRandom.current().nextDouble()));
    Instant until = clock.instant().plus(wait);
    gate.closeUntil(until);
    listener.relayPaused(until);
  }

  private void recordOutcome(long start, Throwable failure) {
    long duration = breaker.getCurrentTimestamp() - start;
    Throwable cause = failure == null ? null : unwrap(failure);
    if (cause == null) {
      breaker.onSuccess(duration, breaker.getTimestampUnit());
    } else if (cause instanceof AttemptFailure attempt && attempt.relayFailure != null) {
      breaker.onError(duration, breaker.getTimestampUnit(), attempt.relayFailure);
    } else {
      // Never reached the relay (deadline while waiting): tells nothing about its health.
      breaker.releasePermission();
    }
  }

  private CompletableFuture<Void> delay(Duration wait) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    timer.schedule(() -> done.complete(null), wait.toNanos(), TimeUnit.NANOSECONDS);
    return done;
  }

  private CallFailedException callFailed(Throwable failure, Call call) {
    int attempts = call.attempts.get();
    int charged = call.charged.get();
    if (!(failure instanceof AttemptFailure attempt)) {
      // Named by class only: a message could carry whatever the failing code put in it.
      return new CallFailedException(Reason.REJECTED, attempts, charged, null,
          "relay call failed: " + failure.getClass().getSimpleName());
    }
    RelayException last = attempt.relayFailure;
    Reason reason;
    if (attempt.reason != null) {
      reason = attempt.reason;
    } else if (!last.isTransient()) {
      reason = Reason.REJECTED;
    } else if (call.chargedBefore + charged >= policy.maxAttempts() || unthrottled(call) >= 2 * policy.maxAttempts()) {
      reason = Reason.RETRIES_EXHAUSTED;
    } else {
      // A transient failure with attempts to spare ends here only when RetryInterval saw the
      // next attempt could not start before the deadline.
      reason = Reason.DEADLINE_EXCEEDED;
    }
    int total = call.chargedBefore + charged;
    String message = switch (reason) {
      case REJECTED -> last.getMessage();
      case RETRIES_EXHAUSTED -> "gave up after " + total + " attempts; last: " + last.getMessage();
      case DEADLINE_EXCEEDED -> "deadline passed after " + attempts + " attempts"
          + (last == null ? "" : "; last: " + last.getMessage());
      case CIRCUIT_OPEN -> "relay circuit is open; call not sent";
      case PAUSED -> "relay asked for a pause" + (last == null ? "; call not sent" : ": " + last.getMessage());
      case HELD -> last != null ? "held: " + last.getMessage() : "held: " + holdReason();
      case UNROUTABLE -> throw new IllegalStateException("a single relay routes nothing");
    };
    return new CallFailedException(reason, attempts, charged, last, message);
  }

  private String holdReason() {
    Hold hold = key.hold() != null ? key.hold() : budget.hold();
    return hold == null ? "calls are held" : hold.reason();
  }

  /** Attempts that the relay did not answer with a 429. */
  private static int unthrottled(Call call) {
    return call.attempts.get() - call.throttled.get();
  }

  private static RelayException asRelayException(Throwable failure) {
    return failure instanceof RelayException relay ? relay
        : RelayException.transport(FailureKind.FINAL, "relay client failed: " + failure.getClass().getSimpleName());
  }

  private static boolean fitsBefore(Instant now, Duration wait, Instant deadline) {
    return now.plus(wait).isBefore(deadline);
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable current = failure;
    while (current instanceof CompletionException && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }

  @Override
  public void close() {
    timer.shutdownNow();
    client.close();
  }

  /**
   * The wait before the next attempt, or -1 (give up) when the request's attempt budget is spent
   * or the wait would end past the deadline.
   */
  private final class RetryInterval implements IntervalBiFunction<Completion> {
    @Override
    public Long apply(Integer failedAttempts, Either<Throwable, Completion> outcome) {
      AttemptFailure failure = (AttemptFailure) unwrap(outcome.getLeft());
      Call call = failure.call;
      if (call.chargedBefore + call.charged.get() >= policy.maxAttempts()
          || unthrottled(call) >= 2 * policy.maxAttempts()) {
        return -1L;
      }
      RelayException cause = failure.relayFailure;
      Duration wait = backoff.delay(failedAttempts, cause.retryAfter(), ThreadLocalRandom.current().nextDouble());
      if (!fitsBefore(clock.instant(), wait, call.deadline)) {
        return -1L;
      }
      listener.retryScheduled(failedAttempts, wait, cause);
      return wait.toMillis();
    }
  }

  /**
   * Why one attempt ended without a completion: a relay failure, or a reason it was not sent.
   * Internal: {@link #complete} turns it into a {@link CallFailedException}.
   */
  static final class AttemptFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient RelayException relayFailure;
    final Reason reason;
    final transient Call call;

    AttemptFailure(RelayException relayFailure, Reason reason, Call call) {
      super(relayFailure != null ? relayFailure.getMessage() : reason.name(), null, false, false);
      this.relayFailure = relayFailure;
      this.reason = reason;
      this.call = call;
    }

    static AttemptFailure of(Reason reason, Call call) {
      return new AttemptFailure(null, reason, call);
    }

    boolean retryable() {
      return reason == null && relayFailure != null && relayFailure.isTransient();
    }
  }

  /** One request's way through the layers: what to send, by when, the attempts it took and what it cost. */
  private static final class Call {
    final RelayRequest request;
    final Instant deadline;
    final int chargedBefore;
    final AtomicInteger attempts = new AtomicInteger();
    final AtomicInteger charged = new AtomicInteger();
    final AtomicInteger throttled = new AtomicInteger();
    /** Sent while the key is out, to learn whether it works again; its retries pass the hold too. */
    volatile boolean keyProbe;
    volatile CallCost cost;

    Call(RelayRequest request, int chargedBefore) {
      this.request = request;
      this.deadline = request.deadline();
      this.chargedBefore = chargedBefore;
    }
  }
}
