package dev.relayworker.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.cost.Pricing;
import dev.relayworker.relay.RelayApi;
import dev.relayworker.relay.RelayClient;
import dev.relayworker.relay.RelayEndpoint;
import dev.relayworker.relay.RelayException;
import dev.relayworker.resilience.CallFailedException.Reason;
import dev.relayworker.simulator.Fault;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testkit.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The whole call path (retry, breaker, slots, gate, limiter, HTTP) against the simulator on loopback. */
class ResilientRelayTest {

  private static final String KEY = "sk-resilience-test-key";
  private static final Duration GENEROUS = Duration.ofSeconds(30);

  private final RecordingListener listener = new RecordingListener();
  private RelaySimulator simulator;
  private ResilientRelay relay;

  @AfterEach
  void stop() {
    if (relay != null) {
      relay.close();
    }
    if (simulator != null) {
      simulator.close();
    }
  }

  @Test
  void answersOnTheFirstAttempt() {
    start(SimulatorSettings.defaults(), fastRetries(), Clock.systemUTC());

    CallResult result = complete(body("hello"), Instant.now().plus(GENEROUS)).join();

    assertThat(result.attempts()).isEqualTo(1);
    assertThat(result.completion().usage()).isPresent();
    assertThat(simulator.stats().callsForPrompt("hello")).isEqualTo(1);
  }

  @Test
  void retriesAfterTheRelaysRetryAfterThenAnswers() {
    start(SimulatorSettings.defaults().withRetryAfter(Duration.ofMillis(300)), fastRetries(), Clock.systemUTC());
    simulator.scriptNext(Fault.RATE_LIMITED);

    CallResult result = complete(body("limited"), Instant.now().plus(GENEROUS)).join();

    assertThat(result.attempts()).isEqualTo(2);
    assertThat(listener.retryWaits).containsExactly(Duration.ofMillis(300));
    assertThat(listener.pauses).hasSize(1);
    assertThat(simulator.stats().outcome("429")).isEqualTo(1);
    assertThat(simulator.stats().outcome("200")).isEqualTo(1);
  }

  @Test
  void retriesServerErrorsThenAnswers() {
    start(SimulatorSettings.defaults(), fastRetries(), Clock.systemUTC());
    simulator.scriptNext(Fault.SERVER_ERROR, Fault.BAD_GATEWAY);

    CallResult result = complete(body("flaky"), Instant.now().plus(GENEROUS)).join();

    assertThat(result.attempts()).isEqualTo(3);
    assertThat(simulator.stats().callsForPrompt("flaky")).isEqualTo(3);
  }

  @Test
  void eachAttemptOfAStreamedRequestGetsItsOwnChunkStreamToldHowItEnded() {
    start(SimulatorSettings.defaults(), fastRetries(), Clock.systemUTC());
    simulator.scriptNext(Fault.CUT);
    List<String> events = new CopyOnWriteArrayList<>();
    java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
    ChunkStream chunks = () -> {
      int attempt = attempts.incrementAndGet();
      events.add("attempt");
      return new ChunkStream.Attempt() {
        @Override
        public void delta(dev.relayworker.relay.StreamAssembler.Delta delta) {
          if (!events.get(events.size() - 1).startsWith("text " + attempt)) {
            events.add("text " + attempt);
          }
        }

        @Override
        public void ended(boolean answered) {
          events.add("ended " + attempt + " " + answered);
        }
      };
    };
    byte[] body = "{\"model\":\"davinci-002\",\"prompt\":\"streamed\",\"max_tokens\":8,\"stream\":true}"
        .getBytes(StandardCharsets.UTF_8);

    CallResult result = relay.complete(new RelayRequest(RelayApi.COMPLETIONS, body, Instant.now().plus(GENEROUS), null,
        0).withStream(chunks), 0).join();

    assertThat(result.attempts()).isEqualTo(2);
    // The cut attempt streamed some text and ended unanswered; the retry streamed and answered.
    assertThat(events).containsExactly("attempt", "text 1", "ended 1 false", "attempt", "text 2", "ended 2 true");
  }

  @Test
  void retriesAMalformedAnswer() {
    start(SimulatorSettings.defaults(), fastRetries(), Clock.systemUTC());
    simulator.scriptNext(Fault.MALFORMED);

    assertThat(complete(body("garbled"), Instant.now().plus(GENEROUS)).join().attempts()).isEqualTo(2);
  }

  @Test
  void aKeyRefusedAtTheFirstCallHoldsTheCallsUntilAProbeFindsItWorking() {
    MutableClock time = new MutableClock(Instant.parse("2026-12-02T02:00:00Z"));
    start(SimulatorSettings.defaults().withApiKey("sk-the-right-one"),
        fastRetries().keyProbeInterval(Duration.ofMinutes(1)), time);

    CallFailedException first = failure(complete(body("denied"), time.instant().plus(Duration.ofHours(1))));
    CallFailedException held = failure(complete(body("held"), time.instant().plus(Duration.ofHours(1))));

    assertThat(first.reason()).isEqualTo(Reason.HELD);
    assertThat(first.attempts()).isEqualTo(1);
    assertThat(first.lastFailure()).map(RelayException::httpStatus).contains(401);
    assertThat(held.reason()).isEqualTo(Reason.HELD);
    assertThat(held.attempts()).isZero();
    assertThat(simulator.stats().calls()).isEqualTo(1);
    RelayAvailability out = relay.availability();
    assertThat(out.state()).isEqualTo(RelayAvailability.State.UNAVAILABLE);
    assertThat(out.hold().cause()).isEqualTo(Hold.Cause.KEY);
    assertThat(out.hold().reason()).contains("at the first call").contains("401").doesNotContain(KEY);
    assertThat(out.hold().until()).isEqualTo(time.instant().plus(Duration.ofMinutes(1)));
    assertThat(relay.keyAvailable()).isFalse();

    time.advance(Duration.ofMinutes(1));
    assertThat(relay.availability().state()).isEqualTo(RelayAvailability.State.KEY_PROBE);
    simulator.reconfigure(simulator.settings().withApiKey(KEY));
    CallResult probe = complete(body("probe"), time.instant().plus(Duration.ofHours(1))).join();

    assertThat(probe.attempts()).isEqualTo(1);
    assertThat(relay.availability().state()).isEqualTo(RelayAvailability.State.AVAILABLE);
    assertThat(relay.availability().hold()).isNull();
    assertThat(relay.keyAvailable()).isTrue();
  }

  @Test
  void aProbeThatIsRefusedAgainWaitsAnotherInterval() {
    MutableClock time = new MutableClock(Instant.parse("2026-12-02T02:00:00Z"));
    start(SimulatorSettings.defaults().withApiKey("sk-the-right-one"),
        fastRetries().keyProbeInterval(Duration.ofSeconds(30)), time);
    failure(complete(body("denied"), time.instant().plus(Duration.ofHours(1))));

    time.advance(Duration.ofSeconds(30));
    CallFailedException probe = failure(complete(body("probe"), time.instant().plus(Duration.ofHours(1))));
    CallFailedException after = failure(complete(body("after"), time.instant().plus(Duration.ofHours(1))));

    assertThat(probe.reason()).isEqualTo(Reason.HELD);
    assertThat(probe.attempts()).isEqualTo(1);
    assertThat(after.attempts()).isZero();
    assertThat(simulator.stats().calls()).isEqualTo(2);
    assertThat(relay.availability().hold().until()).isEqualTo(time.instant().plus(Duration.ofSeconds(30)));
  }

  @Test
  void underTheFailModeAKeyThatWorkedIsAnsweredAsRejected() {
    start(SimulatorSettings.defaults(), fastRetries().keyFailureMode(KeyFailureMode.FAIL), Clock.systemUTC());
    complete(body("works"), Instant.now().plus(GENEROUS)).join();
    simulator.reconfigure(simulator.settings().withApiKey("sk-revoked-meanwhile"));

    CallFailedException failure = failure(complete(body("denied"), Instant.now().plus(GENEROUS)));

    assertThat(failure.reason()).isEqualTo(Reason.REJECTED);
    assertThat(failure.attempts()).isEqualTo(1);
    assertThat(failure.lastFailure()).map(RelayException::httpStatus).contains(401);
    assertThat(simulator.stats().calls()).isEqualTo(2);
    assertThat(failure.toString()).doesNotContain(KEY);
  }

  @Test
  void givesUpAfterMaxAttemptsOfTimeouts() {
    RelayPolicy.Builder policy = fastRetries().requestTimeout(Duration.ofMillis(200));
    start(SimulatorSettings.defaults(), policy, Clock.systemUTC());
    simulator.scriptNext(Fault.HANG, Fault.HANG, Fault.HANG);

    CallFailedException failure = failure(complete(body("slow"), Instant.now().plus(GENEROUS)));

    assertThat(failure.reason()).isEqualTo(Reason.RETRIES_EXHAUSTED);
    assertThat(failure.attempts()).isEqualTo(3);
    assertThat(failure.getMessage()).contains("HttpTimeoutException");
  }

  @Test
  void theDeadlineStopsRetries() {
    RelayPolicy.Builder policy = RelayPolicy.custom()
        .maxAttempts(5).initialBackoff(Duration.ofSeconds(2)).maxBackoff(Duration.ofSeconds(8));
    start(SimulatorSettings.defaults(), policy, Clock.systemUTC());
    simulator.scriptNext(Fault.SERVER_ERROR, Fault.SERVER_ERROR);

    CallFailedException failure = failure(complete(body("late"), Instant.now().plusMillis(800)));

    assertThat(failure.reason()).isEqualTo(Reason.DEADLINE_EXCEEDED);
    assertThat(failure.attempts()).isEqualTo(1);
    assertThat(failure.lastFailure()).map(RelayException::httpStatus).contains(500);
    assertThat(listener.retryWaits).isEmpty();
  }

  @Test
  void aRequestAlreadyPastItsDeadlineIsNotSent() {
    start(SimulatorSettings.defaults(), fastRetries(), Clock.systemUTC());

    CallFailedException failure = failure(complete(body("expired"), Instant.now().minusSeconds(1)));

    assertThat(failure.reason()).isEqualTo(Reason.DEADLINE_EXCEEDED);
    assertThat(failure.attempts()).isZero();
    assertThat(simulator.stats().calls()).isZero();
  }

  @Test
  void aPacedBurstDrawsNoRateLimitFromARelayEnforcingTheSameLimit() {
    // A burst of 5 (250 ms) absorbs timer lateness on a busy machine; 20 unpaced calls still exceed it.
    SimulatorSettings limited = SimulatorSettings.defaults().withRateLimit(1200, 5);
    start(limited, immediateRetries(1).requestsPerMinute(1200), Clock.systemUTC());

    List<CompletableFuture<CallResult>> calls = IntStream.range(0, 20)
        .mapToObj(i -> complete(body("paced " + i), Instant.now().plus(GENEROUS))).toList();
    CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();

    assertThat(simulator.stats().outcome("429")).isZero();
    assertThat(simulator.stats().outcome("200")).isEqualTo(20);
  }

  @Test
  void withoutTheLimitTheSameBurstIsRefused() {
    start(SimulatorSettings.defaults().withRateLimit(1200, 5), immediateRetries(1), Clock.systemUTC());

    List<CompletableFuture<CallResult>> calls = IntStream.range(0, 20)
        .mapToObj(i -> complete(body("unpaced " + i), Instant.now().plus(GENEROUS))).toList();
    calls.forEach(call -> call.handle((result, failure) -> null).join());

    assertThat(simulator.stats().outcome("429")).isPositive();
  }

  @Test
  void aPauseAskedByOne429HoldsBackOtherCalls() {
    start(SimulatorSettings.defaults().withRetryAfter(Duration.ofSeconds(20)), fastRetries(), Clock.systemUTC());
    simulator.scriptNext(Fault.RATE_LIMITED);

    CompletableFuture<CallResult> first = complete(body("first"), Instant.now().plus(Duration.ofSeconds(60)));
    awaitPause();
    CallFailedException second = failure(complete(body("second"), Instant.now().plusSeconds(5)));

    assertThat(relay.availability().pausedUntil()).isAfter(Instant.now().plusSeconds(10));
    assertThat(second.reason()).isEqualTo(Reason.DEADLINE_EXCEEDED);
    assertThat(second.attempts()).isZero();
    assertThat(simulator.stats().callsForPrompt("second")).isZero();
    first.cancel(true);
  }

  @Test
  void theCircuitOpensOnSustainedFailuresAndRecovers() {
    MutableClock time = new MutableClock(Instant.parse("2026-11-24T12:00:00Z"));
    RelayPolicy.Builder policy = immediateRetries(1)
        .circuitMinimumCalls(4).circuitOpenDuration(Duration.ofSeconds(30)).circuitHalfOpenCalls(1);
    start(SimulatorSettings.defaults(), policy, time);
    simulator.scriptNext(Fault.SERVER_ERROR, Fault.BAD_GATEWAY, Fault.UNAVAILABLE, Fault.GATEWAY_TIMEOUT);

    for (int i = 0; i < 3; i++) {
      assertThat(failure(complete(body("down " + i), time.instant().plus(GENEROUS))).reason())
          .isEqualTo(Reason.RETRIES_EXHAUSTED);
    }
    // The failure that opens the circuit is the relay's, not the request's: not charged, so the
    // request ends refused by the open circuit (to be parked) instead of out of attempts.
    CallFailedException tripped = failure(complete(body("down 3"), time.instant().plus(GENEROUS)));
    assertThat(tripped.reason()).isEqualTo(Reason.CIRCUIT_OPEN);
    assertThat(tripped.attempts()).isEqualTo(1);
    assertThat(tripped.charged()).isZero();
    CallFailedException rejected = failure(complete(body("while open"), time.instant().plus(GENEROUS)));

    assertThat(relay.availability().state()).isEqualTo(RelayAvailability.State.UNAVAILABLE);
    assertThat(relay.availability().circuit()).isEqualTo("OPEN");
    assertThat(rejected.reason()).isEqualTo(Reason.CIRCUIT_OPEN);
    assertThat(rejected.attempts()).isZero();
    assertThat(simulator.stats().calls()).isEqualTo(4);

    time.advance(Duration.ofSeconds(31));
    CallResult trial = complete(body("after"), time.instant().plus(GENEROUS)).join();

    assertThat(trial.attempts()).isEqualTo(1);
    assertThat(relay.availability().state()).isEqualTo(RelayAvailability.State.AVAILABLE);
  }

  @Test
  void attemptsChargedBeforeCountAgainstTheBudget() {
    start(SimulatorSettings.defaults(), immediateRetries(3), Clock.systemUTC());
    simulator.scriptNext(Fault.SERVER_ERROR, Fault.SERVER_ERROR);

    CallFailedException failed = failure(relay.complete(new RelayRequest(RelayApi.COMPLETIONS, body("parked twice"), Instant.now().plus(GENEROUS), null, 0), 1));
    CallFailedException spent = failure(relay.complete(new RelayRequest(RelayApi.COMPLETIONS, body("spent"), Instant.now().plus(GENEROUS), null, 0), 3));

    assertThat(failed.reason()).isEqualTo(Reason.RETRIES_EXHAUSTED);
    assertThat(failed.attempts()).isEqualTo(2);
    assertThat(failed.getMessage()).contains("gave up after 3 attempts");
    assertThat(spent.reason()).isEqualTo(Reason.RETRIES_EXHAUSTED);
    assertThat(spent.attempts()).isZero();
    assertThat(simulator.stats().calls()).isEqualTo(2);
  }

  @Test
  void finalAnswersDoNotOpenTheCircuit() {
    RelayPolicy.Builder policy = fastRetries()
        .circuitMinimumCalls(2).circuitOpenDuration(Duration.ofSeconds(30)).circuitHalfOpenCalls(1);
    start(SimulatorSettings.defaults().withModels(java.util.Set.of("davinci-002")), policy, Clock.systemUTC());

    for (int i = 0; i < 5; i++) {
      byte[] unserved = ("{\"model\":\"no-such-model\",\"prompt\":\"" + i + "\"}").getBytes(StandardCharsets.UTF_8);
      assertThat(failure(complete(unserved, Instant.now().plus(GENEROUS))).reason()).isEqualTo(Reason.REJECTED);
    }

    assertThat(relay.availability().state()).isEqualTo(RelayAvailability.State.AVAILABLE);
  }

  @Test
  void aDailySpendCapHoldsCallsUntilTheNextDayAndPricesEachAnswer() {
    MutableClock time = new MutableClock(Instant.parse("2026-12-02T23:30:00Z"));
    SpendBudget budget = new SpendBudget("relay", 0, 1, 500_000, time);
    start(SimulatorSettings.defaults(), fastRetries(), time, budget);

    CallResult first = relay.complete(new RelayRequest(RelayApi.COMPLETIONS, body("first"), time.instant().plus(Duration.ofHours(2)),
        "davinci-002", 0), 0).join();
    CallFailedException held = failure(relay.complete(new RelayRequest(RelayApi.COMPLETIONS, body("held"),
        time.instant().plus(Duration.ofHours(2)), "davinci-002", 0), 0));

    long tokens = first.completion().usage().orElseThrow().totalTokens();
    assertThat(first.cost().quota()).isEqualTo(tokens); // davinci-002: model and completion ratio 1
    assertThat(first.cost().group()).isEqualTo("default");
    assertThat(held.reason()).isEqualTo(Reason.HELD);
    assertThat(held.attempts()).isZero();
    assertThat(held.getMessage()).contains("spend cap per day reached");
    RelayAvailability capped = relay.availability();
    assertThat(capped.state()).isEqualTo(RelayAvailability.State.UNAVAILABLE);
    assertThat(capped.hold().cause()).isEqualTo(Hold.Cause.BUDGET);
    assertThat(capped.hold().until()).isEqualTo(Instant.parse("2026-12-03T00:00:00Z"));

    time.advance(Duration.ofMinutes(30));

    assertThat(relay.availability().state()).isEqualTo(RelayAvailability.State.AVAILABLE);
    assertThat(relay.complete(new RelayRequest(RelayApi.COMPLETIONS, body("next day"),
        time.instant().plus(Duration.ofHours(2)), "davinci-002", 0), 0).join().attempts()).isEqualTo(1);
  }

  @Test
  void theTokenBudgetIsSettledWithTheAnswersUsage() {
    // 6,000 tokens a minute: an estimate of 3,000 books 30 s, the ~20 tokens really used 0.2 s.
    start(SimulatorSettings.defaults(), fastRetries().tokensPerMinute(6_000), Clock.systemUTC());

    relay.complete(new RelayRequest(RelayApi.COMPLETIONS, body("large estimate"), Instant.now().plus(GENEROUS), "davinci-002", 3_000), 0)
        .join();
    CallResult next = relay.complete(new RelayRequest(RelayApi.COMPLETIONS, body("next"), Instant.now().plusSeconds(5), "davinci-002", 10),
        0).join();

    // Unsettled, the second call would have had to wait 30 s and so missed its 5 s deadline.
    assertThat(next.attempts()).isEqualTo(1);
  }

  @Test
  void aCallWaitsForTokensOnlyUntilTheAnswersBeforeItSayWhatTheyUsed() {
    start(SimulatorSettings.defaults(), fastRetries().tokensPerMinute(600), Clock.systemUTC());
    CompletableFuture<CallResult> wholeMinute = relay.complete(new RelayRequest(RelayApi.COMPLETIONS,
        body("estimated at a minute"), Instant.now().plus(GENEROUS), "davinci-002", 600), 0);

    // Booked in advance, this call would have waited the whole minute and missed its deadline.
    CallResult next = relay.complete(new RelayRequest(RelayApi.COMPLETIONS, body("next"), Instant.now().plusSeconds(20),
        "davinci-002", 10), 0).join();

    assertThat(wholeMinute.join().completion().usage().orElseThrow().totalTokens()).isLessThan(590);
    assertThat(next.attempts()).isEqualTo(1);
  }

  @Test
  void aCallWhoseDeadlineComesWhileItWaitsForTokensEndsWithoutBeingSent() {
    start(SimulatorSettings.defaults().withLatency(Duration.ofSeconds(5), Duration.ZERO),
        fastRetries().tokensPerMinute(600), Clock.systemUTC());
    relay.complete(new RelayRequest(RelayApi.COMPLETIONS, body("holds the minute"), Instant.now().plus(GENEROUS),
        "davinci-002", 600), 0);

    CallFailedException late = failure(relay.complete(new RelayRequest(RelayApi.COMPLETIONS, body("late"),
        Instant.now().plusMillis(500), "davinci-002", 10), 0));

    assertThat(late.reason()).isEqualTo(Reason.DEADLINE_EXCEEDED);
    assertThat(late.attempts()).isZero();
    assertThat(simulator.stats().callsForPrompt("late")).isZero();
  }

  @Test
  void aBare429PausesEveryCallAndIsNotChargedToTheRequest() {
    start(SimulatorSettings.defaults(), immediateRetries(1).initialBackoff(Duration.ofMillis(50)),
        Clock.systemUTC());
    simulator.scriptNext(Fault.RATE_LIMITED, Fault.RATE_LIMITED);

    CallResult result = complete(body("throttled"), Instant.now().plus(GENEROUS)).join();

    // One attempt allowed, yet two 429s and an answer: a throttle is the relay's, not the request's.
    assertThat(result.attempts()).isEqualTo(3);
    assertThat(listener.pauses).hasSize(2);
  }

  private void start(SimulatorSettings settings, RelayPolicy.Builder policy, Clock time) {
    start(settings, policy, time, SpendBudget.none(time));
  }

  private void start(SimulatorSettings settings, RelayPolicy.Builder policy, Clock time, SpendBudget budget) {
    simulator = RelaySimulator.start(settings, 0);
    RelayClient client = RelayEndpoint.of(simulator.baseUri().toString(), KEY).open(new ObjectMapper(),
        Clock.systemUTC());
    relay = new ResilientRelay("relay", client, policy.build(), Pricing.defaults(), budget, time, listener);
    if (settings.apiKey().equals(SimulatorSettings.DEFAULT_KEY)) {
      simulator.reconfigure(settings.withApiKey(KEY));
    }
  }

  private static RelayPolicy.Builder fastRetries() {
    return RelayPolicy.custom().maxAttempts(3).initialBackoff(Duration.ofMillis(20)).maxBackoff(Duration.ofMillis(50));
  }

  /** Retries with no wait worth the name: the attempt budget alone decides. */
  private static RelayPolicy.Builder immediateRetries(int attempts) {
    return RelayPolicy.custom().maxAttempts(attempts).initialBackoff(Duration.ofMillis(1))
        .maxBackoff(Duration.ofMillis(1));
  }

  /** Polls (with a bound) until the first call's 429 has closed the gate. */
  private void awaitPause() {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (listener.pauses.isEmpty() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(listener.pauses).hasSize(1);
  }

  /** A completions request of no named model, submitted for the first time. */
  private CompletableFuture<CallResult> complete(byte[] body, Instant deadline) {
    return relay.complete(new RelayRequest(RelayApi.COMPLETIONS, body, deadline, null, 0), 0);
  }

  private static byte[] body(String prompt) {
    return ("{\"model\":\"davinci-002\",\"prompt\":\"" + prompt + "\",\"max_tokens\":8}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static CallFailedException failure(CompletableFuture<CallResult> call) {
    try {
      call.join();
    } catch (CompletionException e) {
      assertThat(e.getCause()).isInstanceOf(CallFailedException.class);
      return (CallFailedException) e.getCause();
    }
    throw new AssertionError("expected the call to fail, but it answered");
  }

  private static final class RecordingListener implements RelayCallListener {
    final List<Duration> retryWaits = new CopyOnWriteArrayList<>();
    final List<Instant> pauses = new CopyOnWriteArrayList<>();

    @Override
    public void retryScheduled(int failedAttempt, Duration wait, RelayException cause) {
      retryWaits.add(wait);
    }

    @Override
    public void relayPaused(String model, Instant until) {
      pauses.add(until);
    }
  }
}
