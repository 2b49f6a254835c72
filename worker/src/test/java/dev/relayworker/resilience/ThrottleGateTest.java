package dev.relayworker.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.relay.FailureKind;
import dev.relayworker.relay.RelayError;
import dev.relayworker.relay.RelayException;
import dev.relayworker.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ThrottleGateTest {

  private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");
  private static final String MODEL = "gpt-4o";
  /** 1 s doubling to 8 s, a retry-after taken up to 20 s. */
  private static final Backoff BACKOFF = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(8),
      Duration.ofSeconds(20));

  private final MutableClock clock = new MutableClock(NOW);
  private final ThrottleGate gate = new ThrottleGate(BACKOFF, clock);

  @Test
  void isOpenUntilClosed() {
    assertThat(gate.remaining(NOW, MODEL)).isZero();
    assertThat(gate.pausedUntil()).isNull();
  }

  @Test
  void aShorterPauseNeverCutsALongerOne() {
    gate.closeUntil(NOW.plusSeconds(5));
    gate.closeUntil(NOW.plusSeconds(1));

    assertThat(gate.remaining(NOW, MODEL)).isEqualTo(Duration.ofSeconds(5));
    assertThat(gate.remaining(NOW.plusSeconds(6), MODEL)).isZero();
  }

  @Test
  void a429WithRetryAfterClosesTheGateForAsLongAsItAsksUpToTheCap() {
    assertThat(gate.failed(throttled(Duration.ofSeconds(3)), MODEL)).isEqualTo(NOW.plusSeconds(3));
    assertThat(gate.failed(throttled(Duration.ofHours(1)), MODEL)).as("cut to the cap").isEqualTo(NOW.plusSeconds(20));
    assertThat(gate.pausedUntil()).isEqualTo(NOW.plusSeconds(20));
  }

  @Test
  void bare429sInARowPauseLongerEachTimeUntilAnAnswerStartsAfresh() {
    Duration first = Duration.between(NOW, gate.failed(throttled(null), MODEL));
    Duration second = Duration.between(NOW, gate.failed(throttled(null), MODEL));
    Duration third = Duration.between(NOW, gate.failed(throttled(null), MODEL));
    gate.answered();
    Duration afterAnAnswer = Duration.between(NOW, gate.failed(throttled(null), MODEL));

    // Jitter takes up to a quarter off: 0.75-1 s, 1.5-2 s, 3-4 s.
    assertThat(first).isBetween(Duration.ofMillis(750), Duration.ofSeconds(1));
    assertThat(second).isBetween(Duration.ofMillis(1_500), Duration.ofSeconds(2));
    assertThat(third).isBetween(Duration.ofSeconds(3), Duration.ofSeconds(4));
    assertThat(afterAnAnswer).isBetween(Duration.ofMillis(750), Duration.ofSeconds(1));
  }

  @Test
  void otherFailuresLeaveTheGateOpen() {
    RelayException serverError = new RelayException(FailureKind.TRANSIENT, 500, null, null, "server error");

    assertThat(gate.failed(serverError, MODEL)).isNull();
    assertThat(gate.remaining(NOW, MODEL)).isZero();
  }

  @Test
  void thePauseEndsWhenTheClockPassesIt() {
    gate.failed(throttled(Duration.ofSeconds(2)), MODEL);
    clock.advance(Duration.ofSeconds(2));

    assertThat(gate.pausedUntil()).isNull();
  }

  @Test
  void a429ForOneModelPausesThatModelOnly() {
    Instant until = gate.failed(perModel(Duration.ofSeconds(10)), MODEL);

    assertThat(until).isEqualTo(NOW.plusSeconds(10));
    assertThat(gate.remaining(NOW, MODEL)).isEqualTo(Duration.ofSeconds(10));
    assertThat(gate.pausedUntil(MODEL)).isEqualTo(until);
    assertThat(gate.remaining(NOW, "gpt-4o-mini")).isZero();
    assertThat(gate.pausedUntil()).as("the key is not paused").isNull();
  }

  @Test
  void aKeyWide429PausesEveryModel() {
    RelayException perUser = new RelayException(FailureKind.TRANSIENT, 429, new RelayError(
        "您已达到请求数限制：1分钟内最多请求60次", "new_api_error", null, null), Duration.ofSeconds(5), "limited");

    gate.failed(perUser, MODEL);

    assertThat(gate.pausedUntil()).isEqualTo(NOW.plusSeconds(5));
    assertThat(gate.remaining(NOW, "gpt-4o-mini")).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void pausesOfTooManyModelsAtOnceBecomeAPauseOfTheKey() {
    for (int i = 0; i < ThrottleGate.MAX_MODELS; i++) {
      gate.failed(perModel(Duration.ofSeconds(10)), "model-" + i);
    }
    assertThat(gate.pausedUntil()).isNull();

    gate.failed(perModel(Duration.ofSeconds(10)), "one-more");

    assertThat(gate.pausedUntil()).isEqualTo(NOW.plusSeconds(10));
  }

  /** OpenAI's per-model rate limit. */
  private static RelayException perModel(Duration retryAfter) {
    return new RelayException(FailureKind.TRANSIENT, 429, new RelayError("Rate limit reached for gpt-4o in"
        + " organization org-x on requests per min (RPM): Limit 3, Used 3, Requested 1.", "requests",
        null, "rate_limit_exceeded"), retryAfter, "rate limited");
  }

  /** A bare 429 (one-api's global limiter): the whole key. */
  private static RelayException throttled(Duration retryAfter) {
    return new RelayException(FailureKind.TRANSIENT, 429, null, retryAfter, "rate limited");
  }
}
