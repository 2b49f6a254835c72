package dev.relayworker.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.relay.FailureKind;
import dev.relayworker.relay.RelayError;
import dev.relayworker.relay.RelayException;
import dev.relayworker.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The worker's steady clock, and what runs on it, with the wall clock set back under them: nothing
 * measured in spans (pacing, probes) stalls or fires early when the system time steps.
 */
class MonotonicClockTest {

  private final MutableClock wall = new MutableClock(Instant.parse("2026-12-04T12:00:00Z"));
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final MonotonicClock clock = new MonotonicClock(wall, nanos::get);

  @Test
  void followsTheNanosecondCounterNotTheWallClock() {
    Instant start = clock.instant();

    wall.advance(Duration.ofHours(-3));
    advance(Duration.ofSeconds(2));

    assertThat(start).isEqualTo(Instant.parse("2026-12-04T12:00:00Z"));
    assertThat(clock.instant()).isEqualTo(start.plusSeconds(2));
  }

  @Test
  void pacingKeepsItsRateWhenTheWallClockIsSetBack() {
    KeyLimits limits = new KeyLimits(RelayPolicy.custom().requestsPerMinute(60).build(), clock, null);
    limits.bookRequest();

    wall.advance(Duration.ofHours(-1));
    advance(Duration.ofSeconds(1));

    assertThat(limits.bookRequest()).isZero();
    assertThat(Duration.ofNanos(limits.bookRequest())).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void aKeyProbeIsDueAfterItsIntervalWhateverTheWallClockDoes() {
    KeyHealth key = new KeyHealth("default", KeyFailureMode.PAUSE, Duration.ofSeconds(30), clock, RelayCallListener.NONE);
    key.succeeded(key.epoch());
    key.failed(new RelayException(FailureKind.FINAL, 401, RelayError.NONE, null, "relay answered 401"), false);

    wall.advance(Duration.ofDays(1));
    boolean dueAtOnce = key.probeDue();
    wall.advance(Duration.ofDays(-2));
    advance(Duration.ofSeconds(30));

    assertThat(dueAtOnce).isFalse();
    assertThat(key.probeDue()).isTrue();
  }

  private void advance(Duration step) {
    nanos.addAndGet(step.toNanos());
  }
}
