package dev.relayworker.resilience;

import dev.relayworker.relay.RelayException;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Circuit breaker settings for relay traffic. Resilience4j's defaults (100 calls, 60 s open,
 * 60 s slow-call threshold) suit busy services with millisecond calls; a relay call takes
 * seconds and a worker may send only a few a second, so the window is time-based and short,
 * and slowness is left to the request timeout: an LLM that writes for 90 s is not failing.
 * Only transient failures count against the relay: a 400 or 401 means the relay is up.
 */
final class CircuitBreakers {

  private CircuitBreakers() {}

  static CircuitBreakerConfig config(RelayPolicy policy, Clock clock) {
    return CircuitBreakerConfig.custom()
        .slidingWindowType(SlidingWindowType.TIME_BASED)
        .slidingWindowSize((int) Math.max(1, policy.circuitWindow().toSeconds()))
        .minimumNumberOfCalls(policy.circuitMinimumCalls())
        .failureRateThreshold(policy.circuitFailureRatePercent())
        .waitDurationInOpenState(policy.circuitOpenDuration())
        .permittedNumberOfCallsInHalfOpenState(policy.circuitHalfOpenCalls())
        // Without this the breaker stays open until someone asks; a worker that paused
        // consumption because it is open would never ask.
        .automaticTransitionFromOpenToHalfOpenEnabled(true)
        .slowCallRateThreshold(100)
        .slowCallDurationThreshold(Duration.ofDays(1))
        .recordException(failure -> failure instanceof RelayException relay && relay.isTransient())
        .clock(clock)
        .currentTimestampFunction(Ticks::nanos, TimeUnit.NANOSECONDS)
        .build();
  }
}
