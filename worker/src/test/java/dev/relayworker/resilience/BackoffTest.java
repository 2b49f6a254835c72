package dev.relayworker.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BackoffTest {

  private final Backoff backoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(8), Duration.ofSeconds(60));

  @Test
  void doublesFromTheInitialWaitUpToTheMaximum() {
    assertThat(backoff.delay(1, Optional.empty(), 0)).isEqualTo(Duration.ofMillis(500));
    assertThat(backoff.delay(2, Optional.empty(), 0)).isEqualTo(Duration.ofSeconds(1));
    assertThat(backoff.delay(4, Optional.empty(), 0)).isEqualTo(Duration.ofSeconds(4));
    assertThat(backoff.delay(5, Optional.empty(), 0)).isEqualTo(Duration.ofSeconds(8));
    assertThat(backoff.delay(40, Optional.empty(), 0)).isEqualTo(Duration.ofSeconds(8));
  }

  @Test
  void jitterTakesOffAtMostAQuarter() {
    assertThat(backoff.delay(2, Optional.empty(), 0.999)).isEqualTo(Duration.ofMillis(750));
    assertThat(backoff.delay(2, Optional.empty(), 0.5)).isEqualTo(Duration.ofMillis(875));
  }

  @Test
  void takesTheRelaysRetryAfterAsGivenUpToTheCap() {
    assertThat(backoff.delay(1, Optional.of(Duration.ofSeconds(3)), 0.9)).isEqualTo(Duration.ofSeconds(3));
    assertThat(backoff.delay(1, Optional.of(Duration.ofMinutes(10)), 0)).isEqualTo(Duration.ofSeconds(60));
  }
}
