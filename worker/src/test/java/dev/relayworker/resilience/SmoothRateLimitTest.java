package dev.relayworker.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relayworker.testkit.MutableClock;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SmoothRateLimitTest {

  @ParameterizedTest
  @CsvSource({"600, 1, 100000000", "6000, 1, 10000000", "60, 1, 1000000000", "120000, 20, 10000000",
      "7000, 1, 8571428"})
  void choosesTheShortestWindowThatHoldsAWholePermit(int rpm, int perPeriod, long periodNanos) {
    RateLimiterConfig config = SmoothRateLimit.config(rpm, Duration.ofMinutes(1));

    assertThat(config.getLimitForPeriod()).isEqualTo(perPeriod);
    assertThat(config.getLimitRefreshPeriod()).isEqualTo(Duration.ofNanos(periodNanos));
  }

  @Test
  void sixHundredPerMinuteLetsTenOutInTheFirstSecondNotSixHundred() {
    MutableClock time = new MutableClock(Instant.parse("2026-11-24T12:00:00Z"));
    AtomicRateLimiter limiter = new AtomicRateLimiter("test",
        SmoothRateLimit.config(600, Duration.ofMinutes(5)), () -> Ticks.nanos(time));

    List<Long> waits = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      waits.add(limiter.reservePermission());
    }

    long withinFirstSecond = waits.stream().filter(wait -> wait >= 0 && wait < 1_000_000_000L).count();
    assertThat(withinFirstSecond).isEqualTo(10);
    assertThat(waits.get(1) - waits.get(0)).isEqualTo(100_000_000L);
    assertThat(waits.get(599)).isBetween(59_800_000_000L, 60_000_000_000L);
  }

  @Test
  void refusesANonPositiveRate() {
    assertThatThrownBy(() -> SmoothRateLimit.config(0, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 1");
  }
}
