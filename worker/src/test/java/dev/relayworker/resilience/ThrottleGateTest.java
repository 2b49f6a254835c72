package dev.relayworker.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ThrottleGateTest {

  private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");

  @Test
  void isOpenUntilClosed() {
    assertThat(new ThrottleGate().remaining(NOW)).isZero();
  }

  @Test
  void aShorterPauseNeverCutsALongerOne() {
    ThrottleGate gate = new ThrottleGate();

    gate.closeUntil(NOW.plusSeconds(5));
    gate.closeUntil(NOW.plusSeconds(1));

    assertThat(gate.remaining(NOW)).isEqualTo(Duration.ofSeconds(5));
    assertThat(gate.remaining(NOW.plusSeconds(6))).isZero();
  }
}
