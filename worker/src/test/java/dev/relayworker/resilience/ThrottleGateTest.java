package dev.relayworker.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.relay.FailureKind;
import dev.relayworker.relay.RelayException;
import dev.relayworker.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ThrottleGateTest {

  private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");
  /** 1 s doubling to 8 s, a retry-after taken up to 20 s. */
  private static final Backoff BACKOFF = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(8),
      Duration.ofSeconds(20));

  private final MutableClock clock = new MutableClock(NOW);
  private final ThrottleGate gate = new ThrottleGate(BACKOFF, clock);

  @Test
  void isOpenUntilClosed() {
    assertThat(gate.remaining(NOW)).isZero();
    assertThat(gate.pausedUntil()).isNull();
  }

  @Test
  void aShorterPauseNeverCutsALongerOne() {
    gate.closeUntil(NOW.plusSeconds(5));
    gate.closeUntil(NOW.plusSeconds(1));

    assertThat(gate.remaining(NOW)).isEqualTo(Duration.ofSeconds(5));
    assertThat(gate.remaining(NOW.plusSeconds(6))).isZero();
  }

  @Test
  void a429WithRetryAfterClosesTheGateForAsLongAsItAsksUpToTheCap() {
    assertThat(gate.failed(throttled(Duration.ofSeconds(3)))).isEqualTo(NOW.plusSeconds(3));
    assertThat(gate.failed(throttled(Duration.ofHours(1)))).as("cut to the cap").isEqualTo(NOW.plusSeconds(20));
    assertThat(gate.pausedUntil()).isEqualTo(NOW.plusSeconds(20));
  }

  @Test
  void bare429sInARowPauseLongerEachTimeUntilAnAnswerStartsAfresh() {
    Duration first = Duration.between(NOW, gate.failed(throttled(null)));
    Duration second = Duration.between(NOW, gate.failed(throttled(null)));
    Duration third = Duration.between(NOW, gate.failed(throttled(null)));
    gate.answered();
    Duration afterAnAnswer = Duration.between(NOW, gate.failed(throttled(null)));

    // Jitter takes up to a quarter off: 0.75-1 s, 1.5-2 s, 3-4 s.
    assertThat(first).isBetween(Duration.ofMillis(750), Duration.ofSeconds(1));
    assertThat(second).isBetween(Duration.ofMillis(1_500), Duration.ofSeconds(2));
    assertThat(third).isBetween(Duration.ofSeconds(3), Duration.ofSeconds(4));
    assertThat(afterAnAnswer).isBetween(Duration.ofMillis(750), Duration.ofSeconds(1));
  }

  @Test
  void otherFailuresLeaveTheGateOpen() {
    RelayException serverError = new RelayException(FailureKind.TRANSIENT, 500, null, null, "server error");

    assertThat(gate.failed(serverError)).isNull();
    assertThat(gate.remaining(NOW)).isZero();
  }

  @Test
  void thePauseEndsWhenTheClockPassesIt() {
    gate.failed(throttled(Duration.ofSeconds(2)));
    clock.advance(Duration.ofSeconds(2));

    assertThat(gate.pausedUntil()).isNull();
  }

  private static RelayException throttled(Duration retryAfter) {
    return new RelayException(FailureKind.TRANSIENT, 429, null, retryAfter, "rate limited");
  }
}
