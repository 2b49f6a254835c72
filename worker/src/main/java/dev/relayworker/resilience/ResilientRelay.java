package dev.relayworker.resilience;

import dev.relayworker.config.WorkerConfig;
import dev.relayworker.cost.Pricing;
import dev.relayworker.relay.Completion;
import dev.relayworker.relay.RelayClient;
import dev.relayworker.relay.RelayException;
import dev.relayworker.resilience.CallFailedException.Reason;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetricsPublisher;
import io.github.resilience4j.micrometer.tagged.TaggedRetryMetricsPublisher;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;

/**
 * One route's relay as the worker should see it: retried, held, circuit-broken, capped and paced.
 *
 * <p>Each attempt passes these layers, outermost first. {@link #attempt} is the one place the
 * order is decided; docs/relay.md repeats it.
 * <ol>
 *   <li><b>Retry</b> (Resilience4j, {@link RetryInterval}): transient failures are tried again
 *       after {@link Backoff}'s wait or the relay's own retry-after, never past the request's
 *       deadline. Each retry goes through every layer below again, so it is counted, capped and
 *       paced like a first call. Attempt accounting in {@link Call}.
 *   <li><b>Holds</b> ({@link CallHolds}): while a spend cap is reached or the key is out, the call
 *       fails at once with {@link Reason#HELD} and is parked; one call per probe interval goes
 *       through to test the key.
 *   <li><b>Circuit breaker</b> (Resilience4j): when open, the call fails at once with
 *       {@link Reason#CIRCUIT_OPEN} before it takes a slot or a rate permit.
 *   <li><b>Concurrency limit</b> ({@link ConcurrencyLimit}): at most
 *       {@link RelayPolicy#maxConcurrentCalls()} calls hold a slot; others wait without a thread.
 *   <li><b>Pacing</b> ({@link Pacing}): the relay's pause after a 429 ({@link ThrottleGate}), then
 *       the pacers for requests and tokens per minute ({@link KeyLimits}).
 *   <li>The {@link RelayClient} attempt, its timeout cut to what is left of the deadline. An
 *       answer is settled ({@link AnswerSettlement}: priced, counted against the caps, tokens
 *       settled); a failure may close the throttle gate or put the key out.
 * </ol>
 * Limits and caps apply at the worker's share of the key ({@link #share}). Every decision is told
 * to the {@link RelayCallListener}.
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
  private final Retry retry;
  private final CallHolds holds;
  private final CircuitBreaker breaker;
  private final ConcurrencyLimit concurrency;
  private final Pacing pacing;
  private final ThrottleGate gate;
  private final KeyLimits limits;
  private final KeyHealth key;
  private final SpendBudget budget;
  private final SpendReservations reservations;
  private final AnswerSettlement settlement;
  private final Pricing pricing;
  private final double quotaPerUsd;
  private volatile double share = 1.0;

  /**
   * @param name names its circuit breaker and retry in Resilience4j's meters (the route's name)
   * @param pricing prices answers by their usage
   * @param budget the spend caps answers count against
   * @param clock the time deadlines, pacing, circuit windows, budgets and durations are read on
   * @param listener hears every decision: retries, pauses, key outages, attempts, permit waits
   */
  public ResilientRelay(String name, RelayClient client, RelayPolicy policy, Pricing pricing, SpendBudget budget,
      Clock clock, RelayCallListener listener) {
    this(name, client, policy, pricing, budget, ScopedBudgets.none(), clock, listener);
  }

  /**
   * @param scoped the caller and model caps, shared by every route, that calls count against too
   */
  public ResilientRelay(String name, RelayClient client, RelayPolicy policy, Pricing pricing, SpendBudget budget,
      ScopedBudgets scoped, Clock clock, RelayCallListener listener) {
    this.client = client;
    this.policy = policy;
    this.clock = clock;
    this.listener = listener;
    Backoff backoff = new Backoff(policy.initialBackoff(), policy.maxBackoff(), policy.retryAfterCap());
    this.retry = Retry.of(name, RetryConfig.<Completion>custom()
        // The budget is enforced by RetryInterval over the request's whole life (uncharged attempts
        // included); a 429 storm is ended by the request's deadline, not by a count.
        .maxAttempts(Integer.MAX_VALUE)
        .retryOnException(failure -> failure instanceof AttemptFailure attempt && attempt.retryable())
        .intervalBiFunction(new RetryInterval(policy.maxAttempts(), backoff, clock, listener))
        .build());
    this.key = new KeyHealth(name, policy.keyFailureMode(), policy.keyProbeInterval(), clock, listener);
    this.budget = budget;
    this.reservations = new SpendReservations(budget, scoped, pricing.table().quotaPerUsd());
    this.holds = new CallHolds(budget, key);
    this.breaker = CircuitBreaker.of(name, CircuitBreakers.config(policy, clock));
    this.concurrency = new ConcurrencyLimit(policy.maxConcurrentCalls());
    this.gate = new ThrottleGate(backoff, clock);
    ScheduledExecutorService timer = Pacing.newTimer();
    this.limits = new KeyLimits(policy, clock, timer);
    this.pacing = new Pacing(gate, limits, clock, listener, timer);
    this.settlement = new AnswerSettlement(key, gate, pricing, reservations, limits, listener);
    this.pricing = pricing;
    this.quotaPerUsd = pricing.table().quotaPerUsd();
  }

  /**
   * One route's relay with the policy its settings describe ({@link RelayPolicy#from}): the
   * limits, retries, breaker and key settings are read here, where they are used.
   *
   * @param settings the route's settings (the top level with the route's own over them)
   */
  public static ResilientRelay forRoute(String name, WorkerConfig settings, RelayClient client, Pricing pricing,
      SpendBudget budget, ScopedBudgets scoped, Clock clock, RelayCallListener listener) {
    return new ResilientRelay(name, client, RelayPolicy.from(settings), pricing, budget, scoped, clock, listener);
  }

  /**
   * Asks the relay for a completion. A request gets {@link RelayPolicy#maxAttempts()} attempts
   * over its whole life, counted across submissions ({@code chargedBefore}). An attempt is charged
   * to the request only if the circuit is still closed once its failure is recorded: failures while
   * the relay is down are the relay's, not the request's, so an outage never uses up a request's
   * attempts, while a request that fails on a healthy relay ends as {@link Reason#RETRIES_EXHAUSTED}
   * however often it was parked. A 429 is never charged; only the deadline ends a request the relay
   * keeps throttling. Under a spend cap, a model the price table cannot price fails at once with
   * {@link Reason#UNPRICED}: what it spends could not be counted. A request whose caller's or
   * model's cap is reached fails at once with {@link Reason#OVER_BUDGET}.
   *
   * @param chargedBefore attempts already charged to this request by earlier submissions
   * @return the completion, attempt count and cost, or a failure with a {@link CallFailedException}
   */
  @Override
  public CompletableFuture<CallResult> complete(RelayRequest request, int chargedBefore) {
    if (chargedBefore >= policy.maxAttempts()) {
      return CompletableFuture.failedFuture(new CallFailedException(Reason.RETRIES_EXHAUSTED, 0, 0, null,
          "gave up: all " + chargedBefore + " attempts were already used"));
    }
    Hold overBudget = reservations.scopedHold(request);
    if (overBudget != null) {
      return CompletableFuture.failedFuture(new CallFailedException(Reason.OVER_BUDGET, 0, 0, null,
          overBudget.reason()));
    }
    long worstCase = reservations.capped() ? pricing.worstCase(request.model(), request.tokenEstimate()) : 0;
    if (worstCase < 0) {
      return CompletableFuture.failedFuture(new CallFailedException(Reason.UNPRICED, 0, 0, null, "model '"
          + request.model() + "' has no price in the price table, and a spend cap is set (" + budget.scope()
          + "): what it would spend could not be counted; price it (or add a \"*\" entry) in price.table.file"));
    }
    Call call = new Call(request, chargedBefore, worstCase);
    CompletableFuture<CallResult> result = new CompletableFuture<>();
    Retry.decorateCompletionStage(retry, pacing.timer(), () -> attempt(call))
        .get()
        .whenComplete((completion, failure) -> {
          if (call.keyProbe) {
            key.probeInconclusive();
          }
          if (failure == null) {
            result.complete(new CallResult(completion, call.attempts.get(), call.cost, call.spentQuota,
                call.scopedSpend));
          } else {
            result.completeExceptionally(CallFailures.of(CallFailures.unwrap(failure), call, policy.maxAttempts(),
                holds::reason));
          }
        });
    return result;
  }

  /** One attempt through the layers below Retry, in their order. Never throws: Retry needs a failed stage. */
  private CompletableFuture<Completion> attempt(Call call) {
    if (!clock.instant().isBefore(call.deadline)) {
      return CompletableFuture.failedFuture(AttemptFailure.of(Reason.DEADLINE_EXCEEDED, call));
    }
    if (!holds.admit(call)) {
      return CompletableFuture.failedFuture(AttemptFailure.of(Reason.HELD, call));
    }
    if (!breaker.tryAcquirePermission()) {
      return CompletableFuture.failedFuture(AttemptFailure.of(Reason.CIRCUIT_OPEN, call));
    }
    long start = breaker.getCurrentTimestamp();
    // Read only for a traced request's wait span: one clock read fewer per attempt otherwise.
    long waitStart = call.request.trace() == null ? 0 : Ticks.nanos(clock);
    return pacing.awaitPause(call)
        .thenCompose(open -> concurrency.acquire()
            .thenCompose(slot -> pacing.await(call)
                .thenCompose(permitted -> send(call, waitStart))
                .whenComplete((completion, failure) -> {
                  releaseTokens(call);
                  concurrency.release();
                })))
        .whenComplete((completion, failure) -> recordOutcome(call, start, failure));
  }

  /** @param waitStart when the attempt began waiting for a pause, a slot and its permits ({@link Ticks}) */
  private CompletableFuture<Completion> send(Call call, long waitStart) {
    Duration left = Duration.between(clock.instant(), call.deadline);
    if (left.isNegative() || left.isZero()) {
      return CompletableFuture.failedFuture(AttemptFailure.of(Reason.DEADLINE_EXCEEDED, call));
    }
    if (holds.heldSince(call)) {
      return CompletableFuture.failedFuture(AttemptFailure.of(Reason.HELD, call));
    }
    SpendReservations.Refused refused = reservations.take(call);
    if (refused != null && refused.scoped()) {
      call.overBudget = refused.hold().reason();
      return CompletableFuture.failedFuture(AttemptFailure.of(Reason.OVER_BUDGET, call));
    }
    if (refused != null) {
      return CompletableFuture.failedFuture(AttemptFailure.of(Reason.HELD, call));
    }
    call.attempts.incrementAndGet();
    int keyEpoch = key.epoch();
    Duration timeout = left.compareTo(policy.requestTimeout()) < 0 ? left : policy.requestTimeout();
    long start = Ticks.nanos(clock);
    // A streamed request's text goes out attempt by attempt, each under an attempt ID of its own.
    ChunkStream.Attempt chunks = call.request.stream() == null ? null : call.request.stream().attempt();
    CallTrace.Attempt traced = call.request.trace() == null ? null
        : call.request.trace().attempt(Duration.ofNanos(Math.max(0, start - waitStart)));
    return client.send(call.request.api(), call.request.body(), timeout, chunks).handle((completion, failure) -> {
      Duration elapsed = Duration.ofNanos(Ticks.nanos(clock) - start);
      if (failure == null) {
        listener.attemptFinished(elapsed, completion.httpStatus());
        settlement.answered(call, completion, keyEpoch);
        if (chunks != null) {
          chunks.ended(true);
        }
        if (traced != null) {
          traced.answered(completion, call.cost);
        }
        return completion;
      }
      if (chunks != null) {
        chunks.ended(false);
      }
      reservations.release(call);
      RelayException relayFailure = CallFailures.asRelayException(CallFailures.unwrap(failure));
      listener.attemptFinished(elapsed, relayFailure.httpStatus());
      if (traced != null) {
        traced.failed(relayFailure);
      }
      Instant pausedUntil = gate.failed(relayFailure, call.request.model());
      if (pausedUntil != null) {
        listener.relayPaused(gate.pausedUntil() != null ? null : call.request.model(), pausedUntil);
      }
      boolean keyOut = key.failed(relayFailure, call.keyProbe);
      call.keyProbe = false;
      boolean moveOn = pausedUntil != null && call.request.otherRoutes();
      throw new AttemptFailure(relayFailure, keyOut ? Reason.HELD : moveOn ? Reason.PAUSED : null, call);
    });
  }

  /** Hands back the tokens an attempt was admitted with and that no answer settled. */
  private void releaseTokens(Call call) {
    long held = call.tokensHeld;
    call.tokensHeld = 0;
    limits.release(held);
  }

  /** Tells the breaker how the attempt went, and charges the request a failure that was its own. */
  private void recordOutcome(Call call, long start, Throwable failure) {
    long duration = breaker.getCurrentTimestamp() - start;
    Throwable cause = failure == null ? null : CallFailures.unwrap(failure);
    if (cause == null) {
      breaker.onSuccess(duration, breaker.getTimestampUnit());
    } else if (cause instanceof AttemptFailure attempt && attempt.relayFailure != null) {
      breaker.onError(duration, breaker.getTimestampUnit(), attempt.relayFailure);
      if (attempt.relayFailure.httpStatus() == 429) {
        call.throttled.incrementAndGet();
      } else if (attempt.reason == null && breaker.getState() == CircuitBreaker.State.CLOSED) {
        call.charged.incrementAndGet();
      }
    } else {
      // Never reached the relay (deadline while waiting): tells nothing about its health.
      breaker.releasePermission();
    }
  }

  /**
   * Whether the relay takes calls now: the one reading of the circuit, the holds and a pause the
   * relay asked for, which the pipeline acts on. Any thread.
   */
  @Override
  public RelayAvailability availability() {
    return availability(gate.pausedUntil());
  }

  /** Whether calls of {@code model} go now: as {@link #availability()}, and paused while its model is. */
  @Override
  public RelayAvailability availability(String model) {
    return availability(gate.pausedUntil(model));
  }

  private RelayAvailability availability(Instant pausedUntil) {
    CircuitBreaker.State circuit = breaker.getState();
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

  @Override
  public Duration pacingWait(String model, String group, String caller) {
    return Duration.ofNanos(Math.max(0, limits.expectedRequestWaitNanos()));
  }

  @Override
  public Readiness readiness(String model, long tokenEstimate) {
    if (availability(model).state() == RelayAvailability.State.UNAVAILABLE) {
      return Readiness.UNAVAILABLE;
    }
    return limits.fitsAMinute(tokenEstimate) ? Readiness.TAKES : Readiness.OVER_TOKEN_BUDGET;
  }

  /**
   * Applies only {@code fraction} of the key's request and token limits and spend caps from now on:
   * this worker's part of a key shared by several. Any thread.
   *
   * @param fraction within (0, 1]
   */
  @Override
  public void share(double fraction) {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException("share must be within (0, 1], was " + fraction);
    }
    limits.share(fraction);
    budget.share(fraction);
    share = fraction;
  }

  @Override
  public void rebase(double fraction, SpendRecord record) {
    share(fraction);
    budget.rebase(fraction, record);
  }

  /** The part of the key's limits this worker applies now (the limit-share gauge reads it). */
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
    return quotaPerUsd;
  }

  /** Calls holding a slot now. */
  public int callsInProgress() {
    return concurrency.inUse();
  }

  /**
   * Registers Resilience4j's own meters for this relay's circuit breaker and retry
   * ({@code resilience4j_circuitbreaker_*}, {@code resilience4j_retry_*}).
   */
  public void bindTo(MeterRegistry registry) {
    new TaggedCircuitBreakerMetricsPublisher(registry).publishMetrics(breaker);
    new TaggedRetryMetricsPublisher(registry).publishMetrics(retry);
  }

  @Override
  public void close() {
    pacing.close();
    client.close();
  }
}
